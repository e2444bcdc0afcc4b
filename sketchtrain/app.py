"""`sketchtrain app`: a local web page for cleaning sketches (FastAPI, optional extra `app`).

The routes only translate HTTP to :class:`sketchtrain.app_jobs.SketchApp` calls. The page is
one self-contained HTML file (no fonts, scripts or analytics from outside: it works offline).
The server binds to 127.0.0.1 unless told otherwise.

    GET  /                        the page
    GET  /api/models              models to choose from
    POST /api/jobs                multipart: file, model, scale, views, binarize, threshold
    GET  /api/jobs/{id}           state, progress (tiles done / total), error, scale
    GET  /api/jobs/{id}/output.png | output.svg     downloads
    GET  /api/zip?ids=j1,j2       PNG and SVG of several jobs in one zip
"""

# no `from __future__ import annotations`: FastAPI reads the handlers' annotations at definition time

from importlib import resources

from .app_jobs import AppError, SketchApp

PAGE = "app_page/index.html"


def missing_extra() -> str | None:
    """A message when the app's optional dependencies are not installed, else None."""
    try:
        import fastapi  # noqa: F401
        import multipart  # noqa: F401  (python-multipart: form uploads)
        import uvicorn  # noqa: F401
    except ImportError as exc:
        return (f"the app needs its optional dependencies ({exc.name} is missing): "
                "pip install 'sketch-simplify[app]'")
    return None


def create_app(state: SketchApp):
    from fastapi import FastAPI, Request
    from fastapi.responses import HTMLResponse, JSONResponse, Response

    api = FastAPI(title="sketchtrain app", docs_url=None, redoc_url=None, openapi_url=None)
    page = (resources.files("sketchtrain") / PAGE).read_text(encoding="utf-8")

    @api.exception_handler(AppError)
    async def refused(_request, exc: AppError):
        return JSONResponse({"error": str(exc)}, status_code=exc.status)

    @api.middleware("http")
    async def limit_upload_size(request: Request, call_next):
        # refuse an oversized upload from its header, before reading the body
        length = request.headers.get("content-length")
        if request.url.path == "/api/jobs" and length and int(length) > state.upload_limit + 1024 * 1024:
            return JSONResponse({"error": f"upload of {int(length) / 1e6:.1f} MB is above the app's "
                                          f"{state.upload_limit / 1e6:.0f} MB limit; use `sketchtrain simplify` "
                                          "for larger files"}, status_code=413)
        return await call_next(request)

    @api.get("/", response_class=HTMLResponse)
    def index():
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @api.get("/api/models")
    def models():
        return {"models": state.models(), "max_pixels": state.max_pixels, "upload_limit": state.upload_limit}

    @api.post("/api/jobs", status_code=202)
    async def submit(request: Request):
        form = await request.form()
        upload = form.get("file")
        if upload is None or not hasattr(upload, "read"):
            raise AppError("no file in the request (field 'file')")
        data = await upload.read()
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        return state.submit(upload.filename or "upload", data, fields)

    @api.get("/api/jobs/{job_id}")
    def status(job_id: str):
        return state.job(job_id).status()

    @api.get("/api/jobs/{job_id}/output.{kind}")
    def output(job_id: str, kind: str):
        data, name = state.output(job_id, kind)
        media = "image/png" if kind == "png" else "image/svg+xml"
        return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @api.get("/api/zip")
    def zipped(ids: str):
        job_ids = [i for i in ids.split(",") if i]
        if not job_ids:
            raise AppError("no jobs named (ids=j1,j2,...)")
        return Response(state.zip_outputs(job_ids), media_type="application/zip",
                        headers={"Content-Disposition": 'attachment; filename="simplified.zip"'})

    return api


def serve(model=None, models_dir=None, host: str = "127.0.0.1", port: int = 8765, max_pixels: int | None = None,
          on_ready=None) -> None:
    """Start the page and block until interrupted."""
    import uvicorn

    kwargs = {"max_pixels": max_pixels} if max_pixels else {}
    state = SketchApp(model, models_dir, **kwargs)
    if on_ready:
        on_ready(f"http://{host}:{port}/")
    uvicorn.run(create_app(state), host=host, port=port, log_level="warning")

"""`sketchtrain app`: a local web page for cleaning sketches (FastAPI, optional extra `app`).

The routes only translate HTTP to :class:`sketchtrain.app.jobs.SketchApp` calls. The page is
one self-contained HTML file (no fonts, scripts or analytics from outside: it works offline).
The server binds to 127.0.0.1 unless told otherwise.

    GET  /                        the page
    GET  /api/models              models to choose from
    POST /api/jobs                multipart: file, model, scale, views, binarize, threshold, despeckle
    GET  /api/jobs/{id}           state, progress (tiles done / total), error, scale
    GET  /api/jobs/{id}/output.png | output.svg     downloads
    GET  /api/jobs                the jobs kept (id, name, state)
    GET  /api/zip?ids=ID,ID       PNG and SVG of several jobs in one zip (each job once)

Only the page this server serves may use the routes (:mod:`sketchtrain.app.guard`): every
/api request carries the page's per-launch token, and requests naming another Host, from
another Origin or marked cross-site get 403.
"""

# no `from __future__ import annotations`: FastAPI reads the handlers' annotations at definition time

from importlib import resources

from sketchtrain.app.guard import Guard, allowed_host_names, new_secret, page_csp
from sketchtrain.app.jobs import AppError, SketchApp, content_disposition

PAGE = "app/page/index.html"


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


def create_app(state: SketchApp, host: str = "127.0.0.1", port: int = 8765, allow_hosts: tuple[str, ...] = ()):
    """The ASGI app: the routes behind :class:`sketchtrain.app.guard.Guard` (only this server's
    own Host, the launch token on every /api route, uploads bounded while streaming)."""
    from fastapi import FastAPI, Request
    from fastapi.concurrency import run_in_threadpool
    from fastapi.responses import HTMLResponse, JSONResponse, Response

    api = FastAPI(title="sketchtrain app", docs_url=None, redoc_url=None, openapi_url=None)
    nonce = new_secret()
    page = ((resources.files("sketchtrain") / PAGE).read_text(encoding="utf-8")
            .replace("__SKETCH_TOKEN__", state.token).replace("__NONCE__", nonce))

    @api.exception_handler(AppError)
    async def refused(_request, exc: AppError):
        return JSONResponse({"error": str(exc)}, status_code=exc.status)

    @api.get("/", response_class=HTMLResponse)
    def index():
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @api.get("/api/models")
    def models():
        return {"models": state.models(), "max_pixels": state.max_pixels, "upload_limit": state.upload_limit}

    @api.post("/api/jobs", status_code=202)
    async def submit(request: Request):
        form = await request.form(max_files=1, max_fields=20)
        upload = form.get("file")
        if upload is None or not hasattr(upload, "read"):
            raise AppError("no file in the request (field 'file')")
        data = await upload.read()
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        # the header check reads a file: off the event loop
        return await run_in_threadpool(state.submit, upload.filename or "upload", data, fields)

    @api.get("/api/jobs")
    def jobs():
        return {"jobs": state.job_list()}

    @api.get("/api/jobs/{job_id}")
    def status(job_id: str):
        return state.job(job_id).status()

    @api.get("/api/jobs/{job_id}/output.{kind}")
    def output(job_id: str, kind: str):
        data, name = state.output(job_id, kind)
        media = "image/png" if kind == "png" else "image/svg+xml"
        return Response(data, media_type=media, headers={"Content-Disposition": content_disposition(name)})

    @api.get("/api/zip")
    def zipped(ids: str):
        return Response(state.zip_outputs([i for i in ids.split(",") if i]), media_type="application/zip",
                        headers={"Content-Disposition": content_disposition("simplified.zip")})

    return Guard(api, state.token, allowed_host_names(host, allow_hosts), port, state.upload_limit, page_csp(nonce))


def serve(model=None, models_dir=None, host: str = "127.0.0.1", port: int = 8765, max_pixels: int | None = None,
          on_ready=None, allow_hosts: tuple[str, ...] = ()) -> None:
    """Start the page and block until interrupted."""
    import uvicorn

    kwargs = {"max_pixels": max_pixels} if max_pixels else {}
    state = SketchApp(model, models_dir, **kwargs)
    if on_ready:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        on_ready(f"http://{_bracketed(shown)}:{port}/")
    uvicorn.run(create_app(state, host, port, tuple(allow_hosts)), host=host, port=port, log_level="warning")


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host

"""What `sketchtrain app` does, without the web server: models to choose from, simplification
jobs with progress, their PNG / SVG / zip outputs, and bad input refused with the CLI's words.

Every job runs :func:`sketchtrain.inference.simplify.simplify_image` on the image as
:func:`sketchdata.image.io.load_grey` reads it from a file, and encodes with the functions
`sketchtrain simplify` writes with, so a download equals the CLI's output byte for byte.
Jobs run one at a time on a worker thread (the network already uses every core). A request
only checks the file's header; decoding, the network and SVG tracing all run on the worker, so
no request waits on them, and any error there fails that job (with its reason), never the
worker.
"""

from __future__ import annotations

import io
import queue
import re
import secrets
import threading
import time
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path

from sketchdata.image.io import BadInput, encode_png, load_grey, read_size

from sketchtrain.app.guard import new_secret
from sketchtrain.models.checkpoint import CheckpointError
from sketchtrain.inference.default_model import MODEL_SUFFIXES, default_model_path
from sketchtrain.inference.tiling import check_views
from sketchtrain.inference.despeckle import check_speck_area
from sketchtrain.inference.simplify import SimplifyOptions, make_runner, parse_scale, parse_threshold, simplify_image
from sketchtrain.inference.vectorize import svg_document

DEFAULT_UPLOAD_LIMIT = 100 * 1024 * 1024  # bytes per uploaded file
# pixels per upload: 50 MP (an A3 page at 600 dpi is 70 MP, at 400 dpi 31 MP) keeps a job's
# peak memory below 1 GB (README "Safety"); `sketchtrain simplify` takes larger files
APP_MAX_PIXELS = 50_000_000
# the SVG is traced only up to this size: tracing a dense 50 MP drawing takes minutes and more
# memory than the rest of the job (`sketchtrain simplify --svg` traces any size)
APP_SVG_MAX_PIXELS = 16_000_000


class AppError(Exception):
    """A request the app refuses; ``status`` is the HTTP status, the message says why."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class Job:
    id: str
    name: str
    model: str
    options: SimplifyOptions
    upload: bytes | None = None  # the uploaded file until the worker has decoded it
    state: str = "queued"  # queued | running | done | failed
    svg_state: str = "waiting"  # waiting | tracing | done | failed...: traced on the worker after the PNG
    progress: tuple[int, int] = (0, 1)
    error: str | None = None
    png: bytes | None = None
    svg: bytes | None = None
    scale: float | None = None
    size: tuple[int, int] | None = None
    seconds: float | None = None
    created: float = field(default_factory=time.time)

    def status(self) -> dict:
        return {"id": self.id, "name": self.name, "model": self.model, "state": self.state,
                "progress": list(self.progress), "error": self.error, "scale": self.scale, "svg": self.svg_state,
                "size": list(self.size) if self.size else None, "seconds": self.seconds}


def _whole_number_field(fields: dict, key: str, default: int, check) -> int:
    """The form field ``key`` (``default`` when empty) through ``check``, the CLI's own check:
    digits become a number, anything else goes to ``check`` as typed, so its words name it."""
    text = str(fields.get(key) or default)
    try:
        return check(int(text) if text.isdigit() else text)
    except ValueError as exc:
        raise AppError(str(exc)) from None


def parse_settings(fields: dict) -> SimplifyOptions:
    """SimplifyOptions from the page's form fields (strings), with the CLI's checks and words."""
    views = _whole_number_field(fields, "views", 1, check_views)
    try:
        scale = parse_scale(fields.get("scale") or "auto")
    except ValueError as exc:
        raise AppError(str(exc)) from None
    binarize = str(fields.get("binarize", "")).lower() in ("1", "true", "on", "yes")
    try:
        threshold = parse_threshold(fields.get("threshold"))
    except ValueError as exc:
        raise AppError(str(exc)) from None
    despeckle = _whole_number_field(fields, "despeckle", 0, check_speck_area)
    # svg=True: the tracing threshold is always chosen as `simplify --svg` chooses it; it does
    # not change the PNG, which depends on binarize alone
    return SimplifyOptions(scale=scale, views=views, binarize=binarize, threshold=threshold, svg=True,
                           despeckle=despeckle)


class SketchApp:
    """Models, jobs and outputs of one app session (all in memory, bounded)."""

    def __init__(self, model: str | Path | None = None, models_dir: str | Path | None = None,
                 max_pixels: int = APP_MAX_PIXELS, upload_limit: int = DEFAULT_UPLOAD_LIMIT,
                 keep_jobs: int = 64):
        if max_pixels < 1:
            raise AppError(f"--max-pixels must be at least 1, got {max_pixels}")
        self.max_pixels, self.upload_limit, self.keep_jobs = max_pixels, upload_limit, keep_jobs
        self.token = new_secret()  # only the served page knows it (app_guard)
        self.choices = self._find_models(model, models_dir)
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._queue: queue.Queue[Job] = queue.Queue()
        self._runners: dict[tuple[str, int], object] = {}
        self._worker = threading.Thread(target=self._work, name="sketchtrain-app-worker", daemon=True)
        self._worker.start()

    @staticmethod
    def _find_models(model, models_dir) -> OrderedDict[str, Path]:
        """id -> weights file: the given model, or every weights file in the folder, or the
        shipped default model; the default is offered beside a folder's models."""
        choices: OrderedDict[str, Path] = OrderedDict()
        if model is not None:
            path = Path(model)
            if not path.is_file():
                raise AppError(f"--model {path}: no such file")
            choices[path.name] = path
        if models_dir is not None:
            folder = Path(models_dir)
            if not folder.is_dir():
                raise AppError(f"--models {folder}: no such folder")
            for path in sorted(folder.rglob("*")):
                ir_weights = path.suffix.lower() == ".bin" and path.with_suffix(".xml").is_file()  # an IR's half
                if path.is_file() and path.suffix.lower() in MODEL_SUFFIXES and not ir_weights:
                    choices[str(path.relative_to(folder))] = path
            if not choices:
                raise AppError(f"--models {folder}: no weights files ({', '.join(MODEL_SUFFIXES)}) in it")
        if model is None:
            try:
                choices = OrderedDict([("default", default_model_path()), *choices.items()])
            except CheckpointError:
                if not choices:
                    raise
        return choices

    def models(self) -> list[dict]:
        return [{"id": key, "label": "default model (shipped)" if key == "default" else key} for key in self.choices]

    def _runner(self, model_id: str, options: SimplifyOptions):
        key = (model_id, options.views)
        if key not in self._runners:
            self._runners[key], _ = make_runner(self.choices[model_id], options)
        return self._runners[key]

    def submit(self, name: str, data: bytes, fields: dict) -> dict:
        """Check and queue one uploaded file; AppError (with the CLI's reason) when refused.
        Only the header is read here (a readable image, its pixel count); the worker decodes."""
        name = upload_name(name)
        if len(data) > self.upload_limit:
            raise AppError(f"{name}: {len(data) / 1e6:.1f} MB, above the app's {self.upload_limit / 1e6:.0f} MB "
                           "upload limit; use `sketchtrain simplify` for larger files", 413)
        model_id = fields.get("model") or next(iter(self.choices))
        if model_id not in self.choices:
            raise AppError(f"unknown model {model_id!r}; choose one of {', '.join(self.choices)}")
        options = replace(parse_settings(fields), max_pixels=self.max_pixels)
        try:
            width, height = read_size(data, self.max_pixels)
        except BadInput as exc:
            raise AppError(f"{name}: {exc}") from None
        with self._lock:
            job = Job(id=secrets.token_urlsafe(16), name=name, model=model_id, options=options, upload=data,
                      size=(width, height))
            self.jobs[job.id] = job
            while len(self.jobs) > self.keep_jobs:
                self.jobs.popitem(last=False)
        self._queue.put(job)
        return job.status()

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            try:
                self._run(job)
            except BaseException as exc:  # noqa: BLE001  (the worker outlives any job)
                job.error, job.state, job.svg_state = f"{job.name}: {_reason(exc)}", "failed", "failed"
            finally:
                job.upload = None

    def _run(self, job: Job) -> None:
        job.state = "running"
        start = time.perf_counter()
        try:
            image = load_grey(job.upload, self.max_pixels)  # the CLI's reader: same checks, same pixels
            job.upload = None
            runner = self._runner(job.model, job.options)

            def progress(done: int, total: int, job=job) -> None:
                job.progress = (done, total)

            done = simplify_image(runner, image, job.options, on_tile=progress)
            del image
            job.png, job.scale = encode_png(done.image), done.scale
            job.seconds = round(time.perf_counter() - start, 3)
        except Exception as exc:  # noqa: BLE001  (a broken model or file fails its own job only)
            job.error, job.state, job.svg_state = f"{job.name}: {_reason(exc)}", "failed", "failed"
            return
        if done.image.size > APP_SVG_MAX_PIXELS:
            job.state, job.svg_state = "done", (f"skipped: the app traces SVGs up to {APP_SVG_MAX_PIXELS / 1e6:.0f} MP; "
                                                "use `sketchtrain simplify --svg` for this one")
            return
        job.state, job.svg_state = "done", "tracing"
        try:
            job.svg, _ = svg_document(done.image, done.threshold)
            job.svg_state = "done"
        except Exception as exc:  # noqa: BLE001
            job.svg_state = f"failed: {_reason(exc)}"

    def job(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise AppError(f"no job {job_id!r} (finished jobs are kept for the last {self.keep_jobs} files)", 404)
        return job

    def job_list(self) -> list[dict]:
        return [{"id": job.id, "name": job.name, "state": job.state} for job in list(self.jobs.values())]

    def output(self, job_id: str, kind: str) -> tuple[bytes, str]:
        """(file bytes, download name) of a finished job; kind png or svg."""
        job = self.job(job_id)
        if job.state != "done":
            raise AppError(f"{job.name} is {job.state}" + (f": {job.error}" if job.error else ""), 409)
        stem = Path(job.name).stem or "upload"
        if kind == "png":
            return job.png, f"{stem}.png"
        if kind == "svg":
            if job.svg is None:
                if job.svg_state.startswith("failed"):
                    raise AppError(f"{job.name}: the SVG could not be traced ({job.svg_state})", 500)
                if job.svg_state.startswith("skipped"):
                    raise AppError(f"{job.name}: no SVG ({job.svg_state})", 404)
                raise AppError(f"{job.name}: the SVG is still being traced; try again in a moment", 409)
            return job.svg, f"{stem}.svg"
        raise AppError(f"unknown output {kind!r}: png or svg", 404)

    def zip_outputs(self, job_ids: list[str]) -> bytes:
        """PNG and SVG of the named finished jobs (each once, at most the jobs kept; no SVG where
        the app made none), names as `simplify` would give them."""
        job_ids = list(dict.fromkeys(job_ids))
        if not job_ids:
            raise AppError("no jobs named (ids=ID,ID,...)")
        if len(job_ids) > self.keep_jobs:
            raise AppError(f"{len(job_ids)} jobs named; a zip holds at most {self.keep_jobs} (the jobs kept)")
        files = [(*self.output(job_id, kind), job_id) for job_id in job_ids for kind in ("png", "svg")
                 if kind == "png" or not self.job(job_id).svg_state.startswith("skipped")]
        buffer = io.BytesIO()
        used: set[str] = set()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for data, name, job_id in files:
                unique = name if name not in used else f"{Path(name).stem}-{job_id}{Path(name).suffix}"
                used.add(unique)
                archive.writestr(unique, data)
        return buffer.getvalue()

    def wait(self, job_id: str, timeout: float = 600.0) -> dict:
        """Block until a job has finished, its SVG included (for scripts and tests)."""
        deadline = time.monotonic() + timeout
        while self.job(job_id).state in ("queued", "running") or self.job(job_id).svg_state == "tracing":
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {self.job(job_id).state} after {timeout:.0f} s")
            time.sleep(0.02)
        return self.job(job_id).status()


def _reason(exc: BaseException) -> str:
    """A one-line reason: our own errors' messages as they are, anything else with its type."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, (BadInput, CheckpointError, AppError)):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def upload_name(name: str | None) -> str:
    """The file-name part of an uploaded name (after the last / or backslash), without control
    characters or leading dots; "upload" when nothing is left."""
    name = _CONTROL.sub("", re.split(r"[/\\]", name or "")[-1]).strip().lstrip(".")
    return name or "upload"


def content_disposition(name: str) -> str:
    """An attachment header any file name survives: an ASCII fallback (RFC 6266) and the name
    itself as percent-encoded UTF-8 (RFC 8187)."""
    from urllib.parse import quote

    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", name) or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"

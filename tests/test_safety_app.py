"""The local app answers only its own page: foreign Host, foreign Origin, cross-site fetches and
requests without the launch token are refused; ids are unguessable; zips, uploads, names and
worker errors are bounded and survived. Each case is generated here and sent through the routes.
"""

from __future__ import annotations

import asyncio
import io
import re
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from sketchdata.image.io import save_png
from sketchdata.drawing.shapes import procedural_line_art
from conftest import calibrated_model

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from sketchtrain.app.server import create_app  # noqa: E402
from sketchtrain.app.jobs import AppError, SketchApp  # noqa: E402

PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"


@pytest.fixture(scope="module")
def sketch(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("sketch") / "s.png"
    save_png(path, procedural_line_art((90, 120), np.random.default_rng(0)))
    return path.read_bytes()


@pytest.fixture(scope="module")
def state(model_file) -> SketchApp:
    return SketchApp(model=model_file, upload_limit=300_000, max_pixels=200_000, keep_jobs=8)


@pytest.fixture(scope="module")
def client(state) -> TestClient:
    return TestClient(create_app(state, port=PORT), base_url=BASE)


def _token(client: TestClient) -> str:
    page = client.get("/").text
    return re.search(r'name="sketch-token" content="([^"]+)"', page).group(1)


def _api(client, method: str, path: str, **kwargs):
    headers = {"X-Sketch-Token": _token(client), **kwargs.pop("headers", {})}
    return client.request(method, path, headers=headers, **kwargs)


def _post(client, name: str, data: bytes, **fields):
    return _api(client, "POST", "/api/jobs", files={"file": (name, data, "image/png")}, data=fields)


def _done(state: SketchApp, job_id: str) -> dict:
    status = state.wait(job_id)
    assert status["state"] == "done", status
    return status


# ---------------------------------------------------------------------------- who may ask
@pytest.mark.slow
@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8765", "127.0.0.1:9999", "localhost.evil:8765"])
def test_a_foreign_host_gets_403_everywhere(client, host):
    token = _token(client)
    for path in ("/", "/api/models", f"/api/models?token={token}"):
        answer = client.get(path, headers={"Host": host})
        assert answer.status_code == 403, (host, path)
        assert "host" in answer.text.lower()


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "[::1]:8765", "LOCALHOST:8765"])
def test_the_loopback_names_are_served(client, host):
    assert client.get("/", headers={"Host": host}).status_code == 200


def test_api_routes_need_the_launch_token(client):
    assert client.get("/api/models").status_code == 403
    assert client.get("/api/models", headers={"X-Sketch-Token": "guess"}).status_code == 403
    assert client.get(f"/api/models?token={_token(client)}").status_code == 200
    assert _api(client, "GET", "/api/models").status_code == 200
    refused = client.post("/api/jobs", files={"file": ("a.png", b"x", "image/png")})
    assert refused.status_code == 403 and "token" in refused.json()["error"]


def test_cross_site_and_foreign_origin_requests_are_refused_even_with_the_token(client):
    assert _api(client, "GET", "/api/models", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert _api(client, "GET", "/api/models", headers={"Origin": "http://attacker.example"}).status_code == 403
    assert _api(client, "GET", "/api/models", headers={"Origin": "http://127.0.0.1:9999"}).status_code == 403
    assert _api(client, "GET", "/api/models", headers={"Origin": BASE, "Sec-Fetch-Site": "same-origin"}).status_code == 200


def test_the_token_is_new_at_every_launch(model_file):
    a = SketchApp(model=model_file)
    b = SketchApp(model=model_file)
    assert a.token != b.token and len(a.token) >= 32


def test_allowed_hosts_follow_the_listening_address():
    from sketchtrain.app.guard import allowed_host_names

    assert allowed_host_names("127.0.0.1") == {"127.0.0.1", "localhost", "[::1]"}
    everywhere = allowed_host_names("0.0.0.0", allow=["sketch.studio.lan"])
    import socket

    assert {"127.0.0.1", "localhost", "sketch.studio.lan", socket.gethostname().lower()} <= everywhere


def test_the_page_carries_csp_and_refuses_framing(client):
    page = client.get("/")
    assert page.headers["X-Frame-Options"] == "DENY"
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert f'<script nonce="{nonce}">' in page.text
    assert 'style="' not in page.text  # inline style attributes would be blocked by the CSP


# ---------------------------------------------------------------------------- bounded work
def test_job_ids_are_unguessable(client, state, sketch):
    ids = [_post(client, "a.png", sketch, scale="1").json()["id"] for _ in range(2)]
    assert ids[0] != ids[1] and all(len(i) >= 16 and not re.fullmatch(r"j\d+", i) for i in ids)
    for job_id in ids:
        _done(state, job_id)


def test_a_zip_holds_each_job_once_and_at_most_the_jobs_kept(client, state, sketch):
    job_id = _post(client, "a.png", sketch, scale="1").json()["id"]
    _done(state, job_id)
    answer = _api(client, "GET", f"/api/zip?ids={','.join([job_id] * 60)}")
    assert answer.status_code == 200
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        assert sorted(archive.namelist()) == ["a.png", "a.svg"]
    many = ",".join(f"x{i}" for i in range(state.keep_jobs + 1))
    refused = _api(client, "GET", f"/api/zip?ids={many}")
    assert refused.status_code == 400 and "at most" in refused.json()["error"]


def _threads_running(monkeypatch, name: str, state: SketchApp, sketch: bytes) -> list[str]:
    """The threads that ran ``sketchtrain.app.jobs.<name>`` during one job and its downloads."""
    import sketchtrain.app.jobs as jobs

    threads = []
    real = getattr(jobs, name)

    def recorded(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs, name, recorded)
    job = state.submit("b.png", sketch, {"scale": "1"})
    _done(state, job["id"])
    state.output(job["id"], "svg")
    return threads


@pytest.mark.parametrize("work", ["svg_document", "load_grey"])
def test_tracing_and_decoding_run_on_the_worker_not_in_the_request(state, sketch, monkeypatch, work):
    assert _threads_running(monkeypatch, work, state, sketch) == ["sketchtrain-app-worker"]


def test_a_truncated_upload_fails_on_its_job_with_the_cli_reason(state, sketch):
    job = state.submit("half.png", sketch[: len(sketch) // 2], {"scale": "1"})
    status = state.wait(job["id"])
    assert status["state"] == "failed" and "half.png: cannot decode" in status["error"]


@pytest.mark.slow
def test_the_worker_survives_a_model_without_weights(tmp_path, model_file, sketch):
    models = tmp_path / "models"
    models.mkdir()
    from sketchtrain.models.checkpoint import save_checkpoint

    save_checkpoint(models / "broken.pt", {"model": calibrated_model().config.to_dict(), "step": 0})  # no state_dict
    (models / "good.pt").write_bytes(model_file.read_bytes())
    state = SketchApp(models_dir=models)
    failed = state.wait(state.submit("a.png", sketch, {"model": "broken.pt", "scale": "1"})["id"])
    assert failed["state"] == "failed" and "broken.pt" in failed["error"]
    done = state.wait(state.submit("a.png", sketch, {"model": "good.pt", "scale": "1"})["id"])
    assert done["state"] == "done"


def test_the_app_caps_pixels_at_50_mp_by_default(model_file):
    assert SketchApp(model=model_file).max_pixels == 50_000_000


# ---------------------------------------------------------------------------- names
@pytest.mark.slow
@pytest.mark.parametrize("name,plain", [("スケッチ draft ü.png", "スケッチ draft ü.png"),
                                        ('evil"; filename="x.exe.png', None),  # the client escapes the quotes
                                        ("..\\..\\win\\drawing.png", "drawing.png")])
def test_any_file_name_downloads(client, state, sketch, name, plain):
    from urllib.parse import quote

    job_id = _post(client, name, sketch, scale="1").json()["id"]
    _done(state, job_id)
    plain = plain or state.job(job_id).name
    assert state.job(job_id).name == plain
    for kind in ("png", "svg"):
        answer = _api(client, "GET", f"/api/jobs/{job_id}/output.{kind}")
        assert answer.status_code == 200, answer.text
        disposition = answer.headers["Content-Disposition"]
        stem = Path(plain).stem
        assert f"filename*=UTF-8''{quote(stem + '.' + kind, safe='')}" in disposition
        ascii_part = re.search(r'filename="([^"]*)"', disposition).group(1)
        assert ascii_part.isascii() and "\\" not in ascii_part and ";" not in disposition.split("filename*")[1]
        assert disposition.count("filename=") == 1
    with zipfile.ZipFile(io.BytesIO(_api(client, "GET", f"/api/zip?ids={job_id}").content)) as archive:
        for entry in archive.namelist():
            assert "/" not in entry and "\\" not in entry and not entry.startswith(".")


# ---------------------------------------------------------------------------- uploads
def test_a_chunked_upload_is_refused_while_streaming(state):
    """An upload without Content-Length is cut off once it passes the limit; the rest is never read."""
    app = create_app(state, port=PORT)
    token = state.token
    chunk = b"x" * 65536
    pulled = []

    boundary = "b0undary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
            "Content-Type: image/png\r\n\r\n").encode()

    async def receive():
        body = chunk if pulled else head + chunk
        pulled.append(len(body))
        return {"type": "http.request", "body": body, "more_body": len(pulled) < 1000}  # 65 MB offered

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/jobs", "raw_path": b"/api/jobs", "query_string": b"", "root_path": "",
             "headers": [(b"host", f"127.0.0.1:{PORT}".encode()), (b"x-sketch-token", token.encode()),
                         (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
                         (b"transfer-encoding", b"chunked")],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", PORT)}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert sum(pulled) <= state.upload_limit + 1024 * 1024 + 2 * len(chunk)  # of the 65 MB offered


def test_a_declared_oversize_upload_is_refused_before_reading(client, state):
    answer = _api(client, "POST", "/api/jobs", content=b"x" * (state.upload_limit + 2_000_000),
                  headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert answer.status_code == 413 and "upload limit" in answer.json()["error"]


@pytest.mark.slow
def test_a_capped_upload_peaks_below_1_gb(tmp_path, model_file):
    """A 49 MP colour PNG (just under the app's 50 MP cap) through a whole app job, in a fresh
    process whose model is already loaded (one small job first): the job adds under 1 GB to the
    process's resident memory at its peak (the process with torch and the model: about 0.3 GB)."""
    import subprocess
    import sys

    big = tmp_path / "big.png"
    make = ("import numpy as np; from PIL import Image; "
            "a = np.full((7000, 7000, 3), 250, np.uint8); a[::40] = 20; a[:, ::53] = 30; "
            f"Image.fromarray(a).save({str(big)!r}, compress_level=1)")
    subprocess.run([sys.executable, "-c", make], check=True, timeout=300)
    small = tmp_path / "small.png"
    save_png(small, procedural_line_art((90, 120), np.random.default_rng(0)))
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec, so a child of a large
    # pytest process would report the parent's size
    run = ("from pathlib import Path; from sketchtrain.app.jobs import SketchApp; "
           f"s = SketchApp(model={str(model_file)!r}); "
           f"s.wait(s.submit('small.png', Path({str(small)!r}).read_bytes(), {{'scale': '1'}})['id']); "
           "before = int([l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1]); "
           f"j = s.submit('big.png', Path({str(big)!r}).read_bytes(), {{'scale': '1'}}); st = s.wait(j['id'], 600); "
           "assert st['state'] == 'done', st; "
           "print(before, [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])")
    done = subprocess.run([sys.executable, "-c", run], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    before_kb, peak_kb = map(int, done.stdout.split()[-2:])
    assert peak_kb - before_kb < 1_000_000, f"the job added {(peak_kb - before_kb) / 1e6:.2f} GB (peak {peak_kb / 1e6:.2f} GB)"


def test_an_image_above_the_svg_limit_gets_its_png_and_a_reason(state, sketch, monkeypatch):
    import sketchtrain.app.jobs as jobs

    monkeypatch.setattr(jobs, "APP_SVG_MAX_PIXELS", 1000)
    job_id = state.submit("large.png", sketch, {"scale": "1"})["id"]
    status = _done(state, job_id)
    assert status["svg"].startswith("skipped") and "simplify --svg" in status["svg"]
    with pytest.raises(AppError, match="no SVG") as err:
        state.output(job_id, "svg")
    assert err.value.status == 404
    with zipfile.ZipFile(io.BytesIO(state.zip_outputs([job_id]))) as archive:
        assert archive.namelist() == ["large.png"]

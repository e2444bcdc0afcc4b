"""`sketchtrain app` handlers: bad files, huge files, several files, outputs equal to the CLI's."""

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sketchdata.image.io import save_png
from sketchdata.drawing.shapes import procedural_line_art
from sketchtrain.app.jobs import AppError, SketchApp, parse_settings
from sketchtrain.inference.simplify import SimplifyOptions, simplify_paths

pytest.importorskip("fastapi")


@pytest.fixture(scope="module")
def drawings(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("drawings")
    paths = []
    for i, size in enumerate([(90, 120), (130, 70)]):
        paths.append(folder / f"sketch{i}.png")
        save_png(paths[-1], procedural_line_art(size, np.random.default_rng(i)))
    jpeg = folder / "photo.jpg"  # an RGB JPEG, as a phone would give
    Image.open(paths[0]).convert("RGB").save(jpeg, quality=90)
    paths.append(jpeg)
    return paths


@pytest.fixture(scope="module")
def app(model_file) -> SketchApp:
    return SketchApp(model=model_file, upload_limit=200_000, max_pixels=100_000)


def _cli_png(model_file: Path, image: Path, out: Path, **options) -> bytes:
    report = simplify_paths(model_file, [image], out, SimplifyOptions(**options))
    assert not report.failed, report.failed
    return Path(report.written[0]["output"]).read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("fields,options", [
    ({"scale": "auto"}, {"scale": "auto"}),
    ({"scale": "1.3", "binarize": "1"}, {"scale": 1.3, "binarize": True}),
    ({"scale": "0.8", "binarize": "on", "threshold": "0.4", "views": "2"},
     {"scale": 0.8, "binarize": True, "threshold": 0.4, "views": 2}),
    ({"scale": "1", "despeckle": "8", "binarize": "1"}, {"scale": 1.0, "despeckle": 8, "binarize": True}),
])
def test_downloads_equal_the_cli_output_byte_for_byte(app, model_file, drawings, tmp_path, fields, options):
    for image in drawings:
        job = app.submit(image.name, image.read_bytes(), fields)
        assert app.wait(job["id"])["state"] == "done"
        png, name = app.output(job["id"], "png")
        assert name == image.stem + ".png"
        assert png == _cli_png(model_file, image, tmp_path / f"cli-{image.stem}", **options)

@pytest.mark.slow

def test_svg_equals_the_cli_svg(app, model_file, drawings, tmp_path):
    job = app.submit(drawings[0].name, drawings[0].read_bytes(), {"scale": "1"})
    app.wait(job["id"])
    svg, name = app.output(job["id"], "svg")
    report = simplify_paths(model_file, [drawings[0]], tmp_path, SimplifyOptions(scale=1.0, svg=True))
    assert name.endswith(".svg") and svg == Path(report.written[0]["svg"]).read_bytes()


def test_a_bad_file_is_refused_with_the_cli_reason(app):
    with pytest.raises(AppError, match=r"notes.png: not a readable image") as err:
        app.submit("notes.png", b"this is not an image", {})
    assert err.value.status == 400
    with pytest.raises(AppError, match="empty file"):
        app.submit("empty.png", b"", {})


def test_huge_files_are_refused_by_size_and_by_pixel_count(app):
    with pytest.raises(AppError, match=r"big.png: 0.3 MB, above the app's 0 MB upload limit") as err:
        app.submit("big.png", b"x" * 300_000, {})
    assert err.value.status == 413
    buffer = io.BytesIO()
    Image.new("L", (400, 300), 255).save(buffer, format="PNG")  # 120 000 pixels > max_pixels 100 000
    with pytest.raises(AppError, match=r"wide.png: header says 400x300 .* limit"):
        app.submit("wide.png", buffer.getvalue(), {})


def test_bad_settings_get_the_cli_words(app, drawings):
    data = drawings[0].read_bytes()
    with pytest.raises(AppError, match="--scale must be between 0.05 and 8"):
        app.submit("a.png", data, {"scale": "20"})
    with pytest.raises(AppError, match="views must be one of 1, 2, 4, 8"):
        app.submit("a.png", data, {"views": "3"})
    with pytest.raises(AppError, match=r"threshold must be in \[0, 1\]"):
        parse_settings({"threshold": "2"})
    with pytest.raises(AppError, match="despeckle area must be a whole number of pixels"):
        parse_settings({"despeckle": "-4"})
    assert parse_settings({"despeckle": "16"}).despeckle == 16 and parse_settings({"despeckle": ""}).despeckle == 0
    with pytest.raises(AppError, match="unknown model 'other.pt'"):
        app.submit("a.png", data, {"model": "other.pt"})


def test_several_files_download_as_one_zip_with_png_and_svg(app, drawings):
    ids = [app.submit(p.name, p.read_bytes(), {"scale": "1"})["id"] for p in drawings]
    for job_id in ids:
        app.wait(job_id)
    with zipfile.ZipFile(io.BytesIO(app.zip_outputs(ids))) as archive:
        names = sorted(archive.namelist())
        assert names == ["photo.png", "photo.svg", "sketch0.png", "sketch0.svg", "sketch1.png", "sketch1.svg"]
        assert archive.read("sketch1.png") == app.output(ids[1], "png")[0]


def test_progress_counts_tiles_over_every_view(model_file):
    from sketchtrain.inference.runner import Simplifier, load_model
    from sketchtrain.inference.simplify import simplify_image

    model, _ = load_model(model_file)
    runner = Simplifier(model, precision="fp32", tile_pixels=1, tile=64, views=2)
    calls = []
    simplify_image(runner, procedural_line_art((100, 150), np.random.default_rng(5)), SimplifyOptions(scale=1.0),
                   on_tile=lambda done, total: calls.append((done, total)))
    # 2 x 3 tiles per view, 2 views: 12 steps counted once each, in order
    assert calls == [(i, 12) for i in range(1, 13)]


def test_the_page_and_routes_work_offline(app, drawings):
    from fastapi.testclient import TestClient

    from sketchtrain.app.server import create_app

    client = TestClient(create_app(app, port=8765), base_url="http://127.0.0.1:8765")
    page = client.get("/").text
    token = re.search(r'name="sketch-token" content="([^"]+)"', page).group(1)
    client.headers["X-Sketch-Token"] = token
    # nothing fetched from elsewhere: no absolute URLs in src/href/url()/fetch/import
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import|fetch\(\s*["']https?:""",
                         page), "the page must not load anything from outside"
    assert client.get("/api/models").json()["models"][0]["id"] == "tiny.pt"
    posted = client.post("/api/jobs", files={"file": ("sketch0.png", drawings[0].read_bytes(), "image/png")},
                         data={"scale": "1"})
    assert posted.status_code == 202
    job_id = posted.json()["id"]
    app.wait(job_id)
    assert client.get(f"/api/jobs/{job_id}").json()["state"] == "done"
    download = client.get(f"/api/jobs/{job_id}/output.png")
    assert download.headers["content-disposition"] == 'attachment; filename="sketch0.png"; filename*=UTF-8\'\'sketch0.png'
    assert download.content == app.output(job_id, "png")[0]
    bad = client.post("/api/jobs", files={"file": ("x.png", b"nope", "image/png")})
    assert bad.status_code == 400 and "not a readable image" in bad.json()["error"]
    huge = client.post("/api/jobs", files={"file": ("x.png", b"0" * 1_400_000, "image/png")})
    assert huge.status_code == 413 and "limit" in huge.json()["error"]
    assert client.get("/api/jobs/j999").status_code == 404
    assert [job["id"] for job in client.get("/api/jobs").json()["jobs"]][-1] == job_id

"""One bad input is skipped, counted and named and the job goes on; every weak case gets a
one-line message that says what was wrong and what to do. Each case is generated here and run
through the command it concerns."""

from __future__ import annotations

import io
import json
import struct
import sys
import tarfile
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from conftest import calibrated_model, make_drawings, save_model_checkpoint, write_recipe
from sketchdata.shards.build import build_dataset
from sketchdata.cli import app as data_app
from sketchdata.recipe import load_recipe
from sketchtrain.cli import app as train_app

runner = CliRunner()
FIT_FAST = ["--variant", "sixteenth", "--steps", "2", "--batch", "2", "--crop", "32", "--val-every", "2",
            "--epoch-batches", "2", "--workers", "0", "-q"]


def _one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output, result.output
    error = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(error) == 1, result.output
    for fragment in fragments:
        assert fragment.lower() in error[0].lower(), result.output


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int = 12000, height: int = 12000) -> bytes:
    """A few hundred bytes whose header says width x height pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + _png_chunk(b"IEND", b""))


def _rewrite_shard(shard: Path, change) -> str:
    """Rewrite one shard with ``change(member_name, bytes) -> bytes`` applied to its first sample;
    returns that sample's key."""
    with tarfile.open(shard) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    first_key = members[0][0].name.split(".")[0]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for member, data in members:
            if member.name.split(".")[0] == first_key:
                data = change(member.name.split(".", 1)[1], data)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    shard.write_bytes(buffer.getvalue())
    return first_key


@pytest.fixture
def dataset(tmp_path) -> Path:
    make_drawings(tmp_path / "art", 6, (96, 96))
    write_recipe(tmp_path, patches={"size": 64, "per_image": 2}, splits={"validation": 0.3})
    build_dataset(load_recipe(tmp_path / "recipe.yaml"))
    return tmp_path / "out"


# ---------------------------------------------------------------------------- build
def test_an_svg_with_a_huge_stroke_width_is_skipped(tmp_path):
    svgs = tmp_path / "svgs"
    svgs.mkdir()
    good = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="100"><path d="M10 10 L110 90 M10 90 L110 10" stroke="black" stroke-width="2" fill="none"/></svg>'
    for i in range(3):
        (svgs / f"good{i}.svg").write_text(good)
    (svgs / "wide.svg").write_text(good.replace('stroke-width="2"', 'stroke-width="1e10"'))
    skipped = _build_skipping_one(tmp_path, {"kind": "svg", "name": "v", "paths": ["svgs"], "size": 96}, "wide.svg")
    assert "stroke" in skipped["reason"]


def _build_skipping_one(tmp_path: Path, source: dict, name: str) -> dict:
    """Build a recipe over ``source``: it completes with samples, and the one file ``name`` is
    skipped; returns that skip record."""
    write_recipe(tmp_path, sources=[source], patches={"size": 64, "per_image": 2})
    result = runner.invoke(data_app, ["build", "-r", str(tmp_path / "recipe.yaml"), "-q"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["complete"] and sum(c["samples"] for c in manifest["counts"].values()) > 0
    (skipped,) = [s for s in manifest["skipped"] if name in s["path"]]
    return skipped


def test_a_stroke_drawing_with_nan_offsets_is_skipped(tmp_path):
    rng = np.random.default_rng(0)
    drawings = []
    for i in range(4):
        d = np.zeros((30, 3), np.float32)
        d[1:, :2] = rng.normal(0, 10, (29, 2))
        d[[9, 19, 29], 2] = 1
        drawings.append(d)
    drawings[1][5, 0] = np.nan
    arr = np.empty(4, dtype=object)
    arr[:] = drawings
    np.savez(tmp_path / "s.npz", train=arr)
    skipped = _build_skipping_one(tmp_path, {"kind": "strokes", "name": "s", "paths": ["s.npz"], "size": 96}, "s.npz")
    assert "drawing 1 of 'train'" in skipped["reason"] and "not finite" in skipped["reason"]


YAML_BOMB = """a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
name: [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_a_yaml_alias_bomb_is_refused_with_a_short_message(tmp_path):
    (tmp_path / "bomb.yaml").write_text(YAML_BOMB)
    result = runner.invoke(data_app, ["build", "-r", str(tmp_path / "bomb.yaml"), "-q"])
    _one_line_error(result, "bomb.yaml", "alias")
    assert len(result.output) < 400


def test_an_oversized_recipe_file_is_refused(tmp_path):
    (tmp_path / "big.yaml").write_text("name: x\n" + "# padding\n" * 200_000)
    result = runner.invoke(data_app, ["build", "-r", str(tmp_path / "big.yaml"), "-q"])
    _one_line_error(result, "big.yaml", "MB")


def test_a_plan_over_10_million_samples_is_refused_before_any_work(tmp_path):
    write_recipe(tmp_path, sources=[{"kind": "procedural", "name": "p", "count": 1_000_000_000, "size": 96}])
    result = runner.invoke(data_app, ["build", "-r", str(tmp_path / "recipe.yaml"), "-q"])
    _one_line_error(result, "10 M", "samples")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_exif_orientation_is_applied_when_reading_photos(model_file, tmp_path):
    from sketchdata.image.io import load_grey

    stored = np.full((48, 64), 255, np.uint8)
    stored[:, :8] = 0  # a dark band on the stored left: after a 90-degree turn it is the top or bottom
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90 degrees clockwise
    Image.fromarray(stored).save(tmp_path / "phone.jpg", exif=exif.tobytes(), quality=95)
    assert load_grey(tmp_path / "phone.jpg").shape == (64, 48)
    result = runner.invoke(train_app, ["simplify", "--model", str(model_file), str(tmp_path / "phone.jpg"), "-o",
                                       str(tmp_path / "clean"), "--scale", "1"])
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "clean" / "phone.png").size == (48, 64)


# ---------------------------------------------------------------------------- shards
@pytest.mark.slow
def test_a_sample_whose_target_size_differs_is_skipped_by_fit(dataset, tmp_path):
    shard = sorted(dataset.glob("train-*.tar"))[0]

    def smaller_target(member: str, data: bytes) -> bytes:
        if member != "target.png":
            return data
        out = io.BytesIO()
        Image.new("L", (40, 40), 255).save(out, format="PNG")
        return out.getvalue()

    key = _rewrite_shard(shard, smaller_target)
    _fit_names_the_skipped_sample(dataset, tmp_path, key, "size")


def _fit_names_the_skipped_sample(dataset: Path, tmp_path: Path, key: str, reason: str) -> None:
    result = runner.invoke(train_app, ["fit", str(dataset), "-o", str(tmp_path / "run"), *FIT_FAST,
                                       "--epoch-batches", "6", "--steps", "6"])
    assert result.exit_code == 0, result.output
    assert key in result.output and reason in result.output


@pytest.mark.slow
def test_shard_members_have_a_pixel_cap(dataset, tmp_path):
    shard = sorted(dataset.glob("train-*.tar"))[0]
    key = _rewrite_shard(shard, lambda member, data: png_bomb() if member == "input.png" else data)
    for args in (["inspect", str(dataset)], ["preview", str(dataset), "-o", str(tmp_path / "p.png"), "-n", "50"]):
        result = runner.invoke(data_app, args)
        assert result.exit_code == 0, (args, result.output)
        assert key in result.output and "MP" in result.output, (args, result.output)
    _fit_names_the_skipped_sample(dataset, tmp_path, key, "MP")


@pytest.mark.slow
def test_augment_over_a_truncated_shard_skips_it_and_leaves_no_temporary(dataset, tmp_path):
    shard = sorted(dataset.glob("train-*.tar"))[0]
    data = shard.read_bytes()
    shard.write_bytes(data[: len(data) // 2 + 7])
    out = tmp_path / "aug"
    result = runner.invoke(data_app, ["augment", "--noise", "slur", str(dataset), str(out)])
    assert result.exit_code == 0, result.output
    assert shard.name in result.output and "Traceback" not in result.output
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert any(shard.name in s["path"] for s in manifest["skipped"])


def test_preview_names_the_corrupt_shards_it_skips(dataset, tmp_path):
    shard = sorted(dataset.glob("train-*.tar"))[0]
    shard.write_bytes(shard.read_bytes()[:700])
    result = runner.invoke(data_app, ["preview", str(dataset), "-o", str(tmp_path / "p.png")])
    assert result.exit_code == 0, result.output
    assert shard.name in result.output


# ---------------------------------------------------------------------------- weak cases: one line each
@pytest.mark.parametrize("device,fragment", [("foo", "auto, cpu or cuda"), ("cuda", "CUDA")])
def test_a_device_that_is_not_there(model_file, tmp_path, device, fragment):
    if device == "cuda" and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    make_drawings(tmp_path / "in", 1, (64, 64))
    result = runner.invoke(train_app, ["simplify", "--model", str(model_file), str(tmp_path / "in"), "-o",
                                       str(tmp_path / "out"), "--device", device])
    _one_line_error(result, fragment)


def test_an_openvino_model_without_openvino(model_file, tmp_path, monkeypatch):
    (tmp_path / "m.xml").write_text("<net/>")
    (tmp_path / "m.bin").write_bytes(b"\0")
    make_drawings(tmp_path / "in", 1, (64, 64))
    monkeypatch.setitem(sys.modules, "openvino", None)
    result = runner.invoke(train_app, ["simplify", "--model", str(tmp_path / "m.xml"), str(tmp_path / "in"), "-o",
                                       str(tmp_path / "out")])
    _one_line_error(result, "openvino", "pip install")


@pytest.mark.slow
def test_an_openvino_ir_with_stride_0(model_file, tmp_path):
    pytest.importorskip("openvino")
    out = tmp_path / "m.xml"
    assert runner.invoke(train_app, ["export", "--model", str(model_file), "-o", str(out)]).exit_code == 0
    info_files = [p for p in tmp_path.iterdir() if p.suffix == ".json"]
    text = out.read_text()
    if info_files:
        info = json.loads(info_files[0].read_text())
        info["stride"] = 0
        info_files[0].write_text(json.dumps(info))
    else:
        import re

        patched = re.sub(r'(stride(?:&quot;|")\s*:\s*)\d+', r"\g<1>0", text)
        assert patched != text, "the IR's runtime info holds the stride"
        out.write_text(patched)
    make_drawings(tmp_path / "in", 1, (64, 64))
    result = runner.invoke(train_app, ["simplify", "--model", str(out), str(tmp_path / "in"), "-o",
                                       str(tmp_path / "o")])
    _one_line_error(result, "stride")


def test_export_to_onnx_without_onnx(model_file, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    result = runner.invoke(train_app, ["export", "--model", str(model_file), "-o", str(tmp_path / "x.onnx")])
    _one_line_error(result, "onnx", "pip install")


def test_outputs_that_cannot_be_written(model_file, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder is needed")
    for side in ("rough", "clean"):
        make_drawings(tmp_path / "pairs" / side, 2, (64, 64))
    cases = [(train_app, ["evaluate", "--model", str(model_file), str(tmp_path / "pairs"), "-o", str(blocker / "ev"),
                          "-q"]),
             (data_app, ["preview", "--effects", "-o", str(blocker / "p.png")]),
             (data_app, ["schema", "-o", str(blocker / "s.json")])]
    for cli, args in cases:
        _one_line_error(runner.invoke(cli, args), "cannot write", str(blocker))


def test_a_one_pixel_high_image_at_auto_scale(model_file, tmp_path):
    strip = np.full((1, 300), 255, np.uint8)
    strip[:, ::7] = 0  # some ink: the line-width estimate runs (it failed with a reshape error)
    Image.fromarray(strip).save(tmp_path / "line.png")
    result = runner.invoke(train_app, ["simplify", "--model", str(model_file), str(tmp_path / "line.png"), "-o",
                                       str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "out" / "line.png").size == (300, 1)


@pytest.mark.parametrize("option,value,fragment", [("--max-pixels", "0", "--max-pixels"),
                                                   ("--threshold", "5", "threshold")])
def test_out_of_range_numbers_are_refused(model_file, tmp_path, option, value, fragment):
    make_drawings(tmp_path / "in", 1, (64, 64))
    result = runner.invoke(train_app, ["simplify", "--model", str(model_file), str(tmp_path / "in"), "-o",
                                       str(tmp_path / "out"), option, value])
    _one_line_error(result, fragment)
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_checkpoint_with_nan_weights_is_refused(tmp_path):
    model = calibrated_model()
    with torch.no_grad():
        next(model.parameters())[0] = float("nan")
    path = save_model_checkpoint(tmp_path / "nan.pt", model)
    make_drawings(tmp_path / "in", 1, (64, 64))
    result = runner.invoke(train_app, ["simplify", "--model", str(path), str(tmp_path / "in"), "-o",
                                       str(tmp_path / "out")])
    _one_line_error(result, "nan.pt", "not finite")


@pytest.mark.slow
def test_a_torchscript_file_as_model_gets_a_safe_message(model_file, tmp_path):
    ts = tmp_path / "scripted.pt"
    assert runner.invoke(train_app, ["export", "--model", str(model_file), "-o", str(ts)]).exit_code == 0
    make_drawings(tmp_path / "in", 1, (64, 64))
    result = runner.invoke(train_app, ["simplify", "--model", str(ts), str(tmp_path / "in"), "-o", str(tmp_path / "o")])
    _one_line_error(result, "TorchScript")
    assert "weights_only=False" not in result.output


def test_a_newline_in_a_file_name_stays_on_one_log_line(model_file, tmp_path):
    folder = tmp_path / "in"
    make_drawings(folder, 1, (64, 64))[0].rename(folder / "two\nlines.png")
    result = runner.invoke(train_app, ["simplify", "--model", str(model_file), str(folder), "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    (line,) = [text for text in result.output.splitlines() if "lines" in text]
    assert "two\\nlines.png" in line


@pytest.mark.slow
def test_leftover_checkpoint_temporaries_are_cleaned_on_resume(dataset, tmp_path):
    run = tmp_path / "run"
    assert runner.invoke(train_app, ["fit", str(dataset), "-o", str(run), *FIT_FAST]).exit_code == 0
    stale = run / ".last.pt.abc123.tmp"
    stale.write_bytes(b"half a checkpoint")
    result = runner.invoke(train_app, ["fit", str(dataset), "-o", str(run), "--resume", *FIT_FAST[:-3],
                                       "--steps", "3", "--workers", "0", "-q"])
    assert result.exit_code == 0, result.output
    assert not stale.exists()


def test_evaluate_max_samples_below_one_is_refused(model_file, tmp_path):
    for side in ("rough", "clean"):
        make_drawings(tmp_path / "pairs" / side, 2, (64, 64))
    result = runner.invoke(train_app, ["evaluate", "--model", str(model_file), str(tmp_path / "pairs"), "-o",
                                       str(tmp_path / "ev"), "--max-samples", "-1", "-q"])
    _one_line_error(result, "--max-samples")

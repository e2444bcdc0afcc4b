"""The bad-input corpus: hostile and unlucky files through every command (damaged datasets,
reports, recipes, messages and file modes: tests/test_hardening_datasets.py).

Each case is generated here. Every test asserts the exit code, the message, and that no file
outside the command's output folder changed (nothing lost, nothing executed).
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from conftest import PWNED_MARKER, CodeOnLoad, make_drawings, snapshot, write_recipe
from sketchdata.cli import app as data_app
from sketchdata.drawing.safe_npz import load_npz
from sketchtrain.cli import app as train_app

runner = CliRunner()


# ---------------------------------------------------------------------------- helpers
def evil_npz(path: Path) -> Path:
    arr = np.empty(2, dtype=object)
    arr[0] = np.zeros((4, 3), np.int16)
    arr[1] = CodeOnLoad()
    np.savez(path, train=arr)
    return path


def stroke_npz(path: Path, count: int = 4) -> Path:
    rng = np.random.default_rng(0)
    drawings = []
    for _ in range(count):
        d = np.zeros((30, 3), np.int16)
        d[1:, :2] = rng.normal(0, 10, (29, 2)).astype(np.int16)
        d[[9, 19, 29], 2] = 1
        drawings.append(d)
    arr = np.empty(count, dtype=object)
    arr[:] = drawings
    np.savez(path, train=arr)
    return path


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bad_image_corpus(folder: Path) -> dict[str, str]:
    """Files a user might feed to simplify: name -> 'ok' or the expected reason fragment."""
    folder.mkdir(parents=True, exist_ok=True)
    drawing = (make_drawings(folder / "_src", 1, (64, 80))[0])
    grey = np.asarray(Image.open(drawing))
    Image.fromarray(grey).save(folder / "plain.png")
    Image.fromarray((grey.astype(np.uint16) * 257)).save(folder / "sixteen.png")
    Image.fromarray(grey).convert("CMYK").save(folder / "cmyk.jpg")
    Image.fromarray(grey).convert("P").save(folder / "palette.png")
    rgba = Image.fromarray(grey).convert("RGBA")
    rgba.putalpha(128)
    rgba.save(folder / "alpha.png")
    data = (folder / "plain.png").read_bytes()
    (folder / "truncated.png").write_bytes(data[: len(data) // 2])
    (folder / "empty.png").write_bytes(b"")
    (folder / "text.jpg").write_text("not an image")
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    (folder / "bomb.png").write_bytes(b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
                                      + _png_chunk(b"IDAT", zlib.compress(b"\0" * 16)) + _png_chunk(b"IEND", b""))
    for p in (folder / "_src").iterdir():
        p.unlink()
    (folder / "_src").rmdir()
    return {"plain.png": "ok", "sixteen.png": "ok", "cmyk.jpg": "ok", "palette.png": "ok", "alpha.png": "ok",
            "truncated.png": "decode", "empty.png": "empty file", "text.jpg": "not a readable image",
            "bomb.png": "decompression bomb"}


# ---------------------------------------------------------------------------- 1. no code from data
def test_crafted_npz_is_refused_without_running_and_the_build_goes_on(tmp_path):
    if os.path.exists(PWNED_MARKER):
        os.unlink(PWNED_MARKER)
    evil_npz(tmp_path / "evil.npz")
    stroke_npz(tmp_path / "good.npz")
    write_recipe(tmp_path, sources=[{"kind": "strokes", "name": "s", "paths": ["evil.npz", "good.npz"], "size": 96}],
                 patches={"size": 64, "per_image": 2})
    before = snapshot(tmp_path, tmp_path / "out")
    result = runner.invoke(data_app, ["build", "--recipe", str(tmp_path / "recipe.yaml"), "-q"])
    assert result.exit_code == 0, result.output
    assert not os.path.exists(PWNED_MARKER)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    (refused,) = [s for s in manifest["skipped"] if s["path"].endswith("evil.npz")]
    assert "refused" in refused["reason"] and "system" in refused["reason"]
    assert manifest["complete"] and sum(c["samples"] for c in manifest["counts"].values()) > 0
    assert snapshot(tmp_path, tmp_path / "out") == before


def test_safe_npz_reads_object_arrays_plain_arrays_and_refuses_junk(tmp_path):
    loaded = load_npz(stroke_npz(tmp_path / "s.npz"))
    assert loaded["train"].dtype == object and loaded["train"][0].shape == (30, 3)
    np.savez(tmp_path / "plain.npz", a=np.arange(6).reshape(2, 3), f=np.asfortranarray(np.ones((2, 3))))
    plain = load_npz(tmp_path / "plain.npz")
    assert plain["a"].tolist() == [[0, 1, 2], [3, 4, 5]] and plain["f"].shape == (2, 3)
    (tmp_path / "empty.npz").write_bytes(b"")
    (tmp_path / "junk.npz").write_text("junk")
    from sketchdata.image.io import BadInput

    with pytest.raises(BadInput, match="empty file"):
        load_npz(tmp_path / "empty.npz")
    with pytest.raises(BadInput, match="not a readable .npz"):
        load_npz(tmp_path / "junk.npz")


# ---------------------------------------------------------------------------- 2. simplify keeps files
@pytest.mark.slow
def test_simplify_refuses_to_write_over_inputs(model_file, tmp_path):
    scans = tmp_path / "scans"
    make_drawings(scans, 2, (48, 64))
    before = snapshot(tmp_path)
    for args in (["-o", str(scans)], ["-o", str(scans / ".")]):
        result = runner.invoke(train_app, ["simplify", "--model", str(model_file), str(scans), *args])
        assert result.exit_code == 2 and "input folder" in result.output, result.output
    result = runner.invoke(train_app, ["simplify", "--model", str(model_file), str(scans / "d00.png"), "-o", str(scans)])
    assert result.exit_code == 2 and "would overwrite the input" in result.output
    assert snapshot(tmp_path) == before


def test_shared_stems_get_distinct_outputs_and_write_errors_are_per_file(model_file, tmp_path):
    scans = tmp_path / "scans"
    paths = make_drawings(scans, 2, (48, 64))
    Image.open(paths[0]).convert("RGB").save(scans / "d00.jpg")
    out = tmp_path / "clean"
    (out / "d01.png").mkdir(parents=True)  # a folder where an output must go: that write fails
    before = snapshot(tmp_path, out)
    result = runner.invoke(train_app, ["simplify", "--model", str(model_file), str(scans), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert (out / "d00.png.png").is_file() and (out / "d00.jpg.png").is_file() and not (out / "d00.png").exists()
    assert "cannot write" in result.output and "d01.png" in result.output
    assert "2 simplified" in result.output and "1 failed" in result.output
    assert snapshot(tmp_path, out) == before


def test_simplify_over_the_bad_image_corpus(model_file, tmp_path):
    expected = bad_image_corpus(tmp_path / "in")
    out = tmp_path / "out"
    before = snapshot(tmp_path, out)
    result = runner.invoke(train_app, ["simplify", "--model", str(model_file), str(tmp_path / "in"), "-o", str(out),
                                       "--max-pixels", "1000000"])
    assert result.exit_code == 1, result.output
    for name, outcome in expected.items():
        produced = (out / name).with_suffix(".png").exists()
        assert produced == (outcome == "ok"), (name, result.output)
        if outcome != "ok":
            line = next(ln for ln in result.output.splitlines() if name in ln and "failed" in ln)
            assert outcome in line, line
    assert snapshot(tmp_path, out) == before


@pytest.mark.slow
def test_build_augment_and_sheet_skip_and_name_every_bad_image(model_file, tmp_path):
    expected = bad_image_corpus(tmp_path / "art")
    bad = [name for name, outcome in expected.items() if outcome != "ok"]
    write_recipe(tmp_path, patches={"size": 32, "per_image": 1})
    before = snapshot(tmp_path)
    commands = [(data_app, ["build", "--recipe", str(tmp_path / "recipe.yaml")], tmp_path / "out"),
                (data_app, ["augment", "--noise", "slur", str(tmp_path / "art"), str(tmp_path / "aug")], tmp_path / "aug"),
                (train_app, ["sheet", "--model", str(model_file), str(tmp_path / "art"), "-o", str(tmp_path / "s.png")],
                 tmp_path / "s.png")]
    for app, args, out in commands:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        for name in bad:
            line = next(ln for ln in result.output.splitlines() if name in ln)
            assert expected[name] in line, (args, line)
        assert out.exists()
    assert before == {k: v for k, v in snapshot(tmp_path).items() if not k.startswith(("out/", "aug/", "s.png"))}


def test_max_pixels_is_an_option_of_simplify(model_file, tmp_path):
    make_drawings(tmp_path / "in", 1, (64, 80))
    result = runner.invoke(train_app, ["simplify", "--model", str(model_file), str(tmp_path / "in"), "-o", str(tmp_path / "o"),
                                       "--max-pixels", "1000"])
    assert result.exit_code == 1 and "limit" in result.output and "max_pixels" in result.output


# ---------------------------------------------------------------------------- 3. literal text
MARKUP_NAME = "[draft] [/b] [red]x"  # as a path: folders "[draft] [" and "b] [red]x"
MARKUP_FILE = "[draft] [red]x [bold]"


@pytest.mark.slow
def test_names_with_markup_are_printed_literally_by_every_command(model_file, tmp_path):
    root = tmp_path / MARKUP_NAME
    make_drawings(root / "art", 4, (96, 96))
    write_recipe(root, patches={"size": 64, "per_image": 2}, splits={"validation": 0.3})
    result = runner.invoke(data_app, ["build", "--recipe", str(root / "recipe.yaml"), "-q"])
    assert result.exit_code == 0 and MARKUP_NAME in result.output, result.output
    ds = root / "out"
    for args in (["inspect", str(ds / "nope")], ["preview", str(ds / "nope"), "-o", str(root / "p.png")],
                 ["augment", "--noise", "slur", str(ds / "nope"), str(root / "aug")]):
        result = runner.invoke(data_app, args)
        assert result.exit_code == 2 and MARKUP_NAME in result.output, (args, result.output)
    result = runner.invoke(data_app, ["preview", str(ds), "-o", str(root / "p.png")])
    assert result.exit_code == 0 and MARKUP_NAME in result.output
    # a YAML syntax error whose text holds brackets
    (root / "bad.yaml").write_text("name: [unclosed\nsources: [\n")
    result = runner.invoke(data_app, ["build", "--recipe", str(root / "bad.yaml")])
    assert result.exit_code == 2 and "not valid YAML" in result.output and MARKUP_NAME in result.output
    # training side
    scans = root / "scans"
    make_drawings(scans, 1, (48, 64))
    (scans / "d00.png").rename(scans / f"{MARKUP_FILE}.png")
    result = runner.invoke(train_app, ["simplify", "--model", str(model_file), str(scans), "-o", str(root / "clean")])
    assert result.exit_code == 0 and f"{MARKUP_FILE}.png" in result.output, result.output
    (scans / "[red]broken[bold].png").write_text("no")
    result = runner.invoke(train_app, ["simplify", "--model", str(model_file), str(scans), "-o", str(root / "clean")])
    assert result.exit_code == 1 and "[red]broken[bold].png" in result.output
    for args in (["fit", str(ds / "nope"), "-o", str(root / "run")],
                 ["evaluate", "--model", str(model_file), str(ds / "nope"), "-o", str(root / "ev")],
                 ["export", str(root / "nope.pt"), "-o", str(root / "m.onnx")],
                 ["score", str(root / "nope.png"), str(root / "nope.png")],
                 ["sheet", str(root / "nope.pt"), str(scans), "-o", str(root / "s.png")]):
        result = runner.invoke(train_app, args)
        assert result.exit_code == 2 and MARKUP_NAME in result.output, (args, result.output)

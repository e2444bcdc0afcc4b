"""The model choice (--model, the shipped default, the older positional form) and --scale auto."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import ROOT, calibrated_model, make_drawings, save_model_checkpoint
from sketchdata.image.linewidth import median_stroke_width
from sketchdata.drawing.render import render_polylines
from sketchtrain.cli import app
from sketchtrain.inference.tiling import AUTO_SCALE_RANGE, auto_scale

runner = CliRunner()
LINES = [np.array([[10, 10 + 20 * k], [240, 30 + 20 * k]], float) for k in range(8)]


def _drawing(width: float) -> np.ndarray:
    return render_polylines(LINES, (256, 256), widths=width)


def test_auto_scale_brings_the_input_line_width_to_the_models():
    thick = _drawing(4.0)
    assert auto_scale(thick, 2.0) == pytest.approx(0.5, abs=0.06)
    assert auto_scale(_drawing(1.0), 2.0) == pytest.approx(2.0, rel=0.2)
    assert auto_scale(thick, None) == 1.0  # model without a recorded width: as given
    assert auto_scale(np.ones((64, 64), np.float32), 2.0) == 1.0  # nothing to measure
    assert auto_scale(_drawing(1.0), 50.0) == AUTO_SCALE_RANGE[1]  # clipped
    # the scale really makes the lines the model's width
    scale = auto_scale(thick, 2.0)
    import cv2

    resized = cv2.resize(thick, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    assert median_stroke_width(resized) == pytest.approx(2.0, abs=0.4)


def _lines_with_shading(width: float) -> np.ndarray:
    """Single lines in the top 40%, dense shading (strokes 2 px apart, so they merge into dark
    bands) below: more than half the tiles hold shading, as on a shaded pencil scan."""
    lines = [np.array([[10, 8 + 13 * k], [240, 12 + 13 * k]], float) for k in range(8)]
    hatch = [np.array([[10, 120 + 2 * k + 12 * (k // 4)], [240, 120 + 2 * k + 12 * (k // 4)]], float) for k in range(28)]
    return render_polylines(lines + hatch, (256, 256), widths=width)


def test_the_lines_rule_reads_single_lines_where_the_median_reads_shading():
    from sketchdata.image.linewidth import stroke_width

    drawing = _lines_with_shading(1.5)
    lines, median = stroke_width(drawing, "lines"), stroke_width(drawing, "median")
    assert lines == pytest.approx(stroke_width(_drawing(1.5), "median"), abs=0.35)
    assert median > 1.5 * lines  # the hatched block counts as wide line
    assert auto_scale(drawing, 3.0, "lines") > 1.3 * auto_scale(drawing, 3.0, "median")
    assert auto_scale(drawing, 3.0) == auto_scale(drawing, 3.0, "median")  # the default: older checkpoints
    with pytest.raises(ValueError, match="median, lines"):
        auto_scale(drawing, 3.0, "p99")


def test_checkpoints_keep_the_scale_rule_they_were_made_with(tmp_path):
    from dataclasses import replace

    from sketchtrain.inference.runner import Simplifier, load_model
    from sketchtrain.models.checkpoint import load_checkpoint, save_checkpoint

    model = calibrated_model()
    model.config = replace(model.config, line_width=3.0)
    old = save_model_checkpoint(tmp_path / "old.pt", model)
    data = load_checkpoint(old)
    data["model"].pop("scale_rule")  # as written before the rule existed
    save_checkpoint(old, data)
    loaded, info = load_model(old)
    assert info["scale_rule"] == "median" and Simplifier(loaded, line_width=3.0).scale_rule == "median"
    drawing = _lines_with_shading(1.5)
    assert Simplifier(loaded, line_width=3.0).choose_scale(drawing, "auto") == auto_scale(drawing, 3.0, "median")
    # release can move a checkpoint to the lines rule; what it wrote says so
    result = runner.invoke(app, ["release", str(old), "-o", str(tmp_path / "new.pt"), "--scale-rule", "lines"])
    assert result.exit_code == 0, result.output
    loaded, info = load_model(tmp_path / "new.pt")
    assert info["scale_rule"] == "lines" and load_checkpoint(tmp_path / "new.pt")["shipped"]["scale_rule"] == "lines"
    assert Simplifier(loaded, line_width=3.0).choose_scale(drawing, "auto") == auto_scale(drawing, 3.0, "lines")
    result = runner.invoke(app, ["release", str(old), "-o", str(tmp_path / "bad.pt"), "--scale-rule", "p99"])
    assert result.exit_code != 0 and "median, lines" in result.output and not (tmp_path / "bad.pt").exists()


@pytest.fixture(scope="module")
def wide_line_model(tmp_path_factory) -> Path:
    from dataclasses import replace

    model = calibrated_model()
    model.config = replace(model.config, line_width=2 * median_stroke_width(_drawing(1.5)))
    return save_model_checkpoint(tmp_path_factory.mktemp("m") / "m.pt", model)


@pytest.mark.slow
def test_simplify_reports_the_scale_auto_chose(wide_line_model, tmp_path):
    from sketchdata.image.io import save_png

    save_png(tmp_path / "in" / "a.png", _drawing(1.5))
    result = runner.invoke(app, ["simplify", str(tmp_path / "in"), "--model", str(wide_line_model),
                                 "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "scale 2" in result.output and (tmp_path / "out" / "a.png").is_file()
    result = runner.invoke(app, ["simplify", str(tmp_path / "in"), "--model", str(wide_line_model),
                                 "-o", str(tmp_path / "out1"), "--scale", "1"])
    assert result.exit_code == 0 and "scale 1," in result.output
    result = runner.invoke(app, ["simplify", str(tmp_path / "in"), "--model", str(wide_line_model),
                                 "-o", str(tmp_path / "o"), "--scale", "big"])
    assert result.exit_code == 2 and "--scale must be 'auto' or a number" in result.output


def test_the_older_positional_model_still_works_with_a_note(wide_line_model, tmp_path):
    make_drawings(tmp_path / "in", 1, (48, 64))
    result = runner.invoke(app, ["simplify", str(wide_line_model), str(tmp_path / "in"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "deprecated" in result.output and "--model" in result.output
    assert (tmp_path / "out" / "d00.png").is_file()


DEFAULT_WEIGHTS = ROOT / "sketchtrain" / "weights" / "default.pt"


@pytest.mark.slow
def test_the_shipped_default_model_runs_without_model_argument(tmp_path):
    assert DEFAULT_WEIGHTS.is_file(), "the default model must be committed (scripts/train_default_model.sh)"
    assert DEFAULT_WEIGHTS.stat().st_size < 20e6
    make_drawings(tmp_path / "in", 2, (64, 80))
    result = runner.invoke(app, ["simplify", str(tmp_path / "in"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "d00.png").is_file() and (tmp_path / "out" / "d01.png").is_file()


@pytest.mark.slow
def test_default_model_loads_and_runs_from_an_installed_wheel(tmp_path):
    """Build the wheel, install it (without dependencies: those come from this venv) into a
    folder of its own, and run it from outside the source tree: the package and its weights must
    come from the installation, not from the checkout."""
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(wheels), str(ROOT)], check=True, capture_output=True)
    (wheel,) = wheels.glob("sketch_simplify-*.whl")
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    make_drawings(tmp_path / "in", 1, (64, 80))
    script = ("import sys, sketchtrain; from sketchtrain.cli import app; "
              "print('PKG', sketchtrain.__file__); sys.argv = ['sketchtrain', 'simplify', 'in', '-o', 'out']; app()")
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"PKG {target}" in done.stdout, done.stdout
    assert (tmp_path / "out" / "d00.png").is_file()
    # the quickstart of a wheel user: a starter project from the package, then a build
    script = ("import sys, sketchdata; from sketchdata.cli import app; print('PKG', sketchdata.__file__); "
              "sys.argv = ['sketchdata'] + sys.argv[1:]; app()")
    for args in (["init", "proj"], ["build", "--recipe", "proj/recipe.yaml", "-q"]):
        done = subprocess.run([sys.executable, "-c", script, *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"PKG {target}" in done.stdout, done.stdout
    manifest = json.loads((tmp_path / "proj" / "datasets" / "starter" / "manifest.json").read_text())
    assert manifest["complete"] and manifest["counts"]["train"]["samples"] > 0


def test_init_refuses_to_replace_files(tmp_path):
    from sketchdata.starter import init_project

    written = init_project(tmp_path / "p")
    assert (tmp_path / "p" / "recipe.yaml") in written and len(written) >= 3
    (tmp_path / "p" / "recipe.yaml").write_text("mine")
    with pytest.raises(FileExistsError, match="recipe.yaml"):
        init_project(tmp_path / "p")
    assert (tmp_path / "p" / "recipe.yaml").read_text() == "mine"

"""No command writes over a file it reads: each case is generated here and run through the
command line; the command exits 2 before any work, names the file, and nothing outside its
output folder changes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from conftest import make_drawings, snapshot, write_recipe
from sketchdata.shards.build import build_dataset
from sketchdata.cli import app as data_app
from sketchdata.recipe import load_recipe
from sketchtrain.cli import app as train_app

runner = CliRunner()
FIT_FAST = ["--variant", "sixteenth", "--steps", "2", "--batch", "2", "--crop", "32", "--val-every", "2",
            "--epoch-batches", "2", "--workers", "0", "-q"]


@pytest.fixture
def scans(tmp_path) -> Path:
    """scans/a.png and scans/2023/a.png: two originals, one inside the folder a user names as -o."""
    root = tmp_path / "scans"
    make_drawings(root, 1, (64, 80))[0].rename(root / "a.png")
    make_drawings(root / "2023", 1, (64, 80), seed=1)[0].rename(root / "2023" / "a.png")
    return root


def _refused(result, name: str) -> None:
    assert result.exit_code == 2, result.output
    assert name in result.output and "overwrite" in result.output, result.output


def test_simplify_into_a_folder_of_originals_is_refused(model_file, scans):
    before = snapshot(scans)
    result = runner.invoke(train_app, ["simplify", "--model", str(model_file), str(scans), "-o", str(scans / "2023")])
    _refused(result, str(scans / "2023" / "a.png"))
    assert snapshot(scans) == before


def test_simplify_never_replaces_a_file_it_did_not_write_unless_asked(model_file, scans, tmp_path):
    out = tmp_path / "clean"
    out.mkdir()
    (out / "a.png").write_bytes(b"my own drawing, not an output")
    args = ["simplify", "--model", str(model_file), str(scans / "a.png"), "-o", str(out)]
    result = runner.invoke(train_app, args)
    assert result.exit_code == 2 and str(out / "a.png") in result.output and "--overwrite" in result.output
    assert (out / "a.png").read_bytes() == b"my own drawing, not an output"
    result = runner.invoke(train_app, args + ["--overwrite"])
    assert result.exit_code == 0, result.output
    assert (out / "a.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_simplify_runs_again_over_its_own_outputs(model_file, scans, tmp_path):
    args = ["simplify", "--model", str(model_file), str(scans), "-o", str(tmp_path / "clean"), "--svg"]
    first = runner.invoke(train_app, args)
    assert first.exit_code == 0, first.output
    again = runner.invoke(train_app, args)
    assert again.exit_code == 0, again.output
    # an output the user edited since is theirs now: not replaced without --overwrite
    (tmp_path / "clean" / "a.png").write_bytes(b"touched up by hand")
    edited = runner.invoke(train_app, args)
    assert edited.exit_code == 2 and "a.png" in edited.output


@pytest.mark.slow
def test_simplify_of_an_output_folder_leaves_its_outputs_out(model_file, scans):
    """-o inside the inputs: its own earlier outputs are not inputs (never simplified twice)."""
    out = scans / "clean"
    first = runner.invoke(train_app, ["simplify", "--model", str(model_file), str(scans / "a.png"), "-o", str(out)])
    assert first.exit_code == 0, first.output
    again = runner.invoke(train_app, ["simplify", "--model", str(model_file), str(scans), "-o", str(out)])
    assert again.exit_code == 0, again.output
    assert "2 simplified" in again.output


def test_augment_into_the_parent_of_its_input_is_refused(tmp_path):
    p = tmp_path / "p"
    clean = p / "clean"
    clean.mkdir(parents=True)
    Image.fromarray(np.full((40, 50, 3), (200, 30, 30), np.uint8)).save(clean / "colour.png")
    Image.fromarray(np.full((40, 50), 40000, np.uint16)).save(clean / "deep.png")
    before = snapshot(p)
    result = runner.invoke(data_app, ["augment", "--noise", "slur", str(clean), str(p)])
    _refused(result, "colour.png")
    assert snapshot(p) == before


def test_export_over_its_own_model_is_refused(model_file, tmp_path):
    mine = tmp_path / "mine.pt"
    mine.write_bytes(model_file.read_bytes())
    before = mine.read_bytes()
    result = runner.invoke(train_app, ["export", "--model", str(mine), "-o", str(mine)])
    _refused(result, str(mine))
    assert mine.read_bytes() == before


def test_sheet_over_its_input_is_refused(model_file, scans):
    target = scans / "a.png"
    before = target.read_bytes()
    result = runner.invoke(train_app, ["sheet", "--model", str(model_file), str(target), "-o", str(target)])
    _refused(result, str(target))
    assert target.read_bytes() == before


def test_preview_over_its_image_is_refused(scans):
    target = scans / "a.png"
    before = target.read_bytes()
    result = runner.invoke(data_app, ["preview", "--effects", "--image", str(target), "-o", str(target)])
    _refused(result, str(target))
    assert target.read_bytes() == before


def test_evaluate_over_its_inputs_is_refused(model_file, tmp_path):
    pairs = tmp_path / "pairs"
    for side in ("rough", "clean"):
        make_drawings(pairs / side, 2, (64, 64))
    model = pairs / "summary.json"  # a model file where the report goes
    model.write_bytes(model_file.read_bytes())
    before = snapshot(pairs)
    result = runner.invoke(train_app, ["evaluate", "--model", str(model), str(pairs), "-o", str(pairs), "-q"])
    _refused(result, str(model))
    assert snapshot(pairs) == before


def test_build_into_its_source_folder_is_refused(tmp_path):
    make_drawings(tmp_path / "art", 4, (96, 96))
    write_recipe(tmp_path)
    before = snapshot(tmp_path / "art")
    result = runner.invoke(data_app, ["build", "-r", str(tmp_path / "recipe.yaml"), "-o", str(tmp_path / "art"), "-q"])
    assert result.exit_code == 2 and str(tmp_path / "art") in result.output, result.output
    assert snapshot(tmp_path / "art") == before


def test_build_over_its_recipe_file_is_refused(tmp_path):
    make_drawings(tmp_path / "art", 4, (96, 96))
    write_recipe(tmp_path)
    recipe = tmp_path / "recipe.yaml"
    moved = tmp_path / "out" / "manifest.json"  # the recipe lives where the manifest would go
    moved.parent.mkdir()
    moved.write_text(recipe.read_text().replace("paths:\n  - art", "paths:\n  - ../art"))
    before = moved.read_bytes()
    result = runner.invoke(data_app, ["build", "-r", str(moved), "-o", str(tmp_path / "out"), "-q"])
    _refused(result, str(moved))
    assert moved.read_bytes() == before


def test_init_into_a_folder_holding_its_files_is_refused(tmp_path):
    (tmp_path / "recipe.yaml").write_text("mine")
    result = runner.invoke(data_app, ["init", str(tmp_path)])
    assert result.exit_code == 2 and "recipe.yaml" in result.output
    assert (tmp_path / "recipe.yaml").read_text() == "mine"


@pytest.fixture
def small_dataset(tmp_path) -> Path:
    make_drawings(tmp_path / "art", 4, (96, 96))
    write_recipe(tmp_path, patches={"size": 64, "per_image": 2})
    build_dataset(load_recipe(tmp_path / "recipe.yaml"))
    return tmp_path / "out"


def test_fit_init_into_the_folder_of_its_weights_is_refused(small_dataset, model_file, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    start = run / "best.pt"
    start.write_bytes(model_file.read_bytes())
    result = runner.invoke(train_app, ["fit", str(small_dataset), "-o", str(run), "--init", str(start), *FIT_FAST])
    _refused(result, str(start))
    assert start.read_bytes() == model_file.read_bytes()


@pytest.mark.slow
def test_fit_resume_onto_another_dataset_is_refused(small_dataset, tmp_path):
    run = tmp_path / "run"
    first = runner.invoke(train_app, ["fit", str(small_dataset), "-o", str(run), *FIT_FAST])
    assert first.exit_code == 0, first.output
    other = tmp_path / "other"
    make_drawings(other / "art", 4, (96, 96), seed=5)
    write_recipe(other, patches={"size": 64, "per_image": 2}, seed=8)
    build_dataset(load_recipe(other / "recipe.yaml"))
    before = snapshot(run)
    result = runner.invoke(train_app, ["fit", str(other / "out"), "-o", str(run), "--resume", *FIT_FAST[:-3],
                                       "--steps", "4", "--workers", "0", "-q"])
    assert result.exit_code == 2 and "manifest" in result.output, result.output
    assert snapshot(run) == before


def test_fit_into_the_dataset_folder_is_refused(small_dataset):
    manifest = json.loads((small_dataset / "manifest.json").read_text())
    result = runner.invoke(train_app, ["fit", str(small_dataset), "-o", str(small_dataset), *FIT_FAST])
    assert result.exit_code == 2 and str(small_dataset) in result.output, result.output
    assert json.loads((small_dataset / "manifest.json").read_text()) == manifest

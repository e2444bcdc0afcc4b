"""The bad-input corpus, second half: damaged datasets, honest reports, recipes that fail early,
checkpoint messages and file modes.

Each case is generated here; the first half (tests/test_hardening.py) feeds hostile and unlucky
files to every command.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from conftest import PWNED_MARKER, CodeOnLoad, make_drawings, snapshot, write_recipe
from sketchdata.shards.build import BuildError, build_dataset
from sketchdata.cli import app as data_app
from sketchdata.recipe import RecipeError, load_recipe
from sketchtrain.cli import app as train_app

runner = CliRunner()


# ---------------------------------------------------------------------------- 4. corrupt shards
@pytest.fixture
def damaged_dataset(tmp_path) -> Path:
    make_drawings(tmp_path / "art", 6, (96, 96))
    write_recipe(tmp_path, patches={"size": 64, "per_image": 2}, splits={"validation": 0.3})
    build_dataset(load_recipe(tmp_path / "recipe.yaml"))
    ds = tmp_path / "out"
    for shard in (sorted(ds.glob("train-*.tar"))[0], sorted(ds.glob("validation-*.tar"))[0]):
        data = shard.read_bytes()
        shard.write_bytes(data[: len(data) // 2])
    return ds


@pytest.mark.slow
def test_corrupt_shards_are_skipped_and_named_by_inspect_fit_and_evaluate(damaged_dataset, model_file, tmp_path):
    broken = sorted(damaged_dataset.glob("train-*.tar"))[0].name
    result = runner.invoke(data_app, ["inspect", str(damaged_dataset)])
    assert result.exit_code == 0 and broken in result.output and "BytesIO" not in result.output
    result = runner.invoke(train_app, ["fit", str(damaged_dataset), "-o", str(tmp_path / "run"), "--variant",
                                       "sixteenth", "--steps", "2", "--batch", "2", "--crop", "32", "--val-every", "1",
                                       "--epoch-batches", "2", "-q"])
    assert result.exit_code == 0, result.output
    assert broken in result.output and "unreadable shards/samples skipped" in result.output
    result = runner.invoke(train_app, ["evaluate", "--model", str(model_file), str(damaged_dataset), "-o", str(tmp_path / "ev"),
                                       "-q"])
    assert result.exit_code == 0, result.output
    assert "validation-000000.tar" in result.output and "dropped" in result.output
    summary = json.loads((tmp_path / "ev" / "summary.json").read_text())
    assert any("validation-000000.tar" in d["name"] for d in summary["dropped"])


# ---------------------------------------------------------------------------- 5. evaluate is honest
def _strict_json(text: str):
    def refuse(token):
        raise ValueError(f"not JSON: {token}")

    return json.loads(text, parse_constant=refuse)


def test_evaluate_counts_blanks_names_dropped_pairs_and_writes_valid_json(model_file, tmp_path):
    data = tmp_path / "pairs"
    make_drawings(data / "clean", 3, (64, 64))
    make_drawings(data / "rough", 3, (64, 64))
    Image.new("L", (64, 64), 255).save(data / "rough" / "blank.png")
    Image.new("L", (64, 64), 255).save(data / "clean" / "blank.png")
    Image.new("L", (64, 64), 0).save(data / "rough" / "lonely.png")  # no clean version
    Image.new("L", (32, 40), 0).save(data / "rough" / "mismatch.png")
    Image.new("L", (64, 64), 0).save(data / "clean" / "mismatch.png")
    before = snapshot(tmp_path, tmp_path / "ev")
    result = runner.invoke(train_app, ["evaluate", "--model", str(model_file), str(data), "-o", str(tmp_path / "ev")])
    assert result.exit_code == 0, result.output
    assert "lonely" in result.output and "mismatch" in result.output and "2 pairs dropped" in result.output
    summary = _strict_json((tmp_path / "ev" / "summary.json").read_text())
    assert summary["count"] == 4
    assert summary["summary"]["otsu"]["blank"] >= 1 and summary["summary"]["model"]["blank"] >= 1
    blank_row = next(r for r in summary["per_image"] if r["name"] == "blank")
    assert blank_row["scores"]["otsu"]["blank"] and blank_row["scores"]["otsu"]["f"] is None
    assert {d["name"].rsplit("/", 1)[-1] for d in summary["dropped"]} == {"lonely.png", "mismatch.png"}
    csv_text = (tmp_path / "ev" / "per_image.csv").read_text()
    assert csv_text.splitlines()[0].endswith(",blank") and "no stroke pixel" in csv_text
    page = (tmp_path / "ev" / "report.html").read_text()
    assert "Pairs left out (2)" in page and ">blank<" in page
    assert snapshot(tmp_path, tmp_path / "ev") == before
    result = runner.invoke(train_app, ["evaluate", "--model", str(model_file), str(data), "-o", str(tmp_path / "ev2"),
                                       "--tol-px", "-1"])
    assert result.exit_code == 2 and "tolerance must be" in result.output
    result = runner.invoke(train_app, ["score", str(data / "clean" / "d00.png"), str(data / "clean" / "d00.png")])
    assert result.exit_code == 0 and _strict_json(result.stdout)["psnr"] is None  # identical: infinite PSNR


# ---------------------------------------------------------------------------- 6. recipes fail early
def test_missing_or_empty_source_folder_names_recipe_source_and_field(tmp_path):
    write_recipe(tmp_path)  # sources: art/ which does not exist
    with pytest.raises(RecipeError, match=r"recipe.yaml: sources\[art\]\.paths\[0\]: .*does not exist"):
        build_dataset(load_recipe(tmp_path / "recipe.yaml"))
    (tmp_path / "art").mkdir()
    result = runner.invoke(data_app, ["build", "--recipe", str(tmp_path / "recipe.yaml")])
    assert result.exit_code == 2 and "sources[art].paths[0]" in result.output and "is empty" in result.output
    write_recipe(tmp_path, sources=[{"kind": "pairs", "name": "p", "rough": "r", "clean": "c"}])
    with pytest.raises(RecipeError, match=r"sources\[p\]\.rough"):
        build_dataset(load_recipe(tmp_path / "recipe.yaml"))


def test_a_build_with_zero_samples_is_an_error_not_complete(tmp_path):
    make_drawings(tmp_path / "art", 2, (48, 48))
    write_recipe(tmp_path, patches={"size": 64, "per_image": 2, "reject_blank": 0.0, "max_tries": 2})
    with pytest.raises(BuildError, match="0 samples"):
        build_dataset(load_recipe(tmp_path / "recipe.yaml"))
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["complete"] is False


def test_a_second_build_into_the_same_folder_refuses(tiny_project):
    import fcntl

    recipe = load_recipe(tiny_project / "recipe.yaml")
    (tiny_project / "out" / "_parts").mkdir(parents=True)
    with open(tiny_project / "out" / "_parts" / "lock-0-of-1", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("pid 12345 on elsewhere")
        held.flush()
        with pytest.raises(BuildError, match="another build is already writing part 0/1"):
            build_dataset(recipe)
        assert not list((tiny_project / "out").glob("*.tar"))
    assert build_dataset(recipe).complete  # lock released: the build runs


# ---------------------------------------------------------------------------- 7. messages
def test_checkpoint_messages_are_ours_and_short(model_file, tmp_path):
    import torch

    from sketchtrain.models.checkpoint import CheckpointError
    from sketchtrain.inference.runner import load_model

    if os.path.exists(PWNED_MARKER):
        os.unlink(PWNED_MARKER)
    torch.save({"state_dict": {"w": CodeOnLoad()}}, tmp_path / "evil.pt")
    with pytest.raises(CheckpointError) as info:
        load_model(tmp_path / "evil.pt")
    assert "refused" in str(info.value) and "weights_only" not in str(info.value) and not os.path.exists(PWNED_MARKER)
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(CheckpointError, match="empty file"):
        load_model(tmp_path / "empty.pt")
    torch.save({"foo.weight": torch.zeros(2), "bar": torch.zeros(1)}, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="foo.weight, bar"):
        load_model(tmp_path / "foreign.pt")
    data = torch.load(model_file, weights_only=True)
    data["model"] = {**data["model"], "variant": "quarter", "width": 0.25}  # weights of another width
    torch.save(data, tmp_path / "wrong_width.pt")
    with pytest.raises(CheckpointError) as info:
        load_model(tmp_path / "wrong_width.pt")
    assert "shapes differ" in str(info.value) and len(str(info.value)) < 600


def test_init_with_mismatched_weights_names_the_problem(tmp_path, model_file):
    from sketchtrain.models.checkpoint import CheckpointError
    from sketchtrain.models.registry import model_config
    from sketchtrain.models.fcn import SimplifyNet
    from sketchtrain.training.warm_start import _init_weights

    with pytest.raises(CheckpointError) as info:
        _init_weights(SimplifyNet(model_config("eighth")), str(model_file))
    assert "shapes differ" in str(info.value) and len(str(info.value)) < 600


# ---------------------------------------------------------------------------- 8. file modes
@pytest.mark.parametrize("mask", [0o022, 0o027])
def test_outputs_get_the_mode_open_would_give(tmp_path, mask, model_file):
    from sketchdata.image.io import save_png
    from sketchtrain.models.checkpoint import save_checkpoint

    old = os.umask(mask)
    try:
        save_png(tmp_path / "a.png", np.ones((8, 8), np.float32))
        save_checkpoint(tmp_path / "c.pt", {"step": 0})
        make_drawings(tmp_path / "art", 2, (96, 96))
        write_recipe(tmp_path, patches={"size": 64, "per_image": 1})
        build_dataset(load_recipe(tmp_path / "recipe.yaml"))
        (tmp_path / "plain.txt").write_text("")  # a plain open(): the mode to match
    finally:
        os.umask(old)
    expected = stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode)
    assert expected == 0o666 & ~mask
    for path in [tmp_path / "a.png", tmp_path / "c.pt", tmp_path / "out" / "manifest.json",
                 *sorted((tmp_path / "out").glob("*.tar"))]:
        assert stat.S_IMODE(path.stat().st_mode) == expected, path

"""A recipe may name a teacher model that makes the targets (the seed's cases 1-5)."""

import numpy as np
import pytest

from conftest import ROOT, calibrated_model, make_drawings, save_model_checkpoint, write_recipe
from sketchdata.shards.build import build_dataset
from sketchdata.shards.dataset import iter_samples, shard_paths
from sketchdata.recipe import RecipeError, load_recipe, parse_recipe


@pytest.mark.slow
def test_raw_frames_get_teacher_targets_binarised(tmp_path):
    make_drawings(tmp_path / "frames", count=4, size=(96, 120))
    save_model_checkpoint(tmp_path / "teacher.pt", calibrated_model())
    write_recipe(tmp_path,
                 sources=[{"kind": "raw", "name": "frames", "paths": ["frames"]}],
                 teacher={"model": "teacher.pt", "device": "cpu"},
                 preprocess={"input_binarize": {"method": "sauvola", "window": 15},
                             "target_binarize": {"method": "global", "threshold": 128}},
                 patches={"size": 64, "per_image": 2}, effects=[])
    report = build_dataset(load_recipe(tmp_path / "recipe.yaml"), workers=2)
    assert report.complete and sum(report.samples.values()) == 8, report.skipped
    for split in ("train", "validation"):
        for _, inp, tgt, meta in iter_samples(shard_paths(report.out_dir, split)):
            assert meta["kind"] == "raw" and meta["effects"] == []
            # binarised teacher output and a binarised input (patch interpolation aside)
            assert np.mean((tgt == 0) | (tgt == 1)) > 0.9
            assert np.mean((inp < 0.05) | (inp > 0.95)) > 0.8


def test_teacher_is_required_and_checked_before_work(tmp_path):
    with pytest.raises(RecipeError, match="teacher"):
        parse_recipe({"sources": [{"kind": "raw", "paths": ["x"]}]}, "r.yaml", tmp_path)
    with pytest.raises(RecipeError, match="teacher.input"):
        parse_recipe({"sources": [{"kind": "raw", "paths": ["x"]}], "teacher": {"model": "m.pth", "input": "x"}},
                     "r.yaml", tmp_path)


def test_copies_of_one_drawing_share_a_split(tmp_path):
    make_drawings(tmp_path / "layouts", count=8, size=(96, 96))
    write_recipe(tmp_path, sources=[
        {"kind": "lineart", "name": "clean", "paths": ["layouts"], "effects": []},
        {"kind": "lineart", "name": "slur", "paths": ["layouts"], "effects": [{"name": "slur", "strength": 0.5}]},
    ], patches={"size": 64, "per_image": 1}, splits={"validation": 0.4})
    report = build_dataset(load_recipe(tmp_path / "recipe.yaml"))
    drawings = {s: {m["source_id"].split("-", 1)[1] for *_, m in iter_samples(shard_paths(report.out_dir, s))}
                for s in ("train", "validation")}
    assert drawings["validation"] and not drawings["train"] & drawings["validation"]


@pytest.mark.parametrize("name", ["atd12k", "layouts_noisy", "layouts_slur", "layouts_random", "layouts_whole"])
def test_shipped_seed_recipes_validate(name):
    recipe = load_recipe(ROOT / "recipes" / f"{name}.yaml")
    assert recipe.teacher is not None and recipe.sources

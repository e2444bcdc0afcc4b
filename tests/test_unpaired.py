"""Unpaired sources: rough sketches without clean versions and line drawings without rough
versions build into their own shard sets, shown by inspect and preview."""

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from sketchdata.shards.build import build_dataset
from sketchdata.cli import app
from sketchdata.shards.dataset import iter_images, read_manifest, shard_paths
from sketchdata.effects.rough import rough_sketch
from sketchdata.image.io import load_grey, save_png
from sketchdata.recipe import RecipeError, load_recipe
from conftest import make_drawings

runner = CliRunner()


def make_scans(folder: Path, count: int = 4) -> list[Path]:
    """Rough 'scans': drawings made rough, standing in for a user's own sketches."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, clean in enumerate(make_drawings(folder.parent / f"{folder.name}_clean", count, seed=9)):
        paths.append(folder / f"scan{i}.png")
        save_png(paths[-1], rough_sketch(load_grey(clean), 0.8, np.random.default_rng(i)))
    return paths


def unpaired_recipe(folder: Path, paired: bool = True) -> Path:
    sources = [{"kind": "lineart", "name": "scans", "paths": ["scans"], "unpaired": "rough"},
               {"kind": "procedural", "name": "lines", "count": 3, "size": 192, "unpaired": "line"}]
    if paired:
        make_drawings(folder / "art")
        sources.insert(0, {"kind": "lineart", "name": "art", "paths": ["art"]})
    make_scans(folder / "scans")
    recipe = {"name": "unpaired", "seed": 3, "sources": sources,
              "patches": {"size": 64, "per_image": 3, "reject_blank": 0.995},
              "effects": [{"name": "rough", "p": 1.0, "strength": [0.3, 0.6]}],
              "splits": {"validation": 0.3}, "output": {"dir": "out", "shard_samples": 4}}
    (folder / "recipe.yaml").write_text(yaml.safe_dump(recipe))
    return folder / "recipe.yaml"


@pytest.mark.slow
def test_unpaired_sources_build_into_their_own_shard_sets(tmp_path):
    result = build_dataset(load_recipe(unpaired_recipe(tmp_path)))
    manifest = read_manifest(result.out_dir)
    assert set(manifest["shards"]) == {"train", "validation", "unpaired_rough", "unpaired_line"}
    assert manifest["counts"]["unpaired_rough"]["samples"] == 12 and manifest["counts"]["unpaired_line"]["samples"] == 9
    rough = list(iter_images(shard_paths(result.out_dir, "unpaired_rough"), "input.png"))
    lines = list(iter_images(shard_paths(result.out_dir, "unpaired_line"), "target.png"))
    assert len(rough) == 12 and len(lines) == 9
    key, image, meta = rough[0]
    assert image.shape == (64, 64) and meta["unpaired"] == "rough" and meta["effects"] == []
    # a scan keeps its grey pencil (no target cleanup), a line drawing stays clean
    assert any(((img > 0.05) & (img < 0.9)).mean() > 0.005 for _, img, _ in rough)
    assert all(((img > 0.05) & (img < 0.55)).mean() < 0.05 for _, img, _ in lines)
    # the unpaired shards hold only their one image
    with_both = [k for k, *_ in iter_images(shard_paths(result.out_dir, "unpaired_rough"), "target.png", skipped=[])]
    assert with_both == []
    # scans never leak into the paired splits
    assert not any("scan" in p for split in ("train", "validation") for p in manifest["shards"][split])


@pytest.mark.slow
def test_unpaired_only_recipes_build_and_inspect_and_preview_show_them(tmp_path):
    recipe = unpaired_recipe(tmp_path, paired=False)
    result = build_dataset(load_recipe(recipe))
    manifest = read_manifest(result.out_dir)
    assert manifest["complete"] and manifest["counts"]["unpaired_rough"]["samples"] == 12
    shown = runner.invoke(app, ["inspect", str(result.out_dir), "--json"])
    assert shown.exit_code == 0, shown.output
    splits = json.loads(shown.output)["splits"]
    assert splits["unpaired_rough"]["samples"] == 12 and splits["unpaired_rough"]["target_ink_fraction"] is None
    assert splits["unpaired_line"]["samples"] == 9 and splits["unpaired_line"]["input_mean"] is None
    sheet = tmp_path / "sheet.png"
    done = runner.invoke(app, ["preview", str(result.out_dir), "--split", "unpaired_rough", "-o", str(sheet), "-n", "4"])
    assert done.exit_code == 0 and "4 unpaired rough sketches" in done.output and sheet.exists()


def test_unpaired_kinds_are_checked_in_the_recipe(tmp_path):
    recipe = {"name": "x", "sources": [{"kind": "procedural", "count": 2, "unpaired": "rough"}]}
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(recipe))
    with pytest.raises(RecipeError, match=r"sources\[0\].unpaired: unpaired rough sources are of kind lineart"):
        load_recipe(tmp_path / "r.yaml")
    recipe["sources"][0]["unpaired"] = "both"
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(recipe))
    with pytest.raises(RecipeError, match=r"sources\[0\].unpaired"):
        load_recipe(tmp_path / "r.yaml")

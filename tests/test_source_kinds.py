"""Source kinds as a registry: every registered kind builds, and a new kind is one registration."""

from typing import Literal

import numpy as np
import pytest
import yaml

from sketchdata.shards.build import build_dataset
from sketchdata.shards.dataset import iter_samples, read_manifest, shard_paths
from sketchdata.recipe import RecipeError, load_recipe, parse_recipe, recipe_schema
from sketchdata.sources.registry import KINDS, SourceKind, register
from sketchdata.sources import LoadedSource, SourceItem, SourceSpec
from conftest import calibrated_model, make_drawings, save_model_checkpoint

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M3 3 L21 21 M3 21 C 8 10, 16 10, 21 3" '
       'stroke="black" stroke-width="1.5" fill="none"/><circle cx="12" cy="12" r="4" stroke="black" fill="none"/></svg>')


def _source_for(kind: str, folder) -> dict:
    if kind in ("lineart", "raw"):
        make_drawings(folder / "art", 2)
        return {"kind": kind, "paths": ["art"]}
    if kind == "pairs":
        make_drawings(folder / "rough", 2, seed=1)
        make_drawings(folder / "clean", 2, seed=1)
        return {"kind": "pairs", "rough": "rough", "clean": "clean"}
    if kind == "strokes":
        drawings = np.empty(2, dtype=object)
        for i in range(2):
            drawings[i] = np.array([[0, 0, 0], [40, 10, 0], [10, 40, 1], [-30, -30, 0], [20, 5, 1]], np.int16) * (i + 1)
        np.savez(folder / "s.npz", train=drawings)
        return {"kind": "strokes", "paths": ["s.npz"], "size": 128}
    if kind == "svg":
        (folder / "svgs").mkdir()
        (folder / "svgs" / "a.svg").write_text(SVG)
        return {"kind": "svg", "paths": ["svgs"], "size": 128}
    if kind == "procedural":
        return {"kind": "procedural", "count": 2, "size": 128, "style": "figure"}
    raise AssertionError(f"no test source for the new kind {kind!r}: add one here")


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_registered_kind_builds_samples_with_provenance(kind, tmp_path):
    recipe = {"name": "k", "seed": 1, "sources": [{"name": "src", **_source_for(kind, tmp_path)}],
              "patches": {"size": 64, "per_image": 2, "reject_blank": 0.9999}, "splits": {"validation": 0},
              "output": {"dir": "out"}}
    if KINDS[kind].teacher_by_default:  # its targets come from a model: a small one of our own
        save_model_checkpoint(tmp_path / "teacher.pt", calibrated_model())
        recipe["teacher"] = {"model": "teacher.pt", "device": "cpu"}
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(recipe))
    result = build_dataset(load_recipe(tmp_path / "r.yaml"))
    samples = list(iter_samples(shard_paths(result.out_dir, "train")))
    assert samples, read_manifest(result.out_dir)["skipped"]
    for _, inp, tgt, meta in samples:
        assert inp.shape == tgt.shape == (64, 64) and meta["kind"] == kind and meta["source"]


def test_a_new_kind_is_one_registration_with_fields_of_its_own(tmp_path):
    """A kind registered from outside the package (here: checkerboard drawings, with a ``spacing``
    field no other kind has) is accepted by recipes, shown in the schema with its own fields,
    collected, loaded and described with no other change; its field is unknown to other kinds."""

    class CheckerSource(SourceSpec):
        kind: Literal["checker"]
        count: int = 2
        spacing: int = 12

    def collect(recipe, spec, skipped):
        return [SourceItem(id=f"{spec.name}-{i}", kind="checker", source=spec.name, width=96, height=96,
                           drawing=f"checker-{i}") for i in range(spec.count)]

    def load(item, spec, recipe, rng):
        board = np.ones((96, 96), np.float32)
        board[::spec.spacing, :] = 0.0
        board[:, ::spec.spacing] = 0.0
        return LoadedSource(board, board, True)

    register(SourceKind("checker", CheckerSource, collect, load, lambda item: f"checker:{item.id}"))
    try:
        recipe = {"name": "c", "sources": [{"kind": "checker", "name": "ch", "count": 2, "spacing": 8}],
                  "patches": {"size": 64, "per_image": 1}, "splits": {"validation": 0}, "output": {"dir": "out"}}
        (tmp_path / "r.yaml").write_text(yaml.safe_dump(recipe))
        loaded = load_recipe(tmp_path / "r.yaml")
        assert isinstance(loaded.sources[0], CheckerSource) and loaded.sources[0].spacing == 8
        result = build_dataset(loaded)
        metas = [meta for *_, meta in iter_samples(shard_paths(result.out_dir, "train"))]
        assert len(metas) == 2 and metas[0]["source"].startswith("checker:") and metas[0]["effects"]
        defs = recipe_schema()["$defs"]
        assert set(defs["CheckerSource"]["properties"]) >= {"kind", "count", "spacing"}
        assert "spacing" not in defs["ImageFilesSource"]["properties"]
        with pytest.raises(RecipeError, match=r"sources\[0\]\.spacing: unknown field \(allowed: .*paths"):
            parse_recipe({"sources": [{"kind": "lineart", "paths": ["x"], "spacing": 3}]}, "r.yaml", ".")
    finally:
        KINDS.pop("checker")
    with pytest.raises(RecipeError, match=r"sources\[0\]\.kind: must be one of .*got 'checker'"):
        parse_recipe({"sources": [{"kind": "checker"}]}, "r.yaml", ".")

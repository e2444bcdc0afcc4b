"""Planning a build: which drawings go into which shard (about ``output.shard_samples`` samples
each, per split), the fingerprint that ties a dataset folder to its recipe and drawings (so a
build resumes only what it planned), and the check that no output lands on an input."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sketchdata.files import OverwriteRefused, is_within, refuse_overwriting
from sketchdata.recipe import Recipe
from sketchdata.shards.format import MANIFEST, PARTS, SPLITS
from sketchdata.shards.samples import expected_samples
from sketchdata.sources.collect import SourceItem


@dataclass
class ShardPlan:
    split: str
    index: int
    items: list[SourceItem]
    expected: int

    @property
    def name(self) -> str:
        return f"{self.split}-{self.index:06d}"


def plan_shards(items: list[SourceItem], recipe: Recipe) -> list[ShardPlan]:
    """Group sorted drawings into shards of about ``output.shard_samples`` samples, per split."""
    plans: list[ShardPlan] = []
    for split in SPLITS:
        current: list[SourceItem] = []
        count = index = 0
        for item in (it for it in items if it.split == split):
            current.append(item)
            count += expected_samples(item, recipe)
            if count >= recipe.output.shard_samples:
                plans.append(ShardPlan(split, index, current, count))
                current, count, index = [], 0, index + 1
        if current:
            plans.append(ShardPlan(split, index, current, count))
    return plans


def refuse_overwriting_sources(recipe: Recipe, items: list[SourceItem], plans: list[ShardPlan], out: Path) -> None:
    """Before any work: no output over the recipe or a source file, and no shards among the
    drawings (an output folder that holds source files directly)."""
    sources = [Path(p) for item in items for p in item.files()]
    holding = next((s for s in sources if s.parent.resolve() == out), None)
    if holding is not None:
        raise OverwriteRefused(f"output folder {out} holds the source drawing {holding}: the shards would mix with "
                               "(and could overwrite) your drawings; choose another --out")
    recipe_file = [Path(recipe.file)] if recipe.file and Path(recipe.file).is_file() else []
    outputs = [out / MANIFEST, *(out / f"{plan.name}.tar" for plan in plans)]
    refuse_overwriting(outputs, recipe_file + sources, "choose another --out")
    if recipe_file and is_within(recipe_file[0], out / PARTS):
        raise OverwriteRefused(f"writing {out / PARTS} would overwrite the input {recipe_file[0]}; choose another --out")


def plan_fingerprint(recipe: Recipe, items: list[SourceItem]) -> str:
    """What the shard contents depend on: the recipe (less where it is written) and the drawings."""
    data = recipe.to_dict()
    data.pop("base_dir")
    data.pop("file", None)
    data["output"].pop("dir")
    # fields added after datasets existed are left out at their default, so an unchanged recipe
    # keeps its fingerprint (and an interrupted build its resume) across toolkit versions
    for source in data["sources"]:
        if source.get("unpaired") is None:
            source.pop("unpaired", None)
    payload = json.dumps({"recipe": data, "items": [(it.id, it.split, it.width, it.height) for it in items]},
                         sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()

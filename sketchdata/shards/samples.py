"""From one source drawing to training samples: load, preprocess, patches, effects.

Every random choice comes from a generator seeded by (recipe seed, drawing id), and the
effects pipeline is re-seeded per sample from (recipe seed, sample key), so a drawing's
samples are the same bytes whichever worker, machine or shard order builds them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from sketchdata.image.binarize import clean_target
from sketchdata.effects import applied_effects, build_pipeline, seed_pipeline, stable_seed
from sketchdata.image.geometry import downscale, extract_patch, fits, pad_to_multiple, sample_patch_matrix
from sketchdata.image.io import BadInput, encode_png, load_grey
from sketchdata.recipe import Recipe
from sketchdata.shards.format import INPUT, META, TARGET
from sketchdata.sources import SourceItem, get_kind
from sketchdata.sources.loaded import LoadedSource, binarized


@dataclass
class SourceStats:
    samples: int = 0
    rejected_blank: int = 0  # patches drawn again because the target was almost blank
    missing: int = 0  # samples given up after max_tries blank patches
    effects: dict[str, int] = field(default_factory=dict)


def expected_samples(item: SourceItem, recipe: Recipe) -> int:
    """How many samples a drawing should give (patches in proportion to area by default)."""
    if recipe.patches.mode == "whole":
        return len(recipe.geometry.scales)
    if recipe.patches.per_image is not None:
        return recipe.patches.per_image
    return max(1, int(round(recipe.patches.per_megapixel * item.width * item.height / 1e6)))


def load_source(item: SourceItem, recipe: Recipe, rng: np.random.Generator, teacher=None) -> LoadedSource:
    """The drawing's input and target at full size, preprocessed (see LoadedSource): loaded by
    its source kind (sketchdata.sources.kinds), or through the recipe's teacher.

    ``teacher`` (image -> image) makes the target for sources that use it.
    """
    pre = recipe.preprocess
    spec = next(s for s in recipe.sources if s.name == item.source)
    kind = get_kind(item.kind)
    if spec.unpaired == "rough":
        # a rough sketch with no clean version: kept as it is (only the input binarisation), the
        # "target" is the same image, used only to choose patches that are not blank
        inp = binarized(load_grey(item.file, pre.max_pixels), pre.input_binarize)
        return LoadedSource(inp, inp, False)
    if spec.uses_teacher:
        raw = load_grey(item.file, pre.max_pixels)
        inp = binarized(raw, pre.input_binarize)
        target = binarized(teacher(raw if recipe.teacher.input == "raw" else inp), pre.target_binarize)
        if pre.target_cleanup:
            target = clean_target(target, pre.cleanup_at_load)
        # clean art through a teacher keeps its clean input for the effects; raw frames are the input
        return LoadedSource(raw if kind.clean_input else inp, target, kind.clean_input)
    loaded = kind.load(item, spec, recipe, rng)
    if pre.target_cleanup:
        loaded.target = clean_target(loaded.target, pre.cleanup_at_load)
    return loaded


class SampleMaker:
    """Makes the samples of source drawings under one recipe (one per worker process)."""

    def __init__(self, recipe: Recipe, teacher=None):
        self.recipe = recipe
        self.teacher = teacher
        # one effects pipeline per source (sources may override the recipe's list), with and
        # without the rough-stroke effect (inputs that are already rough skip it)
        self.pipelines = {}
        for spec in recipe.sources:
            specs = recipe.resolved_effects(spec.effect_specs(recipe.effects))
            self.pipelines[spec.name] = (build_pipeline(specs), build_pipeline([e for e in specs if e["name"] != "rough"]))

    def samples(self, item: SourceItem, stats: SourceStats) -> Iterator[dict]:
        """Yield WebDataset samples (``__key__``, ``input.png``, ``target.png``, ``json``).

        Raises BadInput when the drawing cannot be used at all (unreadable, too small).
        """
        recipe = self.recipe
        unpaired = next(s for s in recipe.sources if s.name == item.source).unpaired
        # a rough scan's grey pencil is the data: never clean it like a target
        cleanup = recipe.preprocess.target_cleanup and unpaired != "rough"
        rng = np.random.default_rng(stable_seed(recipe.seed, item.id))
        loaded = load_source(item, recipe, rng, self.teacher)
        views = _ScaledViews(loaded.input, loaded.target)
        with_rough, without_rough = self.pipelines[item.source]
        pipeline = with_rough if loaded.input_is_clean else without_rough
        # an input redrawn from the drawing's own strokes had the rough effect: record it as one
        redrawn = [] if loaded.redrawn is None else [{"name": "rough", "strength": loaded.redrawn}]
        whole = recipe.patches.mode == "whole"
        usable = None if whole else self._usable_scales(loaded.target)
        for index in range(expected_samples(item, recipe)):
            placed = self._whole(index, views, rng) if whole else self._patch(usable, views, rng, cleanup, stats)
            if placed is None:
                stats.missing += 1
                continue
            yield self._sample(item, f"{item.id}-{index:04d}", placed, pipeline, redrawn, unpaired, stats)

    def _usable_scales(self, target: np.ndarray) -> list[float]:
        geo, size = self.recipe.geometry, self.recipe.patches.size
        usable = [s for s in geo.scales
                  if fits((int(round(target.shape[0] / s)), int(round(target.shape[1] / s))), size, 0.0)]
        if not usable:
            raise BadInput(f"image {target.shape[1]}x{target.shape[0]} is smaller than a {size}px patch "
                           f"at every scale {list(geo.scales)}")
        return usable

    def _whole(self, index: int, views: "_ScaledViews", rng: np.random.Generator) -> "_Placed":
        """Sample ``index`` of whole-image mode: the image at the index-th scale, padded, maybe flipped."""
        geo = self.recipe.geometry
        scale = geo.scales[index]
        inp_s, tgt_s = views.at(scale)
        hflip = bool(geo.hflip and rng.random() < 0.5)
        vflip = bool(geo.vflip and rng.random() < 0.5)
        inp = pad_to_multiple(inp_s[:, ::-1] if hflip else inp_s)
        tgt = pad_to_multiple(tgt_s[:, ::-1] if hflip else tgt_s)
        if vflip:
            inp, tgt = inp[::-1], tgt[::-1]
        return _Placed(np.ascontiguousarray(inp), np.ascontiguousarray(tgt), scale, 0.0, None, hflip, vflip)

    def _patch(self, usable: list[float], views: "_ScaledViews", rng: np.random.Generator, cleanup: bool,
               stats: SourceStats) -> "_Placed | None":
        """A random patch (scale, rotation, flips) whose target is not blank, or None after max_tries."""
        recipe, geo, pat = self.recipe, self.recipe.geometry, self.recipe.patches
        for _attempt in range(pat.max_tries):
            scale = float(usable[int(rng.integers(len(usable)))])
            inp_s, tgt_s = views.at(scale)
            matrix, angle = sample_patch_matrix(tgt_s.shape, pat.size, geo.rotation, rng)
            hflip = bool(geo.hflip and rng.random() < 0.5)
            vflip = bool(geo.vflip and rng.random() < 0.5)
            tgt = extract_patch(tgt_s, matrix, pat.size, hflip, vflip)
            if cleanup:
                tgt = clean_target(tgt, recipe.preprocess.cleanup_after_augment)
            if float(tgt.mean()) < pat.reject_blank:
                inp = extract_patch(inp_s, matrix, pat.size, hflip, vflip)
                center = [round(float(matrix[0, 2]), 2), round(float(matrix[1, 2]), 2)]
                return _Placed(inp, tgt, scale, angle, center, hflip, vflip)
            stats.rejected_blank += 1
        return None

    def _sample(self, item: SourceItem, key: str, placed: "_Placed", pipeline, redrawn: list[dict],
                unpaired: str | None, stats: SourceStats) -> dict:
        """The effects on the input, the provenance, and the encoded sample."""
        inp, tgt = placed.input, placed.target
        applied: list[dict] = list(redrawn)
        if pipeline.transforms:
            seed_pipeline(pipeline, stable_seed(self.recipe.seed, key, "effects"))
            inp, more = applied_effects(pipeline, inp)
            applied += more
        for a in applied:
            stats.effects[a["name"]] = stats.effects.get(a["name"], 0) + 1
        stats.samples += 1
        meta = {
            "key": key, "source_id": item.id, "source": get_kind(item.kind).describe(item),
            "kind": item.kind, "split": item.split, "scale": placed.scale, "angle": round(placed.angle, 3),
            "hflip": placed.hflip, "vflip": placed.vflip, "origin": placed.center, "size": list(tgt.shape),
            "effects": [{"name": a["name"], "strength": round(float(a["strength"]), 4)} for a in applied],
        }
        images = {INPUT: inp, TARGET: tgt}
        if unpaired:
            meta["unpaired"] = unpaired
            images = {INPUT: inp} if unpaired == "rough" else {TARGET: tgt}
        return {"__key__": key, **{name: encode_png(image) for name, image in images.items()},
                META: json.dumps(meta, sort_keys=True).encode()}


@dataclass
class _Placed:
    """Where one sample was cut from its drawing, and the cut (input before effects, target)."""

    input: np.ndarray
    target: np.ndarray
    scale: float
    angle: float
    center: list[float] | None
    hflip: bool
    vflip: bool


class _ScaledViews:
    """A drawing's input and target at each scale asked for, each downscaled once."""

    def __init__(self, inp: np.ndarray, target: np.ndarray):
        self.inp, self.target, self.cache = inp, target, {}

    def at(self, scale: float) -> tuple[np.ndarray, np.ndarray]:
        if scale not in self.cache:
            self.cache[scale] = (downscale(self.inp, scale), downscale(self.target, scale))
        return self.cache[scale]

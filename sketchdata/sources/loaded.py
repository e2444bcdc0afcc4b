"""One source drawing at full size, as a kind's ``load`` returns it, and the helpers kinds share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sketchdata.effects import DEFAULT_EFFECTS
from sketchdata.effects.rough import rough_from_polylines
from sketchdata.fields import BinarizeSpec
from sketchdata.image.binarize import binarize


@dataclass
class LoadedSource:
    """A source drawing at full size, preprocessed."""

    input: np.ndarray
    target: np.ndarray
    input_is_clean: bool  # the rough-stroke effect still has to be applied to the input
    redrawn: float | None = None  # rough strength when the input was redrawn from the drawing's strokes


def binarized(image: np.ndarray, spec: BinarizeSpec) -> np.ndarray:
    return binarize(image, spec.method, spec.threshold, spec.window, spec.k)


def rough_strength_range(recipe, source) -> tuple[float, float]:
    """The source's own rough spec, else the default mix's (one place holds the default)."""
    for spec in (*source.effect_specs(recipe.effects), *DEFAULT_EFFECTS):
        if spec["name"] == "rough":
            return tuple(spec["strength"])
    raise AssertionError("DEFAULT_EFFECTS has no rough entry")


def vector_source(lines: list, widths: list[float], target: np.ndarray, spec, recipe, rng: np.random.Generator,
                  proportional: bool = False) -> LoadedSource:
    """A drawing made of strokes (stroke, SVG and figure sources): the rough input is redrawn
    from the drawing's own strokes (``redraw``, default) or left clean for the effects. Why:
    tracing the raster back into strokes would break small closed shapes (eyes, buttons) at
    their junctions, and a model would learn that such details cannot be recovered."""
    if not spec.redraw:
        return LoadedSource(target, target, True)
    strength = float(rng.uniform(*rough_strength_range(recipe, spec)))
    inp = rough_from_polylines(lines, widths, target.shape, strength, rng, reference=target, proportional=proportional)
    return LoadedSource(inp, target, False, strength)

"""Albumentations transforms over the pure effect functions.

Each transform validates its parameters at construction (pydantic ``InitSchema``), draws its
random values from albumentations' own seeded generators, and calls a pure function
``effect(image, strength, rng)``. Every init argument is kept as an attribute of the same name
so ``A.to_dict`` / ``A.from_dict`` / ``A.save`` round-trip.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from albumentations.core.transforms_interface import BaseTransformInitSchema, ImageOnlyTransform
from pydantic import field_validator

from sketchdata.image.io import to_uint8
from sketchdata.effects.construction import construction
from sketchdata.effects.noise import random_noise
from sketchdata.effects.paper import load_textures, paper_texture
from sketchdata.effects.pressure import pencil_pressure
from sketchdata.effects.rough import rough_sketch
from sketchdata.effects.shading import shading
from sketchdata.effects.slur import slur
from sketchdata.effects.tone import tone


class SketchEffect(ImageOnlyTransform):
    """Base: apply ``effect_function(image, strength, rng)`` to the input image only."""

    effect_function: Callable[[np.ndarray, float, np.random.Generator], np.ndarray]
    options: tuple[str, ...] = ()  # recipe fields of this effect beyond p and strength

    class InitSchema(BaseTransformInitSchema):
        strength: tuple[float, float]

        @field_validator("strength", mode="before")
        @classmethod
        def _range(cls, value: Any) -> tuple[float, float]:
            if isinstance(value, (int, float)):
                value = (float(value), float(value))
            lo, hi = (float(v) for v in value)
            if not (0.0 <= lo <= hi <= 1.0):
                raise ValueError(f"strength must be a number or [low, high] with 0 <= low <= high <= 1, got {value!r}")
            return lo, hi

    def __init__(self, strength: tuple[float, float] | float = (0.3, 0.7), p: float = 1.0):
        super().__init__(p=p)
        self.strength = strength

    def effect_options(self) -> dict[str, Any]:
        """Keyword arguments of ``effect_function`` beyond (image, strength, rng): none by default."""
        return {}

    def get_params_dependent_on_data(self, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        return {
            "strength": self.py_random.uniform(*self.strength),
            "effect_seed": int(self.random_generator.integers(0, 2**63 - 1)),
        }

    def apply(self, img: np.ndarray, strength: float, effect_seed: int, **params: Any) -> np.ndarray:
        squeeze = img.ndim == 3
        grey = img[..., 0] if squeeze else img
        if grey.dtype == np.uint8:
            grey = grey.astype(np.float32) / 255.0
        out = type(self).effect_function(grey.astype(np.float32), strength, np.random.default_rng(effect_seed),
                                         **self.effect_options())
        if img.dtype == np.uint8:
            out = to_uint8(out)
        return out[..., None] if squeeze else out


class RoughSketch(SketchEffect):
    """Redraw clean line art as rough pencil strokes (sketchdata.effects.rough)."""

    effect_function = staticmethod(rough_sketch)


class Slur(SketchEffect):
    """Smudged, doubled, blurred strokes (sketchdata.effects.slur)."""

    effect_function = staticmethod(slur)


class Tone(SketchEffect):
    """Screentone in regions (sketchdata.effects.tone)."""

    effect_function = staticmethod(tone)


class Shading(SketchEffect):
    """Hatched, cross-hatched and smudged regions, as dark as the lines or fainter
    (sketchdata.effects.shading)."""

    effect_function = staticmethod(shading)


class ConstructionLines(SketchEffect):
    """Centre lines, blocking ellipses and base lines through the drawing
    (sketchdata.effects.construction)."""

    effect_function = staticmethod(construction)


class RandomNoise(SketchEffect):
    """Grain, dust, salt-and-pepper, paper texture, scan artefacts (sketchdata.effects.noise)."""

    effect_function = staticmethod(random_noise)


class PencilPressure(SketchEffect):
    """Lighter, saturating graphite with a drifting hand pressure (sketchdata.effects.pressure)."""

    effect_function = staticmethod(pencil_pressure)


class PaperTexture(SketchEffect):
    """Grey, toothy paper with grain of random size, or cut from real paper scans in a folder
    (``textures``; sketchdata.effects.paper)."""

    effect_function = staticmethod(paper_texture)
    options = ("textures",)  # the recipe fields this effect takes beyond p and strength

    class InitSchema(SketchEffect.InitSchema):
        textures: str | None = None

    def __init__(self, strength: tuple[float, float] | float = (0.3, 0.7), p: float = 1.0, textures: str | None = None):
        super().__init__(strength=strength, p=p)
        self.textures = textures

    def effect_options(self) -> dict[str, Any]:
        return {"textures": load_textures(self.textures)} if self.textures else {}

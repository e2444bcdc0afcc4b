"""Rough-sketch synthesis effects: registry, pipelines and seeding.

``EFFECTS`` maps the names used in recipes and on the command line to transform classes.
Order in a pipeline matters: rough redraws traced strokes, so it comes before tone and noise;
shading and construction draw from the lines they find, so they come after rough and before paper.
"""

from __future__ import annotations

import zlib

import albumentations as A
import numpy as np

from sketchdata.effects.transforms import (ConstructionLines, PaperTexture, PencilPressure, RandomNoise, RoughSketch, Shading,
                                           SketchEffect, Slur, Tone)

EFFECTS: dict[str, type[SketchEffect]] = {
    "rough": RoughSketch,
    "slur": Slur,
    "tone": Tone,
    "random": RandomNoise,
    "pressure": PencilPressure,
    "paper": PaperTexture,
    "shading": Shading,
    "construction": ConstructionLines,
}

_NAME_OF_CLASS = {cls.__name__: name for name, cls in EFFECTS.items()}

# A realistic default mix (see README "Effects"): always rough, sometimes slur/tone, often scan noise.
DEFAULT_EFFECTS: list[dict] = [
    {"name": "rough", "p": 1.0, "strength": [0.35, 0.9]},
    {"name": "slur", "p": 0.2, "strength": [0.1, 0.4]},
    {"name": "tone", "p": 0.15, "strength": [0.2, 0.6]},
    {"name": "random", "p": 0.5, "strength": [0.05, 0.4]},
]


def build_pipeline(specs: list[dict]) -> A.Compose:
    """An albumentations Compose of effects from ``[{"name", "p", "strength", ...options}, ...]``
    (options: the effect class's ``options``, such as paper's ``textures`` folder)."""
    transforms = []
    for spec in specs:
        cls = EFFECTS[spec["name"]]
        strength = spec.get("strength", (0.3, 0.7))
        if not isinstance(strength, (int, float)):
            strength = tuple(strength)
        options = {name: spec[name] for name in cls.options if spec.get(name) is not None}
        transforms.append(cls(strength=strength, p=float(spec.get("p", 1.0)), **options))
    return A.Compose(transforms, save_applied_params=True)


def seed_pipeline(pipeline: A.Compose, seed: int) -> None:
    """Seed every transform of ``pipeline`` with its own stream derived from ``seed``.

    Compose.set_random_seed gives all children the same seed, which makes their
    apply-or-not decisions identical; each child gets an independent stream instead.
    """
    pipeline.set_random_seed(seed)
    for index, transform in enumerate(pipeline.transforms):
        transform.set_random_seed(int(np.random.SeedSequence([seed, index]).generate_state(1)[0]))


def applied_effects(pipeline: A.Compose, image: np.ndarray) -> tuple[np.ndarray, list[dict]]:
    """Run a seeded pipeline on one image; return the result and what was applied."""
    result = pipeline(image=image)
    applied = []
    for record in result.get("applied_transforms", []) or []:
        applied.append({"name": _NAME_OF_CLASS.get(record[0], record[0]), **{k: v for k, v in record[1].items() if k == "strength"}})
    return result["image"], applied


def stable_seed(*parts: object) -> int:
    """A 63-bit seed from strings/ints that does not depend on Python's hash salt."""
    data = "\x1f".join(str(p) for p in parts).encode()
    return int(np.random.SeedSequence([zlib.crc32(data), len(data), zlib.adler32(data)]).generate_state(1, np.uint64)[0] >> 1)

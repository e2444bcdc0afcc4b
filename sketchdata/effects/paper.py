"""Textured paper: the tooth of drawing paper as a scanner sees it. A pure function of
(image, strength, rng).

Real pencil scans (../shared/data/rough) sit on grey, toothy paper whose grain is not per-pixel
noise: its bumps are 1-4 px across at scan resolution, and larger still once ``--scale auto``
enlarges a faint drawing. A model that only ever saw pixel-sized grain (the ``random`` effect)
reads such bumps as short strokes and keeps them as specks. This effect draws grain at a random
correlation length, so that bumps of every size the model will meet are taught as paper.
Graphite also catches on the tooth: lines break up slightly in the paper's valleys.

With ``textures`` (scans of real paper, from a recipe's ``textures: FOLDER``), the grain is a
random crop of one of them instead (random scale 0.5-2x, quarter turns, flips), normalised to
the same amplitude: real tooth has fibres, laid lines and felt marks that a Gaussian field lacks.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

# paper tints seen on scans: from bright white to the mid-grey of a dim scan
PAPER_LEVEL = (0.78, 0.98)
# grain correlation lengths in pixels (Gaussian sigma of the bump field)
GRAIN_SIGMA = (0.5, 2.0)
# how much a paper scan is enlarged or reduced (scan resolutions differ by about this much)
TEXTURE_SCALE = (0.5, 2.0)


@lru_cache(maxsize=8)
def load_textures(folder: str) -> tuple[np.ndarray, ...]:
    """Every image of ``folder`` as a grey float32 array (cached per worker process)."""
    from sketchdata.image.io import list_images, load_grey

    files = list_images(Path(folder))
    if not files:
        raise ValueError(f"paper textures: no image files in {folder}")
    return tuple(load_grey(f) for f in files)


def texture_grain(shape: tuple[int, int], textures: tuple[np.ndarray, ...], rng: np.random.Generator) -> np.ndarray:
    """Zero-mean, unit-std grain cut from one paper scan: random scale, crop, quarter turn, flips."""
    texture = textures[int(rng.integers(len(textures)))]
    factor = float(np.exp(rng.uniform(*np.log(TEXTURE_SCALE))))
    turns = int(rng.integers(4))
    need = (shape[1], shape[0]) if turns % 2 else shape  # a quarter turn swaps the sides
    src_h, src_w = (int(np.ceil(n / factor)) + 1 for n in need)
    reps = (int(np.ceil(src_h / texture.shape[0])), int(np.ceil(src_w / texture.shape[1])))
    if reps != (1, 1):  # a small scan is mirrored out to the size needed (no seams)
        texture = np.pad(texture, ((0, (reps[0] - 1) * texture.shape[0]), (0, (reps[1] - 1) * texture.shape[1])),
                         mode="symmetric")
    y = int(rng.integers(texture.shape[0] - src_h + 1))
    x = int(rng.integers(texture.shape[1] - src_w + 1))
    crop = cv2.resize(texture[y:y + src_h, x:x + src_w], (need[1], need[0]), interpolation=cv2.INTER_LINEAR)
    crop = np.rot90(crop, turns)
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    crop = np.ascontiguousarray(crop, dtype=np.float32)
    return (crop - crop.mean()) / (crop.std() + 1e-6)


def tooth_field(shape: tuple[int, int], sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Zero-mean, unit-std bump field whose bumps are about ``2 * sigma`` pixels across."""
    field = rng.standard_normal(shape).astype(np.float32)
    field = cv2.GaussianBlur(field, (0, 0), sigma)
    return (field - field.mean()) / (field.std() + 1e-6)


def paper_texture(image: np.ndarray, strength: float, rng: np.random.Generator,
                  textures: tuple[np.ndarray, ...] | None = None) -> np.ndarray:
    """strength 0 = unchanged; 1 = dim grey paper with strong, coarse tooth (``textures``: the
    grain from real paper scans, see the module doc).

    The paper level moves to a random tint (darker with strength), the grain's amplitude grows
    with strength (a standard deviation up to 4% of the paper level), and ink is lightened a
    little where the tooth has a valley (graphite does not reach it)."""
    if strength <= 0:
        return image.copy()
    s = float(strength)
    img = image.astype(np.float32)
    h, w = img.shape
    lo, hi = PAPER_LEVEL
    level = rng.uniform(hi - (hi - lo) * s, hi)
    if textures:
        grain = texture_grain((h, w), textures, rng)
    else:
        sigma = rng.uniform(*GRAIN_SIGMA)
        bumps = tooth_field((h, w), sigma, rng)
        # a second, finer layer: real tooth has structure at several sizes
        fine = tooth_field((h, w), max(0.5, sigma / 2.5), rng)
        grain = 0.7 * bumps + 0.3 * fine
    # grain std on the tuning scans (benchmarks/real/scans_split.json): 0.015-0.027 of white
    amplitude = rng.uniform(0.4, 1.0) * 0.04 * s * level
    darkness = 1.0 - img  # ink amount, 0 on white paper
    # valleys (grain < 0) hold less graphite: ink thins there, by up to a third at full strength
    ink = darkness * (1.0 - 0.35 * s * np.clip(-grain, 0, 2) / 2)
    out = level * (1.0 - ink) + amplitude * grain * (1.0 - 0.5 * ink)
    return np.clip(out, 0, 1).astype(np.float32)

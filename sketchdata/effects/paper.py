"""Textured paper: the tooth of drawing paper as a scanner sees it. A pure function of
(image, strength, rng).

Real pencil scans (../shared/data/rough) sit on grey, toothy paper whose grain is not per-pixel
noise: its bumps are 1-4 px across at scan resolution, and larger still once ``--scale auto``
enlarges a faint drawing. A model that only ever saw pixel-sized grain (the ``random`` effect)
reads such bumps as short strokes and keeps them as specks. This effect draws grain at a random
correlation length, so that bumps of every size the model will meet are taught as paper.
Graphite also catches on the tooth: lines break up slightly in the paper's valleys.
"""

from __future__ import annotations

import cv2
import numpy as np

# paper tints seen on scans: from bright white to the mid-grey of a dim scan
PAPER_LEVEL = (0.78, 0.98)
# grain correlation lengths in pixels (Gaussian sigma of the bump field)
GRAIN_SIGMA = (0.5, 2.0)


def tooth_field(shape: tuple[int, int], sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Zero-mean, unit-std bump field whose bumps are about ``2 * sigma`` pixels across."""
    field = rng.standard_normal(shape).astype(np.float32)
    field = cv2.GaussianBlur(field, (0, 0), sigma)
    return (field - field.mean()) / (field.std() + 1e-6)


def paper_texture(image: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """strength 0 = unchanged; 1 = dim grey paper with strong, coarse tooth.

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

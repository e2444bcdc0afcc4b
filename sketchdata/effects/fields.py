"""Random fields shared by the effects: smooth noise, paper grain (pure functions of rng), and
the graphite darkness that effects drawing on a drawing measure it by."""

from __future__ import annotations

import cv2
import numpy as np


def smooth_noise(shape: tuple[int, int], correlation_px: float, rng: np.random.Generator) -> np.ndarray:
    """Zero-mean, roughly unit-amplitude noise that varies over ``correlation_px`` pixels.

    A coarse random grid upsampled with cubic interpolation: cheap at any image size.
    """
    h, w = shape
    gh = max(2, int(np.ceil(h / correlation_px)) + 2)
    gw = max(2, int(np.ceil(w / correlation_px)) + 2)
    grid = rng.standard_normal((gh, gw)).astype(np.float32)
    field = cv2.resize(grid, (int(gw * correlation_px), int(gh * correlation_px)), interpolation=cv2.INTER_CUBIC)
    oy = int(rng.integers(0, max(1, field.shape[0] - h)))
    ox = int(rng.integers(0, max(1, field.shape[1] - w)))
    return field[oy : oy + h, ox : ox + w]


def smooth_noise_1d(n: int, correlation: float, rng: np.random.Generator) -> np.ndarray:
    """1-D smooth noise of length ``n`` (roughly unit amplitude), e.g. a wobble along a stroke."""
    knots = max(2, int(np.ceil(n / max(correlation, 1.0))) + 2)
    values = rng.standard_normal(knots)
    x = np.linspace(0, knots - 1, n) if n > 1 else np.zeros(1)
    return np.interp(x, np.arange(knots), values)


def paper_grain(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Paper tooth in [0, 1]: 1 where graphite catches fully, lower in the valleys."""
    fine = rng.random(shape, dtype=np.float32)
    fine = cv2.GaussianBlur(fine, (0, 0), 0.7)
    fine = (fine - fine.mean()) / (fine.std() + 1e-6)
    return np.clip(0.75 + 0.35 * fine, 0, 1)


MARK = 0.12  # darkness of visible graphite, as in benchmarks/scan_shading.py


def graphite_darkness(image: np.ndarray) -> np.ndarray:
    """How dark each pixel is relative to the paper (the image's median value): 0 on paper,
    1 black. Visible graphite is darker than ``MARK``."""
    paper = float(np.median(image))
    return np.clip((paper - image) / max(paper, 1e-6), 0.0, 1.0)


def drawing_marks(image: np.ndarray, least: int = 20) -> tuple[np.ndarray, np.ndarray, float] | None:
    """(darkness, visible graphite mask, median darkness of that graphite) of a drawing, or None
    when fewer than ``least`` pixels are graphite (nothing to draw from)."""
    dark = graphite_darkness(image)
    marks = dark > MARK
    if int(marks.sum()) < least:
        return None
    return dark, marks, float(np.median(dark[marks]))

"""Stroke width of a drawing, measured: pure functions of the image.

Ink is found with a local threshold (Sauvola: scans have uneven paper and faint pencil) and
kept only where it is clearly darker than the paper; widths are measured tile by tile as ink
mass over line length (see :func:`width_samples`), and a percentile over tiles is the drawing's
line width (:data:`WIDTH_STATISTICS`). ``simplify --scale auto`` uses it to bring an input's lines
to the width a model was trained on.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import binary_dilation, maximum_filter
from skimage.filters import threshold_sauvola
from skimage.morphology import skeletonize

# anti-aliasing spreads about half a pixel of extra mass around any line: measured on rendered
# lines of width 1, 1.5, 2, 3, 4, 6 px (tests/test_linewidth.py), which then read within 0.15 px
ANTIALIAS_SPREAD = 0.5
MIN_TILES = 3  # fewer tiles with lines than this: too little ink to measure
# how a drawing's line width is read from its tile widths: the percentile of each named statistic.
# "median": every tile alike (training inputs, and --scale auto of checkpoints made before
# "lines" existed). "lines": the drawing's single lines. On a pencil scan the upper tiles are
# shading, hatching and bundles of strokes, which read several times wider than one line; the
# 25th percentile put auto inside the by-eye range on 7 of the 8 tuning scans where the median
# did on 4 with the model shipped in 2026-11, 4 against 3 with the next model's candidate
# (benchmarks/real/scale_by_eye.json, issue 23; the README gives the judging half's record).
WIDTH_STATISTICS = {"median": 50.0, "lines": 25.0}


def ink_mask(image: np.ndarray, window: int = 31, k: float = 0.2, contrast: float = 0.08) -> np.ndarray:
    """Boolean ink mask: Sauvola-dark and at least ``contrast`` below the local paper level."""
    image = image.astype(np.float32)
    if float(image.max()) - float(image.min()) < 1e-6:
        return np.zeros(image.shape, bool)
    local = threshold_sauvola(image, window_size=int(window) | 1, k=k)
    paper = np.percentile(image, 90)
    return (image < local) & (image < paper - contrast)


def width_samples(image: np.ndarray, block: int = 32, min_length: int = 12) -> np.ndarray:
    """Line width (pixels) in each ``block`` x ``block`` tile holding at least ``min_length``
    skeleton pixels; empty when there is no ink.

    Width = ink mass / (line length x line darkness): the darkness below the paper level summed
    over the ink (grown by one pixel to take in anti-aliased edges), divided by the darkness
    summed along the skeleton. A solid line of width w gives w; anti-aliased and grey lines give
    their equivalent solid width, continuously (not in the half-pixel steps of a distance map).
    """
    image = image.astype(np.float32)
    ink = ink_mask(image)
    if not ink.any():
        return np.zeros(0, np.float32)
    paper = float(np.percentile(image, 90))
    darkness = np.clip(paper - image, 0, None)
    grown = binary_dilation(ink, iterations=1)
    mass = np.where(grown, darkness, 0.0)
    skeleton = skeletonize(ink)
    # the line's darkness is its peak across the stroke: the skeleton can sit half a pixel off
    along = np.where(skeleton, maximum_filter(darkness, size=3), 0.0)
    h, w = image.shape
    hb, wb = h // block, w // block
    if (hb == 0 or wb == 0) and h == w:  # a small square: one tile
        hb, wb, block = 1, 1, h
    if hb == 0 or wb == 0:  # a side shorter than a tile (a strip 1 px high): the whole image is one tile

        def tiles(a):
            return np.asarray(a.sum()).reshape(1, 1)
    else:

        def tiles(a):
            return a[: hb * block, : wb * block].reshape(hb, block, wb, block).sum(axis=(1, 3))
    length = tiles(skeleton.astype(np.float32))
    keep = length >= min_length
    widths = tiles(mass)[keep] / np.maximum(tiles(along)[keep], 1e-6) - ANTIALIAS_SPREAD
    return np.maximum(widths, 0.25).astype(np.float32)


def check_width_statistic(statistic: str) -> str:
    """``statistic`` when it is one of WIDTH_STATISTICS, else a ValueError naming them."""
    if statistic not in WIDTH_STATISTICS:
        raise ValueError(f"unknown line width statistic {statistic!r}; choose from {', '.join(WIDTH_STATISTICS)}")
    return statistic


def median_stroke_width(image: np.ndarray, max_pixels: int = 4_000_000) -> float | None:
    """The median of the drawing's tile widths (see :func:`stroke_width`)."""
    return stroke_width(image, "median", max_pixels)


def stroke_width(image: np.ndarray, statistic: str = "median", max_pixels: int = 4_000_000) -> float | None:
    """The drawing's line width in pixels read with ``statistic`` (WIDTH_STATISTICS), or None
    when it has too little ink.

    Above ``max_pixels`` (a large scan) it is measured on a grid of 1024 px crops covering about
    that many pixels, at full resolution (resizing would change the widths it measures)."""
    h, w = image.shape
    if h * w > max_pixels:
        crop = 1024
        per_axis = max(1, int(np.sqrt(max_pixels / crop**2)))
        ys = np.linspace(0, max(h - crop, 0), per_axis).astype(int)
        xs = np.linspace(0, max(w - crop, 0), per_axis).astype(int)
        samples = np.concatenate([width_samples(image[y : y + crop, x : x + crop]) for y in ys for x in xs])
    else:
        samples = width_samples(image)
    if samples.size < MIN_TILES:
        return None
    return float(np.percentile(samples, WIDTH_STATISTICS[check_width_statistic(statistic)]))


def width_summary(samples: np.ndarray) -> dict:
    """Percentiles of a width distribution, for reports."""
    if samples.size == 0:
        return {"tiles": 0}
    p10, p25, p50, p75, p90 = np.percentile(samples, [10, 25, 50, 75, 90])
    return {"tiles": int(samples.size), "p10": round(float(p10), 2), "p25": round(float(p25), 2),
            "median": round(float(p50), 2), "p75": round(float(p75), 2), "p90": round(float(p90), 2),
            "mean": round(float(samples.mean()), 2)}

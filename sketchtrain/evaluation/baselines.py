"""The classic alternatives a model is compared with, as functions rough -> clean.

Global threshold (fixed level, Otsu, and the level that is best on the evaluation set), local
threshold (Sauvola), and a Potrace-style pipeline: threshold, despeckle, vectorise, rasterise
(what Live Trace / Potrace do, as compared in the paper). Images float32 (H, W), 1 = white.
"""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

from sketchdata.image.binarize import global_threshold, otsu, sauvola

from sketchtrain.inference.vectorize import rasterize_svg_paths, trace


def despeckle(binary: np.ndarray, min_area: int) -> np.ndarray:
    """Remove ink components smaller than ``min_area`` pixels."""
    ink = (binary < 0.5).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = np.zeros(n, bool)
    small[1:] = stats[1:, cv2.CC_STAT_AREA] < min_area
    out = binary.copy()
    out[small[labels]] = 1.0
    return out


def potrace_pipeline(image: np.ndarray, min_area: int = 10) -> np.ndarray:
    binary = despeckle(otsu(image), min_area)
    return rasterize_svg_paths(trace(binary, turdsize=min_area), binary.shape)


BASELINES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "threshold_0.5": lambda img: global_threshold(img, 0.5 * 255),
    "otsu": otsu,
    "sauvola": lambda img: sauvola(img, 25, 0.2),
    "potrace": potrace_pipeline,
}


def fixed_threshold(level: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda img: global_threshold(img, level * 255)

"""The classic alternatives a model is compared with, as functions rough -> clean.

Global threshold (fixed level, Otsu, and the level that is best on the evaluation set), local
threshold (Sauvola), and a Potrace-style pipeline: threshold, despeckle, vectorise, rasterise
(what Live Trace / Potrace do, as compared in the paper). Images float32 (H, W), 1 = white.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from sketchdata.image.binarize import global_threshold, otsu, sauvola

from sketchtrain.evaluation.metrics import stroke_scores, to_luma8
from sketchtrain.inference.despeckle import remove_specks
from sketchtrain.inference.vectorize import rasterize_svg_paths, trace


def potrace_pipeline(image: np.ndarray, min_area: int = 10) -> np.ndarray:
    # specks: ink components (below 0.5 on the black-and-white image) of fewer than min_area pixels
    binary = remove_specks(otsu(image), min_area - 1, paper_level=0.5)
    return rasterize_svg_paths(trace(binary, turdsize=min_area), binary.shape)


BASELINES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "threshold_0.5": lambda img: global_threshold(img, 0.5 * 255),
    "otsu": otsu,
    "sauvola": lambda img: sauvola(img, 25, 0.2),
    "potrace": potrace_pipeline,
}


def fixed_threshold(level: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda img: global_threshold(img, level * 255)


class ThresholdSweep:
    """The best single global threshold over a set of images, the one rule for it (evaluate's
    ``threshold_best`` oracle on rough inputs, release's output levels on raw outputs): each
    level thresholds every image as ``global_threshold`` does (ink where darker than the level),
    F at the tolerance is averaged over the pairs (a blank result scores 0), and the first
    level with the highest mean wins. Images are added one at a time, so a long evaluation
    holds only the per-pair scores."""

    def __init__(self, levels, tol_px: float | None = None, tol_permille: float | None = None):
        self.levels = tuple(float(level) for level in levels)
        self.tol_px, self.tol_permille = tol_px, tol_permille
        self.scores: dict[float, list[float]] = {level: [] for level in self.levels}

    def add(self, image: np.ndarray, reference8: np.ndarray) -> None:
        """One pair: ``image`` float in [0, 1]; ``reference8`` its 8-bit luma reference."""
        for level in self.levels:
            s = stroke_scores(to_luma8(fixed_threshold(level)(image)), reference8, self.tol_px, self.tol_permille)
            self.scores[level].append(0.0 if s["blank"] else s["f"])

    def best(self) -> tuple[float, float, list[float]]:
        """(level, its mean F, its F on each pair in the order added)."""
        if not self.levels:
            raise ValueError("a threshold sweep needs at least one level")
        level = max(self.levels, key=lambda lv: np.mean(self.scores[lv]))
        return level, float(np.mean(self.scores[level])), self.scores[level]

"""Removing specks from a model's output: a pure function of (output, parameters).

A speck is an isolated mark: a connected set (8-neighbours) of pixels darker than the paper
level, with its grey rim, that touches no other mark and covers at most ``max_area`` pixels.
On pencil scans on grainy paper the network leaves some of the paper's tooth as such dots
(README, "Limits"); a line, a hatching stroke or an eye is larger, or joined to a line through
its rim, and stays. Like Potrace's ``turdsize``, but on the grey-level output, so it serves the
PNG as well as the binarised output and the SVG traced from it. Off by default: small real
marks (dots of stippling, a distant bird) are marks of that size too.
"""

from __future__ import annotations

import cv2
import numpy as np

# output levels put paper at 1.0 (sketchtrain.release.calibrate); a pixel below this is part of
# a mark, so a speck's faint rim goes with it rather than staying behind as a grey ring
PAPER_LEVEL = 0.9


def check_speck_area(max_area) -> int:
    """``max_area`` as a whole number of pixels >= 0 (0: keep every mark), else a ValueError."""
    if isinstance(max_area, bool) or not isinstance(max_area, (int, np.integer)) or max_area < 0:
        raise ValueError(f"despeckle area must be a whole number of pixels, 0 (off) or more; got {max_area!r}")
    return int(max_area)


def remove_specks(image: np.ndarray, max_area: int, paper_level: float = PAPER_LEVEL) -> np.ndarray:
    """``image`` (float32, 1 = paper) with every mark of at most ``max_area`` pixels set to paper
    (1.0); a new array, the input is not changed. ``max_area`` 0 returns an unchanged copy."""
    max_area = check_speck_area(max_area)
    out = np.array(image, dtype=np.float32, copy=True)
    if max_area == 0 or out.size == 0:
        return out
    marks = (out < paper_level).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(marks, connectivity=8)
    small = np.zeros(count, bool)
    small[1:] = stats[1:, cv2.CC_STAT_AREA] <= max_area
    if small.any():
        out[small[labels]] = 1.0
    return out

"""Recover strokes from raster line art: skeleton, split at junctions, ordered polylines.

Everything heavy is done by array code (skimage skeletonize, cv2 filters, cv2.findContours);
Python only loops over branches, never over pixels.
"""

from __future__ import annotations

import cv2
import numpy as np
from skimage.morphology import skeletonize

_NEIGHBOURS = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]], np.float32)


def trace_strokes(
    image: np.ndarray, threshold: float = 0.5, min_length: int = 4
) -> tuple[list[np.ndarray], list[float]]:
    """Polylines along the centre lines of the dark strokes of ``image``.

    Args:
        image: float32 (H, W) in [0, 1], 1 = white.
        threshold: pixels darker than this are ink.
        min_length: branches with fewer skeleton pixels are dropped.
    Returns:
        (polylines, widths): (N, 2) float arrays of (x, y) points ordered along each branch,
        and the estimated stroke width in pixels of each.
    """
    ink = (image < threshold).astype(np.uint8)
    if not ink.any():
        return [], []
    skeleton = skeletonize(ink.astype(bool)).astype(np.uint8)
    # stroke half-width = distance from the centre line to the paper
    half_width = cv2.distanceTransform(ink, cv2.DIST_L2, 3)
    count = cv2.filter2D(skeleton.astype(np.float32), -1, _NEIGHBOURS, borderType=cv2.BORDER_CONSTANT)
    junction = (skeleton > 0) & (count > 2.5)
    # cutting junction pixels leaves simple paths and loops
    branches = skeleton.copy()
    branches[cv2.dilate(junction.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0] = 0
    count = cv2.filter2D(branches.astype(np.float32), -1, _NEIGHBOURS, borderType=cv2.BORDER_CONSTANT)
    endpoint = (branches > 0) & (count < 1.5)
    contours, _ = cv2.findContours(branches, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    polylines, widths = [], []
    for contour in contours:
        pts = contour[:, 0, :]
        if len(pts) < min_length:
            continue
        ends = np.flatnonzero(endpoint[pts[:, 1], pts[:, 0]])
        if len(ends) >= 2:
            # an open path's contour runs end -> end -> back: keep one way
            a, b = ends[0], ends[1]
            path = pts[a : b + 1]
        else:
            path = np.concatenate([pts, pts[:1]])  # a loop
        if len(path) < min_length:
            continue
        polylines.append(path.astype(np.float64))
    if polylines:
        # mean half-width along each branch, in one reduceat over all branch pixels
        allpts = np.concatenate(polylines).astype(np.int64)
        starts = np.concatenate([[0], np.cumsum([len(p) for p in polylines])[:-1]])
        widths = (2.0 * np.add.reduceat(half_width[allpts[:, 1], allpts[:, 0]], starts)
                  / np.diff(np.append(starts, len(allpts)))).tolist()
    return polylines, widths


def resample(polyline: np.ndarray, step: float) -> np.ndarray:
    """Points every ``step`` pixels of arc length along a polyline (ends kept)."""
    seg = np.linalg.norm(np.diff(polyline, axis=0), axis=1)
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    if arc[-1] < 1e-9:
        return polyline[:1].copy()
    t = np.linspace(0, arc[-1], max(2, int(np.ceil(arc[-1] / step)) + 1))
    return np.stack([np.interp(t, arc, polyline[:, 0]), np.interp(t, arc, polyline[:, 1])], 1)

"""Anti-aliased rendering of polylines: the shared drawing primitive.

Used for procedural line art (samples), stroke-3 sources and rough-stroke synthesis. Lines
are drawn dark on white at ``supersample`` times the size and reduced with area averaging,
which gives sub-pixel widths and smooth edges that cv2's integer thickness cannot.
"""

from __future__ import annotations

import cv2
import numpy as np

Polyline = np.ndarray  # (N, 2) float array of (x, y) points in pixel units


def render_polylines(
    polylines: list[Polyline],
    size: tuple[int, int],
    widths: float | list[float] = 2.0,
    intensities: float | list[float] = 1.0,
    supersample: int = 4,
) -> np.ndarray:
    """Draw polylines dark on white.

    Args:
        polylines: list of (N, 2) arrays of (x, y) in output pixel coordinates.
        size: (height, width) of the output.
        widths: line width in output pixels, one for all or one per polyline.
        intensities: darkness in [0, 1] (1 = black), one for all or one per polyline;
            overlapping strokes darken multiplicatively, like graphite layers.
    Returns:
        float32 (H, W) in [0, 1], 1 = white.
    """
    h, w = size
    s = int(supersample)
    n = len(polylines)
    widths = [float(widths)] * n if np.isscalar(widths) else list(widths)
    intensities = [float(intensities)] * n if np.isscalar(intensities) else list(intensities)
    # strokes of one darkness share a layer, so overlaps within a layer do not double-darken;
    # layers multiply, so separate passes darken like graphite layers
    canvas = np.ones((h * s, w * s), np.float32)
    groups: dict[float, dict[int, list[np.ndarray]]] = {}
    keep = [i for i, line in enumerate(polylines) if len(line)]
    if keep:
        lengths = [len(polylines[i]) for i in keep]
        # one vectorised conversion for all points, then split back into polylines
        allpts = np.round(np.concatenate([np.asarray(polylines[i], np.float64) for i in keep]) * s + (s - 1) / 2.0)
        allpts = allpts.astype(np.int32).reshape(-1, 1, 2)
        bounds = np.concatenate([[0], np.cumsum(lengths)]).tolist()
        split = [allpts[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        thick = np.maximum(1, np.round(np.asarray(widths, np.float64)[keep] * s)).astype(int)
        level = np.round(np.clip(np.asarray(intensities, np.float64)[keep], 0, 1) * 8) / 8  # few levels, few layers
        for pts, t, lv in zip(split, thick.tolist(), level.tolist()):
            groups.setdefault(lv, {}).setdefault(t, []).append(pts)
    for ink, by_thickness in groups.items():
        if ink <= 0:
            continue
        layer = np.zeros_like(canvas)
        for thick, lines in by_thickness.items():
            cv2.polylines(layer, lines, False, 1.0, thick, cv2.LINE_8)
        canvas *= 1.0 - ink * layer
    if s > 1:
        canvas = cv2.resize(canvas, (w, h), interpolation=cv2.INTER_AREA)
    return np.clip(canvas, 0, 1).astype(np.float32)


def fit_to_canvas(lines: list[Polyline], size: int, margin: float) -> tuple[list[Polyline], float]:
    """Scale and centre polylines into a ``size`` square, aspect kept, ``margin`` (a share of
    the side) left free on the long axis; returns (fitted lines, scale applied)."""
    pts = np.concatenate(lines)
    lo, hi = pts.min(0), pts.max(0)
    extent = max(float((hi - lo).max()), 1e-6)
    scale = size * (1 - 2 * margin) / extent
    offset = (size - (hi - lo) * scale) / 2.0
    return [(ln - lo) * scale + offset for ln in lines], scale


def bezier(control: np.ndarray, n: int = 64) -> Polyline:
    """Points along a cubic Bezier curve given 4 control points (4, 2)."""
    t = np.linspace(0, 1, n)[:, None]
    p0, p1, p2, p3 = control
    return (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t**2 * p2 + t**3 * p3

"""Stroke-3 sources (sketch-rnn / QuickDraw format) turned into polylines and clean line art.

Stroke-3: rows of (dx, dy, pen_lifted); ``pen_lifted == 1`` ends a stroke after that point.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sketchdata.image.io import BadInput
from sketchdata.drawing.safe_npz import load_npz
from sketchdata.drawing.render import Polyline, fit_to_canvas


def load_stroke3(path: str | Path, split: str = "train") -> list[np.ndarray]:
    """Load the drawings of one split of a stroke-3 ``.npz`` file."""
    data = load_npz(path)  # never unpickles anything but numpy arrays
    if split not in data:
        raise BadInput(f"stroke file has no array '{split}' (it has {', '.join(data) or 'none'})")
    drawings = data[split]
    if drawings.dtype != object and drawings.ndim != 3:
        raise BadInput(f"array '{split}' has shape {drawings.shape}: expected a list of (N, 3) stroke-3 drawings")
    return list(drawings)


def stroke3_to_polylines(drawing: np.ndarray) -> list[Polyline]:
    """Absolute-coordinate polylines, one per pen-down stroke."""
    drawing = np.asarray(drawing, np.float64)
    if drawing.ndim != 2 or drawing.shape[1] < 3 or len(drawing) == 0:
        raise BadInput(f"stroke-3 drawing must be (N, 3), got shape {drawing.shape}")
    if not np.isfinite(drawing[:, :3]).all():
        raise BadInput("stroke-3 offsets are not finite (NaN or infinity); fix or drop that drawing")
    xy = np.cumsum(drawing[:, :2], axis=0)
    ends = np.flatnonzero(drawing[:, 2] > 0.5)
    lines, start = [], 0
    for end in list(ends) + [len(drawing) - 1]:
        if end >= start:
            lines.append(xy[start : end + 1])
        start = end + 1
    return [ln for ln in lines if len(ln) > 0]


def fit_polylines(lines: list[Polyline], size: int, margin: float = 0.08) -> list[Polyline]:
    """Scale and centre polylines into a ``size`` x ``size`` square keeping aspect ratio."""
    return fit_to_canvas(lines, size, margin)[0]

"""Pictures people look at during training: loss curves and progression sheets (no matplotlib)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from sketchdata.image.io import atomic_write_bytes
from sketchdata.preview import grid

COLOURS = [(200, 90, 30), (40, 40, 220), (40, 160, 40), (150, 40, 150), (30, 160, 200)]  # BGR


def smoothed(series: list[tuple[float, float]], window: int | None = None) -> list[tuple[float, float]]:
    """Running mean of a noisy (x, y) series (window: about 1/50 of its length by default)."""
    if len(series) < 3:
        return series
    window = window or max(1, len(series) // 50)
    ys = np.array([y for _, y in series], np.float64)
    kernel = np.ones(window) / window
    padded = np.concatenate([np.full(window - 1, ys[0]), ys])
    return list(zip([x for x, _ in series], np.convolve(padded, kernel, mode="valid").tolist()))


def line_chart(series: dict[str, list[tuple[float, float]]], path: str | Path, title: str = "",
               y_label: str = "loss", log_y: bool = True, size: tuple[int, int] = (900, 520), x_label: str = "step",
               point_labels: dict[str, list[str]] | None = None) -> None:
    """Write a PNG line chart of named (x, y) series (``point_labels``: a text beside each point)."""
    w, h = size
    left, right, top, bottom = 80, 20, 40, 50
    img = np.full((h, w, 3), 255, np.uint8)
    points = [(x, y) for s in series.values() for x, y in s if np.isfinite(y) and (y > 0 or not log_y)]
    if points:
        xs, ys = np.array([p[0] for p in points]), np.array([p[1] for p in points])
        fy = np.log10 if log_y else (lambda v: v)
        x0, x1 = float(xs.min()), float(xs.max()) if xs.max() > xs.min() else float(xs.min()) + 1
        if point_labels:  # room for the labels of the outermost points
            x0, x1 = x0 - 0.05 * (x1 - x0), x1 + 0.2 * (x1 - x0)
        y0, y1 = float(fy(ys.min())), float(fy(ys.max()))
        if y1 - y0 < 1e-9:
            y0, y1 = y0 - 0.5, y1 + 0.5
        pad = 0.05 * (y1 - y0)
        y0, y1 = y0 - pad, y1 + pad

        def to_px(x, y):
            px = left + (x - x0) / (x1 - x0) * (w - left - right)
            py = top + (1 - (fy(y) - y0) / (y1 - y0)) * (h - top - bottom)
            return int(round(px)), int(round(py))

        for t in np.linspace(y0, y1, 5):  # horizontal grid with labels
            py = int(round(top + (1 - (t - y0) / (y1 - y0)) * (h - top - bottom)))
            cv2.line(img, (left, py), (w - right, py), (230, 230, 230), 1)
            label = f"{10 ** t:.3g}" if log_y else f"{t:.3g}"
            cv2.putText(img, label, (5, py + 4), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (80, 80, 80), 1, cv2.LINE_AA)
        for t in np.linspace(x0, x1, 6):
            px = int(round(left + (t - x0) / (x1 - x0) * (w - left - right)))
            cv2.putText(img, f"{t:.3g}", (px - 10, h - bottom + 18), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (80, 80, 80), 1,
                        cv2.LINE_AA)
        for i, (name, s) in enumerate(series.items()):
            pts = [to_px(x, y) for x, y in s if np.isfinite(y) and (y > 0 or not log_y)]
            colour = COLOURS[i % len(COLOURS)]
            if len(pts) > 1:
                cv2.polylines(img, [np.array(pts, np.int32)], False, colour, 2, cv2.LINE_AA)
            for p in pts if len(pts) < 40 else []:
                cv2.circle(img, p, 3, colour, -1, cv2.LINE_AA)
            for p, text in zip(pts, (point_labels or {}).get(name, [])):
                cv2.putText(img, text, (p[0] + 6, p[1] - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.45, colour, 1, cv2.LINE_AA)
            legend_y = (h - bottom - 15 - 20 * (len(series) - 1 - i)) if point_labels else (top + 20 + 20 * i)
            legend_x = left + 10 if point_labels else w - right - 220
            cv2.putText(img, name, (legend_x, legend_y), cv2.FONT_HERSHEY_SIMPLEX, 0.55, colour, 2, cv2.LINE_AA)
    cv2.rectangle(img, (left, top), (w - right, h - bottom), (120, 120, 120), 1)
    cv2.putText(img, title, (left, 25), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, x_label, (w // 2, h - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (80, 80, 80), 1, cv2.LINE_AA)
    cv2.putText(img, y_label + (" (log)" if log_y else ""), (5, top - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                (80, 80, 80), 1, cv2.LINE_AA)
    ok, buf = cv2.imencode(".png", img)
    atomic_write_bytes(path, buf.tobytes())


def progression_sheet(rows: list[tuple[np.ndarray, ...]], path: str | Path, cell: int = 192) -> np.ndarray:
    """(input | prediction | target) rows, as in the paper's training-progress figure; written
    to ``path`` and returned (grey, [0, 1])."""
    from sketchdata.image.io import save_png

    sheet = grid([list(r) for r in rows], cell)
    save_png(path, sheet)
    return sheet

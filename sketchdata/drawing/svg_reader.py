"""SVG line art as strokes: the paths of an SVG file, sampled into polylines with their widths.

Parsing, transforms (nested groups, ``transform=``, viewBox) and shapes (path, line, polyline,
polygon, rect, circle, ellipse) come from svgelements, a maintained SVG library; here the
shapes' outlines are sampled about once per user unit and kept with their stroke widths (scaled
by the transforms). A shape with no stroke (a filled icon) is drawn by its outline, with the
recipe's width. Any problem (not XML, no drawable path, too large) is a one-line BadInput.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sketchdata.image.io import BadInput
from sketchdata.drawing.render import Polyline

MAX_SVG_BYTES = 50_000_000
MAX_POINTS = 2_000_000  # across the drawing: a guard against absurd path lengths


def load_svg_strokes(path: str | Path) -> tuple[list[Polyline], list[float | None]]:
    """(polylines in the file's user units, stroke width per polyline or None when unstroked)."""
    from svgelements import SVG, Path as SvgPath, Shape

    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise BadInput("file not found") from None
    if size == 0:
        raise BadInput("empty file (0 bytes)")
    if size > MAX_SVG_BYTES:
        raise BadInput(f"SVG of {size / 1e6:.0f} MB is above the {MAX_SVG_BYTES / 1e6:.0f} MB limit")
    try:
        document = SVG.parse(str(path), reify=True)
        shapes = [e for e in document.elements() if isinstance(e, Shape)]
    except Exception as exc:  # svgelements and the XML parser raise many types
        raise BadInput(f"not a readable SVG ({type(exc).__name__}: {exc})") from None
    lines: list[Polyline] = []
    widths: list[float | None] = []
    total = 0
    for shape in shapes:
        if shape.stroke is None and shape.fill is None:
            continue  # invisible
        stroked = shape.stroke is not None and shape.stroke.value is not None and shape.stroke.opacity != 0
        width = float(shape.stroke_width) if stroked and shape.stroke_width else None
        try:
            subpaths = list(SvgPath(shape).as_subpaths())
        except Exception:
            continue
        for sub in subpaths:
            sub = SvgPath(sub)
            try:
                length = float(sub.length(error=1e-3))
            except Exception:
                continue
            if not np.isfinite(length) or length <= 0:
                continue
            count = int(min(max(2, length + 1), 20000))
            total += count
            if total > MAX_POINTS:
                raise BadInput(f"SVG paths are too long to sample (over {MAX_POINTS} points)")
            points = np.asarray(sub.npoint(np.linspace(0, 1, count)), np.float64)
            points = points[np.isfinite(points).all(axis=1)]
            if len(points) >= 2:
                lines.append(points)
                widths.append(width)
    if not lines:
        raise BadInput("SVG has no drawable paths (no stroked or filled shape with a length)")
    return lines, widths


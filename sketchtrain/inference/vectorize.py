"""Vector output through the Potrace algorithm (the tool the paper and the authors used).

``potracer`` is a pure-Python port of Potrace: the same bitmap -> Bezier outline algorithm,
installable everywhere without a C library. The SVG is filled outlines (even-odd), as Potrace
writes them. :func:`rasterize_svg_paths` draws those outlines back for checking.
"""

from __future__ import annotations

import numpy as np

from sketchdata.image.io import atomic_write_bytes


def trace(image: np.ndarray, threshold: float = 0.5, turdsize: int = 2, alphamax: float = 1.0,
          opttolerance: float = 0.2) -> list[list[tuple]]:
    """Outlines of the ink (pixels < threshold) as lists of segments.

    Each outline: [("M", (x, y)), ("L", (x, y)) | ("C", (x1, y1), (x2, y2), (x, y)), ...].
    """
    import potrace

    paper = image >= threshold  # potracer's bool convention: True = white paper
    if paper.all():
        return []
    path = potrace.Bitmap(paper).trace(turdsize=turdsize, alphamax=alphamax, opttolerance=opttolerance)
    outlines = []
    for curve in path:
        seg = [("M", (curve.start_point.x, curve.start_point.y))]
        for s in curve.segments:
            if s.is_corner:
                seg.append(("L", (s.c.x, s.c.y)))
                seg.append(("L", (s.end_point.x, s.end_point.y)))
            else:
                seg.append(("C", (s.c1.x, s.c1.y), (s.c2.x, s.c2.y), (s.end_point.x, s.end_point.y)))
        outlines.append(seg)
    return outlines


def svg_text(outlines: list[list[tuple]], width: int, height: int) -> str:
    parts = []
    for outline in outlines:
        d = []
        for op, *pts in outline:
            d.append(op + " ".join(f"{x:.2f},{y:.2f}" for x, y in pts))
        parts.append(" ".join(d) + " Z")
    path = f'<path d="{" ".join(parts)}" fill="black" fill-rule="evenodd"/>' if parts else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">\n<rect width="100%" height="100%" fill="white"/>\n{path}\n</svg>\n')


def svg_document(image: np.ndarray, threshold: float = 0.5, **options) -> tuple[bytes, int]:
    """Trace ``image``: (SVG file bytes, number of outlines)."""
    outlines = trace(image, threshold, **options)
    return svg_text(outlines, image.shape[1], image.shape[0]).encode(), len(outlines)


def save_svg(path, image: np.ndarray, threshold: float = 0.5, **options) -> int:
    """Trace ``image`` and write an SVG atomically; returns the number of outlines."""
    data, count = svg_document(image, threshold, **options)
    atomic_write_bytes(path, data)
    return count


def rasterize_svg_paths(outlines: list[list[tuple]], shape: tuple[int, int], supersample: int = 4) -> np.ndarray:
    """Draw outlines back (even-odd fill), float32 in [0, 1], 1 = white: the round-trip check."""
    import cv2

    h, w = shape
    s = supersample
    polys = []
    for outline in outlines:
        pts, cur = [], None
        for op, *p in outline:
            if op in ("M", "L"):
                cur = np.array(p[0])
                pts.append(cur)
            else:
                c1, c2, end = (np.array(v) for v in p)
                t = np.linspace(0, 1, 12)[1:, None]
                pts.extend((1 - t) ** 3 * cur + 3 * (1 - t) ** 2 * t * c1 + 3 * (1 - t) * t**2 * c2 + t**3 * end)
                cur = end
        polys.append(np.round(np.array(pts) * s).astype(np.int32))
    # even-odd: XOR the filled polygons one by one
    mask = np.zeros((h * s, w * s), np.uint8)
    for poly in polys:
        layer = np.zeros_like(mask)
        cv2.fillPoly(layer, [poly], 1)
        mask ^= layer
    ink = cv2.resize(mask.astype(np.float32), (w, h), interpolation=cv2.INTER_AREA)
    return 1.0 - ink

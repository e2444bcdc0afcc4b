"""Construction and guide lines to delete: the centre line through a face, the ellipse that
blocks in a head, the base line under an object. A pure function of (image, strength, rng).

Unlike the rough effect's faint page-wide guides (sketchdata.effects.rough.construction_lines,
ink 0.1-0.28), these are drawn through the drawing itself, from its ink, and as dark as a
third of its lines up to all of them, which is how they stay on real scans (fig06_danshi's
centre line, the stroke under fig14_origami in ../shared/data/rough).
"""

from __future__ import annotations

import numpy as np

from sketchdata.drawing.render import render_polylines
from sketchdata.effects.fields import drawing_marks

DARKNESS_RATIO = (0.35, 1.0)  # guide darkness over the drawing's line darkness
WIDTH_PX = (0.6, 1.6)


def _axis(centre: np.ndarray, side: float, rng: np.random.Generator) -> np.ndarray:
    """A long, nearly straight line through ``centre``: mostly near-vertical or near-horizontal
    (centre lines, eye lines, base lines), sometimes at any angle."""
    angle = rng.choice([np.pi / 2, 0.0]) + rng.normal(0, 0.15) if rng.random() < 0.7 else rng.uniform(0, np.pi)
    length = rng.uniform(0.3, 1.1) * side
    d = np.array([np.cos(angle), np.sin(angle)])
    n = np.array([-d[1], d[0]])
    t = np.linspace(-0.5, 0.5, 32)[:, None]
    bend = rng.normal(0, 0.03 * length)
    return centre + t * length * d + (1 - 4 * t * t) * bend * n


def _ellipse(centre: np.ndarray, side: float, rng: np.random.Generator) -> np.ndarray:
    """An open ellipse round ``centre`` (a blocked-in head or joint), drawn in one sweep."""
    rx, ry = rng.uniform(0.05, 0.3, 2) * side
    start = rng.uniform(0, 2 * np.pi)
    sweep = rng.uniform(0.6, 1.15) * 2 * np.pi
    t = np.linspace(start, start + sweep, 64)
    tilt = rng.uniform(0, np.pi)
    x, y = rx * np.cos(t), ry * np.sin(t)
    c, s = np.cos(tilt), np.sin(tilt)
    return centre + np.stack([c * x - s * y, s * x + c * y], 1)


def construction(image: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Draw guides through the drawing. strength 0 = unchanged; 1 = about four guides per
    256 x 256 px of drawing, each up to as dark as its lines."""
    if strength <= 0:
        return image.copy()
    found = drawing_marks(image)
    if found is None:
        return image.copy()
    _, lines, line_dark = found
    ys, xs = np.nonzero(lines)
    h, w = image.shape
    count = 1 + int(rng.poisson(3.0 * strength * h * w / 256**2))
    guides, widths, inks = [], [], []
    for _ in range(count):
        i = int(rng.integers(len(xs)))
        centre = np.array([xs[i], ys[i]], np.float64)
        make = _axis if rng.random() < 0.65 else _ellipse
        guides.append(make(centre, float(max(h, w)), rng))
        widths.append(rng.uniform(*WIDTH_PX))
        inks.append(min(0.95, line_dark * rng.uniform(*DARKNESS_RATIO)))
    drawn = render_polylines(guides, (h, w), widths=widths, intensities=inks, supersample=2)
    return np.clip(image * drawn, 0, 1).astype(np.float32)

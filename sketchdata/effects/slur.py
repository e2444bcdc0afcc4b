"""Slur: smudged, doubled and blurred strokes (the seed made these by hand in an editor).

Three things happen to ink when a drawing is slurred: a second, lighter copy of a line lands
a few pixels off (doubling); graphite is dragged along one direction by a hand or finger
(smudge, a directional blur of the ink only in some regions); and edges soften (blur).
"""

from __future__ import annotations

import cv2
import numpy as np

from sketchdata.effects.fields import smooth_noise


def _directional_kernel(length: int, angle: float) -> np.ndarray:
    k = np.zeros((length, length), np.float32)
    c = (length - 1) / 2
    d = np.array([np.cos(angle), np.sin(angle)]) * c
    cv2.line(k, (int(round(c - d[0])), int(round(c - d[1]))), (int(round(c + d[0])), int(round(c + d[1]))), 1.0, 1)
    return k / k.sum()


def slur(image: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Smudge, double and blur the ink of ``image`` (float32 (H, W), 1 = white).

    strength 0 = unchanged; 1 = heavy slur (offset copies up to ~6 px, long smudges, blur).
    """
    if strength <= 0:
        return image.copy()
    s = float(strength)
    h, w = image.shape
    ink = 1.0 - image
    # doubling: a warped, lighter copy, its offset drifting smoothly across the image
    flow = np.stack([smooth_noise((h, w), 80, rng), smooth_noise((h, w), 80, rng)], -1)
    base = rng.normal(0, 1, 2)
    base = base / (np.linalg.norm(base) + 1e-9) * (1.0 + 5.0 * s)
    flow = (flow * (1.5 * s) + base).astype(np.float32)
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    copy = cv2.remap(ink, gx + flow[..., 0], gy + flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    ink = 1.0 - (1.0 - ink) * (1.0 - rng.uniform(0.3, 0.7) * copy)
    # smudge: directional blur, blended in where a smooth mask says a hand passed
    length = 3 + 2 * int(round(6 * s))
    smudged = cv2.filter2D(ink, -1, _directional_kernel(length, rng.uniform(0, np.pi)))
    mask = np.clip(0.5 + smooth_noise((h, w), 60, rng) * 0.8, 0, 1) * min(1.0, 0.4 + s)
    ink = ink * (1 - mask) + np.maximum(smudged * 1.1, ink * 0.6) * mask
    # overall softening and a touch of lightening, as graphite spreads
    sigma = 0.3 + 1.2 * s
    ink = cv2.GaussianBlur(ink, (0, 0), sigma) * (1.0 - 0.25 * s * rng.random())
    return np.clip(1.0 - ink, 0, 1).astype(np.float32)

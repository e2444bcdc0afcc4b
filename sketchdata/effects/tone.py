"""Screentone as in manga: halftone dots, line tones and gradients filling regions.

Regions are the drawing's own closed areas (connected white components that do not touch
the border) or random blobs; patterns are computed analytically per pixel (vectorised).
"""

from __future__ import annotations

import cv2
import numpy as np

from sketchdata.effects.fields import smooth_noise


def halftone(shape, pitch: float, angle: float, level: np.ndarray | float, kind: str) -> np.ndarray:
    """Tone pattern coverage in {0, 1} (1 = ink) of grey ``level`` (0..1 ink coverage)."""
    h, w = shape
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    c, s = np.cos(angle), np.sin(angle)
    u, v = (x * c + y * s) / pitch, (-x * s + y * c) / pitch
    if kind == "dots":
        # distance to the nearest lattice point; dot radius grows with the level
        du, dv = u - np.round(u), v - np.round(v)
        radius = np.sqrt(np.asarray(level) / np.pi)
        return (np.sqrt(du * du + dv * dv) < radius).astype(np.float32)
    # line tone: stripes whose width is the level
    return ((u - np.floor(u)) < np.asarray(level)).astype(np.float32)


def _regions(image: np.ndarray, rng: np.random.Generator, max_regions: int) -> list[np.ndarray]:
    """Closed white areas of the drawing, plus random blobs when there are few."""
    h, w = image.shape
    paper = (image > 0.6).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(paper, connectivity=4)
    masks = []
    for i in rng.permutation(np.arange(1, n)):
        x, y, bw, bh, area = stats[i]
        touches_border = x == 0 or y == 0 or x + bw == w or y + bh == h
        if not touches_border and area > 80:
            masks.append(labels == i)
        if len(masks) >= max_regions:
            break
    while len(masks) < max(1, max_regions // 2):
        blob = smooth_noise((h, w), rng.uniform(30, 80), rng) > rng.uniform(0.6, 1.2)
        if blob.any():
            masks.append(blob)
        else:
            break
    return masks


def tone(image: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Fill some regions of ``image`` with screentone. strength 0 = unchanged, 1 = many dark tones."""
    if strength <= 0:
        return image.copy()
    s = float(strength)
    h, w = image.shape
    out = image.copy()
    for mask in _regions(image, rng, max_regions=1 + int(round(5 * s))):
        kind = str(rng.choice(["dots", "dots", "lines", "gradient"]))
        pitch = rng.uniform(3.0, 7.0)
        angle = rng.choice([np.pi / 4, 0.0, np.pi / 6, rng.uniform(0, np.pi)])
        level: np.ndarray | float = rng.uniform(0.1, 0.2 + 0.35 * s)
        if kind == "gradient":
            ramp_dir = rng.uniform(0, 2 * np.pi)
            y, x = np.mgrid[0:h, 0:w].astype(np.float32)
            ramp = (x * np.cos(ramp_dir) + y * np.sin(ramp_dir)) / max(h, w)
            ramp = (ramp - ramp.min()) / (np.ptp(ramp) + 1e-6)
            level = ramp * (0.15 + 0.4 * s)
            kind = "dots"
        pattern = halftone((h, w), pitch, angle, level, kind)
        # tones are printed, so slightly soft at this resolution
        pattern = cv2.GaussianBlur(pattern, (0, 0), 0.5)
        out = np.where(mask, out * (1.0 - pattern * rng.uniform(0.6, 1.0)), out)
    return np.clip(out, 0, 1).astype(np.float32)

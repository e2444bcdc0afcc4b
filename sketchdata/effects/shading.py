"""Shading to delete: regions of a drawing filled with hatching, cross-hatching or smudged
graphite, as artists shade a hat, a wall or a head of hair. A pure function of
(image, strength, rng).

The clean target has none of it, so the model learns to leave shading out of the inked line.
The amounts are the tuning scans' (benchmarks/scan_shading.py, benchmarks/real/
scan_shading_tuning.json): shading holds 2-36% of a drawing's graphite (median 9%) and is
0.6-1.5 times as dark as its lines (median 1.05); its regions are tens to about a hundred
pixels across. Regions follow the drawing: a closed area of it, or a band along its lines on
one side (a cast shadow), or a soft blob beside its ink.
"""

from __future__ import annotations

import cv2
import numpy as np

from sketchdata.drawing.render import render_polylines
from sketchdata.effects.fields import drawing_marks, paper_grain, smooth_noise

# share of the drawing's graphite that is shading, and shading darkness over line darkness:
# the tuning scans' extremes (benchmarks/real/scan_shading_tuning.json)
SHADING_SHARE = (0.018, 0.364)
DARKNESS_RATIO = (0.62, 1.49)
REGION_SIDE = (14, 110)  # side of a region's bounding box, pixels
MAX_REGIONS = 12


def _closed_region(lines: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
    """A paper area enclosed by the drawing's lines, of a shading region's size."""
    h, w = lines.shape
    paper = (~cv2.dilate(lines.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(paper, connectivity=4)
    lo, hi = REGION_SIDE
    ok = [i for i in range(1, n)
          if stats[i, 0] > 0 and stats[i, 1] > 0 and stats[i, 0] + stats[i, 2] < w and stats[i, 1] + stats[i, 3] < h
          and lo * lo / 2 <= stats[i, cv2.CC_STAT_AREA] and max(stats[i, 2], stats[i, 3]) <= hi * 1.5]
    if not ok:
        return None
    return labels == ok[int(rng.integers(len(ok)))]


def _side_band(lines: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
    """A band along the lines on one side, within a window round one point of ink: the shadow
    a light from one direction leaves along a contour."""
    ys, xs = np.nonzero(lines)
    if len(xs) == 0:
        return None
    h, w = lines.shape
    i = int(rng.integers(len(xs)))
    half = rng.uniform(*REGION_SIDE) / 2
    window = np.zeros((h, w), bool)
    window[max(0, int(ys[i] - half)):int(ys[i] + half) + 1, max(0, int(xs[i] - half)):int(xs[i] + half) + 1] = True
    width = rng.uniform(3, 16)
    near = cv2.distanceTransform((~lines).astype(np.uint8), cv2.DIST_L2, 3) < width
    # one side: where the offset copy of the lines, moved toward the light, does not reach
    angle = rng.uniform(0, 2 * np.pi)
    shift = (int(round(np.sin(angle) * width)), int(round(np.cos(angle) * width)))
    moved = np.roll(near, shift, axis=(0, 1))
    band = near & ~moved & ~lines & window
    return band if band.sum() > 40 else None


def _blob(lines: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
    """A soft-edged patch of smooth noise beside the drawing's ink."""
    ys, xs = np.nonzero(lines)
    if len(xs) == 0:
        return None
    h, w = lines.shape
    i = int(rng.integers(len(xs)))
    side = rng.uniform(*REGION_SIDE)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dist = np.hypot((yy - ys[i]) / side, (xx - xs[i]) / (side * rng.uniform(0.5, 1.5)))
    blob = dist + 0.25 * smooth_noise((h, w), max(4.0, side / 3), rng) < 0.5
    return blob if blob.sum() > 40 else None


REGION_KINDS = (_closed_region, _side_band, _blob)


def _hatch_lines(mask: np.ndarray, angle: float, spacing: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Parallel strokes across ``mask``'s bounding box at ``angle``, ``spacing`` px apart, each a
    little wobbly and of its own length (hand hatching is not ruled)."""
    ys, xs = np.nonzero(mask)
    cy, cx = ys.mean(), xs.mean()
    reach = 0.5 * float(np.hypot(np.ptp(ys), np.ptp(xs))) + 4
    d = np.array([np.cos(angle), np.sin(angle)])
    n = np.array([-d[1], d[0]])
    lines = []
    for offset in np.arange(-reach, reach, spacing):
        start = rng.uniform(-reach, -0.6 * reach)
        end = rng.uniform(0.6 * reach, reach)
        t = np.linspace(start, end, max(2, int((end - start) / 4)))[:, None]
        jitter = rng.normal(0, 0.25 * spacing)
        lines.append(np.array([cx, cy]) + t * d + (offset + jitter + 0.3 * rng.standard_normal(t.shape)) * n)
    return lines


def _fill(mask: np.ndarray, kind: str, ink: float, rng: np.random.Generator) -> np.ndarray:
    """Darkness (0 = none) of one shaded region: hatched, cross-hatched or smudged."""
    h, w = mask.shape
    # ragged edges: hatches overrun or stop short of the region's outline
    soft = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), rng.uniform(1.0, 3.0))
    edge = (soft > 0.05) & (soft + 0.25 * smooth_noise((h, w), rng.uniform(3, 8), rng) > 0.5)
    if kind == "smudge":
        field = 0.75 + 0.25 * smooth_noise((h, w), rng.uniform(4, 20), rng)
        smudge = cv2.GaussianBlur(edge.astype(np.float32) * field, (0, 0), rng.uniform(1.5, 4.0))
        return np.clip(ink * smudge * (0.6 + 0.4 * paper_grain((h, w), rng)), 0, 1)
    angle = rng.uniform(0, np.pi)
    darkness = np.zeros((h, w), np.float32)
    for layer in range(1 if kind == "hatch" else int(rng.integers(2, 4))):
        spacing = rng.uniform(1.8, 5.0)
        lines = _hatch_lines(mask, angle + layer * rng.uniform(0.5, 1.2), spacing, rng)
        stroke = 1.0 - render_polylines(lines, (h, w), widths=rng.uniform(0.6, 1.4), intensities=1.0, supersample=2)
        darkness = 1.0 - (1.0 - darkness) * (1.0 - ink * stroke * edge)
    return darkness


def shading(image: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Shade regions of a (rough) drawing. strength 0 = unchanged; 1 = up to the tuning scans'
    largest share of shading. Regions are added until the shading holds the drawn share of the
    graphite; each is as dark as the drawing's lines times a ratio in ``DARKNESS_RATIO``."""
    if strength <= 0:
        return image.copy()
    s = float(strength)
    found = drawing_marks(image)
    if found is None:
        return image.copy()
    dark, lines, line_dark = found
    line_mass = float(dark[lines].sum())
    lo, hi = SHADING_SHARE
    share = float(np.exp(rng.uniform(np.log(lo), np.log(lo + (hi - lo) * s))))
    wanted = share / (1.0 - share) * line_mass
    added = np.zeros_like(dark)
    for _ in range(MAX_REGIONS):
        if float(added.sum()) >= wanted:
            break
        mask = REGION_KINDS[int(rng.integers(len(REGION_KINDS)))](lines, rng)
        if mask is None:
            continue
        kind = str(rng.choice(["hatch", "crosshatch", "smudge"]))
        ink = min(0.95, line_dark * rng.uniform(*DARKNESS_RATIO))
        added = 1.0 - (1.0 - added) * (1.0 - _fill(mask, kind, ink, rng))
    return np.clip(image * (1.0 - added), 0, 1).astype(np.float32)

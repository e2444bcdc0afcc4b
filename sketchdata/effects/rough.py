"""Rough pencil strokes redrawn over clean line art (beyond the seed's hand-made noise).

Real rough sketches (see shared/data/rough) show each final line as several tentative,
offset, wobbly grey strokes of varying pressure, overshooting ends, faint construction lines,
hatching and erased ghosts, all with pencil grain on slightly grey paper. This module
recovers strokes from the clean image (sketchdata.drawing.centrelines) or takes them from a stroke source,
and redraws them that way.
"""

from __future__ import annotations

import cv2
import numpy as np

from sketchdata.drawing.render import render_polylines
from sketchdata.drawing.centrelines import resample, trace_strokes
from sketchdata.effects.fields import paper_grain, smooth_noise, smooth_noise_1d


def _ragged_index(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of arange(start, start + length) for each pair, without a Python loop."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return offsets + np.arange(total)


SMALL_SHAPE_PX = 40.0  # strokes smaller than this (bounding extent) are redrawn proportionally closer


def _thin(line: np.ndarray) -> np.ndarray:
    """Points about 2 px apart: dense traced contours are thinned, sparse strokes resampled."""
    if len(line) >= 3 and np.abs(line[1] - line[0]).max() <= 1.5:
        return line[::2] if len(line) % 2 else np.concatenate([line[::2], line[-1:]])
    return resample(line, 2.0)


def _overshoot(drawn: np.ndarray, seg_len: np.ndarray, over: np.ndarray) -> list[np.ndarray]:
    """The passes' points cut into passes, each pass's end points pushed outward along its
    tangent by ``over`` (passes x 2: start, end) pixels."""
    ends = np.cumsum(seg_len)
    starts = ends - seg_len
    for at, nxt, col in ((starts, starts + 1, 0), (ends - 1, ends - 2, 1)):
        tangent = drawn[at] - drawn[nxt]
        tangent /= np.linalg.norm(tangent, axis=1, keepdims=True) + 1e-9
        drawn[at] += tangent * over[:, col : col + 1]
    bounds = [0] + ends.tolist()
    return [drawn[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def redraw_strokes(
    polylines: list[np.ndarray],
    widths: list[float],
    strength: float,
    rng: np.random.Generator,
    proportional: bool = False,
) -> tuple[list[np.ndarray], list[float], list[float]]:
    """Several jittered pencil passes per stroke: (polylines, widths, intensities).

    Vectorised over all strokes and passes at once (a patch has hundreds of strokes): each
    pass is a shifted, wobbled, possibly partial copy of its stroke with overshooting ends.
    ``proportional``: strokes are whole shapes (a vector drawing's own strokes, not fragments
    traced from a raster and cut at junctions), so small ones are redrawn proportionally closer.
    """
    s = strength
    # about one point every 2 px: traced contours have 1 px steps, stroke sources may be sparse
    strokes = [_thin(ln) for ln in polylines]
    keep = [i for i, ln in enumerate(strokes) if len(ln) >= 2]
    if not keep:
        return [], [], []
    strokes = [strokes[i] for i in keep]
    widths_arr = np.asarray(widths, np.float64)[keep]
    lengths = np.array([len(ln) for ln in strokes])
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    points = np.concatenate(strokes)
    direction = np.gradient(points, axis=0)
    direction /= np.linalg.norm(direction, axis=1, keepdims=True) + 1e-9
    normals = np.stack([-direction[:, 1], direction[:, 0]], 1)

    passes = 1 + rng.binomial(4, min(1.0, 0.25 + 0.5 * s), len(strokes))
    owner = np.repeat(np.arange(len(strokes)), passes)  # stroke of each pass
    first_pass = np.concatenate([[True], owner[1:] != owner[:-1]])
    n = lengths[owner]
    # tentative strokes: later passes often cover only part of the line
    partial = (~first_pass) & (n > 6) & (rng.random(len(owner)) < 0.5)
    i0 = np.where(partial, (rng.random(len(owner)) * (n // 3)).astype(np.int64), 0)
    i1 = np.where(partial, (2 * n) // 3 + (rng.random(len(owner)) * (n - (2 * n) // 3 + 1)).astype(np.int64), n)
    i1 = np.clip(np.maximum(i1, i0 + 2), 0, n)
    seg_len = i1 - i0
    idx = _ragged_index(offsets[owner] + i0, seg_len)
    pass_of_point = np.repeat(np.arange(len(owner)), seg_len)
    # each pass lands off the line, but an inker draws the clean line through the middle of
    # the passes: shifts are centred per stroke, so the target is where the passes agree
    # and passes stray in proportion to what is drawn: a small eye or button is redrawn closely,
    # a long contour loosely, so small closed shapes survive the roughing as in real sketches
    extent = np.array([float(np.ptp(ln, axis=0).max()) for ln in strokes])
    near = np.clip(extent / SMALL_SHAPE_PX, 0.25, 1.0) if proportional else np.ones(len(strokes))
    pass_shift = rng.normal(0, 0.4 + 2.2 * s, (len(owner), 2)) * near[owner][:, None]
    mean_shift = np.stack([np.bincount(owner, pass_shift[:, k]) for k in (0, 1)], 1) / passes[:, None]
    shift = (pass_shift - mean_shift[owner])[pass_of_point]
    wobble = smooth_noise_1d(len(idx), rng.uniform(6, 20), rng) * (0.3 + 1.6 * s) * near[owner][pass_of_point]
    drawn = points[idx] + shift + normals[idx] * wobble[:, None]
    # overshoot (+2 px bridges the gap that cutting junctions out of the skeleton leaves)
    over = 2.0 + rng.exponential(1.0 + 5.0 * s, (len(owner), 2)) * near[owner][:, None]
    out_lines = _overshoot(drawn, seg_len, over)
    out_widths = np.maximum(0.7, widths_arr[owner] * rng.uniform(0.45, 0.9, len(owner)))
    out_inks = rng.uniform(0.25, 0.7, len(owner))
    return out_lines, out_widths.tolist(), out_inks.tolist()


def construction_lines(shape, strength, rng) -> tuple[list[np.ndarray], list[float], list[float]]:
    """Long faint guide lines and arcs across the page."""
    h, w = shape
    lines, widths, inks = [], [], []
    for _ in range(int(rng.poisson(1.5 * strength * h * w / 256**2))):
        p0 = rng.uniform([0, 0], [w, h])
        angle = rng.uniform(0, 2 * np.pi)
        length = rng.uniform(0.3, 1.0) * max(h, w)
        t = np.linspace(0, 1, 40)[:, None]
        bend = rng.normal(0, 0.1 * length)
        direction = np.array([np.cos(angle), np.sin(angle)])
        normal = np.array([-direction[1], direction[0]])
        lines.append(p0 + t * length * direction + (4 * t * (1 - t)) * bend * normal)
        widths.append(rng.uniform(0.6, 1.2))
        inks.append(rng.uniform(0.1, 0.28))
    return lines, widths, inks


def hatching_patches(image, strength, rng) -> tuple[list[np.ndarray], list[float], list[float]]:
    """Quick shading hatches placed next to ink, as artists block in shadows."""
    ys, xs = np.nonzero(image < 0.5)
    lines, widths, inks = [], [], []
    if len(xs) == 0:
        return lines, widths, inks
    for _ in range(int(rng.poisson(0.8 * strength * image.size / 256**2))):
        i = int(rng.integers(len(xs)))
        c = np.array([xs[i], ys[i]], np.float64)
        angle = rng.uniform(0, np.pi)
        d = np.array([np.cos(angle), np.sin(angle)])
        n = np.array([-d[1], d[0]])
        length, spacing = rng.uniform(6, 20), rng.uniform(2.5, 5)
        ink = rng.uniform(0.2, 0.45)
        for j in range(int(rng.integers(3, 9))):
            start = c + n * j * spacing + rng.normal(0, 0.8, 2)
            lines.append(np.stack([start, start + d * length * rng.uniform(0.7, 1.1)]))
            widths.append(rng.uniform(0.6, 1.1))
            inks.append(ink)
    return lines, widths, inks


def pencil_composite(darkness: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Darkness -> pencil on paper: pressure variation, grain, grey paper. Returns [0, 1] image."""
    shape = darkness.shape
    pressure = 1.0 + (0.15 + 0.2 * strength) * smooth_noise(shape, rng.uniform(30, 90), rng)
    darkness = darkness * np.clip(pressure, 0.3, 1.4) * (1.0 - 0.6 * strength * (1.0 - paper_grain(shape, rng)))
    paper = 1.0 - strength * rng.uniform(0.02, 0.12) - 0.02 * strength * smooth_noise(shape, 120, rng)
    return np.clip(paper * (1.0 - np.clip(darkness, 0, 1)), 0, 1).astype(np.float32)


def rough_from_polylines(
    polylines: list[np.ndarray],
    widths: list[float],
    shape: tuple[int, int],
    strength: float,
    rng: np.random.Generator,
    reference: np.ndarray | None = None,
    proportional: bool = False,
) -> np.ndarray:
    """Rough pencil rendering of strokes given as polylines (stroke sources or traced art);
    ``proportional``: see :func:`redraw_strokes`."""
    lines, lw, inks = redraw_strokes(polylines, widths, strength, rng, proportional)
    for extra in (construction_lines(shape, strength, rng),
                  hatching_patches(reference, strength, rng) if reference is not None else ([], [], [])):
        lines += extra[0]
        lw += extra[1]
        inks += extra[2]
    rendered = render_polylines(lines, shape, widths=lw, intensities=inks, supersample=2)
    darkness = 1.0 - rendered
    # erased ghosts: an earlier attempt rubbed out, left as a faint blurred trace
    if rng.random() < 0.6 * strength:
        ghost = cv2.GaussianBlur(np.roll(darkness, tuple(rng.integers(-12, 13, 2)), axis=(0, 1)), (0, 0), 1.5)
        darkness = 1.0 - (1.0 - darkness) * (1.0 - rng.uniform(0.1, 0.25) * ghost)
    return pencil_composite(darkness, strength, rng)


def rough_sketch(image: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Redraw clean line art as a rough pencil sketch.

    Args:
        image: float32 (H, W) in [0, 1], 1 = white, clean line art.
        strength: 0 = unchanged; 1 = very rough (many passes, large jitter, heavy extras).
        rng: the only source of randomness.
    Returns:
        float32 (H, W) in [0, 1].
    """
    if strength <= 0:
        return image.copy()
    polylines, widths = trace_strokes(image)
    return rough_from_polylines(polylines, widths, image.shape, strength, rng, reference=image)

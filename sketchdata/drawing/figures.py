"""Procedural drawings that look like figure drawing, the project's own line art for training.

Where sketchdata.drawing.shapes composes abstract shapes, a figure here is built like a character
sketch: limbs and torsos as tubes (two flowing contours along a curved spine, overlapping each
other), a head with small closed shapes (eyes with irises, brows, nose, mouth), hair as
bundles of long thin strands that run side by side, hands as little groups of fingers, buttons
and folds, and a few straight background lines (furniture, panels). Line widths follow the
real scans (about 1-2.5 px at scale 1). Same (size, rng) -> same drawing.
"""

from __future__ import annotations

import numpy as np

from sketchdata.drawing.render import Polyline, bezier, render_polylines


def _smooth_path(points: np.ndarray, n: int = 80) -> Polyline:
    """A smooth curve through control points (Catmull-Rom), ``n`` samples per segment."""
    pts = np.concatenate([points[:1], points, points[-1:]])
    out = []
    t = np.linspace(0, 1, n, endpoint=False)[:, None]
    for i in range(1, len(pts) - 2):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        out.append(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                          + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3))
    out.append(pts[-2][None])
    return np.concatenate(out)


def _spine(start: np.ndarray, length: float, angle: float, bend: float, rng, knots: int = 4) -> np.ndarray:
    """Control points of a gently bending centre line."""
    pts = [start]
    step = length / (knots - 1)
    for _ in range(knots - 1):
        angle += rng.normal(0, bend)
        pts.append(pts[-1] + step * np.array([np.cos(angle), np.sin(angle)]))
    return np.array(pts)


def _normals(path: np.ndarray) -> np.ndarray:
    d = np.gradient(path, axis=0)
    d /= np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-9)
    return np.stack([-d[:, 1], d[:, 0]], 1)


def _tube(start, length, angle, radius, rng) -> list[Polyline]:
    """A limb or torso: two contours along a spine, thickness varying (muscle, joints), capped
    at one end or both, the contours sometimes stopping short (as an artist leaves gaps)."""
    centre = _smooth_path(_spine(start, length, angle, 0.35, rng), 40)
    t = np.linspace(0, 1, len(centre))
    profile = radius * (1 + 0.25 * np.sin(np.pi * t * rng.uniform(1, 3) + rng.uniform(0, 6)))
    profile *= np.linspace(1.0, rng.uniform(0.55, 1.0), len(centre))
    normal = _normals(centre)
    left = centre + normal * profile[:, None]
    right = centre - normal * profile[:, None]
    lines = []
    for side in (left, right):
        a = int(rng.uniform(0, 0.12) * len(side))
        b = len(side) - int(rng.uniform(0, 0.12) * len(side))
        lines.append(side[a:b])
    if rng.random() < 0.7:  # rounded end (hand, foot, joint)
        theta = np.linspace(0, np.pi, 24)
        end, n_end, r_end = centre[-1], normal[-1], profile[-1]
        tangent = np.array([n_end[1], -n_end[0]])
        lines.append(end + r_end * (np.cos(theta)[:, None] * n_end - np.sin(theta)[:, None] * tangent))
    if rng.random() < 0.5:  # a fold or seam across the tube
        k = int(rng.uniform(0.3, 0.8) * len(centre))
        across = np.linspace(-1, 1, 12)[:, None] * normal[k] * profile[k] * rng.uniform(0.5, 0.9)
        lines.append(centre[k] + across + rng.normal(0, profile[k] * 0.15, (12, 2)).cumsum(0) * 0.2)
    return lines


def _eye(center, size, angle, rng) -> list[Polyline]:
    """Almond outline (upper lid heavier), iris circle, pupil, maybe a brow and lashes."""
    w, h = size, size * rng.uniform(0.35, 0.6)
    x = np.linspace(-1, 1, 30)
    upper = np.stack([x * w, -h * (1 - x**2)], 1)
    lower = np.stack([x * w, h * 0.7 * (1 - x**2)], 1)
    rot = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    lines = [upper @ rot + center, lower @ rot + center]
    r = h * rng.uniform(0.6, 0.9)
    theta = np.linspace(0, 2 * np.pi, 24)
    iris_c = center + rng.normal(0, w * 0.1, 2)
    lines.append(np.stack([np.cos(theta), np.sin(theta)], 1) * r + iris_c)
    lines.append(np.stack([np.cos(theta), np.sin(theta)], 1) * r * 0.35 + iris_c)
    if rng.random() < 0.8:  # brow
        bx = np.linspace(-1, 1, 16)
        brow = np.stack([bx * w * 1.1, -h * 2.2 - h * 0.6 * (1 - bx**2)], 1)
        lines.append(brow @ rot + center)
    return lines


def _face(center, radius, rng) -> list[Polyline]:
    """Head outline with eyes, nose and mouth (small closed and open shapes)."""
    theta = np.linspace(0, 2 * np.pi, 90)
    r = 1 + 0.08 * np.cos(2 * theta + rng.uniform(0, 6)) + 0.05 * np.cos(3 * theta + rng.uniform(0, 6))
    chin = 1 + 0.25 * np.clip(np.sin(theta), 0, None) ** 3  # longer towards the chin
    head = np.stack([np.cos(theta) * r * radius * 0.85, np.sin(theta) * r * chin * radius], 1) + center
    lines: list[Polyline] = [head]
    eye_y = center[1] + radius * rng.uniform(-0.05, 0.15)
    gap = radius * rng.uniform(0.35, 0.5)
    eye_size = radius * rng.uniform(0.14, 0.24)
    tilt = rng.normal(0, 0.1)
    for side in (-1, 1):
        lines += _eye(np.array([center[0] + side * gap, eye_y]), eye_size, side * tilt, rng)
    nose_top = np.array([center[0], eye_y + radius * 0.2])
    lines.append(bezier(np.stack([nose_top, nose_top + [radius * 0.05, radius * 0.2],
                                  nose_top + [radius * 0.1, radius * 0.3], nose_top + [-radius * 0.05, radius * 0.33]]), 16))
    mouth_c = np.array([center[0], eye_y + radius * rng.uniform(0.55, 0.7)])
    mx = np.linspace(-1, 1, 16)
    lines.append(np.stack([mx * radius * rng.uniform(0.12, 0.3), radius * rng.uniform(-0.05, 0.1) * (1 - mx**2)], 1)
                 + mouth_c)
    return lines


def _hair(center, radius, rng) -> tuple[list[Polyline], float]:
    """A bundle of long thin strands from the crown, side by side, diverging a little."""
    count = int(rng.integers(8, 26))
    lines = []
    base_angle = rng.uniform(0.3, 1.2) * np.pi
    length = radius * rng.uniform(1.2, 3.0)
    for i in range(count):
        start_angle = np.pi + (i / max(count - 1, 1)) * np.pi + rng.normal(0, 0.05)
        start = center + radius * np.array([np.cos(start_angle), np.sin(start_angle)]) * 0.9
        direction = base_angle + (i / count - 0.5) * rng.uniform(0.4, 1.2)
        spine = _spine(start, length * rng.uniform(0.6, 1.0), direction, 0.25, rng, knots=4)
        lines.append(_smooth_path(spine, 24))
    return lines, 0.6


def _hand(center, size, rng) -> list[Polyline]:
    """Four or five short finger tubes fanned out from a palm."""
    lines = []
    fan = rng.uniform(0, 2 * np.pi)
    for k in range(int(rng.integers(4, 6))):
        angle = fan + (k - 2) * rng.uniform(0.2, 0.35)
        start = center + size * 0.3 * np.array([np.cos(angle), np.sin(angle)])
        lines += _tube(start, size * rng.uniform(0.5, 0.9), angle, size * 0.08, rng)[:3]
    return lines


def _buttons(start, direction, rng) -> list[Polyline]:
    theta = np.linspace(0, 2 * np.pi, 16)
    r = rng.uniform(2, 5)
    step = rng.uniform(12, 25) * np.array([np.cos(direction), np.sin(direction)])
    return [np.stack([np.cos(theta), np.sin(theta)], 1) * r + start + i * step for i in range(int(rng.integers(2, 5)))]


def figure_polylines(size: tuple[int, int], rng: np.random.Generator,
                     width_range: tuple[float, float] = (0.9, 2.4)) -> tuple[list[Polyline], list[float]]:
    """Polylines and widths of one figure drawing of ``size`` = (height, width)."""
    h, w = size
    scale = min(h, w)
    base = rng.uniform(*width_range)
    lines: list[Polyline] = []
    widths: list[float] = []

    def add(group, rel=1.0):
        for line in group:
            if len(line) > 1:
                lines.append(line)
                widths.append(max(0.7, base * rel * rng.uniform(0.8, 1.2)))

    for _ in range(int(rng.integers(1, 3))):  # one or two figures, overlapping
        cx, cy = rng.uniform(0.3 * w, 0.7 * w), rng.uniform(0.25 * h, 0.45 * h)
        head_r = scale * rng.uniform(0.07, 0.14)
        add(_face(np.array([cx, cy]), head_r, rng))
        hair, rel = _hair(np.array([cx, cy]), head_r, rng)
        add(hair, rel)
        neck = np.array([cx, cy + head_r * 1.2])
        torso_len = head_r * rng.uniform(2.2, 3.2)
        add(_tube(neck, torso_len, np.pi / 2 + rng.normal(0, 0.15), head_r * rng.uniform(0.7, 1.0), rng))
        for side in (-1, 1):  # arms and legs, each maybe with a hand
            shoulder = neck + [side * head_r * 0.8, head_r * 0.3]
            arm_angle = np.pi / 2 - side * rng.uniform(0.2, 1.8)
            add(_tube(shoulder, head_r * rng.uniform(1.8, 2.8), arm_angle, head_r * 0.25, rng))
            if rng.random() < 0.6:
                hand_at = shoulder + head_r * 2.4 * np.array([np.cos(arm_angle), np.sin(arm_angle)])
                add(_hand(hand_at, head_r * 1.1, rng), 0.8)
            hip = neck + [side * head_r * 0.5, torso_len]
            add(_tube(hip, head_r * rng.uniform(2.5, 3.5), np.pi / 2 + side * rng.uniform(0, 0.5), head_r * 0.35, rng))
        if rng.random() < 0.6:
            add(_buttons(neck + [0, head_r * 0.5], np.pi / 2 + rng.normal(0, 0.1), rng), 0.7)
    for _ in range(int(rng.integers(0, 6))):  # background: long straight or slightly curved lines
        p0 = rng.uniform([0, 0], [w, h])
        angle = rng.choice([0, np.pi / 2, rng.uniform(0, np.pi)])
        length = scale * rng.uniform(0.2, 0.8)
        p3 = p0 + length * np.array([np.cos(angle), np.sin(angle)])
        add([bezier(np.stack([p0, p0 + (p3 - p0) / 3 + rng.normal(0, 2, 2), p0 + 2 * (p3 - p0) / 3, p3]), 32)],
            rng.uniform(0.7, 1.1))
    return lines, widths


def render_figure(lines: list[Polyline], widths: list[float], size: tuple[int, int]) -> np.ndarray:
    """Draw a figure's polylines as clean line art, float32 (H, W) in [0, 1], 1 = white."""
    return render_polylines(lines, size, widths=widths, supersample=4 if max(size) <= 1024 else 2)


def figure_line_art(size: tuple[int, int], rng: np.random.Generator,
                    width_range: tuple[float, float] = (0.9, 2.4)) -> np.ndarray:
    """A clean figure drawing, float32 (H, W) in [0, 1], 1 = white."""
    return render_figure(*figure_polylines(size, rng, width_range), size)

"""Procedural clean line art: the project's own drawings for samples/ and tests.

A drawing is a random composition of closed blobs (smooth organic outlines), ellipses,
polygons, free Bezier curves, spirals and hatched regions, with line widths and densities
that vary between and within drawings. Same (size, params, rng) -> same pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sketchdata.drawing.render import Polyline, bezier, render_polylines


@dataclass(frozen=True)
class LineArtStyle:
    """How dense and how heavy a procedural drawing is."""

    density: float = 1.0  # elements per 256x256 area, roughly
    width_range: tuple[float, float] = (1.2, 3.5)  # base line width in pixels
    hatching: float = 0.4  # probability that a closed shape gets hatching


def _blob(center: np.ndarray, radius: float, rng: np.random.Generator, n: int = 160) -> Polyline:
    """Smooth closed outline: a circle with a few random low-frequency harmonics."""
    theta = np.linspace(0, 2 * np.pi, n)
    r = np.ones_like(theta)
    for k in range(2, 6):
        r += rng.uniform(-0.18, 0.18) / k * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    aspect = rng.uniform(0.6, 1.0)
    pts = np.stack([r * np.cos(theta), aspect * r * np.sin(theta)], 1) * radius
    return _rotate(pts, rng.uniform(0, np.pi)) + center


def _rotate(pts: np.ndarray, angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return pts @ np.array([[c, s], [-s, c]])


def _ellipse_hatching(center, a, b, angle, rng) -> list[Polyline]:
    """Parallel hatch lines clipped analytically to an ellipse (unit-circle chords, mapped)."""
    spacing = rng.uniform(0.12, 0.3)
    hatch_angle = rng.uniform(0, np.pi)
    lines = []
    for d in np.arange(-1 + spacing / 2, 1, spacing):
        half = np.sqrt(max(1 - d * d, 0)) * rng.uniform(0.75, 0.98)
        chord = np.array([[-half, d], [half, d]])
        chord = _rotate(chord, hatch_angle) * np.array([a, b])
        lines.append(_rotate(chord, angle) + center)
    return lines


def _ellipse(center, a, b, angle, n=120) -> Polyline:
    theta = np.linspace(0, 2 * np.pi, n)
    return _rotate(np.stack([a * np.cos(theta), b * np.sin(theta)], 1), angle) + center


def _curve(start: np.ndarray, length: float, rng: np.random.Generator) -> Polyline:
    """A chain of 1-3 smoothly joined cubic Bezier segments."""
    direction = rng.uniform(0, 2 * np.pi)
    segments = []
    p0 = start
    for _ in range(rng.integers(1, 4)):
        direction += rng.uniform(-1.2, 1.2)
        step = length / 2 * np.array([np.cos(direction), np.sin(direction)])
        p3 = p0 + step
        p1 = p0 + step / 3 + rng.normal(0, length / 8, 2)
        p2 = p0 + 2 * step / 3 + rng.normal(0, length / 8, 2)
        segments.append(bezier(np.stack([p0, p1, p2, p3]), 48))
        p0 = p3
    return np.concatenate(segments)


def _spiral(center, radius, rng) -> Polyline:
    turns = rng.uniform(1.5, 3.5)
    t = np.linspace(0, 1, int(200 * turns))
    theta = t * turns * 2 * np.pi + rng.uniform(0, 2 * np.pi)
    r = radius * t
    return np.stack([r * np.cos(theta), r * np.sin(theta)], 1) + center


def _polygon(center, radius, rng) -> Polyline:
    k = int(rng.integers(3, 8))
    theta = np.sort(rng.uniform(0, 2 * np.pi, k))
    r = radius * rng.uniform(0.6, 1.0, k)
    pts = np.stack([r * np.cos(theta), r * np.sin(theta)], 1) + center
    return np.concatenate([pts, pts[:1]])


def procedural_polylines(
    size: tuple[int, int], rng: np.random.Generator, style: LineArtStyle = LineArtStyle()
) -> tuple[list[Polyline], list[float]]:
    """Random polylines and their widths for a drawing of ``size`` = (height, width)."""
    h, w = size
    base_width = rng.uniform(*style.width_range)
    n_elements = max(3, int(round(style.density * h * w / 256**2 * rng.uniform(2.0, 4.0))))
    scale = min(h, w)
    lines: list[Polyline] = []
    widths: list[float] = []

    def add(polyline, rel_width=1.0):
        lines.append(polyline)
        widths.append(max(0.8, base_width * rel_width * rng.uniform(0.8, 1.25)))

    for _ in range(n_elements):
        center = rng.uniform([0.1 * w, 0.1 * h], [0.9 * w, 0.9 * h])
        radius = scale * rng.uniform(0.05, 0.22)
        kind = rng.choice(["blob", "ellipse", "curve", "curve", "spiral", "polygon"],
                          p=[0.25, 0.15, 0.3, 0.1, 0.05, 0.15])
        if kind == "blob":
            add(_blob(center, radius, rng))
            if rng.random() < 0.5:  # inner detail line, thinner, like a fold or an eye
                add(_blob(center + rng.normal(0, radius / 6, 2), radius * rng.uniform(0.2, 0.5), rng), 0.6)
        elif kind == "ellipse":
            a, b, ang = radius, radius * rng.uniform(0.4, 1.0), rng.uniform(0, np.pi)
            add(_ellipse(center, a, b, ang))
            if rng.random() < style.hatching:
                for ln in _ellipse_hatching(center, a, b, ang, rng):
                    add(ln, 0.45)
        elif kind == "curve":
            add(_curve(center, radius * rng.uniform(1.5, 4), rng), rng.uniform(0.6, 1.4))
        elif kind == "spiral":
            add(_spiral(center, radius, rng), 0.7)
        else:
            add(_polygon(center, radius, rng))
    return lines, widths


def procedural_line_art(
    size: tuple[int, int], rng: np.random.Generator, style: LineArtStyle = LineArtStyle()
) -> np.ndarray:
    """A clean line drawing, float32 (H, W) in [0, 1], 1 = white."""
    lines, widths = procedural_polylines(size, rng, style)
    supersample = 4 if max(size) <= 1024 else 2
    return render_polylines(lines, size, widths=widths, supersample=supersample)

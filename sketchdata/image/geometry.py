"""Geometry: downscaling, rotated patches with no empty corners, flips, padding. Pure functions."""

from __future__ import annotations

import math

import cv2
import numpy as np


def downscale(image: np.ndarray, factor: float) -> np.ndarray:
    """Shrink by ``factor`` (>= 1, e.g. the authors' 1.5 ... 3.5) with area averaging."""
    if factor == 1.0:
        return image
    h, w = image.shape
    size = (max(1, int(round(w / factor))), max(1, int(round(h / factor))))
    interp = cv2.INTER_AREA if factor > 1 else cv2.INTER_CUBIC
    return np.clip(cv2.resize(image, size, interpolation=interp), 0, 1).astype(np.float32)


def rotated_extent(size: int, angle_deg: float) -> float:
    """Side of the axis-aligned square that a ``size`` square rotated by ``angle_deg`` needs."""
    a = math.radians(angle_deg)
    return size * (abs(math.cos(a)) + abs(math.sin(a)))


def fits(shape: tuple[int, int], size: int, angle_deg: float) -> bool:
    return rotated_extent(size, angle_deg) <= min(shape) - 1


def patch_matrix(center_xy: tuple[float, float], angle_deg: float, size: int) -> np.ndarray:
    """2x3 affine matrix mapping patch pixel coords to source coords (for WARP_INVERSE_MAP)."""
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)
    half = (size - 1) / 2.0
    cx, cy = center_xy
    # source = R @ (patch - half) + center
    return np.array([[c, -s, cx - c * half + s * half], [s, c, cy - s * half - c * half]], np.float64)


def sample_patch_matrix(shape: tuple[int, int], size: int, max_angle: float, rng: np.random.Generator):
    """Random rotation in [-max_angle, max_angle] and a centre that keeps the patch inside.

    Returns (matrix, angle) or None when even an unrotated patch does not fit.
    """
    h, w = shape
    angle = float(rng.uniform(-max_angle, max_angle)) if max_angle > 0 else 0.0
    if not fits(shape, size, angle):
        if not fits(shape, size, 0.0):
            return None
        angle = 0.0
    half_extent = rotated_extent(size, angle) / 2.0
    cx = float(rng.uniform(half_extent, w - 1 - half_extent))
    cy = float(rng.uniform(half_extent, h - 1 - half_extent))
    return patch_matrix((cx, cy), angle, size), angle


def extract_patch(image: np.ndarray, matrix: np.ndarray, size: int, hflip: bool = False, vflip: bool = False) -> np.ndarray:
    """Sample a ``size`` x ``size`` patch of ``image`` through ``matrix``, then flip."""
    patch = cv2.warpAffine(
        image, matrix, (size, size), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE
    )
    if hflip:
        patch = patch[:, ::-1]
    if vflip:
        patch = patch[::-1, :]
    return np.ascontiguousarray(patch, dtype=np.float32)


def round_up(value: int, multiple: int) -> int:
    """The smallest multiple of ``multiple`` that is at least ``value``."""
    return value + (-value) % multiple


def padding_to_multiple(height: int, width: int, multiple: int) -> tuple[int, int]:
    """Rows and columns to add at the bottom and right to reach multiples of ``multiple``."""
    return (-height) % multiple, (-width) % multiple


def pad_to_multiple(image: np.ndarray, multiple: int = 8) -> np.ndarray:
    """Pad an (..., H, W) array right and bottom by edge replication to multiples of ``multiple``
    (as the authors pad a network's input to its stride; crop the result back to H x W)."""
    ph, pw = padding_to_multiple(*image.shape[-2:], multiple)
    if ph == 0 and pw == 0:
        return image
    pad = [(0, 0)] * (image.ndim - 2) + [(0, ph), (0, pw)]
    return np.pad(image, pad, mode="edge")

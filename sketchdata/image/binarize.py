"""Global and local binarisation, and the authors' target clean-up. Pure functions.

All take and return float32 (H, W) in [0, 1] with 1 = white paper; binary outputs are 0/1.
"""

from __future__ import annotations

import cv2
import numpy as np
from skimage.filters import threshold_otsu, threshold_sauvola


def global_threshold(image: np.ndarray, level_8bit: float) -> np.ndarray:
    """Pixels darker than ``level_8bit`` (0-255 scale; the seed used 70) become ink (0)."""
    return np.where(image * 255.0 < level_8bit, 0.0, 1.0).astype(np.float32)


def otsu(image: np.ndarray) -> np.ndarray:
    """Otsu's global threshold; a blank (constant) image stays white."""
    if float(image.max()) - float(image.min()) < 1e-6:
        return np.ones_like(image, dtype=np.float32)
    return np.where(image < threshold_otsu(image), 0.0, 1.0).astype(np.float32)


def sauvola(image: np.ndarray, window: int = 25, k: float = 0.2) -> np.ndarray:
    """Sauvola's local threshold (robust to uneven lighting of scans and frames)."""
    window = int(window) | 1  # must be odd
    return np.where(image < threshold_sauvola(image, window_size=window, k=k), 0.0, 1.0).astype(np.float32)


def adaptive_mean(image: np.ndarray, window: int = 25, offset: float = 0.04) -> np.ndarray:
    """Local mean threshold: ink where a pixel is ``offset`` darker than its neighbourhood."""
    window = int(window) | 1
    local_mean = cv2.blur(image.astype(np.float32), (window, window), borderType=cv2.BORDER_REPLICATE)
    return np.where(image < local_mean - offset, 0.0, 1.0).astype(np.float32)


def binarize(image: np.ndarray, method: str, threshold: float = 70, window: int = 25, k: float = 0.2) -> np.ndarray:
    """Dispatch by name: ``none``, ``global`` (threshold on 0-255), ``otsu``, ``sauvola``, ``adaptive``."""
    if method == "none":
        return image
    if method == "global":
        return global_threshold(image, threshold)
    if method == "otsu":
        return otsu(image)
    if method == "sauvola":
        return sauvola(image, window, k)
    if method == "adaptive":
        return adaptive_mean(image, window, k)
    raise ValueError(f"unknown binarisation method {method!r}")


BINARIZE_METHODS = ("none", "global", "otsu", "sauvola", "adaptive")


def clean_target(image: np.ndarray, below: float) -> np.ndarray:
    """The authors' target clean-up: pixels below ``below`` become pure ink (0).

    Their trainer applies it with 0.9 when a target is loaded and with 0.6 after augmentation,
    which keeps targets crisp after rotation interpolation.
    """
    return np.where(image < below, 0.0, image).astype(np.float32)

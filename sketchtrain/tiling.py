"""Running a network over an image of any size, without torch: padding to the network's stride,
overlapping tiles whose margin covers the receptive field (so tiled equals whole), scale
("auto" matches the input's line width to the model's), and test-time views.

The network itself is one method, ``_run`` (an array whose sides are multiples of the stride ->
an array of the same size): PyTorch (``sketchtrain.inference.Simplifier``) and OpenVINO
(``sketchtrain.openvino_runner.OpenVinoRunner``) supply it. Kept free of torch so that running
an OpenVINO model never imports it (start-up is a large part of a short `simplify` call).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Callable

import cv2
import numpy as np

TTA_VIEWS = (1, 2, 4, 8)


def padding_to_stride(height: int, width: int, stride: int) -> tuple[int, int]:
    """Rows and columns to add at the bottom and right to reach multiples of ``stride``."""
    return (-height) % stride, (-width) % stride


def pad_to_stride(image: np.ndarray, stride: int) -> np.ndarray:
    """Pad an (H, W) array right and bottom by edge replication to multiples of ``stride``
    (as the authors pad; crop the result back to H x W)."""
    ph, pw = padding_to_stride(*image.shape[-2:], stride)
    if not (ph or pw):
        return image
    return np.pad(image, [(0, 0)] * (image.ndim - 2) + [(0, ph), (0, pw)], mode="edge")


def round_up(value: int, stride: int) -> int:
    return value + (-value) % stride


AUTO_SCALE_RANGE = (0.5, 3.0)


def auto_scale(image: np.ndarray, model_line_width: float | None) -> float:
    """The scale that brings the image's median line width to the model's training line width
    (1.0 when either is unknown), clipped to AUTO_SCALE_RANGE and rounded to 0.05."""
    from sketchdata.linewidth import median_stroke_width

    if not model_line_width:
        return 1.0
    width = median_stroke_width(image)
    if width is None:
        return 1.0
    scale = float(np.clip(model_line_width / width, *AUTO_SCALE_RANGE))
    return round(scale * 20) / 20


class TiledRunner(ABC):
    """Tiling, scale and views around ``_run``. Subclasses set ``stride``, ``tile``, ``margin``,
    ``blend``, ``tile_pixels``, ``views`` and ``line_width``, call :meth:`_check_tiling` once,
    and implement ``_run``."""

    stride: int
    tile: int
    margin: int
    blend: int
    tile_pixels: int
    views: int
    line_width: float | None

    def _check_tiling(self, receptive_radius: int) -> None:
        """Validate the settings; raise the margin to the receptive radius, so that a tile's kept
        centre sees all the context it sees in a whole-image pass."""
        if self.views not in TTA_VIEWS:
            raise ValueError(f"views must be one of {', '.join(map(str, TTA_VIEWS))}, got {self.views}")
        for name in ("tile", "margin"):
            if getattr(self, name) % self.stride or getattr(self, name) < 0:
                raise ValueError(f"{name} must be a multiple of the network's stride {self.stride}, "
                                 f"got {getattr(self, name)}")
        if self.tile < self.stride:
            raise ValueError(f"tile must be at least the network's stride {self.stride}, got {self.tile}")
        self.margin = max(self.margin, round_up(receptive_radius, self.stride))

    @abstractmethod
    def _run(self, x: np.ndarray) -> np.ndarray:
        """One forward pass on an array whose sides are multiples of the stride (each backend's)."""

    def run_padded(self, image: np.ndarray) -> np.ndarray:
        """Whole image in one pass: pad to the stride by edge replication, crop back."""
        h, w = image.shape
        return self._run(pad_to_stride(image, self.stride))[:h, :w]

    def run_tiled(self, image: np.ndarray, on_tile: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Overlapping tiles on the stride grid, centres cross-faded; bounded memory.
        ``on_tile(done, total)`` after each tile (progress for large images)."""
        h, w = image.shape
        padded = pad_to_stride(image, self.stride)
        H, W = padded.shape
        out = np.zeros((H, W), np.float32)
        weight = np.zeros((H, W), np.float32)
        step = self.tile
        ys = list(range(0, max(H - step, 0) + 1, step)) or [0]
        xs = list(range(0, max(W - step, 0) + 1, step)) or [0]
        if ys[-1] + step < H:
            ys.append(H - step if H > step else 0)
        if xs[-1] + step < W:
            xs.append(W - step if W > step else 0)
        for index, (y0, x0) in enumerate((y, x) for y in ys for x in xs):
            y1, x1 = min(y0 + step, H), min(x0 + step, W)
            # context window, clipped to the image; stays on the stride grid
            cy0, cx0 = max(0, y0 - self.margin), max(0, x0 - self.margin)
            cy1, cx1 = min(H, y1 + self.margin), min(W, x1 + self.margin)
            result = self._run(padded[cy0:cy1, cx0:cx1])
            # keep the centre plus half the blend band on inner sides
            b = self.blend // 2
            ky0, kx0 = max(cy0, y0 - (b if y0 > 0 else 0)), max(cx0, x0 - (b if x0 > 0 else 0))
            ky1, kx1 = min(cy1, y1 + (b if y1 < H else 0)), min(cx1, x1 + (b if x1 < W else 0))
            ramp = _ramp(ky1 - ky0, ky0 > 0 and y0 > 0, ky1 < H, self.blend)[:, None] * \
                _ramp(kx1 - kx0, kx0 > 0 and x0 > 0, kx1 < W, self.blend)[None, :]
            out[ky0:ky1, kx0:kx1] += ramp * result[ky0 - cy0 : ky1 - cy0, kx0 - cx0 : kx1 - cx0]
            weight[ky0:ky1, kx0:kx1] += ramp
            if on_tile:
                on_tile(index + 1, len(ys) * len(xs))
        return (out / np.maximum(weight, 1e-8))[:h, :w]

    def choose_scale(self, image: np.ndarray, scale: float | str) -> float:
        """A number as given; "auto": see :func:`auto_scale`."""
        if scale == "auto":
            return auto_scale(image, self.line_width)
        return float(scale)

    def simplify(self, image: np.ndarray, scale: float | str = 1.0,
                 on_tile: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Simplify a grey image of any size; ``scale`` < 1 simplifies more (paper, Fig. scale);
        "auto" matches the image's line width to the model's. ``on_tile(done, total)`` reports
        progress over all views' passes (one pass per view for images below ``tile_pixels``)."""
        if image.ndim != 2:
            raise ValueError(f"expected a grey (H, W) image, got shape {image.shape}")
        h, w = image.shape
        if h == 0 or w == 0:
            raise ValueError("empty image")
        scale = self.choose_scale(image, scale)
        work = image
        if scale != 1.0:
            size = (max(8, int(round(w * scale))), max(8, int(round(h * scale))))
            work = cv2.resize(image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
        tiled = work.shape[0] * work.shape[1] > self.tile_pixels
        result = np.zeros(work.shape, np.float32)
        for number, (turns, flip) in enumerate(_dihedral_views(self.views)):
            view = np.ascontiguousarray(np.rot90(work[:, ::-1] if flip else work, turns))
            if tiled:
                report = (lambda done, total, n=number: on_tile(n * total + done, self.views * total)) if on_tile else None
                out = self.run_tiled(view, report)
            else:
                out = self.run_padded(view)
                if on_tile:
                    on_tile(number + 1, self.views)
            back = np.rot90(out, -turns)
            result += back[:, ::-1] if flip else back
        result /= self.views
        if scale != 1.0:
            result = cv2.resize(result, (w, h), interpolation=cv2.INTER_CUBIC)
        return np.clip(result, 0, 1).astype(np.float32)



def _dihedral_views(views: int) -> list[tuple[int, bool]]:
    """(quarter turns, mirrored) for each view: 1 = as is, 2 = + mirror, 4 = + half turns, 8 = all.

    Why: the network is not exactly rotation/mirror invariant; averaging the views removes part
    of its orientation-dependent error (at ``views`` times the cost)."""
    return [(0, False), (0, True), (2, False), (2, True), (1, False), (1, True), (3, False), (3, True)][:views]


def _ramp(n: int, fade_start: bool, fade_end: bool, blend: int) -> np.ndarray:
    """Weights 1 in the middle, rising linearly over ``blend`` pixels at faded ends."""
    r = np.ones(n, np.float32)
    k = min(blend, n // 2)
    if k > 0:
        edge = (np.arange(k, dtype=np.float32) + 0.5) / k
        if fade_start:
            r[:k] = np.minimum(r[:k], edge)
        if fade_end:
            r[-k:] = np.minimum(r[-k:], edge[::-1])
    return r

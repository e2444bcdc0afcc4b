"""Running a network over an image of any size, without torch: padding to the network's stride,
overlapping tiles whose margin covers the receptive field (so tiled equals whole), scale
("auto" matches the input's line width to the model's), and test-time views.

The network itself is one method, ``_run`` (an array whose sides are multiples of the stride ->
an array of the same size): PyTorch (``sketchtrain.inference.runner.Simplifier``) and OpenVINO
(``sketchtrain.inference.openvino_runner.OpenVinoRunner``) supply it. Kept free of torch so that running
an OpenVINO model never imports it (start-up is a large part of a short `simplify` call).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Callable

import cv2
import numpy as np

from sketchdata.image.geometry import pad_to_multiple, round_up

TTA_VIEWS = (1, 2, 4, 8)
# tiling defaults of every runner and of simplify's options, here once
TILE = 768  # tile centre side (a multiple of every network's stride)
MARGIN = 128  # context on each side of a tile; raised to the network's receptive radius
BLEND = 16  # cross-fade width between neighbouring tile centres
TILE_PIXELS = 1024 * 1024  # above this many pixels (after scaling), run in tiles


def check_views(views) -> int:
    """The number of test-time views when it is one of TTA_VIEWS, else a ValueError saying which are."""
    if views not in TTA_VIEWS:
        raise ValueError(f"views must be one of {', '.join(map(str, TTA_VIEWS))}, got {views!r}")
    return views


AUTO_SCALE_RANGE = (0.5, 3.0)


def auto_scale(image: np.ndarray, model_line_width: float | None, rule: str = "median") -> float:
    """The scale that brings the image's line width, read with ``rule`` (the model's scale_rule:
    sketchdata.image.linewidth.WIDTH_STATISTICS), to the model's training line width (1.0 when
    either is unknown), clipped to AUTO_SCALE_RANGE and rounded to 0.05."""
    from sketchdata.image.linewidth import check_width_statistic, stroke_width

    check_width_statistic(rule)
    if not model_line_width:
        return 1.0
    width = stroke_width(image, rule)
    if width is None:
        return 1.0
    scale = float(np.clip(model_line_width / width, *AUTO_SCALE_RANGE))
    return round(scale * 20) / 20


class TiledRunner(ABC):
    """Tiling, scale and views around ``_run``. Subclasses set ``stride``, ``tile``, ``margin``,
    ``blend``, ``tile_pixels``, ``views``, ``line_width`` and ``scale_rule``, call :meth:`_check_tiling` once,
    and implement ``_run``."""

    stride: int
    tile: int
    margin: int
    blend: int
    tile_pixels: int
    views: int
    line_width: float | None
    scale_rule: str  # how "auto" reads an input's line width (see auto_scale)

    def _check_tiling(self, receptive_radius: int) -> None:
        """Validate the settings; raise the margin to the receptive radius, so that a tile's kept
        centre sees all the context it sees in a whole-image pass."""
        check_views(self.views)
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
        return self._run(pad_to_multiple(image, self.stride))[:h, :w]

    def run_tiled(self, image: np.ndarray, on_tile: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Overlapping tiles on the stride grid, centres cross-faded; bounded memory.
        ``on_tile(done, total)`` after each tile (progress for large images).

        Memory beyond the input and the output: one band of tile rows. The padded image is never
        made whole (each window is cut from the image and edge-replicated where it passes the
        border: the values pad_to_multiple gives), and the weighted sums live in a band of rows
        that is divided out into the output as soon as no later tile row reaches it (the same
        sums in the same order as whole-image buffers, so the same output to the bit)."""
        h, w = image.shape
        H, W = round_up(h, self.stride), round_up(w, self.stride)
        step, b = self.tile, self.blend // 2
        ys = list(range(0, max(H - step, 0) + 1, step)) or [0]
        xs = list(range(0, max(W - step, 0) + 1, step)) or [0]
        if ys[-1] + step < H:
            ys.append(H - step if H > step else 0)
        if xs[-1] + step < W:
            xs.append(W - step if W > step else 0)
        rows = [self._row_span(y0, H, b) for y0 in ys]  # (context y0, y1, kept y0, y1) per tile row
        final = np.empty((h, w), np.float32)
        band_top, band_sum, band_weight = 0, np.zeros((0, w), np.float32), np.zeros((0, w), np.float32)
        total = len(ys) * len(xs)
        for r, (y0, (cy0, cy1, ky0, ky1)) in enumerate(zip(ys, rows)):
            sy1 = min(ky1, h)  # rows past the image are cropped anyway
            grow = sy1 - band_top - len(band_sum)
            if grow > 0:
                band_sum = np.concatenate([band_sum, np.zeros((grow, w), np.float32)])
                band_weight = np.concatenate([band_weight, np.zeros((grow, w), np.float32)])
            ramp_y = _ramp(ky1 - ky0, ky0 > 0 and y0 > 0, ky1 < H, self.blend)[: sy1 - ky0, None]
            for c, x0 in enumerate(xs):
                x1 = min(x0 + step, W)
                cx0, cx1 = max(0, x0 - self.margin), min(W, x1 + self.margin)
                result = self._run(_padded_window(image, cy0, cy1, cx0, cx1))
                kx0, kx1 = max(cx0, x0 - (b if x0 > 0 else 0)), min(cx1, x1 + (b if x1 < W else 0))
                sx1 = min(kx1, w)
                ramp = (ramp_y * _ramp(kx1 - kx0, kx0 > 0 and x0 > 0, kx1 < W, self.blend)[None, :])[:, : sx1 - kx0]
                band_sum[ky0 - band_top : sy1 - band_top, kx0:sx1] += \
                    ramp * result[ky0 - cy0 : sy1 - cy0, kx0 - cx0 : sx1 - cx0]
                band_weight[ky0 - band_top : sy1 - band_top, kx0:sx1] += ramp
                if on_tile:
                    on_tile(r * len(xs) + c + 1, total)
            done = h if r + 1 == len(rows) else min(rows[r + 1][2], h)  # the next row keeps rows from here
            n = done - band_top
            if n > 0:
                np.maximum(band_weight[:n], 1e-8, out=band_weight[:n])
                np.divide(band_sum[:n], band_weight[:n], out=final[band_top:done])
                band_sum, band_weight, band_top = band_sum[n:].copy(), band_weight[n:].copy(), done
        return final

    def _row_span(self, y0: int, H: int, b: int) -> tuple[int, int, int, int]:
        """(context top, context bottom, kept top, kept bottom) of the tile row starting at y0."""
        y1 = min(y0 + self.tile, H)
        cy0, cy1 = max(0, y0 - self.margin), min(H, y1 + self.margin)
        return cy0, cy1, max(cy0, y0 - (b if y0 > 0 else 0)), min(cy1, y1 + (b if y1 < H else 0))

    def choose_scale(self, image: np.ndarray, scale: float | str) -> float:
        """A number as given; "auto": see :func:`auto_scale`."""
        if scale == "auto":
            return auto_scale(image, self.line_width, self.scale_rule)
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
        result = None  # the sum of the views (the one view itself when there is one: no second copy)
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
            back = back[:, ::-1] if flip else back
            if result is None:
                result = np.array(back, np.float32) if self.views > 1 or back.dtype != np.float32 else back
            else:
                result += back
            del out, back
        if self.views > 1:
            result /= self.views
        if scale != 1.0:
            result = cv2.resize(result, (w, h), interpolation=cv2.INTER_CUBIC)
        result = np.ascontiguousarray(result, np.float32)
        return np.clip(result, 0, 1, out=result)



def _dihedral_views(views: int) -> list[tuple[int, bool]]:
    """(quarter turns, mirrored) for each view: 1 = as is, 2 = + mirror, 4 = + half turns, 8 = all.

    Why: the network is not exactly rotation/mirror invariant; averaging the views removes part
    of its orientation-dependent error (at ``views`` times the cost)."""
    return [(0, False), (0, True), (2, False), (2, True), (1, False), (1, True), (3, False), (3, True)][:views]


def _padded_window(image: np.ndarray, y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
    """``pad_to_multiple(image, stride)[y0:y1, x0:x1]`` without padding the whole image: the window cut
    from the image, edge-replicated where it passes the bottom or right border."""
    h, w = image.shape
    window = image[y0 : min(y1, h), x0 : min(x1, w)]
    below, right = y1 - min(y1, h), x1 - min(x1, w)
    return np.pad(window, ((0, below), (0, right)), mode="edge") if (below or right) else window


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

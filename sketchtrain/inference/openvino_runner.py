"""Running an exported OpenVINO model (`sketchtrain export --format openvino`) without torch.

Why a second backend: a short `sketchtrain simplify` call spends about a second importing torch
(README, "Inference, whole process"); OpenVINO imports in a third of that, and its CPU plugin
runs bf16 convolutions on this CPU a little faster than PyTorch's oneDNN path. Tiling, scale and
views are the PyTorch runner's (sketchtrain.inference.tiling), so outputs agree within bf16 rounding.

The IR carries what running it needs besides the graph (stride, receptive radius, the training
line width for ``--scale auto``) as runtime info written by the export.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sketchtrain.errors import CheckpointError
from sketchtrain.inference.tiling import BLEND, MARGIN, TILE, TILE_PIXELS, TiledRunner

OPENVINO_INFO_KEY = "sketch_simplify"
PRECISION_HINTS = {"auto": None, "bf16": "bf16", "fp32": "f32"}
COMPILED_SHAPES_KEPT = 4  # a folder of same-size scans, or tiles: a handful of shapes recur


class OpenVinoModelError(CheckpointError):
    """The file is not an OpenVINO IR written by `sketchtrain export`."""


def import_openvino(path: str | Path):
    """The openvino module, or a one-line error that says how to install it."""
    try:
        import openvino as ov
    except ImportError:
        raise OpenVinoModelError(f"{path}: an OpenVINO model (.xml) needs the openvino package: "
                                 "pip install 'sketch-simplify[export]' (or run the .pt checkpoint instead)") from None
    return ov


def _checked_info(path: Path, info) -> dict:
    """The runtime info, refused when its numbers cannot describe a network."""
    stride, radius = (info.get("stride"), info.get("receptive_radius", 0)) if isinstance(info, dict) else (None, None)
    if not isinstance(stride, int) or stride < 1 or stride & (stride - 1):
        raise OpenVinoModelError(f"{path}: its runtime info gives stride {stride!r} (a power of two, 1 or more, is "
                                 "needed); export it again with `sketchtrain export --model CHECKPOINT -o model.xml`")
    if not isinstance(radius, int) or radius < 0:
        raise OpenVinoModelError(f"{path}: its runtime info gives receptive_radius {radius!r}; export it again")
    return info


def read_openvino_model(path: str | Path, core=None):
    """(the IR's model, the runtime info `sketchtrain export` stored in it: stride,
    receptive_radius, line_width, source). Raises OpenVinoModelError naming the file and what to do."""
    ov = import_openvino(path)
    path = Path(path)
    if not path.with_suffix(".bin").is_file():
        raise OpenVinoModelError(f"{path}: its weights file {path.with_suffix('.bin').name} is missing beside it")
    try:
        model = (core or ov.Core()).read_model(str(path))
    except RuntimeError as exc:
        raise OpenVinoModelError(f"{path}: not a readable OpenVINO IR ({str(exc).splitlines()[0]})") from None
    if not model.has_rt_info([OPENVINO_INFO_KEY]):
        raise OpenVinoModelError(f"{path}: no sketch-simplify information in this IR; export it again with "
                                 "`sketchtrain export --model CHECKPOINT -o model.xml`")
    try:
        info = json.loads(model.get_rt_info([OPENVINO_INFO_KEY]).astype(str))
    except ValueError:
        info = None
    return model, _checked_info(path, info)


@dataclass
class OpenVinoRunner(TiledRunner):
    """Runs an exported OpenVINO IR on grey images (float32 (H, W) in [0, 1], 1 = white)."""

    path: str | Path
    precision: str = "auto"  # auto (OpenVINO's choice: bf16 where the CPU has it) | bf16 | fp32
    tile_pixels: int = TILE_PIXELS  # the tiling defaults: sketchtrain.inference.tiling
    tile: int = TILE
    margin: int = MARGIN
    blend: int = BLEND
    threads: int = 0
    views: int = 1
    line_width: float | None = None  # None: the one recorded in the IR
    scale_rule: str | None = None  # None: the one recorded in the IR ("median" in IRs from before it)
    info: dict = field(default_factory=dict, init=False)

    def __post_init__(self):
        ov = import_openvino(self.path)
        if self.precision not in PRECISION_HINTS:
            raise ValueError(f"precision must be auto, bf16 or fp32, got {self.precision!r}")
        self._core = ov.Core()
        self._model, self.info = read_openvino_model(self.path, self._core)
        self.stride = int(self.info["stride"])
        if self.line_width is None:
            self.line_width = self.info.get("line_width")
        if self.scale_rule is None:
            self.scale_rule = self.info.get("scale_rule", "median")
        self._check_tiling(int(self.info.get("receptive_radius", 0)))
        self._config = {"PERFORMANCE_HINT": "LATENCY"}
        if PRECISION_HINTS[self.precision]:
            self._config["INFERENCE_PRECISION_HINT"] = PRECISION_HINTS[self.precision]
        if self.threads:
            self._config["INFERENCE_NUM_THREADS"] = int(self.threads)
        self._compiled: dict[tuple[int, int], object] = {}

    def _compiled_for(self, height: int, width: int):
        """The model compiled for one input size: OpenVINO plans a static shape better than a
        dynamic one (and compiling takes a fraction of a pass)."""
        key = (height, width)
        if key not in self._compiled:
            if len(self._compiled) >= COMPILED_SHAPES_KEPT:
                self._compiled.pop(next(iter(self._compiled)))
            model = self._model.clone()
            model.reshape([1, 1, height, width])
            self._compiled[key] = self._core.compile_model(model, "CPU", self._config)
        return self._compiled[key]

    def _run(self, x: np.ndarray) -> np.ndarray:
        """One forward pass on an array whose sides are multiples of the stride."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        compiled = self._compiled_for(*x.shape)
        return np.asarray(compiled(x[None, None])[0], dtype=np.float32)[0, 0]

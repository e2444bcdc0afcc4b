"""`sketchtrain simplify`: run a model over files and folders, writing PNG (and SVG) outputs.

Folders are walked recursively and relative names kept. Every output is written atomically;
a file that fails (unreadable, empty, too large) is reported with its reason and the rest of
the batch still runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from sketchdata.imageio import BadInput, list_images, load_grey, save_png

from .inference import Simplifier, load_model
from .vectorize import save_svg


@dataclass
class SimplifyOptions:
    scale: float = 1.0
    binarize: bool = False
    threshold: float | None = None  # None: Otsu (when binarising / tracing)
    svg: bool = False
    precision: str = "auto"
    device: str = "auto"
    tile: int = 768
    margin: int = 128
    tile_pixels: int = 1024 * 1024
    views: int = 1  # test-time augmentation (1, 2, 4, 8 rotated/mirrored views averaged)
    max_pixels: int = 200_000_000
    constants: str | None = None


@dataclass
class SimplifyReport:
    written: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)


def collect_inputs(inputs: list[str | Path]) -> list[tuple[Path, Path]]:
    """(file, relative output name) for files and folders (recursive, names kept)."""
    pairs: list[tuple[Path, Path]] = []
    for entry in map(Path, inputs):
        if entry.is_dir():
            pairs += [(p, p.relative_to(entry)) for p in list_images(entry)]
        else:
            pairs.append((entry, Path(entry.name)))
    return pairs


def simplify_paths(model_path: str | Path, inputs: list[str | Path], out_dir: str | Path,
                   options: SimplifyOptions = SimplifyOptions(),
                   on_file: Callable[[dict], None] | None = None) -> SimplifyReport:
    """Simplify every image under ``inputs`` into ``out_dir`` (see module doc)."""
    model, info = load_model(model_path, options.constants)
    runner = Simplifier(model, device=options.device, precision=options.precision, tile=options.tile,
                        margin=options.margin, tile_pixels=options.tile_pixels, views=options.views)
    out_dir = Path(out_dir)
    report = SimplifyReport()
    for src, rel in collect_inputs(inputs):
        record = {"input": str(src)}
        try:
            if not src.exists():
                raise BadInput("file not found")
            image = load_grey(src, options.max_pixels)
            start = time.perf_counter()
            result = runner.simplify(image, options.scale)
            threshold = options.threshold
            if options.binarize or options.svg:
                if threshold is None:
                    threshold = 0.5 if np.ptp(result) < 1e-6 else float(_otsu_level(result))
            if options.binarize:
                result = np.where(result < threshold, 0.0, 1.0).astype(np.float32)
            target = out_dir / rel.with_suffix(".png")
            save_png(target, result)
            record.update(output=str(target), seconds=round(time.perf_counter() - start, 3),
                          size=[image.shape[1], image.shape[0]])
            if options.svg:
                svg_path = target.with_suffix(".svg")
                record["svg"] = str(svg_path)
                record["outlines"] = save_svg(svg_path, result, threshold)
            report.written.append(record)
        except (BadInput, ValueError, RuntimeError, MemoryError) as exc:
            record["reason"] = str(exc)
            report.failed.append(record)
        if on_file:
            on_file(record)
    return report


def _otsu_level(image: np.ndarray) -> float:
    from skimage.filters import threshold_otsu

    return float(threshold_otsu(image))

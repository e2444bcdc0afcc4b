"""`sketchtrain simplify`: run a model over files and folders, writing PNG (and SVG) outputs.

Folders are walked recursively and relative names kept (``x.jpg`` -> ``x.png``; when two
inputs share a stem, ``x.png`` and ``x.jpg`` -> ``x.png.png`` and ``x.jpg.png``). Refused before
any work (exit 2): an output that would overwrite an input or another output, and an existing
file in the output folder that this command did not write there (``--overwrite`` replaces
those; never an input). What it wrote is recorded, with each file's hash, in
``OUT/.sketchtrain-simplify.json``, so running again over the same folder replaces its own
outputs, leaves them out of the inputs, and treats an output edited since as the user's own.
Every output is written atomically; a file that fails (unreadable, empty, too large, or a
write error such as a read-only folder or a full disk) is reported with its path and reason
and the batch goes on.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from sketchdata.files import OverwriteRefused, atomic_write_bytes, refuse_overwriting
from sketchdata.image.io import BadInput, list_images, load_grey, save_png

from sketchtrain.inference.default_model import resolve_model
from sketchtrain.inference.despeckle import check_speck_area, remove_specks
from sketchtrain.inference.tiling import MARGIN, TILE, TILE_PIXELS, TiledRunner, check_views
from sketchtrain.inference.vectorize import save_svg


@dataclass
class SimplifyOptions:
    scale: float | str = "auto"  # a number, or "auto": match the input's line width to the model's
    binarize: bool = False
    threshold: float | None = None  # None: Otsu (when binarising / tracing)
    svg: bool = False
    precision: str = "auto"
    device: str = "auto"
    tile: int = TILE  # the tiling defaults: sketchtrain.inference.tiling
    margin: int = MARGIN
    tile_pixels: int = TILE_PIXELS
    views: int = 1  # test-time augmentation (1, 2, 4, 8 rotated/mirrored views averaged)
    max_pixels: int = 200_000_000
    constants: str | None = None
    overwrite: bool = False  # replace existing files in the output folder that simplify did not write
    despeckle: int = 0  # remove isolated marks of at most this many pixels (0: off; sketchtrain.inference.despeckle)

    def __post_init__(self):
        from sketchtrain.devices import check_device_name

        if self.max_pixels < 1:
            raise ValueError(f"--max-pixels must be at least 1, got {self.max_pixels}")
        if self.threshold is not None and not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"--threshold must be in [0, 1] (or left out for Otsu), got {self.threshold}")
        check_device_name(self.device)
        check_views(self.views)
        self.despeckle = check_speck_area(self.despeckle)


@dataclass
class Simplified:
    """One simplified image: the output (binarised when asked), the scale it ran at, and the
    threshold used for binarising / tracing (None when neither was asked)."""

    image: np.ndarray
    scale: float
    threshold: float | None


def simplify_image(runner: TiledRunner, image: np.ndarray, options: SimplifyOptions,
                   on_tile: Callable[[int, int], None] | None = None) -> Simplified:
    """The per-image step of `sketchtrain simplify` (also what `sketchtrain app` runs, so both give
    the same bytes): scale choice, the network, optional despeckling, then optional binarisation
    (Otsu's level is read after the specks are gone)."""
    scale = runner.choose_scale(image, options.scale)
    result = runner.simplify(image, scale, on_tile=on_tile)
    if options.despeckle:
        result = remove_specks(result, options.despeckle)
    threshold = options.threshold
    if options.binarize or options.svg:
        if threshold is None:
            threshold = 0.5 if np.ptp(result) < 1e-6 else float(_otsu_level(result))
    if options.binarize:
        result = np.where(result < threshold, 0.0, 1.0).astype(np.float32)
    return Simplified(result, scale, threshold)


def make_runner(model_path: str | Path | None, options: SimplifyOptions) -> tuple[TiledRunner, dict]:
    """Load the model (the shipped default for None) and its runner with the options' settings.
    An OpenVINO IR (.xml, from `sketchtrain export`) runs with OpenVINO and never imports torch
    (start-up: README, "Inference, whole process"); everything else runs with PyTorch."""
    path = resolve_model(model_path)
    settings = dict(precision=options.precision, tile=options.tile, margin=options.margin,
                    tile_pixels=options.tile_pixels, views=options.views)
    if path.suffix.lower() == ".xml":
        from sketchtrain.inference.openvino_runner import OpenVinoRunner

        if options.device not in ("auto", "cpu"):
            raise ValueError(f"{path}: OpenVINO models run on the CPU here; drop --device {options.device}")
        runner = OpenVinoRunner(path, **settings)
        return runner, {**runner.info.get("source", {}), "kind": "openvino", "line_width": runner.line_width,
                        "scale_rule": runner.scale_rule}
    from sketchtrain.inference.runner import Simplifier, load_model

    model, info = load_model(path, options.constants)
    return Simplifier(model, device=options.device, line_width=info.get("line_width"), **settings), info


@dataclass
class SimplifyReport:
    written: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)


class OutputConflict(OverwriteRefused):
    """Outputs that would overwrite an input or each other; raised before any work."""


RECORD = ".sketchtrain-simplify.json"  # in the output folder: what simplify wrote there, with hashes


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class OutputRecord:
    """The files simplify wrote into one output folder (relative name -> sha256)."""

    def __init__(self, out_dir: str | Path):
        self.out_dir = Path(out_dir)
        self.path = self.out_dir / RECORD
        try:
            self.files: dict[str, str] = json.loads(self.path.read_text())["files"]
        except (OSError, ValueError, KeyError, TypeError):
            self.files = {}
        self._unsaved = 0

    def _key(self, path: Path) -> str | None:
        try:
            return str(path.resolve().relative_to(self.out_dir.resolve()))
        except ValueError:
            return None

    def listed(self, path: Path) -> bool:
        """Written by simplify (whatever it holds now): never an input."""
        return self._key(path) in self.files

    def ours(self, path: Path) -> bool:
        """Written by simplify and unchanged since: safe to replace."""
        key = self._key(path)
        return key in self.files and self.files[key] == _digest(path)

    def add(self, path: Path) -> None:
        self.files[self._key(path)] = _digest(path)
        self._unsaved += 1
        if self._unsaved >= 50:
            self.save()

    def save(self) -> None:
        if self._unsaved:
            atomic_write_bytes(self.path, json.dumps({"files": self.files}, indent=0, sort_keys=True).encode())
            self._unsaved = 0


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def collect_inputs(inputs: list[str | Path], out_dir: str | Path | None = None) -> list[tuple[Path, Path]]:
    """(file, relative output name without suffix) for files and folders (recursive, names kept).

    Files simplify wrote into ``out_dir`` earlier are not inputs (so ``-o scans/clean`` over
    ``scans/`` never re-reads its own outputs); every other file there is. Two inputs with one
    stem in one folder (``x.png``, ``x.jpg``) are named by their whole file name (``x.png.png``,
    ``x.jpg.png``) so neither output replaces the other.
    """
    record = OutputRecord(out_dir) if out_dir is not None else None
    found: list[tuple[Path, Path]] = []
    for entry in map(Path, inputs):
        if entry.is_dir():
            for p in list_images(entry):
                if record is not None and record.listed(p):
                    continue
                found.append((p, p.relative_to(entry)))
        else:
            found.append((entry, Path(entry.name)))
    stems: dict[Path, int] = {}
    for _, rel in found:
        stems[rel.with_suffix("")] = stems.get(rel.with_suffix(""), 0) + 1
    return [(src, rel if stems[rel.with_suffix("")] > 1 else rel.with_suffix("")) for src, rel in found]


def plan_outputs(inputs: list[str | Path], out_dir: str | Path, svg: bool,
                 overwrite: bool = False) -> list[tuple[Path, Path]]:
    """(input file, output PNG) for every input; refuses, before any work, outputs that would
    overwrite an input file or another output, and (without ``overwrite``) existing files that
    simplify did not write."""
    out_dir = Path(out_dir)
    plan = [(src, out_dir / f"{name}.png") for src, name in collect_inputs(inputs, out_dir)]
    for folder in (Path(e) for e in inputs):
        if folder.is_dir() and _same_file(folder, out_dir):
            raise OutputConflict(f"output folder {out_dir} is the input folder {folder}: writing there would "
                                 "overwrite or mix with your originals; choose another -o")
    written = [(src, path) for src, target in plan for path in [target] + ([target.with_suffix(".svg")] if svg else [])]
    refuse_overwriting([path for _, path in written], [src for src, _ in plan], "choose another -o")
    claimed: dict[Path, Path] = {}
    record = OutputRecord(out_dir)
    for src, path in written:
        other = claimed.get(path.resolve())
        if other is not None:
            raise OutputConflict(f"{other} and {src} would both be written to {path}; simplify them into "
                                 "separate output folders")
        claimed[path.resolve()] = src
        if not overwrite and path.is_file() and not record.ours(path):  # a folder in the way fails that file alone
            raise OutputConflict(f"{path} exists and was not written by simplify (or was edited since): not going "
                                 "to overwrite it; pass --overwrite to replace it, or choose another -o")
    return plan


def _number_or_word(text, words: tuple, word_value, name: str, expected: str, lo: float, hi: float, bounds: str):
    """``word_value`` for any of ``words`` (case-insensitive), else a number in [lo, hi]
    (``bounds`` says so in the error)."""
    if text is None or (isinstance(text, str) and text.strip().lower() in words):
        return word_value
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} must be {expected}, got {text!r}") from None
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be {bounds}, got {value}")
    return value


def parse_scale(text: str | float) -> float | str:
    """``auto`` or a positive number (the command line's --scale)."""
    return _number_or_word(text, ("auto",), "auto", "--scale", "'auto' or a number such as 0.5 or 2", 0.05, 8,
                           "between 0.05 and 8")


def parse_threshold(text: str | float | None) -> float | None:
    """A binarisation threshold in [0, 1], or None (empty or "otsu": Otsu's level)."""
    return _number_or_word(text, ("", "otsu"), None, "threshold", "a number in [0, 1] or empty (Otsu)", 0.0,
                           1.0, "in [0, 1]")


def simplify_paths(model_path: str | Path | None, inputs: list[str | Path], out_dir: str | Path,
                   options: SimplifyOptions = SimplifyOptions(),
                   on_file: Callable[[dict], None] | None = None) -> SimplifyReport:
    """Simplify every image under ``inputs`` into ``out_dir`` (see module doc); ``model_path``
    None runs the shipped default model."""
    plan = plan_outputs(inputs, out_dir, options.svg, options.overwrite)  # refuse conflicts before loading anything
    runner, _ = make_runner(model_path, options)
    report = SimplifyReport()
    record = OutputRecord(out_dir)
    try:
        for src, target in plan:
            _simplify_one(runner, src, target, options, report, record)
            if on_file:
                on_file((report.written + report.failed)[-1])
    finally:
        record.save()
    return report


def _simplify_one(runner, src: Path, target: Path, options: SimplifyOptions, report: SimplifyReport,
                  outputs: OutputRecord) -> None:
    """One input: read, simplify, write; a failure is recorded with its reason, never raised."""
    record = {"input": str(src)}
    try:
        if not src.exists():
            raise BadInput("file not found")
        image = load_grey(src, options.max_pixels)
        start = time.perf_counter()
        done = simplify_image(runner, image, options)
        record.update(scale=done.scale, output=str(target), size=[image.shape[1], image.shape[0]])
        _write(save_png, target, done.image)
        outputs.add(target)
        if options.svg:
            svg_path = target.with_suffix(".svg")
            record["svg"] = str(svg_path)
            record["outlines"] = _write(save_svg, svg_path, done.image, done.threshold)
            outputs.add(svg_path)
        record["seconds"] = round(time.perf_counter() - start, 3)
        report.written.append(record)
    except (BadInput, ValueError, RuntimeError, MemoryError) as exc:
        record["reason"] = str(exc)
        report.failed.append(record)


def _write(writer, path: Path, *args):
    """Run a file writer; a write failure (read-only folder, full disk) becomes a one-line reason."""
    try:
        return writer(path, *args)
    except OSError as exc:
        raise BadInput(f"cannot write {path}: {exc.strerror or exc}") from None


def _otsu_level(image: np.ndarray, rows: int = 512) -> float:
    """skimage's Otsu threshold (256 bins over the image's range), its histogram counted in
    blocks of rows: the same level without skimage's full-size copy of the image."""
    from skimage.filters import threshold_otsu

    low, high = image.min(), image.max()  # as numpy's own range: float32 scalars, same bin edges
    counts, edges = np.histogram(image[:1], bins=256, range=(low, high))
    counts = np.zeros_like(counts)
    for top in range(0, image.shape[0], rows):
        counts += np.histogram(image[top : top + rows], bins=256, range=(low, high))[0]
    centres = (edges[:-1] + edges[1:]) / 2.0
    return float(threshold_otsu(hist=(counts, centres)))

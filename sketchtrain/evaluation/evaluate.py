"""`sketchtrain evaluate`: score a model and the classic baselines the way the field does.

DATA is a shard dataset (its validation split by default) or a folder with ``rough/`` and
``clean/`` images matched by name. For every pair the model's output and each baseline's are
scored with the benchmark metrics (sketchtrain.evaluation.metrics); the summary table, per-image JSON and
CSV, and an HTML report with pictures (best and worst cases) are written to the output folder
(sketchtrain.evaluation.report).
``threshold_best`` is the single global threshold that is best on this evaluation set: an
optimistic (oracle) version of thresholding, the hardest baseline of the thresholding kind.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from sketchdata.shards.dataset import iter_samples, shard_paths, skip_location
from sketchdata.files import OverwriteRefused, ensure_folder, is_within, refuse_overwriting
from sketchdata.image.io import BadInput, list_images, load_grey, save_png

from sketchtrain.evaluation.baselines import BASELINES, ThresholdSweep
from sketchtrain.inference.despeckle import check_speck_area
from sketchtrain.inference.default_model import resolve_model
from sketchtrain.inference.runner import Simplifier, load_model
from sketchtrain.inference.simplify import SimplifyOptions, simplify_image
from sketchtrain.evaluation.metrics import score, to_luma8, tolerance_pixels
from sketchtrain.evaluation.report import METRIC_KEYS, EvalReport, write_report

SWEEP = tuple(round(v, 2) for v in np.linspace(0.1, 0.9, 17))


class EvaluationError(RuntimeError):
    """Nothing to evaluate (no pairs found); the message says what was expected."""


@dataclass
class EvalOptions:
    tol_px: float | None = None  # neither tolerance: the benchmarks' 1 px (metrics.DEFAULT_TOL_PX)
    tol_permille: float | None = None
    split: str = "validation"
    max_samples: int | None = None
    baselines: bool = True
    scale: float | str = "auto"
    precision: str = "auto"
    views: int = 1  # test-time augmentation views (see inference.Simplifier)
    despeckle: int = 0  # as simplify --despeckle: isolated marks of at most this many pixels removed from the model's output
    report_images: int = 6  # best and worst cases shown with pictures

    def __post_init__(self):
        if self.max_samples is not None and self.max_samples < 1:
            raise ValueError(f"--max-samples must be at least 1 (or left out for all pairs), got {self.max_samples}")
        self.despeckle = check_speck_area(self.despeckle)


REPORT_FILES = ("summary.json", "per_image.csv", "report.html")  # and images/ beside them


def refuse_overwriting_inputs(model_file: Path, data: str | Path, out: Path) -> None:
    """Refuse, before any work, a report folder whose files would replace the model or a data file."""
    inputs = [model_file, *(p for p in Path(data).rglob("*") if p.is_file())] if Path(data).is_dir() else [model_file]
    images = out / "images"
    in_images = [p for p in inputs if is_within(p, images)]
    if in_images:
        raise OverwriteRefused(f"writing {images} would overwrite the input {in_images[0]}; choose another -o")
    refuse_overwriting([out / name for name in REPORT_FILES], inputs, "choose another -o")


def evaluation_pairs(data: str | Path, split: str = "validation", max_samples: int | None = None,
                     dropped: list[dict] | None = None) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """(name, rough, clean) pairs from a shard dataset or a rough/ + clean/ folder.

    Pairs that cannot be scored (no clean file, unreadable image or shard, sizes that differ)
    are left out, each appended to ``dropped`` as ``{"name", "reason"}``.
    """
    dropped = dropped if dropped is not None else []
    root = Path(data)
    count = 0
    if (root / "rough").is_dir() and (root / "clean").is_dir():
        clean_by_name = {p.relative_to(root / "clean").with_suffix(""): p for p in list_images(root / "clean")}
        rough_names = set()
        for rough_path in list_images(root / "rough"):
            rel = rough_path.relative_to(root / "rough").with_suffix("")
            rough_names.add(rel)
            if rel not in clean_by_name:
                dropped.append({"name": str(rough_path), "reason": f"no clean image named {rel}.* in {root / 'clean'}"})
                continue
            try:
                rough, clean = load_grey(rough_path), load_grey(clean_by_name[rel])
            except BadInput as exc:
                dropped.append({"name": str(rough_path), "reason": str(exc)})
                continue
            if rough.shape != clean.shape:
                dropped.append({"name": str(rough_path), "reason": f"rough is {rough.shape[1]}x{rough.shape[0]} but "
                                f"clean is {clean.shape[1]}x{clean.shape[0]}; pairs must align"})
                continue
            yield str(rel), rough, clean
            count += 1
            if max_samples and count >= max_samples:
                return
        for rel, clean_path in clean_by_name.items():
            if rel not in rough_names:
                dropped.append({"name": str(clean_path), "reason": f"no rough image named {rel}.* in {root / 'rough'}"})
        if count == 0:
            raise EvaluationError(f"{data}: no rough/ and clean/ images with matching names"
                                  + (f" ({len(dropped)} dropped, first: {dropped[0]['name']}: {dropped[0]['reason']})"
                                     if dropped else ""))
        return
    paths = shard_paths(root, split) if root.is_dir() else []
    if not paths:
        raise EvaluationError(f"{data}: neither a dataset with {split} shards nor a folder with rough/ and clean/")
    unreadable: list[dict] = []  # shards and samples iter_samples could not read
    try:
        for key, rough, clean, _ in iter_samples(paths, skipped=unreadable):
            if rough.shape != clean.shape:
                dropped.append({"name": key, "reason": f"input and target sizes differ ({rough.shape} vs {clean.shape})"})
                continue
            yield key, rough, clean
            count += 1
            if max_samples and count >= max_samples:
                return
    finally:
        dropped += [{"name": skip_location(r), "reason": r["reason"]} for r in unreadable]


def _mean(values: list[float]) -> float:
    vals = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(vals)) if vals else float("nan")


def evaluate(model_path: str | Path, data: str | Path, out_dir: str | Path,
             options: EvalOptions = EvalOptions(), on_item: Callable[[int], None] | None = None) -> EvalReport:
    """Score the model and baselines on DATA; write summary.json, per_image.csv, report.html."""
    start = time.perf_counter()
    out = Path(out_dir)
    model_file = resolve_model(model_path)
    refuse_overwriting_inputs(model_file, data, out)
    ensure_folder(out / "images")
    model, info = load_model(model_file)
    runner = Simplifier(model, precision=options.precision, views=options.views, line_width=info.get("line_width"))
    # the model's step is simplify's own (scale choice, network, despeckling), so evaluate scores
    # what `simplify` writes with the same options
    per_image = SimplifyOptions(scale=options.scale, despeckle=options.despeckle)
    methods: dict[str, Callable[[np.ndarray], np.ndarray]] = {"model": lambda img: simplify_image(runner, img, per_image).image}
    if options.baselines:
        methods.update(BASELINES)
    rows: list[dict] = []
    sweep = ThresholdSweep(SWEEP, options.tol_px, options.tol_permille)
    tolerance = ""
    dropped: list[dict] = []
    tolerance_pixels((1, 1), options.tol_px, options.tol_permille)  # refuse a bad tolerance before any work
    for name, rough, clean in evaluation_pairs(data, options.split, options.max_samples, dropped):
        index = len(rows)
        row = {"index": index, "name": name, "scores": {}}
        outputs = {}
        for method, fn in methods.items():
            outputs[method] = fn(rough)
            s = score(outputs[method], clean, options.tol_px, options.tol_permille)
            tolerance = s["tolerance"]
            row["scores"][method] = {k: s.get(k) for k in METRIC_KEYS} | {"blank": s["blank"]}
            if s["blank"]:
                row["scores"][method]["blank_reason"] = s["blank_reason"]
        if options.baselines:  # stroke metrics only: the sweep needs F, not SSIM 17 times
            sweep.add(rough, to_luma8(clean))
        for kind, image in (("input", rough), ("target", clean), ("model", outputs["model"])):
            save_png(out / "images" / f"{index:05d}_{kind}.png", image)
        if options.baselines:
            save_png(out / "images" / f"{index:05d}_otsu.png", outputs["otsu"])
        rows.append(row)
        if on_item:
            on_item(index + 1)
    if not rows:
        first = f"; first dropped: {dropped[0]['name']}: {dropped[0]['reason']}" if dropped else ""
        raise EvaluationError(f"{data}: no evaluation pairs ({len(dropped)} dropped{first})")
    best_level = None
    if options.baselines:
        best_level, _, per_pair = sweep.best()
        for row, f in zip(rows, per_pair):
            row["scores"]["threshold_best"] = {"f": f}
    summary = {}
    for method in rows[0]["scores"]:
        per = [r["scores"][method] for r in rows]
        summary[method] = {k: _mean([p.get(k) for p in per]) for k in METRIC_KEYS if any(k in p for p in per)}
        # the benchmark gives no numbers for a pair whose output or reference has no stroke:
        # those pairs are left out of the means and counted here, shown in every report
        summary[method]["blank"] = int(sum(bool(p.get("blank")) for p in per))
        summary[method]["scored"] = len(per) - summary[method]["blank"]
    report = EvalReport(out_dir=str(out), count=len(rows), summary=summary, threshold_best_level=best_level,
                        tolerance=tolerance, per_image=rows, seconds=time.perf_counter() - start, dropped=dropped)
    write_report(report, info, str(data), options)
    return report



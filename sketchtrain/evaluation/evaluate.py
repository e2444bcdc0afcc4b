"""`sketchtrain evaluate`: score a model and the classic baselines the way the field does.

DATA is a shard dataset (its validation split by default) or a folder with ``rough/`` and
``clean/`` images matched by name. For every pair the model's output and each baseline's are
scored with the benchmark metrics (sketchtrain.evaluation.metrics); the summary table, per-image JSON and
CSV, and an HTML report with pictures (best and worst cases) are written to the output folder.
``threshold_best`` is the single global threshold that is best on this evaluation set: an
optimistic (oracle) version of thresholding, the hardest baseline of the thresholding kind.
"""

from __future__ import annotations

import csv
import html
import io
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from sketchdata.shards.dataset import iter_samples, shard_paths, skip_location
from sketchdata.files import OverwriteRefused, ensure_folder, is_within, refuse_overwriting
from sketchdata.image.io import BadInput, atomic_write_bytes, list_images, load_grey, save_png

from sketchtrain.evaluation.baselines import BASELINES, ThresholdSweep
from sketchtrain.inference.default_model import resolve_model
from sketchtrain.inference.runner import Simplifier, load_model
from sketchtrain.evaluation.metrics import score, to_luma8, tolerance_pixels

SWEEP = tuple(round(v, 2) for v in np.linspace(0.1, 0.9, 17))
METRIC_KEYS = ("precision", "recall", "f", "chamfer", "hausdorff", "mse", "psnr", "ssim")
TABLE_DIGITS = {"chamfer": 4, "hausdorff": 3, "mse": 4, "psnr": 2}  # others: 3


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
    report_images: int = 6  # best and worst cases shown with pictures

    def __post_init__(self):
        if self.max_samples is not None and self.max_samples < 1:
            raise ValueError(f"--max-samples must be at least 1 (or left out for all pairs), got {self.max_samples}")


REPORT_FILES = ("summary.json", "per_image.csv", "report.html")  # and images/ beside them


def refuse_overwriting_inputs(model_file: Path, data: str | Path, out: Path) -> None:
    """Refuse, before any work, a report folder whose files would replace the model or a data file."""
    inputs = [model_file, *(p for p in Path(data).rglob("*") if p.is_file())] if Path(data).is_dir() else [model_file]
    images = out / "images"
    in_images = [p for p in inputs if is_within(p, images)]
    if in_images:
        raise OverwriteRefused(f"writing {images} would overwrite the input {in_images[0]}; choose another -o")
    refuse_overwriting([out / name for name in REPORT_FILES], inputs, "choose another -o")


@dataclass
class EvalReport:
    out_dir: str
    count: int
    summary: dict[str, dict]
    threshold_best_level: float | None
    tolerance: str
    per_image: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    dropped: list[dict] = field(default_factory=list)  # pairs left out, each {"name", "reason"}


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


def json_safe(value):
    """Replace NaN and infinities by None, recursively: JSON has no such numbers."""
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, (np.floating, np.integer)):
        return json_safe(value.item())
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


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
    methods: dict[str, Callable[[np.ndarray], np.ndarray]] = {"model": lambda img: runner.simplify(img, options.scale)}
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
    _write_outputs(report, info, str(data), options)
    return report


def _write_outputs(report: EvalReport, model_info: dict, data: str, options: EvalOptions) -> None:
    out = Path(report.out_dir)
    payload = {"data": data, "model": model_info, "count": report.count, "tolerance": report.tolerance,
               "threshold_best_level": report.threshold_best_level,
               "options": {"scale": options.scale, "views": options.views, "split": options.split},
               "summary": report.summary,
               "per_image": report.per_image, "seconds": report.seconds, "dropped": report.dropped,
               "note": "benchmark metrics (Yan et al. 2020) as in sketchtrain.evaluation.metrics; alpha composited over white; "
                       "means over the pairs a method was scored on: pairs where its output or the reference has "
                       "no stroke pixel are 'blank' (counted, not averaged); null = not a finite number "
                       "(PSNR of identical images, SSIM of tiny ones)"}
    atomic_write_bytes(out / "summary.json", json.dumps(json_safe(payload), indent=1, allow_nan=False).encode())
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["index", "name", "method", *METRIC_KEYS, "blank"])
    for row in report.per_image:
        for method, s in row["scores"].items():
            writer.writerow([row["index"], row["name"], method, *[s.get(k, "") for k in METRIC_KEYS],
                             s.get("blank_reason", "yes" if s.get("blank") else "")])
    atomic_write_bytes(out / "per_image.csv", buf.getvalue().encode())
    atomic_write_bytes(out / "report.html", render_html(report, model_info, data, options).encode())


def summary_table_rows(report: EvalReport) -> list[list[str]]:
    """Rows for a terminal or HTML table: method, P, R, F, Chamfer, Hausdorff, MSE, PSNR, SSIM, blank."""
    rows = []
    def rank(kv):
        f = kv[1].get("f")
        return -(f if f is not None and np.isfinite(f) else -1.0)

    for method, s in sorted(report.summary.items(), key=rank):
        name = method if method != "threshold_best" else f"threshold_best ({report.threshold_best_level})"
        blank = str(s.get("blank", 0)) if method != "threshold_best" else "-"
        rows.append([name] + [f"{s[k]:.{TABLE_DIGITS.get(k, 3)}f}" if k in s and np.isfinite(s[k]) else "-"
                              for k in METRIC_KEYS] + [blank])
    return rows


def _f_cell(scores: dict) -> str:
    if scores.get("blank"):
        return "blank"
    f = scores.get("f")
    return f"{f:.3f}" if f is not None and np.isfinite(f) else "-"


def render_html(report: EvalReport, model_info: dict, data: str, options: EvalOptions) -> str:
    esc = html.escape
    head = ["method", "precision", "recall", "F", "Chamfer", "Hausdorff", "MSE", "PSNR", "SSIM", "blank"]
    table = "".join(f"<tr>{''.join(f'<td>{esc(c)}</td>' for c in row)}</tr>" for row in summary_table_rows(report))
    ranked = sorted(report.per_image, key=lambda r: r["scores"]["model"].get("f") or 0.0)
    k = options.report_images
    picked = [("worst", r) for r in ranked[:k]] + [("best", r) for r in ranked[::-1][:k]]

    def card(label, row):
        i = row["index"]
        s = row["scores"]
        m, o = s["model"], s.get("otsu", {})
        fmt = lambda v: f"{v:.3f}" if isinstance(v, float) else "-"
        imgs = "".join(f'<figure><img src="images/{i:05d}_{kind}.png"><figcaption>{kind}</figcaption></figure>'
                       for kind in ("input", "model", "otsu", "target") if kind != "otsu" or options.baselines)
        return (f'<div class="card"><h3>{label}: {esc(row["name"])}</h3><p>model F {fmt(m.get("f"))} '
                f'(P {fmt(m.get("precision"))}, R {fmt(m.get("recall"))}); otsu F {fmt(o.get("f"))}</p>{imgs}</div>')

    cards = "".join(card(label, row) for label, row in picked)
    per_rows = "".join(
        f"<tr><td>{r['index']}</td><td>{esc(r['name'])}</td>"
        + "".join(f"<td>{_f_cell(r['scores'].get(m, {}))}</td>" for m in report.summary) + "</tr>"
        for r in report.per_image)
    per_head = "".join(f"<th>F {esc(m)}</th>" for m in report.summary)
    dropped_html = ""
    if report.dropped:
        items = "".join(f"<li><code>{esc(d['name'])}</code>: {esc(d['reason'])}</li>" for d in report.dropped)
        dropped_html = f"<h2>Pairs left out ({len(report.dropped)})</h2><ul>{items}</ul>"
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>sketchtrain evaluation</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1200px}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}} td:first-child{{text-align:left}}
.card{{display:inline-block;vertical-align:top;margin:8px;padding:8px;border:1px solid #ddd}}
figure{{display:inline-block;margin:2px;text-align:center}} img{{width:180px;border:1px solid #eee}}</style>
</head><body><h1>Evaluation</h1>
<p>data: <code>{esc(data)}</code> ({report.count} pairs); model: <code>{esc(json.dumps(model_info, default=str))}</code>;
tolerance {esc(report.tolerance)}; {report.seconds:.1f} s.</p>
<p>Metrics as the rough-sketch-cleanup benchmark defines them (stroke pixels L &le; 191, exact distance
transform; Chamfer and Hausdorff divided by the long edge). <code>threshold_best</code> is the single global
threshold that is best on this set (an oracle for thresholding).</p>
<h2>Summary (means over pairs)</h2><table><tr>{''.join(f'<th>{h}</th>' for h in head)}</tr>{table}</table>
<p><b>blank</b>: pairs where the method's output or the reference has no stroke pixel; the benchmark gives
them no numbers, so they are counted here and left out of that method's means.</p>
{dropped_html}
<h2>Worst and best cases (by model F)</h2>{cards}
<h2>Per image</h2><table><tr><th>#</th><th>name</th>{per_head}</tr>{per_rows}</table>
</body></html>"""

"""What `sketchtrain evaluate` writes: the summary (JSON), the per-pair scores (CSV), the HTML
report with pictures, and the table the command prints."""

from __future__ import annotations

import csv
import html
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sketchdata.image.io import atomic_write_bytes

METRIC_KEYS = ("precision", "recall", "f", "chamfer", "hausdorff", "mse", "psnr", "ssim")
TABLE_DIGITS = {"chamfer": 4, "hausdorff": 3, "mse": 4, "psnr": 2}  # others: 3


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


def write_report(report: EvalReport, model_info: dict, data: str, options) -> None:
    """summary.json, per_image.csv and report.html in the report's folder (each written atomically)."""
    out = Path(report.out_dir)
    payload = {"data": data, "model": model_info, "count": report.count, "tolerance": report.tolerance,
               "threshold_best_level": report.threshold_best_level,
               "options": {"scale": options.scale, "views": options.views, "split": options.split,
                           "despeckle": options.despeckle},
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


def render_html(report: EvalReport, model_info: dict, data: str, options) -> str:
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

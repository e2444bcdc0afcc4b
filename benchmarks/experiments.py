"""The seed's dataset study at CPU scale: build, train and evaluate in one command.

    .venv/bin/python benchmarks/experiments.py [--steps 1000] [--variant eighth] [--out out/experiments]

Experiments (recipes in recipes/experiments/, procedural stand-in data, same drawings everywhere):
  realistic  case 2: rough strokes + tone / random-noise / slur copies, random patches
  frames     case 1 stand-in: tones and scan noise over clean lines (frame-like), no rough strokes
  limited    case 3: original + slurred copies
  heavy      case 4: original + heavily noised copies
  whole      case 5: as realistic, whole 384x384 images (batch 2, about the pixels of 16 crops)
  mse        as realistic, trained with plain MSE instead of the loss map
  mse_paper3 as mse, paper pixels weighted 3x (--paper-weight 3: the stroke level 191 = 50% ink)
Every model trains the same number of steps and is scored on recipes/experiments/heldout.yaml
(drawings from another seed, rough inputs from the default effect mix) at 1 px with the
benchmark metrics. Writes results.json, results.md (table), curves.png (validation loss) and
outputs.png (held-out input | target | each model) under --out. Steps are resumable: finished
datasets and runs are reused.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sketchdata.shards.build import build_dataset
from sketchdata.shards.dataset import iter_samples, shard_paths
from sketchdata.image.io import save_png
from sketchdata.preview import grid
from sketchdata.recipe import load_recipe
from sketchtrain.evaluation.evaluate import EvalOptions, evaluate
from sketchtrain.inference.runner import Simplifier, load_model
from sketchtrain.training.plots import line_chart
from sketchtrain.training.loop import FitConfig, fit

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = {  # name: (recipe, loss, paper weight)
    "realistic": ("exp_realistic", "authors", 1.0),
    "frames": ("exp_frames", "authors", 1.0),
    "limited": ("exp_limited", "authors", 1.0),
    "heavy": ("exp_heavy", "authors", 1.0),
    "whole": ("exp_whole", "authors", 1.0),
    "mse": ("exp_realistic", "mse", 1.0),
    "mse_paper3": ("exp_realistic", "mse", 3.0),
}
COMPARISONS = [
    ("realistic vs frame-like noise (case 2 vs 1)", "realistic", "frames"),
    ("limited vs heavy noise (case 3 vs 4)", "limited", "heavy"),
    ("patches vs whole images (case 2 vs 5)", "realistic", "whole"),
    ("loss map vs plain MSE", "realistic", "mse"),
    ("MSE with paper weight 3 vs plain MSE", "mse_paper3", "mse"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--variant", default="eighth")
    parser.add_argument("--out", default=str(ROOT / "out" / "experiments"))
    parser.add_argument("--only", nargs="*", help="subset of experiments")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    heldout = build_dataset(load_recipe(ROOT / "recipes" / "experiments" / "heldout.yaml"), workers=2).out_dir
    results, curves, baselines = {}, {}, {}
    names = args.only or list(EXPERIMENTS)
    for name in names:
        recipe_name, loss, paper_weight = EXPERIMENTS[name]
        dataset = build_dataset(load_recipe(ROOT / "recipes" / "experiments" / f"{recipe_name}.yaml"), workers=2)
        run = out / "runs" / name
        # whole images (384x384) go in uncropped; 2 of them hold about the pixels of 16 crops of
        # 128x128, so every experiment gets the same steps and about the same compute
        crop, batch = (0, 2) if name == "whole" else (128, 16)
        cfg = FitConfig(dataset=dataset.out_dir, out=str(run), variant=args.variant, steps=args.steps, batch=batch,
                        crop=crop, optimizer="adam", lr=2e-3, lr_schedule="cosine", loss=loss, paper_weight=paper_weight, val_every=max(1, args.steps // 4),
                        ckpt_every=max(1, args.steps // 4), val_samples=64, workers=1,
                        resume=(run / "last.pt").exists())
        print(f"== {name}: {recipe_name}, loss {loss}, paper weight {paper_weight:g}, {sum(dataset.samples.values())} samples")
        fit(cfg)
        # the baselines do not depend on the model: score them with the first experiment only
        report = evaluate(run / "best.pt", heldout, out / "eval" / name,
                          EvalOptions(tol_px=1.0, baselines=not baselines, scale=1.0))
        baselines = baselines or {k: v for k, v in report.summary.items() if k != "model"}
        results[name] = {"recipe": recipe_name, "loss": loss, "paper_weight": paper_weight, "samples": dataset.samples,
                         "heldout": report.summary["model"], "baselines": baselines}
        rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
        curves[name] = [(r["step"], r["mse"]) for r in rows if r["kind"] == "val"]
    (out / "results.json").write_text(json.dumps(results, indent=1, default=float))
    line_chart(curves, out / "curves.png", title=f"validation MSE ({args.variant}, {args.steps} steps each)",
               y_label="validation MSE")
    write_table(results, out / "results.md", args)
    write_outputs(names, out, heldout)
    print((out / "results.md").read_text())


def write_table(results: dict, path: Path, args) -> None:
    any_result = next(iter(results.values()))
    base = any_result["baselines"]
    lines = [f"Held-out F at 1 px (benchmark metrics), {args.variant} width, {args.steps} steps each "
             "(batch 16, 128 px crops, Adam 2e-3 with cosine decay):", "",
             "(`whole`: batch 2 of uncropped 384x384 images, about the same pixels per step)", "",
             "| experiment | data | loss | paper weight | precision | recall | F | Chamfer | SSIM |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        h = r["heldout"]
        lines.append(f"| {name} | {r['recipe']} | {r['loss']} | {r.get('paper_weight', 1.0):g} | {h['precision']:.3f} | {h['recall']:.3f} | "
                     f"**{h['f']:.3f}** | {h['chamfer']:.4f} | {h['ssim']:.3f} |")
    for method in ("threshold_best", "otsu", "sauvola", "potrace"):
        if method in base:
            b = base[method]
            lines.append(f"| baseline {method} | - | - | - | {b.get('precision', float('nan')):.3f} | "
                         f"{b.get('recall', float('nan')):.3f} | {b['f']:.3f} | {b.get('chamfer', float('nan')):.4f} | "
                         f"{b.get('ssim', float('nan')):.3f} |")
    lines += ["", "| comparison | F first | F second | difference |", "|---|---|---|---|"]
    for title, a, b in COMPARISONS:
        if a in results and b in results:
            fa, fb = results[a]["heldout"]["f"], results[b]["heldout"]["f"]
            lines.append(f"| {title} | {fa:.3f} | {fb:.3f} | {fa - fb:+.3f} |")
    path.write_text("\n".join(lines) + "\n")


def write_outputs(names: list[str], out: Path, heldout: str, count: int = 3) -> None:
    samples = []
    for _, rough, clean, _ in iter_samples(shard_paths(heldout, "validation")):
        samples.append((rough, clean))
        if len(samples) >= count:
            break
    runners = {name: Simplifier(load_model(out / "runs" / name / "best.pt")[0]) for name in names}
    rows = [[rough, clean] + [runners[n].simplify(rough) for n in names] for rough, clean in samples]
    save_png(out / "outputs.png", grid(rows, 224))
    (out / "outputs.txt").write_text("columns: input | target | " + " | ".join(names) + "\n")


if __name__ == "__main__":
    main()

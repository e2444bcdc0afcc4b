"""Benchmark: quality versus cost of every architecture and size (issue 12).

    .venv/bin/python benchmarks/compare_architectures.py cost [--steps 8] [--json out/arch_cost.json]
    .venv/bin/python benchmarks/compare_architectures.py table RUN [RUN ...] [--plot docs/arch_frontier.png]
        [--fcn-baseline "fcn quarter:4000:0.913:0.894:0.0013"]

``cost`` measures, side by side in one process (alternating, best of two rounds, so the shared
machine's noise hits every model alike):
  - parameters and GFLOP per megapixel (convolutions, counted from the layer shapes);
  - fast-path CPU inference ms per megapixel (batch norm folded, inference mode, bf16 where the
    CPU has it, channels-last: what `sketchtrain simplify` runs) on a 512x512 image;
  - training samples/s: batch 16 of 128x128 crops, bf16 autocast, channels-last, Adam step
    (the settings of the README's 30-minute run).
``table`` reads finished runs (each RUN folder holds best.pt and eval_heldout/ and
eval_heldout_rough/ written by `sketchtrain evaluate ... -o RUN/eval_NAME`) and prints the
README table of F at 1 px and Chamfer beside the cost figures, and plots F against GFLOP/MP.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sketchtrain.models.registry import ARCHITECTURES, build_model, fold_for_inference, model_config, model_flops  # noqa: E402
from sketchtrain.inference.runner import Simplifier  # noqa: E402
from sketchtrain.training.losses import pixel_loss  # noqa: E402
from sketchtrain.models.fcn import count_parameters  # noqa: E402

MODELS = [("fcn", "quarter"), ("fcn", "eighth"), ("fcn", "sixteenth"),
          ("unet", "tiny"), ("unet", "small"), ("unet", "base"), ("unet", "lite")]


def train_step_seconds(arch: str, variant: str, steps: int, batch: int = 16, crop: int = 128) -> float:
    torch.manual_seed(0)
    model = build_model(model_config(variant, arch)).train().to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    inp = torch.rand(batch, 1, crop, crop).contiguous(memory_format=torch.channels_last)
    tgt, weights = (torch.rand(batch, 1, crop, crop) > 0.1).float(), torch.ones(batch, 1, crop, crop)
    times = []
    for i in range(steps + 1):
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            pred = model(inp)
        loss = pixel_loss("mse", pred, tgt, weights, paper_weight=3.0)  # the default model's loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if i:  # the first step pays oneDNN's kernel generation
            times.append(time.perf_counter() - start)
    return float(np.median(times))


def inference_seconds(arch: str, variant: str, size: int = 512, reps: int = 3) -> float:
    torch.manual_seed(0)
    runner = Simplifier(fold_for_inference(build_model(model_config(variant, arch)).eval()), tile_pixels=10**9)
    image = np.random.default_rng(0).random((size, size), dtype=np.float32)
    runner.simplify(image)  # warm-up
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        runner.simplify(image)
        times.append(time.perf_counter() - start)
    return min(times)


def measure_cost(steps: int) -> dict:
    rows = {f"{a} {v}": {"arch": a, "variant": v} for a, v in MODELS}
    for name, row in rows.items():
        config = model_config(row["variant"], row["arch"])
        row["parameters"] = count_parameters(build_model(config))
        row["gflop_per_mp"] = round(model_flops(config, 1000, 1000) / 1e9, 1)
    for _ in range(2):  # alternate models, keep the best of two rounds
        for name, row in rows.items():
            step = train_step_seconds(row["arch"], row["variant"], steps)
            row["train_samples_per_s"] = max(row.get("train_samples_per_s", 0.0), round(16 / step, 1))
            ms_per_mp = inference_seconds(row["arch"], row["variant"]) * 1000 / (512 * 512 / 1e6)
            row["inference_ms_per_mp"] = round(min(row.get("inference_ms_per_mp", float("inf")), ms_per_mp), 1)
    return rows


def _summary(folder: Path) -> dict | None:
    path = folder / "summary.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    return data["summary"]["model"]


def table(runs: list[Path], cost_path: Path, plot: Path | None, fcn_baseline: str | None) -> None:
    from sketchtrain.training.plots import line_chart

    cost = json.loads(cost_path.read_text()) if cost_path.exists() else {}
    header = ("| model | params | GFLOP/MP | CPU inference ms/MP | training samples/s | steps (best.pt at) | "
              "F heldout | F heldout_rough | Chamfer heldout_rough |")
    print(header)
    print("| --- " * (header.count("|") - 1) + "|")
    rows = []
    if fcn_baseline:  # the README's 30-minute FCN run: name:steps:F heldout:F rough:Chamfer rough
        name, steps, f_held, f_rough, chamfer = fcn_baseline.split(":")
        rows.append((name, steps, float(f_held), float(f_rough), float(chamfer)))
    for run in runs:
        ckpt = torch.load(run / "best.pt", map_location="cpu", weights_only=True)
        model = ckpt["model"]
        held, rough = _summary(run / "eval_heldout"), _summary(run / "eval_heldout_rough")
        budget = json.loads((run / "run.json").read_text())["args"]["steps"]
        rows.append((f"{model.get('arch', 'fcn')} {model['variant']}", f"{budget} ({ckpt['step']})", held["f"],
                     rough["f"], rough["chamfer"]))
    points = []
    for name, steps, f_held, f_rough, chamfer in rows:
        figures = cost.get(name, {})
        print(f"| {name} | {figures.get('parameters', 0) / 1e6:.2f} M | {figures.get('gflop_per_mp', '-')} | "
              f"{figures.get('inference_ms_per_mp', '-')} | {figures.get('train_samples_per_s', '-')} | {steps} | "
              f"{f_held:.3f} | {f_rough:.3f} | {chamfer:.4f} |")
        points.append((figures.get("inference_ms_per_mp", 0.0), f_held, f_rough, name))
    if plot and points:
        points.sort()
        line_chart({"F heldout": [(p[0], p[1]) for p in points], "F heldout_rough": [(p[0], p[2]) for p in points]},
                   plot, title="quality vs CPU cost at an equal training budget", y_label="F at 1 px", log_y=False,
                   x_label="fast-path CPU inference ms per megapixel", size=(760, 440),
                   point_labels={"F heldout": [p[3] for p in points]})
        print(f"plot: {plot}")


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    cost = sub.add_parser("cost")
    cost.add_argument("--steps", type=int, default=8)
    cost.add_argument("--json", type=Path, default=ROOT / "out" / "arch_cost.json")
    tab = sub.add_parser("table")
    tab.add_argument("runs", nargs="+", type=Path)
    tab.add_argument("--cost", type=Path, default=ROOT / "out" / "arch_cost.json")
    tab.add_argument("--plot", type=Path)
    tab.add_argument("--fcn-baseline", help="NAME:STEPS:F_HELDOUT:F_ROUGH:CHAMFER_ROUGH of a run scored elsewhere")
    args = parser.parse_args()
    if args.command == "cost":
        print(f"{torch.get_num_threads()} threads; registered: {', '.join(ARCHITECTURES)}")
        rows = measure_cost(args.steps)
        print("| model | params | GFLOP/MP | CPU inference ms/MP | training samples/s (bf16, 16 x 128 px) |")
        print("| --- | --- | --- | --- | --- |")
        for name, row in rows.items():
            print(f"| {name} | {row['parameters'] / 1e6:.2f} M | {row['gflop_per_mp']} | {row['inference_ms_per_mp']} | "
                  f"{row['train_samples_per_s']} |")
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1))
    else:
        table(args.runs, args.cost, args.plot, args.fcn_baseline)


if __name__ == "__main__":
    main()

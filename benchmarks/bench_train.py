"""Benchmark: training throughput of a width variant on this machine.

    .venv/bin/python benchmarks/bench_train.py [DATASET] [--arch fcn|unet] [--variant quarter] [--batch 8] [--steps 6]

DATASET defaults to datasets/quickstart (build it first: sketchdata build --recipe
recipes/quickstart.yaml). Prints, measured side by side in one process:
  - training samples/s (forward + loss + backward + ADADELTA step) in fp32, bf16 autocast, and
    bf16 with channels-last tensors (what `fit` uses by default),
  - the data pipeline's own samples/s (decode + crop + loss map + batching, 1 worker),
  - the cost of the loss map alone and its share of a bf16 step.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from sketchtrain.training.data import dataset_shards, train_batches
from sketchtrain.training.losses import LossMapConfig, loss_map, pixel_loss
from sketchtrain.models.registry import build_model, model_config, model_flops

ROOT = Path(__file__).resolve().parents[1]


def time_steps(model, optimizer, batches, precision: str, steps: int, channels_last: bool = False) -> float:
    """Seconds per step (after one warm-up step)."""
    times = []
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    for i, (inp, tgt, w) in enumerate(batches[: steps + 1]):
        if channels_last:
            inp = inp.contiguous(memory_format=torch.channels_last)
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            pred = model(inp)
        loss = pixel_loss(LossMapConfig().kind, pred, tgt, w)  # what fit runs for this loss map
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if i:
            times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset", nargs="?", default=str(ROOT / "datasets" / "quickstart"))
    parser.add_argument("--arch", default="fcn")
    parser.add_argument("--variant", default=None, help="default: the architecture's default size")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=6)
    args = parser.parse_args()
    torch.set_num_threads(torch.get_num_threads())
    train, _, _ = dataset_shards(args.dataset)
    loss_cfg = LossMapConfig()

    start = time.perf_counter()
    batches = []
    for batch in train_batches(train, args.batch, 0, loss_cfg, seed=0, epoch=0, rank=0,
                               epoch_batches=2 * args.steps + 4, num_workers=0):
        batches.append(batch)
    data_rate = len(batches) * args.batch / (time.perf_counter() - start)
    size = batches[0][0].shape[-1]

    results = {}
    runs = ("fp32", "bf16", "bf16 channels-last") * 2  # alternate to share the machine's noise
    for name in runs:
        torch.manual_seed(0)
        model = build_model(model_config(args.variant, args.arch)).train()
        opt = torch.optim.Adadelta(model.parameters(), lr=1.0)
        sec = time_steps(model, opt, batches, name.split()[0], args.steps, channels_last="channels" in name)
        results[name] = min(results.get(name, float("inf")), sec)

    tgt = batches[0][1]
    reps = 20
    start = time.perf_counter()
    for _ in range(reps):
        loss_map(tgt, loss_cfg)
    map_sec = (time.perf_counter() - start) / reps

    flops = 3 * model_flops(model_config(args.variant, args.arch), size, size) * args.batch  # fwd + bwd ~ 3x fwd
    print(f"{args.arch} {args.variant or 'default size'}, batch {args.batch} x {size}x{size}, {torch.get_num_threads()} threads")
    for precision, sec in results.items():
        print(f"  train {precision}: {args.batch / sec:6.2f} samples/s  ({sec:.3f} s/step, ~{flops / sec / 1e9:.0f} GFLOP/s)")
    print(f"  bf16 / fp32 speed: {results['fp32'] / results['bf16']:.2f}x; channels-last bf16 / bf16: "
          f"{results['bf16'] / results['bf16 channels-last']:.2f}x")
    print(f"  data pipeline (1 process, decode+crop+loss map+batch): {data_rate:6.1f} samples/s "
          f"= {data_rate / (args.batch / results['bf16']):.1f}x what a bf16 step consumes")
    print(f"  loss map: {map_sec * 1000:.1f} ms per batch = {100 * map_sec / results['bf16']:.1f}% of a bf16 step "
          "(computed in the data workers, so off the step's critical path)")


if __name__ == "__main__":
    main()

"""Profile: where one training step of the default model goes, against this machine's bf16 rate.

    .venv/bin/python benchmarks/profile_train_step.py [DATASET] [--steps 40] [--compile]

DATASET defaults to datasets/default_model_procedural (the data of the model shipped before
issue 23: `sketchdata build --recipe recipes/experiments/default_model_procedural.yaml`; any
dataset works). The step is scripts/train_default_model.sh's stage 1: U-Net small, batch 16,
128 px crops, Adam, MSE with --paper-weight 3, bf16 autocast, channels-last, torch threads =
cores, one loader worker; in bf16 as the shipped model was trained and in fp32, which
`--precision auto` picks on CPUs without native bf16. Measured in one process, side by side:
- reference: the folded full FCN at 512 x 512 on the inference fast path, in fp32 and in bf16
  (channels-last): the rates this CPU reaches on convolutions (README, on an AVX-512 BF16 CPU:
  477 GFLOP in 0.48 s in bf16). Without native bf16 (AVX2 only) PyTorch emulates it about ten
  times slower than fp32, so bf16 is then timed at 128 px and on a few steps only;
- the data path alone in the main process (decode, crop, loss map, batching), samples/s;
- the parts of a step on preloaded batches: forward, loss, backward, optimiser, each in ms and
  GFLOP/s (backward counted as twice the forward's multiply-adds) and as a share of the
  reference rate;
- the loop as `fit` runs it (DataLoader with one worker feeding the step), and with the data
  in the main process (--workers 0): samples/s and the share of the wall time the step waits;
- with --compile, the same parts with the network under torch.compile (inductor), eager and
  compiled alternated, compile time reported apart.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import torch

from sketchtrain.devices import auto_precision, cpu_has_bf16
from sketchtrain.inference.runner import Simplifier
from sketchtrain.models.fcn import fold_batchnorm, forward_flops
from sketchtrain.models.registry import build_model, model_config, model_flops
from sketchtrain.training.data import dataset_shards, train_batches
from sketchtrain.training.losses import LossMapConfig, forward_for_loss, pixel_loss

ROOT = Path(__file__).resolve().parents[1]
BATCH, CROP, PAPER_WEIGHT, LR = 16, 128, 3.0, 2e-3


def reference_rate(precision: str, size: int = 512, repeats: int = 2) -> float:
    """GFLOP/s of the folded full FCN at ``size`` px in ``precision`` on the inference fast path
    (bench_simplify's calibrated network; channels-last in bf16): the rate this CPU reaches on
    convolutions."""
    from bench_simplify import calibrated_full_network  # this folder is on sys.path when run as a script

    simplifier = Simplifier(fold_batchnorm(calibrated_full_network()), precision=precision)
    image = np.random.default_rng(0).random((size, size), dtype=np.float32)
    simplifier.run_padded(image)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        simplifier.run_padded(image)
        best = min(best, time.perf_counter() - start)
    return forward_flops(1.0, size, size) / best / 1e9


def step_parts(model, optimizer, batches, steps: int, precision: str, warmup: int = 3) -> dict[str, float]:
    """Median ms of forward, loss, backward and optimiser over ``steps`` steps (after warm-up)."""
    parts: dict[str, list[float]] = {"forward": [], "loss": [], "backward": [], "optimiser": []}
    for i in range(steps + warmup):
        inp, tgt, w = batches[i % len(batches)]
        inp = inp.contiguous(memory_format=torch.channels_last)
        t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            out, _ = forward_for_loss(model, inp, "mse")
        t1 = time.perf_counter()
        loss = pixel_loss("mse", out, tgt, w, PAPER_WEIGHT)
        t2 = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        t3 = time.perf_counter()
        optimizer.step()
        t4 = time.perf_counter()
        if i >= warmup:
            for name, a, b in (("forward", t0, t1), ("loss", t1, t2), ("backward", t2, t3), ("optimiser", t3, t4)):
                parts[name].append(1000 * (b - a))
    return {name: float(np.median(v)) for name, v in parts.items()}


def fresh_model(compiled: bool):
    torch.manual_seed(0)
    model = build_model(model_config("small", "unet")).train().to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    return (torch.compile(model) if compiled else model), optimizer


def loop_wait(shards, steps: int, precision: str, workers: int = 1) -> tuple[float, float]:
    """(share of wall time spent waiting for the next batch, samples/s) of the fit loop with
    ``workers`` loader processes (`fit`'s default: 1; 0 = data in the main process)."""
    model, optimizer = fresh_model(False)
    waited, start, n = 0.0, None, 0
    t_ask = time.perf_counter()
    for i, (inp, tgt, w) in enumerate(train_batches(shards, BATCH, CROP, LossMapConfig(kind="mse"), 0, 0, 0,
                                                    steps + 5, workers, stride=model.stride)):
        got = time.perf_counter()
        if i == 5:
            start, waited = got, 0.0
        elif i > 5:
            waited += got - t_ask
            n += 1
        inp = inp.contiguous(memory_format=torch.channels_last)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            out, _ = forward_for_loss(model, inp, "mse")
        loss = pixel_loss("mse", out, tgt, w, PAPER_WEIGHT)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        t_ask = time.perf_counter()
    wall = time.perf_counter() - start
    return waited / wall, n * BATCH / wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", nargs="?", default=str(ROOT / "datasets" / "default_model_procedural"))
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--compile", action="store_true", help="also time the network under torch.compile")
    ap.add_argument("--loop-only", action="store_true", help="only the fit loop with 1 and 0 loader workers")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    train, _, _ = dataset_shards(args.dataset)
    if args.loop_only:
        for workers in (1, 0, 1, 0):
            wait, rate = loop_wait(train, args.steps, auto_precision("cpu"), workers)
            print(f"fit's loop, {workers} loader workers: {rate:.1f} samples/s, waits {100 * wait:.0f}%")
        return
    native = cpu_has_bf16()
    refs = {"fp32": reference_rate("fp32"), "bf16": reference_rate("bf16", 512 if native else 128, 2 if native else 1)}
    auto = auto_precision("cpu")
    print(f"{torch.get_num_threads()} threads; bf16 {'native' if native else 'EMULATED (no AVX-512 BF16)'}; "
          f"fit's --precision auto: {auto}")
    print(f"reference, folded full FCN (fast path): fp32 {refs['fp32']:.0f} GFLOP/s (512 px), "
          f"bf16 {refs['bf16']:.0f} GFLOP/s ({512 if native else 128} px)")

    start = time.perf_counter()
    batches = list(train_batches(train, BATCH, CROP, LossMapConfig(kind="mse"), 0, 0, 0, 24, 0, stride=8))
    data_rate = len(batches) * BATCH / (time.perf_counter() - start)
    fwd = model_flops(model_config("small", "unet"), CROP, CROP) * BATCH / 1e9
    print(f"data path in the main process (decode, crop, loss map, batch): {data_rate:.0f} samples/s "
          f"({1000 * BATCH / data_rate:.1f} ms per batch of {BATCH})")
    print(f"U-Net small, batch {BATCH} x {CROP} px: forward {fwd / BATCH:.2f} GFLOP/sample, "
          f"step (x3) {3 * fwd / BATCH:.2f} GFLOP/sample")

    # (name, precision, compiled, steps): emulated bf16 is timed on a few steps only (7 s each here)
    variants = [("eager bf16", "bf16", False, args.steps if native else 3), ("eager fp32", "fp32", False, args.steps)]
    if args.compile:
        variants.append((f"compiled {auto}", auto, True, args.steps))
    results: dict[str, dict[str, float]] = {}
    compile_s = None
    for name, precision, compiled, steps in variants * 2:  # alternated: the machine is shared and noisy
        model, optimizer = fresh_model(compiled)
        if compiled and compile_s is None:
            t = time.perf_counter()
            step_parts(model, optimizer, batches, 1, precision, warmup=0)
            compile_s = time.perf_counter() - t
        parts = step_parts(model, optimizer, batches, steps, precision, warmup=3 if steps > 3 else 1)
        old = results.get(name)
        results[name] = parts if old is None or sum(parts.values()) < sum(old.values()) else old
    flops = {"forward": fwd, "backward": 2 * fwd}
    for (name, precision, _, _) in variants:
        parts = results[name]
        total = sum(parts.values())
        ref = refs[precision]
        print(f"\n{name}: {total:.0f} ms per step, {1000 * BATCH / total:.1f} samples/s, "
              f"{3 * fwd / total * 1000:.0f} GFLOP/s = {100 * 3 * fwd / total * 1000 / ref:.0f}% of the {precision} "
              f"reference, {100 * 3 * fwd / total * 1000 / max(refs.values()):.0f}% of the best reference")
        print("| part | ms | share of step | GFLOP/s | share of reference rate |")
        print("| --- | --- | --- | --- | --- |")
        for part, ms in parts.items():
            rate = flops[part] / ms * 1000 if part in flops else None
            print(f"| {part} | {ms:.1f} | {100 * ms / total:.0f}% | {rate:.0f} | {100 * rate / ref:.0f}% |" if rate else
                  f"| {part} | {ms:.1f} | {100 * ms / total:.0f}% | - | - |")
    if compile_s is not None:
        print(f"\ncompile (first step): {compile_s:.1f} s; compiled / eager {auto} step time: "
              f"{sum(results[f'compiled {auto}'].values()) / sum(results[f'eager {auto}'].values()):.2f}")
    print()
    for workers in (1, 0, 1, 0):  # alternated
        wait, rate = loop_wait(train, args.steps, auto, workers)
        print(f"fit's loop in {auto}, {workers} loader workers: {rate:.1f} samples/s, the step waits for data "
              f"{100 * wait:.0f}% of the time")


if __name__ == "__main__":
    main()

"""Benchmark: wall time of `sketchtrain fit` from start to exit, two checkouts side by side (issue 25).

    git worktree add /tmp/before 2da3bb4          # the commit before the training-speed work
    .venv/bin/python benchmarks/bench_fit_walltime.py /tmp/before . --steps 2000 --repeats 1

Each checkout's own code runs `python -m sketchtrain fit DATASET` (the checkout first on the
path, the same Python environment) with scripts/train_default_model.sh's stage-1 arguments
and that checkout's defaults (precision, workers, compile), in a fresh output folder;
checkouts alternate. Prints each run's seconds, each checkout's best, the ratio, and training
pixels per second (steps x batch x crop^2 / wall time, start-up included).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BATCH, CROP = 16, 128
STAGE1 = ["--arch", "unet", "--variant", "small", "--batch", str(BATCH), "--crop", str(CROP), "--optimizer", "adam",
          "--lr", "2e-3", "--lr-schedule", "cosine", "--loss", "mse", "--paper-weight", "3", "--val-every", "500",
          "--ckpt-every", "250", "-q"]


def fit_seconds(checkout: Path, dataset: Path, steps: int, out: Path, extra: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sketchtrain", "fit", str(dataset), "-o", str(out), "--steps",
                           str(steps), *STAGE1, *extra], cwd=checkout, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{checkout}: fit failed\n{done.stdout}{done.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("before", type=Path, help="checkout of the earlier commit")
    parser.add_argument("after", type=Path, help="checkout of the later commit")
    parser.add_argument("--dataset", type=Path, default=ROOT / "datasets" / "default_model_procedural",
                        help="shards to train on (default: the data of the model shipped when the work began)")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--after-args", default="", help="extra fit options for the later checkout (e.g. --compile)")
    args = parser.parse_args()
    runs: dict[str, list[float]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            for name in runs:
                checkout = (args.before if name == "before" else args.after).resolve()
                extra = args.after_args.split() if name == "after" else []
                seconds = fit_seconds(checkout, args.dataset.resolve(), args.steps, Path(tmp) / f"{name}-{repeat}", extra)
                runs[name].append(seconds)
                print(f"{name} ({checkout}) run {repeat + 1}: {seconds:.1f} s", flush=True)
    pixels = args.steps * BATCH * CROP * CROP
    best = {name: min(times) for name, times in runs.items()}
    print(json.dumps({"steps": args.steps, "before_best_s": round(best["before"], 1), "after_best_s": round(best["after"], 1),
                      "speedup": round(best["before"] / best["after"], 2),
                      "before_mpixels_per_s": round(pixels / best["before"] / 1e6, 3),
                      "after_mpixels_per_s": round(pixels / best["after"] / 1e6, 3)}))


if __name__ == "__main__":
    main()

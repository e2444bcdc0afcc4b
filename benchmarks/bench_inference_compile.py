"""Benchmark: would `torch.compile` pay on the inference fast path? (issue 25, item 3)

    .venv/bin/python benchmarks/bench_inference_compile.py [--model CKPT] [--repeats 3]

Runs what `sketchtrain simplify SCANS -o FOLDER` runs, in a fresh process per run (start-up,
imports, model load, every scan, PNG writing), on the 9 judging scans of ../shared/data/rough,
alternating eager (today's path) and the same with the runner's network wrapped in
`torch.compile` (inductor; compile time included, as a user would pay it). Prints each
variant's best wall time of --repeats runs, their ratio, and the largest difference of any
output pixel between the two (in 1/255). A change is kept only if the whole process is at
least 10% faster and every pixel stays within 1/255.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCANS = ROOT.parent / "shared" / "data" / "rough"

CHILD = """
import sys, torch
from sketchtrain.inference import runner as runner_module
from sketchtrain.inference.simplify import SimplifyOptions, simplify_paths
if sys.argv[1] == "compiled":
    made = runner_module.Simplifier.__post_init__
    def compiled_post_init(self):
        made(self)
        self.model = torch.compile(self.model, dynamic=False)
    runner_module.Simplifier.__post_init__ = compiled_post_init
simplify_paths(sys.argv[2] or None, sys.argv[4:], sys.argv[3], SimplifyOptions())
"""


def run_once(variant: str, model: str | None, scans: list[Path], out: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, variant, model or "", str(out), *map(str, scans)],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"{variant} run failed:\n{done.stdout}{done.stderr}")
    return time.perf_counter() - start


def largest_difference(a: Path, b: Path) -> float:
    from sketchdata.image.io import load_grey

    worst = 0.0
    for path in sorted(a.glob("*.png")):
        worst = max(worst, float(np.abs(load_grey(path) - load_grey(b / path.name)).max()) * 255)
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="checkpoint (default: the shipped model)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    names = json.loads((ROOT / "benchmarks" / "real" / "scans_split.json").read_text())["judging"]
    scans = [SCANS / name for name in names]
    times: dict[str, list[float]] = {"eager": [], "compiled": []}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            for variant in times:  # alternating, fresh output folders
                out = Path(tmp) / f"{variant}-{repeat}"
                times[variant].append(run_once(variant, args.model, scans, out))
                print(f"{variant} run {repeat + 1}: {times[variant][-1]:.1f} s", flush=True)
        diff = largest_difference(Path(tmp) / "eager-0", Path(tmp) / "compiled-0")
    eager, compiled = min(times["eager"]), min(times["compiled"])
    print(json.dumps({"scans": len(scans), "eager_best_s": round(eager, 2), "compiled_best_s": round(compiled, 2),
                      "speedup": round(eager / compiled, 3), "max_pixel_diff_255": round(diff, 2),
                      "keep": eager / compiled >= 1.1 and diff <= 1}))


if __name__ == "__main__":
    main()

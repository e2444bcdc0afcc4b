"""Stroke-width distributions side by side: real scans against a dataset's synthetic pairs.

    .venv/bin/python benchmarks/line_widths.py --scans ../shared/data/rough --half tuning \
        --dataset datasets/default_model [--dataset datasets/procedural_train] [--samples 200]

Widths are sketchdata.image.linewidth's tile measure (ink mass over line length, anti-aliasing
removed), in pixels at the file's own scale. Only the scans of the chosen half of
benchmarks/real/scans_split.json are read (the tuning half for any decision about synthesis).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from sketchdata.shards.dataset import iter_samples, shard_paths
from sketchdata.image.io import load_grey
from sketchdata.image.linewidth import width_samples, width_summary

SPLIT = Path(__file__).resolve().parent / "real" / "scans_split.json"


def scan_widths(folder: Path, half: str) -> np.ndarray:
    names = json.loads(SPLIT.read_text())[half]
    return np.concatenate([width_samples(load_grey(folder / n)) for n in names if (folder / n).exists()])


def dataset_widths(dataset: Path, samples: int) -> tuple[np.ndarray, np.ndarray]:
    inputs, targets = [], []
    for i, (_, inp, tgt, _) in enumerate(iter_samples(shard_paths(dataset, "train"), skipped=[])):
        if i >= samples:
            break
        inputs.append(width_samples(inp))
        targets.append(width_samples(tgt))
    return np.concatenate(inputs), np.concatenate(targets)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scans", type=Path, default=Path("../shared/data/rough"))
    ap.add_argument("--half", default="tuning", choices=["tuning", "judging"])
    ap.add_argument("--dataset", type=Path, action="append", default=[])
    ap.add_argument("--samples", type=int, default=200)
    args = ap.parse_args()
    rows = []
    if args.scans.is_dir():
        rows.append((f"real scans ({args.half} half)", width_summary(scan_widths(args.scans, args.half))))
    for ds in args.dataset:
        inp, tgt = dataset_widths(ds, args.samples)
        rows += [(f"{ds.name} inputs", width_summary(inp)), (f"{ds.name} targets", width_summary(tgt))]
    print("| widths (px) | tiles | p10 | p25 | median | p75 | p90 |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, s in rows:
        print(f"| {name} | {s.get('tiles', 0)} | " + " | ".join(str(s.get(k, "-")) for k in
                                                            ("p10", "p25", "median", "p75", "p90")) + " |")


if __name__ == "__main__":
    main()

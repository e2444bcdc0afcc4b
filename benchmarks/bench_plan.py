"""How long `sketchdata build` takes to plan (list, size, split and group the drawings into
shards) before any sample is made, for N small image files.

    .venv/bin/python benchmarks/bench_plan.py --files 5000 10000 [--shard-samples 1]

Prints seconds per step for each N, and the whole of `build_dataset` up to its "plan" event
(sources, plan, fingerprint, finished-shard bookkeeping); it should grow about linearly with N.
One sample per shard is the worst case for the bookkeeping (10,000 shards).
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml
from PIL import Image

from sketchdata.shards.build import build_dataset
from sketchdata.shards.plan import plan_fingerprint, plan_shards
from sketchdata.recipe import load_recipe
from sketchdata.sources.collect import collect_sources


def make_folder(root: Path, count: int, shard_samples: int = 16) -> Path:
    art = root / "art"
    art.mkdir(parents=True)
    tile = Image.fromarray(np.full((32, 32), 255, np.uint8))
    for i in range(count):
        tile.save(art / f"d{i:06d}.png", compress_level=1)
    recipe = {"name": "plan", "seed": 1, "sources": [{"kind": "lineart", "name": "art", "paths": ["art"]}],
              "patches": {"size": 16, "per_image": 1}, "output": {"dir": "out", "shard_samples": shard_samples}}
    (root / "recipe.yaml").write_text(yaml.safe_dump(recipe))
    return root / "recipe.yaml"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, nargs="+", default=[5000, 10000])
    parser.add_argument("--shard-samples", type=int, default=1)
    args = parser.parse_args()
    print(f"{'files':>7} {'collect s':>10} {'plan s':>8} {'fingerprint s':>14} {'build to plan s':>16}")
    for count in args.files:
        with tempfile.TemporaryDirectory() as tmp:
            recipe = load_recipe(make_folder(Path(tmp), count, args.shard_samples))
            t0 = time.perf_counter()
            items, _ = collect_sources(recipe)
            t1 = time.perf_counter()
            plans = plan_shards(items, recipe)
            t2 = time.perf_counter()
            plan_fingerprint(recipe, items)
            t3 = time.perf_counter()
            assert sum(len(p.items) for p in plans) == count
            t4 = time.perf_counter()
            with contextlib.suppress(_Planned):  # stopped at the plan event: no shard is built
                build_dataset(recipe, Path(tmp) / "out", on_event=_stop_at_plan)
            print(f"{count:>7} {t1 - t0:>10.2f} {t2 - t1:>8.2f} {t3 - t2:>14.2f} {time.perf_counter() - t4:>16.2f}")


class _Planned(Exception):
    """Raised at the plan event to stop the build there."""


def _stop_at_plan(kind: str, data: dict) -> None:
    if kind == "plan":  # everything before the first shard is built
        raise _Planned


if __name__ == "__main__":
    main()

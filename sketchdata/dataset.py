"""Reading a built dataset: manifest, shard lists, decoded samples.

Shard lists are made by listing the folder ourselves (sorted), never by passing a directory
URL to webdataset (which would turn into a claim-by-rename directory list).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import numpy as np
import webdataset as wds

from .build import FORMAT, MANIFEST
from .imageio import BadInput, decode_grey


class DatasetError(RuntimeError):
    """A dataset folder that cannot be read; the message says what to do."""


def read_manifest(dataset: str | Path) -> dict:
    path = Path(dataset) / MANIFEST
    if not Path(dataset).is_dir():
        raise DatasetError(f"{dataset}: no such dataset folder (build one with `sketchdata build --recipe ...`)")
    if not path.exists():
        raise DatasetError(f"{dataset}: no {MANIFEST}; is this a sketchdata dataset? (build with `sketchdata build`)")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise DatasetError(f"{path}: format {manifest.get('format')!r}, expected {FORMAT!r}")
    return manifest


def shard_paths(dataset: str | Path, split: str) -> list[str]:
    """Sorted shard files of one split ("train" or "validation") of a dataset folder.

    Uses the manifest when present; a folder of bare ``*.tar`` files also works (split by
    file-name prefix), so shards made by other tools can be read.
    """
    root = Path(dataset)
    if not root.is_dir():
        raise DatasetError(f"{dataset}: no such dataset folder")
    if (root / MANIFEST).exists():
        names = read_manifest(root)["shards"].get(split, [])
        paths = [root / n for n in names]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise DatasetError(f"{dataset}: manifest lists shards that are missing: {missing[:3]}")
    else:
        paths = sorted(root.glob(f"{split}-*.tar"))
    return [str(p) for p in paths]


def _raw_samples(paths: list[str]):
    # a plain in-order reader of every listed shard, even inside a multi-process job
    return wds.DataPipeline(wds.SimpleShardList(list(paths)), wds.tarfile_to_samples())


def count_samples(paths: list[str]) -> int:
    """Number of samples in the shards (reads the tars, decodes no image)."""
    return sum(1 for _ in _raw_samples(paths))


def iter_samples(paths: list[str], only: set[int] | None = None) -> Iterator[tuple[str, np.ndarray, np.ndarray, dict]]:
    """Yield (key, input, target, meta) from shards in order; images float32 in [0, 1].

    ``only``: decode and yield just the samples at these positions (the rest are skipped
    without decoding). A sample missing ``input.png`` or ``target.png`` raises BadInput naming
    its key and shard.
    """
    for index, sample in enumerate(_raw_samples(paths)):
        if only is not None and index not in only:
            continue
        key, url = sample.get("__key__"), sample.get("__url__")
        for field in ("input.png", "target.png"):
            if field not in sample:
                raise BadInput(f"sample {key} in {url} has no {field} (has {sorted(k for k in sample if not k.startswith('__'))})")
        meta = json.loads(sample["json"]) if "json" in sample else {}
        yield key, decode_grey(sample["input.png"]), decode_grey(sample["target.png"]), meta

"""Reading a built dataset: manifest, shard lists, decoded samples.

Shard lists are made by listing the folder ourselves (sorted), never by passing a directory
URL to webdataset (which would turn into a claim-by-rename directory list).
"""

from __future__ import annotations

import json
import tarfile
import warnings
import zlib
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from sketchdata.shards.format import FORMAT, INPUT, MANIFEST, META, PAIR, TARGET, UNPAIRED_FIELD
from sketchdata.image.io import BadInput, decode_grey


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


def describe_read_error(exc: BaseException) -> str:
    """``SHARD: reason`` for an error webdataset raised while reading a tar (it appends the
    stream object and the URL to the exception's args; show the URL, not the stream's repr)."""
    args = [a for a in getattr(exc, "args", ()) if isinstance(a, str)]
    urls = [a for a in args[1:] if a.endswith(".tar") or "/" in a]
    reason = args[0].split(" @ <")[0] if args else str(exc)
    return f"{urls[-1]}: {type(exc).__name__}: {reason}" if urls else f"{type(exc).__name__}: {reason}"


def _split_name(name: str) -> tuple[str, str] | None:
    """``dir/KEY.input.png`` -> (``dir/KEY``, ``input.png``), as webdataset groups members."""
    base = name.rsplit("/", 1)[-1]
    if "." not in base:
        return None
    stem, ext = base.split(".", 1)
    return name[: len(name) - len(base)] + stem, ext


def read_shard(path: str, on_skip: Callable[[dict], None]) -> Iterator[dict]:
    """Raw samples ({"__key__", "__url__", "input.png": bytes, ...}) of one tar shard, in order.

    A shard that cannot be opened, or breaks part-way (truncated, corrupt), ends with one
    ``on_skip({"shard", "reason", "after_samples"})`` call; the complete samples before the
    break are still yielded, the torn one is dropped.
    """
    current: dict | None = None
    count = 0
    try:
        with tarfile.open(path, mode="r|*") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                parts = _split_name(member.name)
                if parts is None:
                    continue
                key, ext = parts
                data = tar.extractfile(member).read()
                if current is not None and current["__key__"] != key:
                    yield current
                    count += 1
                    current = None
                if current is None:
                    current = {"__key__": key, "__url__": path}
                current[ext] = data
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        on_skip({"shard": path, "reason": f"unreadable shard ({type(exc).__name__}: {exc})",
                 "after_samples": count})
        return
    if current is not None:
        yield current


def skip_location(record: dict) -> str:
    """Where a skip record points: ``SHARD`` or ``SHARD sample KEY``."""
    return f"{record['shard']} sample {record['key']}" if "key" in record else record["shard"]


def _warn_skip(record: dict) -> None:
    warnings.warn(f"skipped {skip_location(record)}: {record['reason']}", stacklevel=3)


def _raw_samples(paths: list[str], on_skip: Callable[[dict], None]) -> Iterator[dict]:
    for path in paths:
        yield from read_shard(path, on_skip)


def count_samples(paths: list[str], skipped: list[dict] | None = None) -> int:
    """Number of samples in the shards (reads the tars, decodes no image)."""
    return sum(1 for _ in _raw_samples(paths, skipped.append if skipped is not None else _warn_skip))


def iter_samples(paths: list[str], only: set[int] | None = None,
                 skipped: list[dict] | None = None) -> Iterator[tuple[str, np.ndarray, np.ndarray, dict]]:
    """Yield (key, input, target, meta) from shards in order; images float32 in [0, 1].

    ``only``: decode and yield just the samples at these positions (the rest are skipped
    without decoding). Unreadable shards and samples (truncated tar, missing member, corrupt
    PNG or JSON) are skipped: each gets a record ``{"shard", "reason"[, "key"]}`` appended to
    ``skipped`` (or a warning when no list is given), so callers can count and name them.
    """
    for key, images, meta in _decoded(paths, PAIR, only, skipped):
        yield key, images[INPUT], images[TARGET], meta


def _decoded(paths: list[str], fields: tuple[str, ...], only: set[int] | None,
             skipped: list[dict] | None) -> Iterator[tuple[str, dict[str, np.ndarray], dict]]:
    """(key, {field: image}, meta) of every readable sample holding ``fields``; the rest are
    skipped with a record naming shard, key and reason."""
    on_skip = skipped.append if skipped is not None else _warn_skip
    for index, sample in enumerate(_raw_samples(paths, on_skip)):
        if only is not None and index not in only:
            continue
        key, url = sample["__key__"], sample["__url__"]
        try:
            for field in fields:
                if field not in sample:
                    present = sorted(k for k in sample if not k.startswith("__"))
                    raise BadInput(f"missing {field} (has {present})")
            meta = json.loads(sample[META]) if META in sample else {}
            images = {field: decode_grey(sample[field]) for field in fields}
        except (BadInput, ValueError) as exc:
            on_skip({"shard": url, "key": key, "reason": str(exc)})
            continue
        yield key, images, meta


def iter_images(paths: list[str], field: str, only: set[int] | None = None,
                skipped: list[dict] | None = None) -> Iterator[tuple[str, np.ndarray, dict]]:
    """Yield (key, image, meta) of one member (``input.png`` or ``target.png``) from shards in
    order: the reader of unpaired shard sets. Skips as :func:`iter_samples` does."""
    for key, images, meta in _decoded(paths, (field,), only, skipped):
        yield key, images[field], meta


def iter_split(paths: list[str], split: str, only: set[int] | None = None,
               skipped: list[dict] | None = None) -> Iterator[tuple[str, np.ndarray | None, np.ndarray | None, dict]]:
    """(key, input or None, target or None, meta) of any shard set: pairs, or the one image of
    an unpaired set in its place (for tools that show every set, like inspect and preview)."""
    field = UNPAIRED_FIELD.get(split)
    if field is None:
        yield from iter_samples(paths, only, skipped)
        return
    for key, image, meta in iter_images(paths, field, only, skipped):
        yield (key, image, None, meta) if field == INPUT else (key, None, image, meta)

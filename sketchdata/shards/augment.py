"""`sketchdata augment`: apply one effect to a folder of images or to a shard dataset.

Folder in -> pairs folder out (``OUT/rough/<name>.png`` made by the effect, ``OUT/clean/<name>.png``
the original), ready for a recipe's ``pairs`` source. Dataset in -> dataset out with the same
shards, the effect applied to every input, targets untouched, the effect added to each
sample's provenance and to the manifest. Deterministic per file/sample key and resumable:
every output file is written atomically and skipped when it already exists.
"""

from __future__ import annotations

import json
import os
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import webdataset as wds

from sketchdata.shards.format import INPUT, MANIFEST, META, TARGET
from sketchdata.shards.dataset import describe_read_error, read_manifest, shard_paths
from sketchdata.effects import EFFECTS, stable_seed
from sketchdata.files import atomic_target, is_within, refuse_overwriting
from sketchdata.image.io import BadInput, atomic_write_bytes, decode_grey, encode_png, list_images, load_grey


@dataclass
class AugmentReport:
    written: int = 0
    existing: int = 0
    skipped: list[dict] = field(default_factory=list)


def _draw_strength(strength: tuple[float, float], rng: np.random.Generator) -> float:
    return float(rng.uniform(*strength)) if strength[1] > strength[0] else float(strength[0])


def augment_folder(src: Path, out: Path, noise: str, strength: tuple[float, float], seed: int,
                   on_item: Callable[[], None] | None = None) -> AugmentReport:
    effect = EFFECTS[noise].effect_function
    report = AugmentReport()
    files = list_images(src)
    if is_within(out, src):  # OUT inside IN (art -> art/aug): its earlier outputs are not inputs
        files = [f for f in files if not is_within(f, out)]
    if not files:
        raise BadInput(f"{src}: no image files found")
    planned = [out / side / f.relative_to(src).with_suffix(".png") for f in files for side in ("rough", "clean")]
    refuse_overwriting([*planned, out / "augment.json"], files, "choose an OUT folder outside IN")
    for file in files:
        rel = file.relative_to(src).with_suffix(".png")
        rough_path, clean_path = out / "rough" / rel, out / "clean" / rel
        if rough_path.exists() and clean_path.exists():
            report.existing += 1
        else:
            try:
                clean = load_grey(file)
            except BadInput as exc:
                report.skipped.append({"path": str(file), "reason": str(exc)})
                continue
            rng = np.random.default_rng(stable_seed(seed, str(rel), noise))
            s = _draw_strength(strength, rng)
            atomic_write_bytes(clean_path, encode_png(clean))
            atomic_write_bytes(rough_path, encode_png(effect(clean, s, rng)))
            report.written += 1
        if on_item:
            on_item()
    atomic_write_bytes(out / "augment.json", json.dumps(
        {"source": str(src), "noise": noise, "strength": list(strength), "seed": seed,
         "written": report.written + report.existing, "skipped": report.skipped}, indent=1).encode())
    return report


def _augment_sample(sample: dict, shard: str, writer, effect, noise: str, strength, seed: int,
                    report: AugmentReport) -> None:
    key = sample["__key__"]
    try:
        inp = decode_grey(sample[INPUT])
        meta = json.loads(sample.get(META, b"{}"))
    except (BadInput, KeyError, ValueError) as exc:
        report.skipped.append({"path": shard, "key": key, "reason": str(exc)})
        return
    rng = np.random.default_rng(stable_seed(seed, key, noise))
    s = _draw_strength(strength, rng)
    meta.setdefault("effects", []).append({"name": noise, "strength": round(s, 4), "augment": True})
    writer.write({"__key__": key, INPUT: encode_png(effect(inp, s, rng)), TARGET: sample[TARGET],
                  META: json.dumps(meta, sort_keys=True).encode()})


def augment_dataset(src: Path, out: Path, noise: str, strength: tuple[float, float], seed: int,
                    on_item: Callable[[], None] | None = None) -> AugmentReport:
    effect = EFFECTS[noise].effect_function
    manifest = read_manifest(src)
    shards = [shard for split in ("train", "validation") for shard in shard_paths(src, split)]
    refuse_overwriting([out / MANIFEST, *(out / Path(shard).name for shard in shards)], [src / MANIFEST, *shards],
                       "choose an OUT folder outside IN")
    report = AugmentReport()
    out.mkdir(parents=True, exist_ok=True)
    for split in ("train", "validation"):
        for shard in shard_paths(src, split):
            final = out / Path(shard).name
            if final.exists():
                report.existing += 1
                continue
            with atomic_target(final) as tmp, open(tmp, "wb") as fh:
                writer = wds.TarWriter(fh, mtime=0.0)
                try:
                    for sample in wds.WebDataset([shard], shardshuffle=False, empty_check=False):
                        _augment_sample(sample, shard, writer, effect, noise, strength, seed, report)
                        if on_item:
                            on_item()
                except (tarfile.TarError, OSError, ValueError) as exc:  # a torn shard: keep what was read
                    report.skipped.append({"path": shard, "reason": f"unreadable from here on ({describe_read_error(exc)})"})
                writer.close()
                fh.flush()
                os.fsync(fh.fileno())
            report.written += 1
    manifest["augmented"] = manifest.get("augmented", []) + [
        {"from": str(src), "noise": noise, "strength": list(strength), "seed": seed}]
    manifest["skipped"] = manifest.get("skipped", []) + report.skipped
    manifest["skipped_count"] = len(manifest["skipped"])
    atomic_write_bytes(out / MANIFEST, json.dumps(manifest, indent=1).encode())
    return report


def augment(src: str | Path, out: str | Path, noise: str, strength: tuple[float, float] = (0.5, 0.5),
            seed: int = 0, on_item: Callable[[], None] | None = None) -> AugmentReport:
    """Apply effect ``noise`` to a folder of images or a shard dataset (see module doc)."""
    if noise not in EFFECTS:
        raise ValueError(f"unknown effect {noise!r}; choose from {', '.join(EFFECTS)}")
    lo, hi = strength
    if not (0 <= lo <= hi <= 1):
        raise ValueError(f"strength must satisfy 0 <= low <= high <= 1, got {strength}")
    src, out = Path(src), Path(out)
    if not src.exists():
        raise BadInput(f"{src}: no such file or folder")
    if src.resolve() == out.resolve():
        raise ValueError("OUT must differ from IN (nothing is modified in place)")
    if (src / MANIFEST).exists():
        return augment_dataset(src, out, noise, strength, seed, on_item)
    return augment_folder(src, out, noise, strength, seed, on_item)

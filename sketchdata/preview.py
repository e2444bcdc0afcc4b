"""Looking at datasets: contact sheets, statistics, and the effects gallery."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from sketchdata.shards.dataset import count_samples, iter_split, read_manifest, shard_paths
from sketchdata.files import refuse_overwriting
from sketchdata.shards.format import MANIFEST, SPLITS
from sketchdata.image.io import load_grey, save_png


def _fit(image: np.ndarray, cell: int) -> np.ndarray:
    """Resize to fit a ``cell`` square (area averaging), centred on white."""
    h, w = image.shape
    scale = cell / max(h, w)
    small = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    out = np.ones((cell, cell), np.float32)
    y, x = (cell - small.shape[0]) // 2, (cell - small.shape[1]) // 2
    out[y : y + small.shape[0], x : x + small.shape[1]] = small
    return out


def grid(rows: list[list[np.ndarray]], cell: int = 192, gap: int = 4) -> np.ndarray:
    """Tile images into a grid with light-grey gutters; each image fitted into a square cell."""
    n_cols = max(len(r) for r in rows)
    sheet = np.full((len(rows) * (cell + gap) + gap, n_cols * (cell + gap) + gap), 0.8, np.float32)
    for i, row in enumerate(rows):
        for j, image in enumerate(row):
            y, x = gap + i * (cell + gap), gap + j * (cell + gap)
            sheet[y : y + cell, x : x + cell] = _fit(image, cell)
    return sheet


def contact_sheet(dataset: str | Path, out: str | Path, count: int = 12, split: str = "train",
                  seed: int = 0, cell: int = 192, columns: int = 3, skipped: list[dict] | None = None) -> int:
    """Write a PNG of random (input | target) pairs from a dataset; returns the pairs shown.
    An unpaired shard set (``unpaired_rough``, ``unpaired_line``) shows its single images.
    Unreadable shards and samples are left out and, when ``skipped`` is given, listed there."""
    paths = shard_paths(dataset, split)
    if not paths:
        raise ValueError(f"{dataset}: no {split} shards")
    refuse_overwriting([out], [*paths, Path(dataset) / MANIFEST], "choose another -o")
    unreadable: list[dict] = []
    total = count_samples(paths, unreadable)
    if total == 0:
        raise ValueError(f"{dataset}: no readable {split} samples ({len(unreadable)} shards unreadable)")
    rng = np.random.default_rng(seed)
    chosen = {int(i) for i in rng.choice(total, size=min(count, total), replace=False)}
    # decode the chosen only; a sample that fails to decode is left out of the sheet
    bad_samples: list[dict] = []
    pairs = [(inp, tgt) for _, inp, tgt, _ in iter_split(paths, split, only=chosen, skipped=bad_samples)]
    if skipped is not None:
        skipped.extend(unreadable + bad_samples)
    rows = []
    for k in range(0, len(pairs), columns):
        row = []
        for inp, tgt in pairs[k : k + columns]:
            row += [image for image in (inp, tgt) if image is not None]
        rows.append(row)
    save_png(out, grid(rows, cell))
    return len(pairs)


def dataset_stats(dataset: str | Path) -> dict:
    """Counts from the manifest plus pixel statistics measured on the shards."""
    manifest = read_manifest(dataset)
    stats = {"name": manifest["name"], "complete": manifest["complete"], "counts": manifest["counts"],
             "effects_applied": manifest["effects_applied"], "skipped": manifest["skipped_count"], "splits": {},
             "unreadable": []}
    for split in SPLITS:
        paths = shard_paths(dataset, split)
        n, n_in, n_tgt, in_mean, tgt_mean, ink, in_sq, shapes = 0, 0, 0, 0.0, 0.0, 0.0, 0.0, set()
        for _, inp, tgt, _ in iter_split(paths, split, skipped=stats["unreadable"]):
            n += 1
            if inp is not None:
                n_in += 1
                in_mean += float(inp.mean())
                in_sq += float((inp.astype(np.float64) ** 2).mean())
                shapes.add(inp.shape)
            if tgt is not None:
                n_tgt += 1
                tgt_mean += float(tgt.mean())
                ink += float((tgt < 0.5).mean())
                shapes.add(tgt.shape)
        size_bytes = sum(Path(p).stat().st_size for p in paths)
        if n:
            mean = in_mean / n_in if n_in else None
            std = round(float(np.sqrt(max(in_sq / n_in - mean**2, 0))), 4) if n_in else None
            stats["splits"][split] = {
                "shards": len(paths), "samples": n, "bytes": size_bytes,
                "input_mean": None if mean is None else round(mean, 4), "input_std": std,
                "target_mean": round(tgt_mean / n_tgt, 4) if n_tgt else None,
                "target_ink_fraction": round(ink / n_tgt, 4) if n_tgt else None,
                "sizes": sorted(f"{w}x{h}" for h, w in shapes)[:5],
            }
    return stats


def effects_gallery_of(image_path: str | Path | None, out: str | Path, seed: int = 0) -> list[str]:
    """The gallery (below) of the drawing in ``image_path``, or of a procedural one for None;
    refuses, before any work, an ``out`` that is the drawing itself."""
    from sketchdata.drawing.shapes import procedural_line_art

    if image_path is not None:
        refuse_overwriting([out], [image_path], "choose another -o")
        drawing = load_grey(image_path)
    else:
        drawing = procedural_line_art((384, 384), np.random.default_rng(seed))
    return effects_gallery(drawing, out, seed=seed)


def effects_gallery(image: np.ndarray, out: str | Path, strengths=(0.0, 0.25, 0.5, 0.75, 1.0),
                    seed: int = 0, cell: int = 256) -> list[str]:
    """One row per registered effect, one column per strength, on ``image``; returns row names."""
    from sketchdata.effects import EFFECTS  # the synthesis stack (albumentations): only when a gallery is drawn

    rows = []
    for name, cls in EFFECTS.items():
        rows.append([cls.effect_function(image, s, np.random.default_rng([seed, i])) for i, s in enumerate(strengths)])
    save_png(out, grid(rows, cell))
    return list(EFFECTS)

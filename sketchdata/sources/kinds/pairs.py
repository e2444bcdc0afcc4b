"""``pairs``: rough and clean images that already match, from two folders (matched by relative
name) or a CSV of ``rough,clean`` rows (the authors' trainer format)."""

from __future__ import annotations

import csv
from pathlib import Path

from sketchdata.image.io import BadInput, list_images, load_grey
from sketchdata.recipe.model import RecipeError
from sketchdata.sources.collect import Skipped, SourceItem, key_safe, nothing_at
from sketchdata.sources.kinds import SourceKind, register
from sketchdata.sources.kinds.images import describe_file


def collect_pairs(recipe, spec, skipped) -> list[SourceItem]:
    pairs: list[tuple[Path, Path, str]] = []
    if spec.csv:
        csv_path = recipe.resolve(spec.csv)
        if not csv_path.is_file():
            raise RecipeError(csv_path, f"sources[{spec.name}].csv", "CSV file not found")
        with open(csv_path, newline="") as fh:
            for line_no, row in enumerate(csv.reader(fh), 1):
                if not row or row[0].strip().lower() == "rough":
                    continue  # blank line or header
                if len(row) < 2:
                    skipped.append(Skipped(f"{csv_path}:{line_no}", "expected two columns rough,clean"))
                    continue
                rough, clean = (csv_path.parent / row[0].strip(), csv_path.parent / row[1].strip())
                pairs.append((rough, clean, key_safe(f"{line_no:06d}_{Path(row[1].strip()).stem}")))
    else:
        rough_dir, clean_dir = recipe.resolve(spec.rough), recipe.resolve(spec.clean)
        for field_name, folder in (("rough", rough_dir), ("clean", clean_dir)):
            if not folder.is_dir() or not list_images(folder):
                nothing_at(recipe, spec, field_name, getattr(spec, field_name), "image files")
        clean_by_stem = {p.relative_to(clean_dir).with_suffix(""): p for p in list_images(clean_dir)} if clean_dir.is_dir() else {}
        rough_files = list_images(rough_dir) if rough_dir.is_dir() else []
        for rough in rough_files:
            stem = rough.relative_to(rough_dir).with_suffix("")
            clean = clean_by_stem.pop(stem, None)
            if clean is None:
                skipped.append(Skipped(str(rough), f"no clean image named {stem}.* in {clean_dir}"))
                continue
            pairs.append((rough, clean, key_safe(str(stem))))
        for stem, clean in clean_by_stem.items():
            skipped.append(Skipped(str(clean), f"no rough image named {stem}.* in {rough_dir}"))
    return [SourceItem(id=f"{spec.name}-{key}", kind="pairs", source=spec.name, clean=str(c), rough=str(r),
                       drawing=key) for r, c, key in pairs]


def load_pair(item, spec, recipe, rng):
    from sketchdata.shards.samples import LoadedSource, binarized

    pre = recipe.preprocess
    inp = binarized(load_grey(item.rough, pre.max_pixels), pre.input_binarize)
    target = binarized(load_grey(item.clean, pre.max_pixels), pre.target_binarize)
    if inp.shape != target.shape:
        raise BadInput(f"rough is {inp.shape[::-1]} but clean is {target.shape[::-1]} (w x h); pairs must align")
    return LoadedSource(inp, target, False)


def check_pairs(c, raw, path) -> None:
    if raw.get("csv") is None and (raw.get("rough") is None or raw.get("clean") is None):
        c.fail(path, "a pairs source needs either `csv:` or both `rough:` and `clean:` folders")


register(SourceKind("pairs", collect_pairs, load_pair, describe_file, check_pairs, image_files=True,
                    effects_by_default=False))

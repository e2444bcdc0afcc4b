"""``pairs``: rough and clean images that already match, from two folders (matched by relative
name) or a CSV of ``rough,clean`` rows (the authors' trainer format)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import model_validator

from sketchdata.fields import FieldProblem, RecipeError, Text
from sketchdata.image.io import BadInput, list_images, load_grey, read_size
from sketchdata.sources.collect import Skipped, SourceItem, key_safe, nothing_at
from sketchdata.sources.kinds.images import describe_file
from sketchdata.sources.loaded import LoadedSource, binarized
from sketchdata.sources.registry import SourceKind, register
from sketchdata.sources.spec import SourceSpec


class PairsSource(SourceSpec):
    kind: Literal["pairs"]
    rough: Text | None = None  # folder of rough images, matched to `clean` by relative name
    clean: Text | None = None
    csv: Text | None = None  # CSV with columns rough,clean (the authors' trainer format)

    @model_validator(mode="after")
    def _one_layout(self):
        if self.csv is None and (self.rough is None or self.clean is None):
            raise FieldProblem("", "a pairs source needs either `csv:` or both `rough:` and `clean:` folders")
        return self


@dataclass(frozen=True, kw_only=True)
class PairItem(SourceItem):
    rough: str  # the rough image; ``file`` is the clean one

    def files(self) -> tuple[str, ...]:
        return (self.rough, self.file)


def _csv_pairs(recipe, spec, skipped) -> list[tuple[Path, Path, str]]:
    csv_path = recipe.resolve(spec.csv)
    if not csv_path.is_file():
        raise RecipeError(csv_path, f"sources[{spec.name}].csv", "CSV file not found")
    pairs = []
    with open(csv_path, newline="") as fh:
        for line_no, row in enumerate(csv.reader(fh), 1):
            if not row or row[0].strip().lower() == "rough":
                continue  # blank line or header
            if len(row) < 2:
                skipped.append(Skipped(f"{csv_path}:{line_no}", "expected two columns rough,clean"))
                continue
            rough, clean = (csv_path.parent / row[0].strip(), csv_path.parent / row[1].strip())
            pairs.append((rough, clean, key_safe(f"{line_no:06d}_{Path(row[1].strip()).stem}")))
    return pairs


def _folder_pairs(recipe, spec, skipped) -> list[tuple[Path, Path, str]]:
    rough_dir, clean_dir = recipe.resolve(spec.rough), recipe.resolve(spec.clean)
    for field_name, folder in (("rough", rough_dir), ("clean", clean_dir)):
        if not folder.is_dir() or not list_images(folder):
            nothing_at(recipe, spec, field_name, getattr(spec, field_name), "image files")
    clean_by_stem = {p.relative_to(clean_dir).with_suffix(""): p for p in list_images(clean_dir)}
    pairs = []
    for rough in list_images(rough_dir):
        stem = rough.relative_to(rough_dir).with_suffix("")
        clean = clean_by_stem.pop(stem, None)
        if clean is None:
            skipped.append(Skipped(str(rough), f"no clean image named {stem}.* in {clean_dir}"))
            continue
        pairs.append((rough, clean, key_safe(str(stem))))
    for stem, clean in clean_by_stem.items():
        skipped.append(Skipped(str(clean), f"no rough image named {stem}.* in {rough_dir}"))
    return pairs


def collect_pairs(recipe, spec, skipped) -> list[SourceItem]:
    pairs = _csv_pairs(recipe, spec, skipped) if spec.csv else _folder_pairs(recipe, spec, skipped)
    return [PairItem(id=f"{spec.name}-{key}", kind="pairs", source=spec.name, file=str(c), rough=str(r), drawing=key)
            for r, c, key in pairs]


def pair_size(item, max_pixels: int) -> tuple[int, int]:
    """The rough image's size; the clean image must have the same."""
    w, h = read_size(item.rough, max_pixels)
    cw, ch = read_size(item.file, max_pixels)
    if (cw, ch) != (w, h):
        raise BadInput(f"rough is {w}x{h} but clean {item.file} is {cw}x{ch}; pairs must align")
    return w, h


def load_pair(item, spec, recipe, rng):
    pre = recipe.preprocess
    inp = binarized(load_grey(item.rough, pre.max_pixels), pre.input_binarize)
    target = binarized(load_grey(item.file, pre.max_pixels), pre.target_binarize)
    if inp.shape != target.shape:
        raise BadInput(f"rough is {inp.shape[::-1]} but clean is {target.shape[::-1]} (w x h); pairs must align")
    return LoadedSource(inp, target, False)


register(SourceKind("pairs", PairsSource, collect_pairs, load_pair, describe_file, size=pair_size,
                    effects_by_default=False))

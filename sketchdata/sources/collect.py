"""Turning a recipe's sources into a stable, sorted list of source drawings.

Each drawing gets a key-safe id (letters, digits, - and _), a split chosen from a hash of
that id (so a drawing and all its patches sit in one split, and adding drawings never moves
existing ones), and a pixel size read from the file header (nothing is decoded here).
"""

from __future__ import annotations

import glob
import re
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

from sketchdata.image.io import IMAGE_SUFFIXES, BadInput, list_images
from sketchdata.fields import RecipeError
from sketchdata.sources.registry import get_kind


@dataclass(frozen=True, kw_only=True)
class SourceItem:
    """One source drawing. Kinds that need more to find their drawing subclass it
    (sketchdata.sources.kinds: a pair's rough file, a stroke file's array and index, a
    procedural drawing's number)."""

    id: str
    kind: str  # a registered source kind (sketchdata.sources.registry)
    source: str  # the recipe source's name
    file: str | None = None  # the drawing's own file: an image or SVG (a pair: its clean image)
    width: int = 0
    height: int = 0
    split: str = "train"
    # what the split is decided by: the drawing's name relative to its source folder, so copies
    # of one drawing made by several sources (the seed's clean + tone + noise + slur copies)
    # share a split, and the split does not depend on where the data is mounted
    drawing: str = ""

    def files(self) -> tuple[str, ...]:
        """Every file the drawing is read from (overwrite checks, skip messages)."""
        return (self.file,) if self.file else ()


@dataclass(frozen=True)
class Skipped:
    """An input left out, with a one-line reason."""

    path: str
    reason: str


def key_safe(text: str) -> str:
    """Make a WebDataset-safe key part: no dots, no slashes, no spaces."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "x"


def _expand(recipe, spec, entry: str, suffixes) -> list[tuple[Path, Path]]:
    """(file, root) pairs for a path entry: folder, glob, .txt list or single file."""
    path = recipe.resolve(entry)
    if any(ch in entry for ch in "*?["):
        return [(Path(p), Path(p).parent) for p in sorted(glob.glob(str(path), recursive=True)) if Path(p).is_file()]
    if path.is_dir():
        if suffixes == IMAGE_SUFFIXES:
            return [(p, path) for p in list_images(path)]
        return [(p, path) for p in sorted(path.rglob("*")) if p.suffix.lower() in suffixes]
    if path.suffix.lower() == ".txt" and path.is_file():
        lines = [ln.strip() for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
        return [((path.parent / ln) if not Path(ln).is_absolute() else Path(ln), path.parent) for ln in lines]
    return [(path, path.parent)]


def relative_id(file: Path, root: Path) -> str:
    try:
        rel = file.relative_to(root)
    except ValueError:
        rel = Path(file.name)
    return key_safe(str(rel.with_suffix("")))


def nothing_at(recipe, spec, field_name: str, entry: str, what: str) -> None:
    """A source entry that names nothing usable stops the build before any work."""
    path = recipe.resolve(entry)
    state = "is empty" if path.is_dir() else "matches no file" if any(ch in entry for ch in "*?[") else "does not exist"
    raise RecipeError(recipe.file, f"sources[{spec.name}].{field_name}",
                      f"no {what}: {path} {state} (check the path; relative paths are resolved against the "
                      "recipe's folder)")


def files_of(recipe, spec, suffixes, what: str) -> list[tuple[Path, Path]]:
    """(file, root) for every entry of ``spec.paths``; an entry naming nothing stops the build."""
    files = []
    for index, entry in enumerate(spec.paths):
        found = _expand(recipe, spec, entry, suffixes)
        if not found or not any(f.exists() for f, _ in found):
            nothing_at(recipe, spec, f"paths[{index}]", entry, what)
        files += found
    return files


def split_of(drawing: str, seed: int) -> float:
    """A number in [0, 1) fixed by the drawing and the recipe seed; below `validation` -> validation."""
    return (zlib.crc32(f"{seed}:{drawing}".encode()) & 0xFFFFFFFF) / 2**32


def collect_sources(recipe) -> tuple[list[SourceItem], list[Skipped]]:
    """All source drawings of a recipe, sized and split, sorted by id; plus what was skipped."""
    skipped: list[Skipped] = []
    items: list[SourceItem] = []
    for spec in recipe.sources:
        items += get_kind(spec.kind).collect(recipe, spec, skipped)
    seen: set[str] = set()
    sized: list[SourceItem] = []
    for item in sorted(items, key=lambda it: it.id):
        if item.id in seen:
            skipped.append(Skipped((item.files() or (item.id,))[0], f"duplicate source id {item.id}"))
            continue
        seen.add(item.id)
        size = get_kind(item.kind).size
        if size is not None:
            try:
                w, h = size(item, recipe.preprocess.max_pixels)
            except BadInput as exc:
                skipped.append(Skipped(item.files()[0], str(exc)))
                continue
            item = replace(item, width=w, height=h)
        sized.append(item)
    # unpaired sources go to their own shard sets; the paired ones are split by drawing, never by
    # patch; with validation > 0 keep at least one drawing there
    unpaired_split = {spec.name: spec.split for spec in recipe.sources}
    unpaired = [replace(it, split=unpaired_split[it.source]) for it in sized if unpaired_split[it.source]]
    sized = [it for it in sized if not unpaired_split[it.source]]
    scores = [split_of(it.drawing, recipe.seed) for it in sized]
    val = {i for i, s in enumerate(scores) if s < recipe.validation}
    if recipe.validation > 0 and not val and len({it.drawing for it in sized}) >= 2:
        lowest = min(scores)
        val = {i for i, sc in enumerate(scores) if sc == lowest}
    final = [replace(it, split="validation" if i in val else "train") for i, it in enumerate(sized)]
    return sorted(final + unpaired, key=lambda it: it.id), skipped

"""``strokes``: stroke-3 drawings in .npz files (Sketch-RNN's format: The Sheep Market, Quick,
Draw!), rendered on a square canvas and redrawn rough from their own strokes."""

from __future__ import annotations

import functools

import numpy as np

from sketchdata.image.io import BadInput
from sketchdata.drawing.render import render_polylines
from sketchdata.sources.collect import SourceItem, Skipped, files_of, key_safe, relative_id
from sketchdata.drawing.stroke3 import fit_polylines, load_stroke3, stroke3_to_polylines
from sketchdata.sources.kinds import SourceKind, register
from sketchdata.sources.kinds.images import check_paths


@functools.lru_cache(maxsize=4)
def _stroke_file(path: str, split: str) -> list[np.ndarray]:
    return load_stroke3(path, split)


def collect_strokes(recipe, spec, skipped) -> list[SourceItem]:
    items = []
    for file, root in files_of(recipe, spec, (".npz",), ".npz stroke files"):
        try:
            drawings = load_stroke3(file, spec.npz_split)
        except BadInput as exc:
            skipped.append(Skipped(str(file), str(exc)))
            continue
        count = len(drawings) if spec.limit is None else min(spec.limit, len(drawings))
        stem = relative_id(file, root)
        for i in range(count):
            drawing = f"{stem}-{key_safe(spec.npz_split)}-{i:06d}"
            items.append(SourceItem(
                id=f"{spec.name}-{drawing}", kind="strokes", source=spec.name, npz=str(file),
                npz_split=spec.npz_split, npz_index=i, width=spec.size, height=spec.size, drawing=drawing))
    return items


def load_strokes(item, spec, recipe, rng):
    from sketchdata.shards.samples import vector_source

    drawing = _stroke_file(item.npz, item.npz_split)[item.npz_index]
    try:
        lines = fit_polylines(stroke3_to_polylines(drawing), spec.size)
    except BadInput as exc:
        raise BadInput(f"drawing {item.npz_index} of '{item.npz_split}': {exc}") from None
    widths = [float(rng.uniform(*spec.line_width))] * len(lines)
    target = render_polylines(lines, (spec.size, spec.size), widths=widths)
    return vector_source(lines, widths, target, item, spec, recipe, rng)


def describe_strokes(item) -> str:
    return f"{item.npz}#{item.npz_split}[{item.npz_index}]"


register(SourceKind("strokes", collect_strokes, load_strokes, describe_strokes, check_paths, unpaired=("line",)))

"""``strokes``: stroke-3 drawings in .npz files (Sketch-RNN's format: The Sheep Market, Quick,
Draw!), rendered on a square canvas and redrawn rough from their own strokes."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

import numpy as np

from sketchdata.drawing.render import render_polylines
from sketchdata.drawing.stroke3 import fit_polylines, load_stroke3, stroke3_to_polylines
from sketchdata.fields import Num, Range, Text
from sketchdata.image.io import BadInput
from sketchdata.sources.collect import Skipped, SourceItem, files_of, key_safe, relative_id
from sketchdata.sources.loaded import vector_source
from sketchdata.sources.registry import SourceKind, register
from sketchdata.sources.spec import FileSourceSpec


class StrokesSource(FileSourceSpec):
    kind: Literal["strokes"]
    npz_split: Text = "train"  # which array of the .npz
    size: Num(ge=16, le=8192, whole=True) = 512  # canvas side
    line_width: Range(0.1, 64) = (1.5, 3.0)  # pen width range in pixels
    limit: Num(ge=1, whole=True) | None = None  # at most this many drawings per file
    redraw: bool = True  # the rough input is redrawn from the drawing's strokes


@dataclass(frozen=True, kw_only=True)
class StrokeItem(SourceItem):
    npz: str  # the file, the array in it and the drawing's index there
    npz_split: str
    index: int

    def files(self) -> tuple[str, ...]:
        return (self.npz,)


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
            items.append(StrokeItem(id=f"{spec.name}-{drawing}", kind="strokes", source=spec.name, npz=str(file),
                                    npz_split=spec.npz_split, index=i, width=spec.size, height=spec.size,
                                    drawing=drawing))
    return items


def load_strokes(item, spec, recipe, rng):
    drawing = _stroke_file(item.npz, item.npz_split)[item.index]
    try:
        lines = fit_polylines(stroke3_to_polylines(drawing), spec.size)
    except BadInput as exc:
        raise BadInput(f"drawing {item.index} of '{item.npz_split}': {exc}") from None
    widths = [float(rng.uniform(*spec.line_width))] * len(lines)
    target = render_polylines(lines, (spec.size, spec.size), widths=widths)
    return vector_source(lines, widths, target, spec, recipe, rng)


def describe_strokes(item) -> str:
    return f"{item.npz}#{item.npz_split}[{item.index}]"


register(SourceKind("strokes", StrokesSource, collect_strokes, load_strokes, describe_strokes, unpaired=("line",)))

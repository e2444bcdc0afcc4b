"""``svg``: SVG line art, each file's paths rendered as strokes on a square canvas (transforms
honoured, widths from the file or the recipe) and redrawn rough path by path."""

from __future__ import annotations

from typing import Literal

from sketchdata.drawing.render import fit_to_canvas, render_polylines
from sketchdata.drawing.svg_reader import load_svg_strokes
from sketchdata.fields import Choice, Num, Range
from sketchdata.image.io import BadInput
from sketchdata.sources.collect import SourceItem, files_of, relative_id
from sketchdata.sources.kinds.images import describe_file
from sketchdata.sources.loaded import vector_source
from sketchdata.sources.registry import SourceKind, register
from sketchdata.sources.spec import FileSourceSpec

SVG_WIDTHS = ("file", "recipe")


class SvgSource(FileSourceSpec):
    kind: Literal["svg"]
    size: Num(ge=16, le=8192, whole=True) = 512  # canvas side
    line_width: Range(0.1, 64) = (1.5, 3.0)  # pen widths (px) for `widths: recipe` and unstroked shapes
    redraw: bool = True  # the rough input is redrawn path by path
    widths: Choice(SVG_WIDTHS) = "file"  # widths from the file, or from line_width


def collect_svg(recipe, spec, skipped) -> list[SourceItem]:
    """One drawing per file, rendered on a ``size`` canvas (nothing parsed here)."""
    items = []
    for file, root in files_of(recipe, spec, (".svg",), ".svg files"):
        rel = relative_id(file, root)
        items.append(SourceItem(id=f"{spec.name}-{rel}", kind="svg", source=spec.name, file=str(file),
                                width=spec.size, height=spec.size, drawing=rel))
    return items


def svg_strokes(file: str, spec, rng) -> tuple[list, list[float]]:
    """An SVG's paths fitted to the canvas, with widths from the file (scaled like the drawing;
    unstroked shapes and ``widths: recipe`` take one width drawn from ``line_width``)."""
    raw_lines, raw_widths = load_svg_strokes(file)
    lines, scale = fit_to_canvas(raw_lines, spec.size, margin=0.06)
    fallback = float(rng.uniform(*spec.line_width))
    if spec.widths == "recipe":
        return lines, [fallback] * len(lines)
    widths = [fallback if w is None else max(0.5, w * scale) for w in raw_widths]
    widest = max(widths)
    if not widest <= spec.size / 2:  # also NaN: a stroke as wide as the canvas is no line drawing
        raise BadInput(f"a stroke {widest:.3g} px wide on the {spec.size} px canvas (stroke-width in the file); "
                       f"line art keeps strokes under {spec.size / 2:g} px: fix the file or use widths: recipe")
    return lines, widths


def load_svg(item, spec, recipe, rng):
    lines, widths = svg_strokes(item.file, spec, rng)
    target = render_polylines(lines, (spec.size, spec.size), widths=widths)
    return vector_source(lines, widths, target, spec, recipe, rng)


register(SourceKind("svg", SvgSource, collect_svg, load_svg, describe_file, unpaired=("line",)))

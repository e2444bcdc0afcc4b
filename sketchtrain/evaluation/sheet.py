"""Side-by-side sheets on real rough sketches without ground truth, for people to judge:
input | model output | Otsu threshold (the automatic global threshold; with no reference,
no threshold can be tuned per image) | Sauvola (local threshold)."""

from __future__ import annotations

from pathlib import Path

from sketchdata.image.binarize import otsu, sauvola
from sketchdata.files import refuse_overwriting
from sketchdata.image.io import BadInput, load_grey, save_png
from sketchdata.preview import grid

from sketchtrain.inference.default_model import resolve_model
from sketchtrain.inference.runner import Simplifier, load_model
from sketchtrain.inference.simplify import collect_inputs


def comparison_sheet(model_path: str | Path | None, inputs: list[str | Path], out: str | Path,
                     scale: float | str = "auto", cell: int = 320, constants: str | None = None) -> dict:
    """Write the sheet PNG; returns {"rows": n, "skipped": [...], "columns": [...], "scales": {...}}
    (``model_path`` None: the shipped default model; "scales": the scale used per input)."""
    sources = [src for src, _ in collect_inputs(inputs)]
    model_file = resolve_model(model_path)
    refuse_overwriting([out], [*sources, model_file], "choose another -o")
    model, info = load_model(model_file, constants)
    runner = Simplifier(model, line_width=info.get("line_width"))
    rows, skipped, scales = [], [], {}
    for src in sources:
        try:
            image = load_grey(src)
        except BadInput as exc:
            skipped.append({"path": str(src), "reason": str(exc)})
            continue
        scales[str(src)] = runner.choose_scale(image, scale)
        rows.append([image, runner.simplify(image, scales[str(src)]), otsu(image), sauvola(image, 25, 0.2)])
    if not rows:
        raise BadInput("no readable images among the inputs")
    save_png(out, grid(rows, cell))
    return {"rows": len(rows), "skipped": skipped, "columns": ["input", "model", "otsu", "sauvola"], "scales": scales}

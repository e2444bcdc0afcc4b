"""Side-by-side sheets on real rough sketches without ground truth, for people to judge:
input | model output | Otsu threshold (the automatic global threshold; with no reference,
no threshold can be tuned per image) | Sauvola (local threshold)."""

from __future__ import annotations

from pathlib import Path

from sketchdata.binarize import otsu, sauvola
from sketchdata.imageio import BadInput, load_grey, save_png
from sketchdata.preview import grid

from .inference import Simplifier, load_model
from .simplify import collect_inputs


def comparison_sheet(model_path: str | Path, inputs: list[str | Path], out: str | Path, scale: float = 1.0,
                     cell: int = 320, constants: str | None = None) -> dict:
    """Write the sheet PNG; returns {"rows": n, "skipped": [...], "columns": [...]}."""
    model, _ = load_model(model_path, constants)
    runner = Simplifier(model)
    rows, skipped = [], []
    for src, _ in collect_inputs(inputs):
        try:
            image = load_grey(src)
        except BadInput as exc:
            skipped.append({"path": str(src), "reason": str(exc)})
            continue
        rows.append([image, runner.simplify(image, scale), otsu(image), sauvola(image, 25, 0.2)])
    if not rows:
        raise BadInput("no readable images among the inputs")
    save_png(out, grid(rows, cell))
    return {"rows": len(rows), "skipped": skipped, "columns": ["input", "model", "otsu", "sauvola"]}

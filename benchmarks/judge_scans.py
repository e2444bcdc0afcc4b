"""Sheets for judging a model on the *judging* half of the real scans, by eye.

    .venv/bin/python benchmarks/judge_scans.py [--model runs/x/best.pt] [--scans ../shared/data/rough] \
        [--scales 1,1.5,2] [--out out/judge] [--half tuning]

``--half tuning`` draws the same sheets for the tuning half instead: the only scans that may
be looked at to calibrate the synthesis or ``--scale auto``.

For each judging scan (benchmarks/real/scans_split.json) one PNG: input | model at --scale auto |
model at each fixed scale | Otsu | Sauvola, and a line per scan with the scale auto chose. The
sheets are not committed (the scans' licences); the README quotes what was seen.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sketchdata.image.binarize import otsu, sauvola
from sketchdata.image.io import load_grey, save_png
from sketchdata.preview import grid
from sketchtrain.inference.default_model import resolve_model
from sketchtrain.inference.runner import Simplifier, load_model

SPLIT = Path(__file__).resolve().parent / "real" / "scans_split.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--scans", type=Path, default=Path("../shared/data/rough"))
    ap.add_argument("--scales", default="1,1.5,2")
    ap.add_argument("--out", type=Path, default=Path("out/judge"))
    ap.add_argument("--cell", type=int, default=420)
    ap.add_argument("--half", choices=("judging", "tuning"), default="judging",
                    help="which half of the split: judging (model quality) or tuning (calibrating the synthesis or --scale auto)")
    args = ap.parse_args()
    model, info = load_model(resolve_model(args.model))
    runner = Simplifier(model, line_width=info.get("line_width"))
    fixed = [float(v) for v in args.scales.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    report = {}
    for name in json.loads(SPLIT.read_text())[args.half]:
        image = load_grey(args.scans / name)
        auto = runner.choose_scale(image, "auto")
        row = [image, runner.simplify(image, auto)] + [runner.simplify(image, s) for s in fixed]
        row += [otsu(image), sauvola(image, 25, 0.2)]
        save_png(args.out / f"{Path(name).stem}.png", grid([row], args.cell))
        report[name] = auto
        print(f"{name}: auto scale {auto:g}; columns input | auto | " + " | ".join(f"{s:g}" for s in fixed)
              + " | otsu | sauvola")
    (args.out / "auto_scales.json").write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()

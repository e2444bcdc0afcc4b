"""Regenerate the bundled clean line-art samples (deterministic).

    python samples/make_samples.py            # writes samples/lineart/*.png

The drawings are procedural (sketchdata.drawing.shapes): curves, blobs, shapes, spirals and
hatching at varied line widths and densities, some above 1000 px. They are the project's
own, so they can be bundled and used by the quickstart recipe and the tests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sketchdata.image.io import save_png
from sketchdata.drawing.shapes import LineArtStyle, procedural_line_art

# (name, height, width, density, width_range, hatching)
SAMPLES = [
    ("curves_sparse", 768, 1024, 0.6, (1.0, 2.0), 0.2),
    ("shapes_medium", 1024, 768, 1.0, (1.5, 3.0), 0.4),
    ("hatching_dense", 896, 896, 1.3, (1.0, 2.5), 0.8),
    ("bold_lines", 640, 960, 0.8, (3.0, 5.0), 0.3),
    ("large_scene", 1200, 1600, 0.9, (1.2, 3.5), 0.5),
    ("fine_detail", 1280, 1024, 1.6, (0.9, 1.6), 0.5),
    ("mixed_weights", 720, 1080, 1.0, (1.0, 4.5), 0.4),
    ("tall_page", 1400, 900, 1.0, (1.3, 3.0), 0.5),
    ("small_motifs", 600, 600, 1.8, (1.0, 2.5), 0.3),
    ("wide_panel", 700, 1500, 0.9, (1.5, 3.5), 0.6),
    ("heavy_ink", 800, 800, 1.1, (2.5, 4.5), 0.5),
    ("light_pen", 1100, 1100, 1.2, (0.9, 1.4), 0.6),
]


def main(out_dir: Path = Path(__file__).parent / "lineart") -> None:
    for index, (name, h, w, density, widths, hatching) in enumerate(SAMPLES):
        rng = np.random.default_rng([2016, index])
        style = LineArtStyle(density=density, width_range=widths, hatching=hatching)
        save_png(out_dir / f"{index:02d}_{name}.png", procedural_line_art((h, w), rng, style))
    print(f"wrote {len(SAMPLES)} drawings to {out_dir}")


if __name__ == "__main__":
    main()

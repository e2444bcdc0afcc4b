"""sketchdata: inverse dataset generation for rough-sketch simplification.

Clean line art (or rough/clean pairs, or stroke-3 drawings) in; rough-sketch synthesis,
binarisation, multi-scale rotated patches; WebDataset shards out. See README.md.

Layers, each importing only those below it (README "Architecture"):
    files, fields   path safety and atomic writes; validated field types and errors of recipes
    image           decoding and encoding, binarisation, patch geometry, line widths
    drawing         drawings as strokes: rendering, procedural shapes and figures, stroke-3, SVG
    effects         rough-sketch synthesis, as albumentations transforms
    sources         source kinds (each with its own recipe fields), collecting and loading drawings
    recipe          the recipe: its sections, loading YAML, the JSON Schema
    shards          making samples, planning and building shards, reading them back, augmenting
    preview, cli    contact sheets and galleries; the `sketchdata` command

The public API below is imported on first use, so ``import sketchdata`` stays cheap.
"""

from sketchdata._exports import forward_moved_modules, lazy_exports

__version__ = "0.1.0"

lazy_exports(globals(), {
    "load_recipe": "sketchdata.recipe", "parse_recipe": "sketchdata.recipe", "Recipe": "sketchdata.recipe",
    "RecipeError": "sketchdata.recipe", "build_dataset": "sketchdata.shards", "read_manifest": "sketchdata.shards",
    "shard_paths": "sketchdata.shards", "iter_samples": "sketchdata.shards", "EFFECTS": "sketchdata.effects",
    "build_pipeline": "sketchdata.effects", "KINDS": "sketchdata.sources", "register_kind": "sketchdata.sources",
    "load_grey": "sketchdata.image", "save_png": "sketchdata.image",
})

forward_moved_modules({f"sketchdata.{old}": f"sketchdata.{new}" for old, new in {
    "imageio": "image.io", "binarize": "image.binarize", "geometry": "image.geometry", "linewidth": "image.linewidth",
    "render": "drawing.render", "figures": "drawing.figures", "lineart": "drawing.shapes", "strokes": "drawing.stroke3",
    "svg": "drawing.svg_reader", "safe_npz": "drawing.safe_npz", "trace": "drawing.centrelines",
    "source_kinds": "sources.kinds", "samples": "shards.samples", "build": "shards.build",
    "shardformat": "shards.format", "dataset": "shards.dataset", "augment": "shards.augment",
    "teacher": "shards.teacher",
}.items()})

"""The source kinds that ship with sketchdata, one module each; importing this package
registers them (sketchdata.sources.registry).

Kinds: ``lineart`` and ``raw`` (one image file per drawing), ``pairs`` (rough + clean files),
``strokes`` (stroke-3 .npz drawings), ``svg`` (SVG files), ``procedural`` (generated drawings).
"""

from sketchdata.sources.kinds import images, pairs, procedural, strokes, svg  # noqa: F401  (each registers its kinds)

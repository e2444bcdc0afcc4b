"""sketchdata: inverse dataset generation for rough-sketch simplification.

Clean line art (or rough/clean pairs, or stroke-3 drawings) in; rough-sketch synthesis,
binarisation, multi-scale rotated patches; WebDataset shards out. See README.md.
"""

__version__ = "0.1.0"

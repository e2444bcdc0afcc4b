"""Images as float32 arrays in [0, 1], 1 = white paper: decoding and encoding (``io``),
binarisation, patch geometry, and line-width measurement. Pure functions; nothing here knows
about recipes or shards."""

from sketchdata.image.io import BadInput, list_images, load_grey, read_size, save_png

__all__ = ["BadInput", "list_images", "load_grey", "read_size", "save_png"]

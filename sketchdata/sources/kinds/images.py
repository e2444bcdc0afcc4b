"""``lineart``: clean line art, one image file per drawing (the effects make it rough).
``raw``: raw frames (anime frames, photos of paper) whose targets the recipe's teacher makes."""

from __future__ import annotations

from typing import Literal

from sketchdata.image.io import IMAGE_SUFFIXES, BadInput, load_grey, read_size
from sketchdata.sources.collect import SourceItem, files_of, relative_id
from sketchdata.sources.loaded import LoadedSource, binarized
from sketchdata.sources.registry import SourceKind, register
from sketchdata.sources.spec import FileSourceSpec


class ImageFilesSource(FileSourceSpec):
    """Image files, one drawing each (PNG, JPEG, TIFF, ...)."""

    kind: Literal["lineart", "raw"]


def collect_images(recipe, spec, skipped) -> list[SourceItem]:
    """One image file per drawing; its id is its path relative to the entry."""
    items = []
    for file, root in files_of(recipe, spec, IMAGE_SUFFIXES, "image files"):
        rel = relative_id(file, root)
        items.append(SourceItem(id=f"{spec.name}-{rel}", kind=spec.kind, source=spec.name, file=str(file),
                                drawing=rel))
    return items


def image_size(item, max_pixels: int) -> tuple[int, int]:
    return read_size(item.file, max_pixels)


def load_lineart(item, spec, recipe, rng):
    target = binarized(load_grey(item.file, recipe.preprocess.max_pixels), recipe.preprocess.target_binarize)
    return LoadedSource(target, target, True)


def load_raw(item, spec, recipe, rng):
    """Raw frames have no target of their own: their drawings always go through the recipe's
    teacher (sketchdata.shards.samples.load_source), and a recipe without one is refused when read."""
    raise BadInput(f"{item.file}: a raw frame has no target without the recipe's teacher (`teacher: {{model: PATH}}`)")


def describe_file(item) -> str:
    return item.files()[0]


register(SourceKind("lineart", ImageFilesSource, collect_images, load_lineart, describe_file, size=image_size,
                    unpaired=("rough", "line")))
register(SourceKind("raw", ImageFilesSource, collect_images, load_raw, describe_file, size=image_size,
                    effects_by_default=False, teacher_by_default=True, clean_input=False))

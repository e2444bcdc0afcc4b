"""``lineart``: clean line art, one image file per drawing (the effects make it rough).
``raw``: raw frames (anime frames, photos of paper) whose targets the recipe's teacher makes."""

from __future__ import annotations

from sketchdata.image.io import IMAGE_SUFFIXES, load_grey
from sketchdata.sources.collect import SourceItem, files_of, relative_id
from sketchdata.sources.kinds import SourceKind, register


def collect_images(recipe, spec, skipped) -> list[SourceItem]:
    """One image file per drawing, kept in ``clean``; its id is its path relative to the entry."""
    items = []
    for file, root in files_of(recipe, spec, IMAGE_SUFFIXES, "image files"):
        rel = relative_id(file, root)
        items.append(SourceItem(id=f"{spec.name}-{rel}", kind=spec.kind, source=spec.name, clean=str(file),
                                drawing=rel))
    return items


def load_lineart(item, spec, recipe, rng):
    from sketchdata.shards.samples import LoadedSource, binarized

    target = binarized(load_grey(item.clean, recipe.preprocess.max_pixels), recipe.preprocess.target_binarize)
    return LoadedSource(target, target, True)


def load_raw(item, spec, recipe, rng):
    """Raw frames have no target of their own: their drawings always go through the recipe's
    teacher (sketchdata.shards.samples.load_source), and a recipe without one is refused when read."""
    from sketchdata.image.io import BadInput

    raise BadInput(f"{item.clean}: a raw frame has no target without the recipe's teacher (`teacher: {{model: PATH}}`)")


def describe_file(item) -> str:
    return item.rough or item.clean


def check_paths(c, raw, path) -> None:
    if not raw.get("paths"):
        c.fail(f"{path}.paths", f"a {raw.get('kind')} source needs at least one path")


register(SourceKind("lineart", collect_images, load_lineart, describe_file, check_paths, image_files=True,
                    unpaired=("rough", "line")))
register(SourceKind("raw", collect_images, load_raw, describe_file, check_paths, image_files=True,
                    effects_by_default=False, teacher_by_default=True, clean_input=False))

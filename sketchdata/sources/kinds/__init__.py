"""Source kinds as a registry, like the effects: each kind says how it collects its drawings
from a recipe source, loads one drawing (input and target at full size), and describes where a
sample came from; it also names the recipe fields it needs. A new kind is one module here that
calls :func:`register` (and is imported at the bottom of this file).

Kinds: ``lineart`` and ``raw`` (one image file per drawing), ``pairs`` (rough + clean files),
``strokes`` (stroke-3 .npz drawings), ``svg`` (SVG files), ``procedural`` (generated drawings).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class SourceKind:
    name: str
    # (recipe, spec, skipped list) -> [SourceItem]: the drawings of one recipe source
    collect: Callable
    # (item, spec, recipe, rng) -> LoadedSource: one drawing at full size (no teacher)
    load: Callable
    # item -> provenance text stored in every sample's json
    describe: Callable
    # (checker, raw spec dict, field path) -> None: the recipe fields this kind needs
    check: Callable | None = None
    image_files: bool = False  # one image file per drawing: sized from its header when collected
    effects_by_default: bool = True  # the recipe's effects apply unless the source says otherwise
    teacher_by_default: bool = False  # targets come from the recipe's teacher unless the source says otherwise
    clean_input: bool = True  # through a teacher, the file is clean art (effects make it rough) not a rough frame
    unpaired: tuple[str, ...] = ()  # roles it may play as an unpaired source: "rough", "line"


KINDS: dict[str, SourceKind] = {}


def register(kind: SourceKind) -> SourceKind:
    KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> SourceKind:
    return KINDS[name]


from sketchdata.sources.kinds import images, pairs, procedural, strokes, svg  # noqa: E402,F401  (each registers its kinds)

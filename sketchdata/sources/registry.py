"""Source kinds as a registry, like the effects and the architectures. A kind says which recipe
fields it has (``spec``: a pydantic model of its own, keyed by ``kind``), how it collects its
drawings from a recipe source, loads one drawing (input and target at full size) and describes
where a sample came from. A new kind is one module that calls :func:`register`; the recipe's
schema and validation pick it up (sketchdata.recipe rebuilds its source union from here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class SourceKind:
    name: str
    spec: type  # its recipe fields: a sketchdata.sources.spec.SourceSpec subclass with kind: Literal[name, ...]
    # (recipe, spec, skipped list) -> [SourceItem]: the drawings of one recipe source
    collect: Callable
    # (item, spec, recipe, rng) -> LoadedSource: one drawing at full size (no teacher)
    load: Callable
    # item -> provenance text stored in every sample's json
    describe: Callable
    # (item, max_pixels) -> (width, height) read from file headers when collected (raises BadInput);
    # None: the kind knows the size when it collects (a canvas)
    size: Callable | None = None
    effects_by_default: bool = True  # the recipe's effects apply unless the source says otherwise
    teacher_by_default: bool = False  # targets come from the recipe's teacher unless the source says otherwise
    clean_input: bool = True  # through a teacher, the file is clean art (effects make it rough) not a rough frame
    unpaired: tuple[str, ...] = ()  # roles it may play as an unpaired source: "rough", "line"


KINDS: dict[str, SourceKind] = {}


def register(kind: SourceKind) -> SourceKind:
    """Add (or replace) a source kind; recipes read after this accept it."""
    KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> SourceKind:
    return KINDS[name]

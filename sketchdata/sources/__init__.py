"""Where a dataset's drawings come from: the source kinds (``kinds``, one module each, with their
own recipe fields), the registry a new kind joins (``registry``), the fields every source has
(``spec``), collecting a recipe's drawings into a sorted, split list (``collect``)
and loading one (``loaded``)."""

from sketchdata.sources import kinds as _builtin  # noqa: F401  (registers the kinds that ship)
from sketchdata.sources.collect import Skipped, SourceItem, collect_sources
from sketchdata.sources.loaded import LoadedSource
from sketchdata.sources.registry import KINDS, SourceKind, get_kind, register as register_kind
from sketchdata.sources.spec import FileSourceSpec, SourceSpec

__all__ = ["FileSourceSpec", "KINDS", "LoadedSource", "Skipped", "SourceItem", "SourceKind", "SourceSpec",
           "collect_sources", "get_kind", "register_kind"]

"""How both packages publish their API and keep old import paths working, written once.

- ``lazy_exports``: a package's public names, imported on first use (PEP 562), so
  ``import sketchdata`` or ``import sketchtrain`` stays cheap (no torch, no OpenCV) and a worker
  process pays only for what it uses.
- ``forward_moved_modules``: modules moved in 0.2 (``sketchtrain.simplify`` is now
  ``sketchtrain.inference.simplify``) still import under their old names, as the new module
  itself (so patching one patches the other; a module split in two reads from both), with a DeprecationWarning that names the new path.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
import warnings


def lazy_exports(namespace: dict, table: dict[str, str]) -> None:
    """Give the package whose globals are ``namespace`` the names of ``table`` (name -> module
    that defines it), imported when first read."""
    def __getattr__(name: str):
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(table))

    namespace["__getattr__"] = __getattr__
    namespace["__dir__"] = __dir__
    namespace["__all__"] = sorted(table)


class _Forward(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old module name and loads it as its new module (warning once per name)."""

    def __init__(self, moved: dict[str, str]):
        self.moved = moved

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.moved:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        new = self.moved[spec.name]
        names = (new,) if isinstance(new, str) else new
        warnings.warn(f"{spec.name} moved to {' and '.join(names)} in 0.2; import it from there (the old name "
                      "will be removed)", DeprecationWarning, stacklevel=2)
        if isinstance(new, str):
            return importlib.import_module(new)
        return _Union(spec.name, names)  # a module split in two: its names from either part

    def exec_module(self, module) -> None:
        pass  # the new module is already loaded


class _Union(types.ModuleType):
    def __init__(self, name: str, parts: tuple[str, ...]):
        super().__init__(name)
        self._parts = parts

    def __getattr__(self, name: str):
        for part in self._parts:
            module = importlib.import_module(part)
            if hasattr(module, name):
                return getattr(module, name)
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")


def forward_moved_modules(moved: dict[str, str | tuple[str, ...]]) -> None:
    """Serve each old module name of ``moved`` (old -> new) as the new module. Appended after
    the standard finders, so an existing module of that name always wins."""
    sys.meta_path.append(_Forward(moved))

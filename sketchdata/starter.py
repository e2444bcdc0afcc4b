"""`sketchdata init DIR`: a starter project (recipe plus a few drawings) from the installed package.

The files ship inside the package (sketchdata/starter/), so a user who installed the wheel,
with no checkout of the repository, can run ``sketchdata init proj`` and then
``sketchdata build --recipe proj/recipe.yaml``. Paths in the recipe are relative to DIR.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sketchdata.files import atomic_write_bytes


def starter_files() -> dict[str, bytes]:
    """Relative path -> content of every starter file."""
    root = resources.files("sketchdata") / "starter"
    files = {"recipe.yaml": (root / "recipe.yaml").read_bytes()}
    for entry in sorted((root / "lineart").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".png"):
            files[f"lineart/{entry.name}"] = entry.read_bytes()
    return files


def init_project(directory: str | Path) -> list[Path]:
    """Write the starter files into ``directory``; refuses (FileExistsError, naming them) to
    replace files that are already there. Returns the written paths."""
    directory = Path(directory)
    files = starter_files()
    existing = [str(directory / rel) for rel in files if (directory / rel).exists()]
    if existing:
        raise FileExistsError(f"{directory} already has {', '.join(existing[:3])}"
                              f"{' ...' if len(existing) > 3 else ''}; choose an empty folder")
    written = []
    for rel, data in files.items():
        atomic_write_bytes(directory / rel, data)
        written.append(directory / rel)
    return written

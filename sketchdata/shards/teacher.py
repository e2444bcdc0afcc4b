"""The teacher: a trained model that makes targets from raw images (as the seed did with the
authors' model). sketchdata runs no networks itself: a package that does offers a function
``make_teacher(path, constants=, scale=, device=, threads=) -> (image -> image)`` under the entry
point group ``sketchdata.teachers`` (sketchtrain's is ``sketchtrain.inference.teacher``), looked
up only when a recipe names a teacher. So sketchdata never imports sketchtrain.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from sketchdata.recipe import Recipe, Teacher


class TeacherError(RuntimeError):
    """The teacher model cannot be loaded; the message says why."""


TEACHER_ENTRY_POINTS = "sketchdata.teachers"


def _teacher_factory() -> Callable:
    """The installed teacher runner (the first by name when several packages offer one)."""
    from importlib.metadata import entry_points

    found = sorted(entry_points(group=TEACHER_ENTRY_POINTS), key=lambda point: point.name)
    if not found:
        raise TeacherError(f"a teacher model needs a package that runs networks (entry point group "
                           f"{TEACHER_ENTRY_POINTS}): sketchtrain offers one; reinstall the toolkit (pip install .)")
    try:
        return found[0].load()
    except ImportError as exc:
        raise TeacherError(f"the teacher runner {found[0].value} cannot be imported ({exc})") from None


def load_teacher(spec: Teacher, recipe: Recipe, threads: int = 0) -> Callable[[np.ndarray], np.ndarray]:
    """image float32 (H, W) in [0, 1] -> teacher output, same shape and range."""
    make_teacher = _teacher_factory()
    path = recipe.resolve(spec.model)
    if not path.is_file():
        raise TeacherError(f"teacher.model: {path} not found (bring your own copy of the weights)")
    return make_teacher(path, constants=spec.constants, scale=spec.scale, device=spec.device, threads=threads)

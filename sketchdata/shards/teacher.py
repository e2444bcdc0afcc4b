"""The teacher: a trained model that makes targets from raw images (as the seed did with the
authors' model). This is the one place where sketchdata reaches the training side, through a
single function, ``sketchtrain.inference.teacher.make_teacher``, imported only when a recipe names a teacher.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from sketchdata.recipe import Recipe, Teacher


class TeacherError(RuntimeError):
    """The teacher model cannot be loaded; the message says why."""


def load_teacher(spec: Teacher, recipe: Recipe, threads: int = 0) -> Callable[[np.ndarray], np.ndarray]:
    """image float32 (H, W) in [0, 1] -> teacher output, same shape and range."""
    try:
        from sketchtrain.inference.teacher import make_teacher
    except ImportError as exc:  # pragma: no cover - both packages ship in one distribution
        raise TeacherError(f"a teacher model needs the sketchtrain package ({exc})") from None
    path = recipe.resolve(spec.model)
    if not path.is_file():
        raise TeacherError(f"teacher.model: {path} not found (bring your own copy of the weights)")
    return make_teacher(path, constants=spec.constants, scale=spec.scale, device=spec.device, threads=threads)

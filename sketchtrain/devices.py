"""Which device a command runs on: the one rule for ``--device`` (simplify, evaluate, fit)."""

from __future__ import annotations

import re

DEVICE_NAMES = "auto, cpu or cuda (cuda:N for one GPU of several)"


def check_device_name(name: str) -> str:
    """The name as given when it is one the toolkit knows, else a ValueError saying which are."""
    if name in ("auto", "cpu", "cuda") or re.fullmatch(r"cuda:\d+", name or ""):
        return name
    raise ValueError(f"--device must be {DEVICE_NAMES}, got {name!r}")


def resolve_device(name: str) -> str:
    """"auto" -> cuda where a GPU is visible, else cpu; "cuda" without one is refused with what to do."""
    import torch

    check_device_name(name)
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"--device {name}: CUDA is not available here (torch {torch.__version__}, no visible GPU); "
                         "use --device cpu or auto")
    return name

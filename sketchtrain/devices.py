"""Which device a command runs on and in which precision: the one rule for ``--device`` and
``--precision auto`` (simplify, evaluate, fit)."""

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


def cpu_has_bf16() -> bool:
    """Whether this CPU computes bf16 natively (AVX-512 BF16 or AMX). Without it PyTorch emulates
    bf16 convolutions: a U-Net small training step at 16 x 128 px took 7.1 s in bf16 against
    0.81 s in fp32 on a 2-core AVX2 EPYC (benchmarks/profile_train_step.py)."""
    import torch

    try:
        return bool(torch.cpu._is_avx512_bf16_supported())
    except AttributeError:
        return False


def auto_precision(device: str) -> str:
    """``--precision auto``: bf16 on CUDA and on CPUs with native bf16, else fp32."""
    return "bf16" if device.startswith("cuda") or cpu_has_bf16() else "fp32"

"""The training network under torch.compile (inductor), or eager when compiling cannot work.

Compiling fuses the many small kernels of a step at 128 px crops (batch-norm statistics,
activations, the bf16 casts of autocast) into a few; benchmarks/profile_train_step.py measures
what it buys on this machine. Inductor on CPU writes C++ and needs a compiler: without one,
or when compiling the first step fails for any reason (an unsupported op, a broken toolchain),
the run goes on eager and says so in one line. Compile errors surface at the first forward
and backward, so the first step is the proof: after it the choice is fixed for the run.
"""

from __future__ import annotations

import os
import shutil
from typing import Callable

import torch


def compiler_missing() -> str | None:
    """Why inductor cannot build CPU kernels here, or None when a C++ compiler is found."""
    cxx = os.environ.get("CXX")
    if cxx and shutil.which(cxx):
        return None
    if any(shutil.which(name) for name in ("g++", "c++", "clang++")):
        return None
    return "no C++ compiler (g++, c++ or clang++; or $CXX) on PATH"


class TrainingCompiler:
    """Holds the eager network and, while it works, its compiled twin.

    ``module`` is what a step calls; ``run(step, reset)`` runs the first step compiled and,
    when that fails, reports through ``note`` and runs it again eager (a failure comes before
    any optimiser update: in the forward or the backward pass)."""

    def __init__(self, eager: torch.nn.Module, enabled: bool, note: Callable[[str], None],
                 passthrough: tuple[type[BaseException], ...] = ()):
        self.eager, self.note = eager, note
        self.passthrough = passthrough  # the step's own errors (a NaN loss), not the compiler's
        self.proven = not enabled
        self.module = eager
        if enabled:
            missing = compiler_missing()
            if missing:
                note(f"torch.compile off: {missing}; training eager")
                self.proven = True
            else:
                self.module = torch.compile(eager, dynamic=False)

    def run(self, step: Callable[[torch.nn.Module], torch.Tensor], reset: Callable[[], None]) -> torch.Tensor:
        """``step(module)`` (forward and backward, no optimiser update), compiled when that works."""
        if self.proven:
            return step(self.module)
        try:
            result = step(self.module)
        except Exception as exc:  # noqa: BLE001 - whatever the compiler raised, eager still trains
            if isinstance(exc, self.passthrough):
                raise
            first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
            self.note(f"torch.compile failed on the first step ({type(exc).__name__}: {first}); training eager")
            self.module = self.eager
            self.proven = True
            reset()
            return step(self.module)
        self.proven = True
        return result

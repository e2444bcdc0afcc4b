"""`python -m sketchtrain ...` (also what `torchrun -m sketchtrain fit ...` runs)."""

from .cli import app

app()

"""`python -m sketchtrain ...` (also what `torchrun -m sketchtrain fit ...` runs)."""

from sketchtrain.cli import app

app()

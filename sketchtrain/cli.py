"""`sketchtrain` command line: each command parses options and calls one library function."""

from __future__ import annotations

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Train, evaluate and run rough-sketch simplification networks.")

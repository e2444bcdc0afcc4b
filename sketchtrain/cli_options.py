"""Command-line options generated from a config dataclass, so each option is declared once, on its
field (default, type, help), and the command passes them on unchanged (``sketchtrain fit``)."""

from __future__ import annotations

import dataclasses
import inspect
import typing
from pathlib import Path
from typing import Callable, Optional

import typer


def _cli_type(annotation):
    """``str | None`` -> Optional[str], as typer reads it; paths stay strings in the config."""
    args = typing.get_args(annotation)
    if type(None) in args:
        (inner,) = [a for a in args if a is not type(None)]
        return Optional[inner]
    return annotation


def options_command(func: Callable, config: type, **extra: typer.models.ParameterInfo) -> Callable:
    """``func(**extra, **fields)`` with a signature that typer turns into one argument or option per
    field of ``config`` (metadata: ``help``, ``flags``, ``argument``, ``cli=False`` to leave out)."""
    hints = typing.get_type_hints(config)
    params = []
    for item in dataclasses.fields(config):
        meta = item.metadata
        if meta.get("cli", True) is False:
            continue
        kind = _cli_type(hints[item.name])
        if meta.get("argument"):
            default = typer.Argument(..., metavar=item.name.upper(), help=meta.get("help", ""))
            kind = Path
        else:
            required = item.default is dataclasses.MISSING
            flags = meta.get("flags") or (f"--{item.name.replace('_', '-')}",)
            default = typer.Option(... if required else item.default, *flags, help=meta.get("help", ""),
                                   metavar=meta.get("metavar"))
            kind = Path if required and kind is str else kind
        params.append(inspect.Parameter(item.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind))
    params += [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=info, annotation=bool)
               for name, info in extra.items()]

    def command(**values):
        return func(**values)

    command.__signature__ = inspect.Signature(params)
    command.__doc__ = func.__doc__
    command.__name__ = func.__name__
    return command

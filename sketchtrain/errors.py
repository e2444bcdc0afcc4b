"""Errors about model files, importable without torch (the command line catches them before it
knows whether a command will need torch at all)."""

from __future__ import annotations


class CheckpointError(RuntimeError):
    """A file that is not a usable checkpoint; the message says why."""

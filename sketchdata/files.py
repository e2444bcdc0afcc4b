"""Writing files atomically, with the permissions a plain ``open()`` would give.

Every output (images, shards, manifests, checkpoints) is written to a temporary file in the
target's folder and renamed over the target, so a reader or a killed job never sees half a
file. ``tempfile.mkstemp`` creates its file with mode 0600; the finished file is given
0666 less the process umask instead, as ``open(path, "w")`` would, so outputs stay readable
by the group or others exactly when the user's umask says so.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator


def default_file_mode() -> int:
    """0666 less the current umask (read without changing it for longer than one call)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_target(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` (mode as open()
    would give), on any error it is removed and ``path`` is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write bytes so that ``path`` either holds the old content or all the new content."""
    with atomic_target(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

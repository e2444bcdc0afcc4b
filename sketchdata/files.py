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


class CannotWrite(OSError):
    """An output that cannot be written (a file where a folder should be, a read-only folder, a
    full disk); the message names the path and the reason."""

    def __str__(self) -> str:
        return self.args[0] if self.args else "cannot write"


def _cannot_write(path: Path, exc: OSError) -> CannotWrite:
    return CannotWrite(f"cannot write {path}: {exc.strerror or exc}")


def ensure_folder(path: str | Path) -> Path:
    """``mkdir -p``, with a :class:`CannotWrite` that names the folder when it fails."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    if not path.is_dir():
        raise CannotWrite(f"cannot write {path}: a file of that name is in the way")
    return path


@contextlib.contextmanager
def atomic_target(path: str | Path, owner: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` (mode as open()
    would give), on any error it is removed and ``path`` is left as it was. ``owner`` (host and
    pid, say) names the temporary ``.NAME.OWNER.tmp`` instead of a random name, so a cleaner can
    tell whose it is (sketchdata.shards.build.remove_stale_temporaries)."""
    path = Path(path)
    ensure_folder(path.parent)
    try:
        if owner is None:
            fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        else:
            name = str(path.parent / f".{path.name}.{owner}.tmp")
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
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


class OverwriteRefused(ValueError):
    """An output that is, or would replace, one of the command's own inputs (raised before any
    work; the command line exits 2 with this message)."""


def _identity(path: Path):
    """What makes two names one file: the resolved path, and (for an existing file) its device
    and inode, so hard links and case-insensitive folders are caught too."""
    try:
        st = path.stat()
        return (path.resolve(), (st.st_dev, st.st_ino))
    except OSError:
        return (path.resolve(), None)


def refuse_overwriting(outputs, inputs, hint: str = "choose another output") -> None:
    """Raise :class:`OverwriteRefused` naming the first output that is one of ``inputs``."""
    resolved, inodes = {}, {}
    for item in inputs:
        name, inode = _identity(Path(item))
        resolved.setdefault(name, Path(item))
        if inode is not None:
            inodes.setdefault(inode, Path(item))
    for out in outputs:
        name, inode = _identity(Path(out))
        source = resolved.get(name) or (inodes.get(inode) if inode is not None else None)
        if source is not None:
            raise OverwriteRefused(f"writing {out} would overwrite the input {source}; {hint}")


def is_within(path: str | Path, folder: str | Path) -> bool:
    """Whether ``path`` is ``folder`` or lies inside it (both resolved)."""
    path, folder = Path(path).resolve(), Path(folder).resolve()
    return path == folder or folder in path.parents

"""Reading ``.npz`` files without ever executing code from them.

sketch-rnn / QuickDraw stroke files store each split as an object array of variable-length
int16 arrays, which numpy can only load with ``allow_pickle=True``: a pickle may call any
function, so a crafted file would run code during a build. Here each member is read with
numpy's own header parser; plain arrays are read as data, and object arrays are unpickled by
an unpickler that admits only what numpy itself emits for arrays of arrays (array and dtype
reconstruction). Anything else is refused with a one-line reason, as :class:`BadInput`.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path

import numpy as np

from sketchdata.image.io import BadInput

# (module, name) pairs a pickled object array of numeric arrays uses, under numpy 1.x and 2.x
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("_codecs", "encode"),  # Python 2 pickles wrap byte strings this way
}


class _ArrayOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:
            raise BadInput(f"refused: the file's pickle asks for {module}.{name}, "
                           "which is not numpy array data (a crafted file?)")
        if module == "_codecs":
            import codecs

            return codecs.encode
        return super().find_class(module, name)


def _read_member(raw: bytes, name: str) -> np.ndarray:
    fh = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
    except Exception as exc:
        raise BadInput(f"member {name} is not a .npy array ({exc})") from None
    if dtype.hasobject:
        if dtype != np.dtype(object):
            raise BadInput(f"member {name}: structured object dtype {dtype} is not supported")
        try:
            array = _ArrayOnlyUnpickler(fh, encoding="latin1").load()
        except BadInput:
            raise
        except Exception as exc:
            raise BadInput(f"member {name}: unreadable object array ({type(exc).__name__}: {exc})") from None
        if not isinstance(array, np.ndarray):
            raise BadInput(f"member {name}: pickle holds a {type(array).__name__}, not an array")
        for element in array.flat:
            if not isinstance(element, np.ndarray) or element.dtype.hasobject:
                raise BadInput(f"member {name}: object array holds {type(element).__name__}, not numeric arrays")
        return array
    count = int(np.prod(shape)) if shape else 1
    data = fh.read()
    if len(data) < count * dtype.itemsize:
        raise BadInput(f"member {name} is truncated ({len(data)} of {count * dtype.itemsize} bytes)")
    array = np.frombuffer(data, dtype=dtype, count=count)
    array = array.reshape(shape[::-1]).T if fortran else array.reshape(shape)
    return array.copy()  # writable, independent of the file's bytes


def load_npz(path: str | Path) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` file, by name, read without executing anything (see module doc)."""
    path = Path(path)
    if path.is_file() and path.stat().st_size == 0:
        raise BadInput("empty file")
    try:
        with zipfile.ZipFile(path) as archive:
            arrays = {}
            for member in archive.namelist():
                key = member[:-4] if member.endswith(".npy") else member
                arrays[key] = _read_member(archive.read(member), member)
            return arrays
    except BadInput:
        raise
    except FileNotFoundError:
        raise BadInput("file not found") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise BadInput(f"not a readable .npz file ({type(exc).__name__}: {exc})") from None

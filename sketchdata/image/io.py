"""Reading and writing images safely.

Inside the library every image is a float32 array in [0, 1], shape (H, W), 1 = white paper.
Loading converts any PIL mode to that (colour -> ITU-R 601 luma, alpha composited over
white, 16-bit scaled) and turns every decoding problem into :class:`BadInput`, so a long job
can skip the file with a one-line reason instead of crashing.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

from sketchdata.files import atomic_write_bytes

__all__ = ["BadInput", "atomic_write_bytes", "decode_grey", "encode_png", "list_images", "load_grey",
           "pil_to_grey", "read_size", "save_png", "to_uint8"]

DEFAULT_MAX_PIXELS = 120_000_000
# a shard member is a patch or one drawing: a member past this is a bomb, not data
MEMBER_MAX_PIXELS = 40_000_000
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif")

# We enforce our own pixel limit from the header, before any decoding; PIL's own bomb check
# would otherwise warn or raise with a message that does not say which setting to change.
Image.MAX_IMAGE_PIXELS = None


_EXIF_ORIENTATION = 0x0112
_TURNED = (5, 6, 7, 8)  # EXIF orientations that swap width and height
# formats whose header holds EXIF (PIL's PNG getexif decodes the whole image: never before the pixel cap)
_EXIF_FORMATS = ("JPEG", "MPO", "TIFF", "WEBP")
_ROWS_PER_CHUNK = 512  # colour -> grey conversion in row blocks: bounded temporaries


def _upright(im: Image.Image) -> Image.Image:
    """The image as it is shown (EXIF orientation applied, as a phone photo expects)."""
    if im.getexif().get(_EXIF_ORIENTATION, 1) not in (1, None):  # after load(): no second decode
        return ImageOps.exif_transpose(im)
    return im


class BadInput(Exception):
    """An input file that cannot be used; the message is a one-line reason."""


def _opened(source: str | Path | bytes):
    """What PIL opens: a path, or the bytes of an uploaded file (read the same way)."""
    return io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source


def read_size(path: str | Path | bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[int, int]:
    """Return (width, height) from the header of a file (or a file's bytes) without decoding pixels.

    Raises BadInput for non-images and headers above ``max_pixels`` (decompression bombs).
    """
    try:
        size = len(path) if isinstance(path, (bytes, bytearray)) else Path(path).stat().st_size
        if size == 0:
            raise BadInput("empty file (0 bytes)")
        with Image.open(_opened(path)) as im:
            w, h = im.size
            if im.format in _EXIF_FORMATS and im.getexif().get(_EXIF_ORIENTATION) in _TURNED:
                w, h = h, w  # shown turned a quarter: the size it is read as
    except BadInput:
        raise
    except FileNotFoundError:
        raise BadInput("file not found") from None
    except Exception as exc:  # PIL raises many types for non-images
        raise BadInput(f"not a readable image ({type(exc).__name__}: {exc})") from None
    if w <= 0 or h <= 0:
        raise BadInput(f"zero-size image ({w}x{h})")
    if w * h > max_pixels:
        raise BadInput(
            f"header says {w}x{h} = {w * h / 1e6:.0f} MP, above the {max_pixels / 1e6:.0f} MP "
            "limit (decompression bomb?); raise max_pixels if the file is genuine"
        )
    return w, h


def pil_to_grey(im: Image.Image) -> np.ndarray:
    """Convert a PIL image of any mode to float32 grey in [0, 1], alpha over white."""
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr = np.asarray(im, dtype=np.float64)
        # PIL opens 16-bit grey PNGs as "I" too; values above 255 mean a 16-bit range.
        scale = 65535.0 if (mode.startswith("I;16") or arr.max(initial=0) > 255) else 255.0
        return np.clip(arr / scale, 0, 1).astype(np.float32)
    if mode == "F":
        arr = np.asarray(im, dtype=np.float32)
        if arr.max(initial=0) > 1.0:
            arr = arr / 255.0
        return np.clip(arr, 0, 1).astype(np.float32)
    if mode == "1":
        return np.asarray(im.convert("L"), dtype=np.float32) / 255.0
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif mode == "PA":
        im = im.convert("RGBA")
    elif mode == "L" and "transparency" in im.info:
        im = im.convert("LA")
    elif mode not in ("L", "LA", "RGB", "RGBA"):
        im = im.convert("RGB")  # CMYK, YCbCr, LAB, HSV ...
    if im.mode == "L":
        return np.asarray(im).astype(np.float32) / np.float32(255.0)
    width, height = im.size
    grey = np.empty((height, width), np.float32)
    for top in range(0, height, _ROWS_PER_CHUNK):  # peak: the decoded image, grey, one block of rows
        rows = np.asarray(im.crop((0, top, width, min(top + _ROWS_PER_CHUNK, height))))
        grey[top : top + _ROWS_PER_CHUNK] = _grey_rows(rows, im.mode)
    return grey


def _grey_rows(pixels: np.ndarray, mode: str) -> np.ndarray:
    """Rows of uint8 L/LA/RGB/RGBA pixels as float32 grey, alpha over white (ITU-R 601 luma)."""
    arr = pixels.astype(np.float32) / 255.0
    alpha = None
    if mode in ("LA", "RGBA"):
        alpha = arr[..., -1]
        arr = arr[..., :-1]
    if arr.shape[-1] == 3:
        grey = arr[..., 0] * 0.299 + arr[..., 1] * 0.587 + arr[..., 2] * 0.114
    else:
        grey = arr[..., 0]
    if alpha is not None:
        grey = grey * alpha + (1.0 - alpha)
    return np.clip(grey, 0, 1).astype(np.float32)


def load_grey(path: str | Path | bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Load any image file (or the bytes of one) as float32 (H, W) in [0, 1], 1 = white.

    Raises BadInput with a one-line reason for unreadable, truncated, empty or oversized files.
    """
    read_size(path, max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(_opened(path)) as im:
                im.load()
                return pil_to_grey(_upright(im))
    except BadInput:
        raise
    except Exception as exc:
        raise BadInput(f"cannot decode ({type(exc).__name__}: {exc})") from None


def decode_grey(data: bytes, max_pixels: int = MEMBER_MAX_PIXELS) -> np.ndarray:
    """Decode encoded image bytes (a shard member: PNG, JPEG, ...) to float32 grey in [0, 1];
    the pixel count is checked from the header first, as :func:`load_grey` does for files."""
    read_size(data, max_pixels)
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            return pil_to_grey(_upright(im))
    except Exception as exc:
        raise BadInput(f"cannot decode image bytes ({type(exc).__name__}: {exc})") from None


def to_uint8(image: np.ndarray) -> np.ndarray:
    """float [0, 1] -> uint8 [0, 255], rounded (in blocks of rows: no full-size float temporaries)."""
    out = np.empty(image.shape, np.uint8)
    for top in range(0, image.shape[0] if image.ndim else 1, _ROWS_PER_CHUNK):
        block = image[top : top + _ROWS_PER_CHUNK] if image.ndim else image
        out[top : top + _ROWS_PER_CHUNK] = np.clip(np.rint(block * 255.0), 0, 255)
    return out


def encode_png(image: np.ndarray) -> bytes:
    """Encode a float [0, 1] or uint8 grey image as 8-bit grey PNG bytes."""
    if image.dtype != np.uint8:
        image = to_uint8(image)
    ok, buf = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise RuntimeError("PNG encoding failed")
    return buf.tobytes()


def save_png(path: str | Path, image: np.ndarray) -> None:
    """Save a grey image (float [0, 1] or uint8) as an 8-bit PNG, atomically."""
    atomic_write_bytes(path, encode_png(image))


def list_images(root: str | Path) -> list[Path]:
    """All image files under a folder (recursive), sorted for a stable order."""
    root = Path(root)
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from sketchdata.image.io import BadInput, decode_grey, encode_png, load_grey, read_size


def test_modes_convert_to_grey_float(tmp_path):
    rgb = np.zeros((8, 8, 3), np.uint8)
    rgb[..., 0] = 255  # pure red -> luma 0.299
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    assert np.allclose(load_grey(tmp_path / "rgb.png"), 0.299, atol=1 / 255)

    grey16 = (np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000)
    Image.fromarray(grey16).save(tmp_path / "g16.png")
    g = load_grey(tmp_path / "g16.png")
    assert g.dtype == np.float32 and abs(g[7, 7] - 63000 / 65535) < 1e-3

    Image.fromarray(rgb).convert("CMYK").save(tmp_path / "cmyk.jpg")
    assert load_grey(tmp_path / "cmyk.jpg").shape == (8, 8)

    Image.fromarray(rgb).convert("P").save(tmp_path / "pal.png")
    assert np.allclose(load_grey(tmp_path / "pal.png"), 0.299, atol=2 / 255)


def test_alpha_is_composited_over_white(tmp_path):
    rgba = np.zeros((4, 4, 4), np.uint8)  # black, fully transparent
    rgba[0, 0, 3] = 255  # one opaque black pixel
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    g = load_grey(tmp_path / "a.png")
    assert g[0, 0] == 0.0 and np.all(g.ravel()[1:] == 1.0)


def test_bad_files_raise_badinput_with_reason(tmp_path):
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(BadInput, match="not a readable image"):
        load_grey(tmp_path / "text.png")
    Image.fromarray(np.zeros((64, 64), np.uint8)).save(tmp_path / "full.png")
    data = (tmp_path / "full.png").read_bytes()
    (tmp_path / "trunc.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(BadInput):
        load_grey(tmp_path / "trunc.png")
    with pytest.raises(BadInput, match="not found"):
        load_grey(tmp_path / "missing.png")


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height but which holds almost no data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\0" * 16))
            + _chunk(b"IEND", b""))


def test_decompression_bomb_header_is_refused_before_decoding(tmp_path):
    (tmp_path / "bomb.png").write_bytes(_png_header_only(100_000, 100_000))
    with pytest.raises(BadInput, match="decompression bomb"):
        read_size(tmp_path / "bomb.png")


def test_png_round_trip():
    img = np.linspace(0, 1, 100, dtype=np.float32).reshape(10, 10)
    back = decode_grey(encode_png(img))
    assert np.abs(back - img).max() <= 0.5 / 255 + 1e-6

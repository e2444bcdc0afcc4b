"""benchmarks/clipart_outlines.py: the ink outlines of coloured drawings become line art, their
fills removed; drawings painted without ink lines, or inked as solid black, are dropped.
The renderer is replaced by drawings made here (no fetched data, no [clipart] extra)."""

import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import clipart_outlines  # noqa: E402
import clipart_selection  # noqa: E402


def drawing(size: int, fill=(0.9, 0.2, 0.2), ring=(0.0, 0.0, 0.0), ring_px: float = 3.0) -> np.ndarray:
    """A coloured disc on white paper, with a ring of ``ring`` colour around it."""
    rgb = np.ones((size, size, 3), np.float32)
    centre, radius = (size // 2, size // 2), size // 6
    cv2.circle(rgb, centre, radius, fill, -1, cv2.LINE_AA)
    cv2.circle(rgb, centre, radius, ring, max(1, round(ring_px * size / 384)), cv2.LINE_AA)
    return rgb


@pytest.fixture
def renders(monkeypatch):
    """Serve drawings by name instead of rendering SVG files."""
    kinds = {"outlined.svg": {}, "painted.svg": {"ring": (0.9, 0.2, 0.2)},
             "black.svg": {"fill": (0.0, 0.0, 0.0)}}
    monkeypatch.setattr(clipart_outlines, "render", lambda path, size=384: drawing(size, **kinds[Path(path).name]))
    monkeypatch.setattr(clipart_selection, "size_ratio", lambda path: 1.0)
    monkeypatch.setattr(clipart_selection, "rendered_name", lambda path: Path(path).stem + ".png")


def test_outlined_drawings_are_kept_painted_and_solid_ones_dropped(renders):
    assert clipart_outlines.judge("outlined.svg")[1]["reason"] == "kept"
    assert clipart_outlines.judge("painted.svg")[1]["reason"] == "outlined"  # no ink lines around its regions
    assert clipart_outlines.judge("black.svg")[1]["reason"] == "filled"  # a silhouette, not line art


def test_the_rendered_outline_keeps_the_ring_and_drops_the_fill(renders):
    _, grey = clipart_outlines.render_outline("outlined.svg")
    assert grey.shape == (clipart_selection.LINEART_SIDE, clipart_selection.LINEART_SIDE) and grey.dtype == np.uint8
    side = clipart_selection.LINEART_SIDE
    assert grey[side // 2, side // 2] == 255  # the red fill is paper now
    ring_row = grey[side // 2, : side // 2]
    assert ring_row.min() < 128  # the outline is ink
    assert (grey < 128).mean() < 0.05  # and only the outline

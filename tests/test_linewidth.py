import numpy as np
import pytest

from sketchdata.image.linewidth import median_stroke_width, width_samples
from sketchdata.drawing.render import render_polylines

LINES = [np.array([[10, 10], [200, 180.0]]), np.array([[10, 100], [200, 30.0]]), np.array([[30, 250], [250, 240.0]])]


@pytest.mark.parametrize("width", [1.0, 1.5, 2.0, 3.0, 4.0, 6.0])
def test_rendered_lines_measure_their_width_whatever_their_darkness(width):
    img = render_polylines(LINES, (256, 256), widths=width)
    assert median_stroke_width(img) == pytest.approx(width, abs=0.2)
    grey_on_grey = 0.35 + 0.55 * img  # faint pencil on toned paper: same width
    assert median_stroke_width(grey_on_grey) == pytest.approx(width, abs=0.25)


def test_blank_or_tiny_drawings_have_no_width():
    assert median_stroke_width(np.ones((64, 64), np.float32)) is None
    assert width_samples(np.ones((64, 64), np.float32)).size == 0
    dot = np.ones((64, 64), np.float32)
    dot[30:32, 30:32] = 0
    assert median_stroke_width(dot) is None


@pytest.mark.slow
def test_large_scans_are_measured_on_crops_at_full_resolution():
    lines = [np.array([[0, 40 * k + 10], [3000, 40 * k + 30]], float) for k in range(60)]
    big = render_polylines(lines, (2400, 3000), widths=2.0, supersample=2)
    assert median_stroke_width(big, max_pixels=2_000_000) == pytest.approx(median_stroke_width(big[:1200, :1500]), abs=0.2)

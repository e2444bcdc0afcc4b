"""Benchmark metrics with numbers worked out by hand (shared/design/metrics.md)."""

import json

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from sketchtrain.cli import app
from sketchtrain.evaluation.metrics import score, stroke_scores


def blank(h=20, w=40):
    return np.full((h, w), 255, np.uint8)


def test_one_pixel_moved_by_one():
    pred, gt = blank(), blank()
    pred[10, 10] = 0
    gt[10, 11] = 0
    below = stroke_scores(pred, gt, tol_px=0.99)
    assert below["f"] == 0.0 and below["precision"] == 0.0 and below["recall"] == 0.0
    at = stroke_scores(pred, gt, tol_px=1.0)
    assert at["f"] == 1.0
    assert at["chamfer"] == pytest.approx(1 / 40)  # (1 + 1) / 2 / long edge
    assert at["hausdorff"] == pytest.approx(1 / 40)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_drawing_shifted_by_k_matches_once_tolerance_reaches_k(k):
    gt = blank(40, 60)
    gt[20, 5:50] = 0  # horizontal line
    gt[5:35, 30] = 0  # vertical line
    pred = np.roll(gt, k, axis=0)  # shifted down by k
    assert stroke_scores(pred, gt, tol_px=k)["f"] == 1.0
    assert stroke_scores(pred, gt, tol_px=k - 0.5)["f"] < 1.0


def test_an_added_thick_bar_keeps_recall_and_costs_precision():
    gt = blank(40, 60)
    gt[20, 5:55] = 0  # 50 stroke pixels
    pred = gt.copy()
    pred[2:7, 5:15] = 0  # a 5 x 10 bar far from the line: 50 extra stroke pixels
    s = stroke_scores(pred, gt, tol_px=1)
    assert s["recall"] == 1.0
    assert s["precision"] == pytest.approx(50 / 100)
    assert s["f"] == pytest.approx(2 * 0.5 / 1.5)


def test_tolerance_in_thousandths_of_the_long_edge():
    pred, gt = blank(100, 1000), blank(100, 1000)
    pred[50, 500] = 0
    gt[50, 502] = 0
    assert stroke_scores(pred, gt, tol_permille=2)["f"] == 1.0  # 2/1000 of 1000 px = 2 px
    assert stroke_scores(pred, gt, tol_permille=1)["f"] == 0.0
    assert "2/1000 of the long edge" in stroke_scores(pred, gt, tol_permille=2)["tolerance"]


def test_stroke_level_is_191_inclusive_and_blank_is_explicit():
    pred, gt = blank(), blank()
    pred[5, 5] = 191
    gt[5, 5] = 192  # not a stroke: gt is blank
    s = stroke_scores(pred, gt, tol_px=1)
    assert s["blank"] is True and "reference" in s["blank_reason"] and "f" not in s


def test_size_mismatch_is_an_error():
    with pytest.raises(ValueError, match="size mismatch"):
        stroke_scores(blank(10, 10), blank(10, 12), tol_px=1)


def test_grey_metrics():
    gt = blank(32, 32)
    gt[10:20, 10] = 0
    s = score(gt, gt, tol_px=1)
    assert s["mse"] == 0 and s["psnr"] == float("inf") and s["ssim"] == pytest.approx(1.0)


def test_score_command_prints_json_with_alpha_composited(tmp_path):
    gt = blank(20, 20)
    gt[5, 5:15] = 0
    Image.fromarray(gt).save(tmp_path / "clean.png")
    rgba = np.zeros((20, 20, 4), np.uint8)
    rgba[5, 5:15, 3] = 255  # opaque black line on a transparent page
    Image.fromarray(rgba, "RGBA").save(tmp_path / "out.png")
    result = CliRunner().invoke(app, ["score", str(tmp_path / "clean.png"), str(tmp_path / "out.png"), "--tol-px", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["f"] == 1.0 and data["precision"] == 1.0 and "over white" in data["alpha"]

"""Removing specks: isolated small marks go with their rim, lines and marks joined to them stay,
and simplify / the CLI / the app apply it between the network and binarisation; evaluate scores
the output as simplify writes it."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from sketchdata.drawing.shapes import procedural_line_art
from sketchdata.image.io import load_grey, save_png
from sketchtrain.cli import app
from sketchtrain.evaluation.evaluate import EvalOptions, evaluate
from sketchtrain.evaluation.metrics import score
from sketchtrain.inference.despeckle import PAPER_LEVEL, remove_specks
from sketchtrain.inference.runner import Simplifier, load_model
from sketchtrain.inference.simplify import SimplifyOptions, simplify_image

runner = CliRunner()


def page_with_marks() -> np.ndarray:
    page = np.ones((60, 80), np.float32)
    page[10, 5:75] = 0.0  # a line, 70 px
    page[9, 5:75] = page[11, 5:75] = 0.6  # its grey rim
    page[30:32, 10:12] = 0.0  # a 2x2 dot: 4 px
    page[29:33, 9:13][page[29:33, 9:13] == 1.0] = 0.8  # with a rim: 16 px in all
    page[30:33, 40:43] = 0.2  # a 3x3 dot: 9 px
    page[40:46, 60:66] = 0.1  # a 6x6 mark: 36 px
    page[12, 30] = 0.5  # a dot touching the line's rim: part of the line
    page[50, 20] = 0.95  # a trace lighter than the paper level: paper already
    return page


def test_small_isolated_marks_go_with_their_rim_and_the_rest_stays():
    page = page_with_marks()
    before = page.copy()
    out = remove_specks(page, 16)
    assert np.array_equal(page, before)  # a new array; the input is untouched
    assert out.dtype == np.float32 and out.shape == page.shape
    assert (out[29:33, 9:13] == 1.0).all()  # the 4 px dot and its rim
    assert (out[30:33, 40:43] == 1.0).all()  # the 9 px dot
    assert np.array_equal(out[40:46, 60:66], page[40:46, 60:66])  # 36 px: kept
    assert np.array_equal(out[9:13], page[9:13])  # the line, its rim and the dot joined to it
    assert out[50, 20] == page[50, 20]


def test_the_area_is_an_upper_bound_and_zero_keeps_everything():
    page = page_with_marks()
    assert np.array_equal(remove_specks(page, 0), page)
    assert (remove_specks(page, 9)[30:33, 40:43] == 1.0).all()  # exactly 9 px: removed
    assert np.array_equal(remove_specks(page, 8)[30:33, 40:43], page[30:33, 40:43])
    assert (remove_specks(page, 36)[40:46, 60:66] == 1.0).all()
    assert not (remove_specks(page, 10_000) < PAPER_LEVEL).any()  # the line is a mark of 210 px: it goes too
    assert (remove_specks(np.ones((5, 5), np.float32), 4) == 1.0).all()
    assert remove_specks(np.zeros((0, 4), np.float32), 4).shape == (0, 4)


@pytest.mark.parametrize("bad", [-1, 2.5, True, "8"])
def test_a_bad_area_is_refused_with_what_is_allowed(bad):
    with pytest.raises(ValueError, match="whole number of pixels, 0 .off. or more"):
        remove_specks(np.ones((4, 4), np.float32), bad)
    with pytest.raises(ValueError, match="whole number of pixels"):
        SimplifyOptions(despeckle=bad)


def test_mark_pixels_are_those_below_the_paper_level():
    page = np.ones((9, 9), np.float32)
    page[4, 4] = PAPER_LEVEL - 1e-3
    page[1, 1] = PAPER_LEVEL
    out = remove_specks(page, 1)
    assert out[4, 4] == 1.0 and out[1, 1] == PAPER_LEVEL


def test_simplify_removes_specks_after_the_network_and_before_binarising(model_file):
    model, _ = load_model(model_file)
    net = Simplifier(model, precision="fp32")
    image = procedural_line_art((72, 96), np.random.default_rng(3))
    image[60:62, 8:10] = 0.0  # a dot on the paper
    raw = net.simplify(image, 1.0)
    done = simplify_image(net, image, SimplifyOptions(scale=1.0, despeckle=12))
    assert np.array_equal(done.image, remove_specks(raw, 12))
    binary = simplify_image(net, image, SimplifyOptions(scale=1.0, despeckle=12, binarize=True, threshold=0.5))
    assert np.array_equal(binary.image, np.where(remove_specks(raw, 12) < 0.5, 0.0, 1.0))


def test_cli_option_and_its_error(model_file, tmp_path):
    save_png(tmp_path / "in" / "a.png", procedural_line_art((40, 56), np.random.default_rng(4)))
    result = runner.invoke(app, ["simplify", str(model_file), str(tmp_path / "in"), "-o", str(tmp_path / "out"),
                                 "--despeckle", "8", "--precision", "fp32", "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "a.png").exists()
    result = runner.invoke(app, ["simplify", str(model_file), str(tmp_path / "in"), "-o", str(tmp_path / "out2"),
                                 "--despeckle", "-3"])
    assert result.exit_code != 0 and "whole number of pixels" in result.output
    assert not (tmp_path / "out2" / "a.png").exists()



def test_evaluate_scores_the_despeckled_output_and_records_the_option(model_file, tmp_path):
    clean = procedural_line_art((64, 80), np.random.default_rng(0))
    rough = clean.copy()
    rough[50:52, 6:8] = 0.0  # a dot the clean version does not have
    save_png(tmp_path / "pairs" / "clean" / "p.png", clean)
    save_png(tmp_path / "pairs" / "rough" / "p.png", rough)
    report = evaluate(model_file, tmp_path / "pairs", tmp_path / "e",
                      EvalOptions(baselines=False, scale=1.0, precision="fp32", despeckle=12))
    model, _ = load_model(model_file)
    output = Simplifier(model, precision="fp32").simplify(load_grey(tmp_path / "pairs" / "rough" / "p.png"), 1.0)
    expected = score(remove_specks(output, 12), load_grey(tmp_path / "pairs" / "clean" / "p.png"))
    assert report.summary["model"]["f"] == pytest.approx(expected["f"])
    assert json.loads((tmp_path / "e" / "summary.json").read_text())["options"]["despeckle"] == 12
    with pytest.raises(ValueError, match="whole number of pixels"):
        EvalOptions(despeckle=-2)

"""evaluate: dataset and folder inputs, baselines in the table, report files."""

import pytest
import json

import numpy as np
from typer.testing import CliRunner

from conftest import calibrated_model, save_model_checkpoint
from sketchdata.shards.build import build_dataset
from sketchdata.image.io import save_png
from sketchdata.drawing.shapes import procedural_line_art
from sketchdata.recipe import load_recipe
from sketchtrain.cli import app


@pytest.mark.slow
def test_evaluate_a_dataset_writes_table_json_csv_and_html(tiny_project, tmp_path):
    dataset = build_dataset(load_recipe(tiny_project / "recipe.yaml")).out_dir
    ckpt = save_model_checkpoint(tmp_path / "m.pt", calibrated_model())
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["evaluate", "--model", str(ckpt), dataset, "-o", str(tmp_path / "eval")])
    assert result.exit_code == 0, result.output
    for method in ("model", "otsu", "sauvola", "potrace", "threshold_best"):
        assert method in result.output
    summary = json.loads((tmp_path / "eval" / "summary.json").read_text())
    assert summary["count"] > 0 and summary["tolerance"] == "1 px"
    assert set(summary["summary"]) >= {"model", "otsu", "sauvola", "potrace", "threshold_0.5", "threshold_best"}
    assert 0.0 <= summary["summary"]["otsu"]["f"] <= 1.0
    html = (tmp_path / "eval" / "report.html").read_text()
    assert "Worst and best cases" in html and "images/00000_model.png" in html
    assert (tmp_path / "eval" / "images" / "00000_model.png").exists()
    rows = (tmp_path / "eval" / "per_image.csv").read_text().splitlines()
    assert rows[0].startswith("index,name,method,precision")


def test_evaluate_a_rough_clean_folder(tmp_path):
    for i in range(2):
        clean = procedural_line_art((64, 80), np.random.default_rng(i))
        save_png(tmp_path / "pairs" / "clean" / f"p{i}.png", clean)
        save_png(tmp_path / "pairs" / "rough" / f"p{i}.png", np.clip(clean + 0.1, 0, 1))
    ckpt = save_model_checkpoint(tmp_path / "m.pt", calibrated_model())
    result = CliRunner().invoke(app, ["evaluate", "--model", str(ckpt), str(tmp_path / "pairs"), "-o", str(tmp_path / "e"),
                                      "--tol-permille", "10", "--no-baselines"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "e" / "summary.json").read_text())
    assert summary["count"] == 2 and list(summary["summary"]) == ["model"]
    assert "10/1000 of the long edge" in summary["tolerance"]


@pytest.mark.slow
def test_sheet_on_sketches_without_ground_truth(tmp_path):
    for i in range(2):
        save_png(tmp_path / "sketches" / f"s{i}.png", procedural_line_art((60, 70), np.random.default_rng(i)))
    (tmp_path / "sketches" / "bad.png").write_text("x")
    ckpt = save_model_checkpoint(tmp_path / "m.pt", calibrated_model())
    result = CliRunner().invoke(app, ["sheet", "--model", str(ckpt), str(tmp_path / "sketches"), "-o", str(tmp_path / "s.png")])
    assert result.exit_code == 0, result.output
    assert "2 rows" in result.output and "bad.png" in result.output
    from sketchdata.image.io import load_grey
    assert load_grey(tmp_path / "s.png").shape[1] > 4 * 300  # four columns

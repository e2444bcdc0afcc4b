import json

import pytest

from typer.testing import CliRunner

from conftest import write_recipe
from sketchdata.cli import app

runner = CliRunner()


@pytest.mark.slow
def test_build_inspect_preview_augment(tiny_project, tmp_path):
    result = runner.invoke(app, ["build", "--recipe", str(tiny_project / "recipe.yaml"), "--workers", "2", "-q"])
    assert result.exit_code == 0, result.output
    assert "complete" in result.output and "samples/s" in result.output
    out = tiny_project / "out"
    result = runner.invoke(app, ["inspect", str(out), "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["splits"]["train"]["samples"] == stats["counts"]["train"]["samples"] > 0
    result = runner.invoke(app, ["preview", str(out), "-o", str(tmp_path / "sheet.png"), "-n", "4"])
    assert result.exit_code == 0 and (tmp_path / "sheet.png").stat().st_size > 1000
    result = runner.invoke(app, ["preview", "--effects", "-o", str(tmp_path / "gallery.png")])
    assert result.exit_code == 0 and "rough, slur, tone, random" in result.output
    result = runner.invoke(app, ["augment", "--noise", "slur", "--strength", "0.3,0.6", str(out), str(tmp_path / "slurred")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["inspect", str(tmp_path / "slurred"), "--json"])
    assert result.exit_code == 0


def test_bad_recipe_exits_2_with_field_in_message(tiny_project):
    write_recipe(tiny_project, patches={"size": 65})
    result = runner.invoke(app, ["build", "--recipe", str(tiny_project / "recipe.yaml")])
    assert result.exit_code == 2
    assert "patches.size" in result.output and "65" in result.output


def test_missing_dataset_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["inspect", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "no such dataset folder" in result.output

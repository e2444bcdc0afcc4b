"""simplify with an exported OpenVINO IR: same outputs as PyTorch, tiled equals whole, no torch
imported on that path, and clear errors for IRs it cannot run.

OpenVINO compiles and runs in child processes here: in the full suite, a pytest process that had
trained in-process (DataLoader workers) and then held compiled OpenVINO models while starting
subprocesses crashed once (SIGSEGV, not reproduced outside pytest). Users' processes do not mix
the two: `simplify` with an IR never imports torch."""

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from sketchdata.image.io import load_grey
from sketchdata.drawing.shapes import procedural_line_art
from sketchtrain.models.registry import build_model, model_config
from sketchtrain.inference.runner import Simplifier, load_model
from sketchtrain.inference.openvino_runner import OpenVinoModelError, OpenVinoRunner
from conftest import calibrated_model, make_drawings, save_model_checkpoint, smallest_models

pytest.importorskip("openvino")


def _trained_statistics_model(arch: str, variant: str):
    torch.manual_seed(1)
    model = build_model(model_config(variant, arch=arch))
    drawings = torch.from_numpy(np.stack([procedural_line_art((96, 96), np.random.default_rng(i)) for i in range(4)]))
    model.train()
    with torch.no_grad():
        model(drawings[:, None])  # batch-norm statistics from drawings, not the defaults
    return model.eval()


@pytest.fixture(scope="module", params=smallest_models(), ids=lambda model: model[0])
def exported(request, tmp_path_factory) -> tuple[Path, Path]:
    """(checkpoint, its OpenVINO IR) for each architecture (its smallest size; the fcn: the
    calibrated test model), with a training line width recorded."""
    arch, variant = request.param
    folder = tmp_path_factory.mktemp(arch)
    model = calibrated_model() if arch == "fcn" else _trained_statistics_model(arch, variant)
    model.config = dataclasses.replace(model.config, line_width=1.7, scale_rule="lines")
    checkpoint = save_model_checkpoint(folder / "m.pt", model)
    done = subprocess.run([sys.executable, "-m", "sketchtrain", "export", "--model", str(checkpoint), "-o",
                           str(folder / "m.xml")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return checkpoint, folder / "m.xml"


@pytest.mark.slow
def test_openvino_runner_matches_pytorch_and_tiles_match_whole(exported):
    checkpoint, xml = exported
    script = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
              f"from test_openvino_runner import compare_with_pytorch; compare_with_pytorch({str(checkpoint)!r}, "
              f"{str(xml)!r}); print('COMPARED')")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0 and "COMPARED" in done.stdout, done.stdout + done.stderr


def compare_with_pytorch(checkpoint: str, xml: str) -> None:
    """Runs in a child process (module docstring)."""
    model, info = load_model(checkpoint)
    torch_runner = Simplifier(model, precision="fp32", tile_pixels=10**9)
    whole = OpenVinoRunner(xml, precision="fp32", tile_pixels=10**9)
    tiled = OpenVinoRunner(xml, precision="fp32", tile=64, margin=64, tile_pixels=1)
    assert whole.stride == torch_runner.stride and whole.margin == torch_runner.margin
    assert whole.line_width == pytest.approx(1.7) == info["line_width"]
    assert whole.scale_rule == "lines" == info["scale_rule"] == torch_runner.scale_rule  # the IR keeps the rule
    for shape in [(37, 53), (203, 298)]:
        image = procedural_line_art(shape, np.random.default_rng(shape[0]))
        reference = torch_runner.simplify(image)
        out = whole.simplify(image)
        assert out.shape == shape and np.abs(out - reference).max() <= 1e-3
        assert np.abs(tiled.simplify(image) - out).max() <= 1 / 255
    image = procedural_line_art((90, 120), np.random.default_rng(5))
    views = OpenVinoRunner(xml, precision="fp32", views=4).simplify(image, scale="auto")
    expected = Simplifier(model, precision="fp32", views=4, line_width=1.7).simplify(image, scale="auto")
    assert np.abs(views - expected).max() <= 1e-3


@pytest.mark.slow
def test_simplify_cli_runs_an_ir_without_importing_torch(exported, tmp_path):
    checkpoint, xml = exported
    make_drawings(tmp_path / "in", 2, (90, 130))
    script = ("import sys; from sketchtrain.cli import app\n"
              f"sys.argv = ['sketchtrain', 'simplify', {str(tmp_path / 'in')!r}, '-o', {str(tmp_path / 'ov')!r}, "
              f"'--model', {str(xml)!r}, '--scale', '1.3', '-q']\n"
              "try:\n    app()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
              "print('TORCH', 'torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "TORCH False" in done.stdout
    done = subprocess.run([sys.executable, "-m", "sketchtrain", "simplify", str(tmp_path / "in"), "-o",
                           str(tmp_path / "pt"), "--model", str(checkpoint), "--scale", "1.3", "-q"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for name in ("d00.png", "d01.png"):  # both bf16 on a bf16 CPU: rounding differs a little
        a, b = load_grey(tmp_path / "ov" / name), load_grey(tmp_path / "pt" / name)
        assert a.shape == b.shape and np.mean(np.abs(a - b) > 8 / 255) < 0.01


def test_irs_it_cannot_run_are_refused_with_the_reason(tmp_path):
    import openvino as ov

    from typer.testing import CliRunner

    from sketchtrain.cli import app

    make_drawings(tmp_path / "in", 1, (64, 64))
    rough = ov.opset13.parameter([1, 1, -1, -1], ov.Type.f32)
    plain = ov.Model([ov.opset13.relu(rough)], [rough], "plain")  # an IR from elsewhere
    ov.save_model(plain, str(tmp_path / "foreign.xml"))
    with pytest.raises(OpenVinoModelError, match="no sketch-simplify information"):
        OpenVinoRunner(tmp_path / "foreign.xml")
    result = CliRunner().invoke(app, ["simplify", str(tmp_path / "in"), "-o", str(tmp_path / "o"), "--model",
                                      str(tmp_path / "foreign.xml")])
    assert result.exit_code != 0 and "export it again" in result.output
    (tmp_path / "lonely.xml").write_text((tmp_path / "foreign.xml").read_text())
    with pytest.raises(OpenVinoModelError, match="lonely.bin is missing"):
        OpenVinoRunner(tmp_path / "lonely.xml")
    (tmp_path / "lonely.bin").write_bytes(b"")
    (tmp_path / "lonely.xml").write_text("not xml at all")
    with pytest.raises(OpenVinoModelError, match="not a readable OpenVINO IR"):
        OpenVinoRunner(tmp_path / "lonely.xml")


@pytest.mark.slow
def test_the_app_offers_an_ir_once_not_its_weights_file(exported):
    from sketchtrain.app.jobs import SketchApp

    checkpoint, xml = exported
    names = list(SketchApp(models_dir=xml.parent).choices)
    assert "m.xml" in names and "m.pt" in names and "m.bin" not in names

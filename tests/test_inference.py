"""simplify: odd sizes, tiles == whole, scale, folders, released layout, export, SVG."""

from pathlib import Path

import numpy as np
import pytest
import torch

from sketchtrain.models.registry import ARCHITECTURES
from typer.testing import CliRunner

from sketchdata.image.io import load_grey, save_png
from sketchdata.drawing.shapes import procedural_line_art
from sketchtrain.cli import app
from sketchtrain.inference.runner import Simplifier, load_model
from sketchtrain.evaluation.metrics import score
from sketchtrain.models.fcn import fold_batchnorm, released_sequential
from conftest import calibrated_model, save_model_checkpoint

runner = CliRunner()


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    return save_model_checkpoint(tmp_path_factory.mktemp("model") / "tiny.pt", calibrated_model())


@pytest.fixture(scope="module")
def runner_fp32(checkpoint) -> Simplifier:
    model, _ = load_model(checkpoint)
    return Simplifier(model, precision="fp32", tile=64, margin=64, blend=16, tile_pixels=10**9)


@pytest.mark.slow
@pytest.mark.parametrize("shape", [(37, 53), (64, 64), (71, 8), (9, 130)])
def test_any_size_comes_back_the_same_size(runner_fp32, shape):
    image = procedural_line_art(shape, np.random.default_rng(1)) if min(shape) >= 16 else np.ones(shape, np.float32)
    out = runner_fp32.simplify(image)
    assert out.shape == shape and out.dtype == np.float32 and 0 <= out.min() <= out.max() <= 1


@pytest.mark.slow
def test_tiled_equals_whole_image_within_one_level(runner_fp32):
    image = procedural_line_art((203, 298), np.random.default_rng(2))
    whole = runner_fp32.run_padded(image)
    tiled = runner_fp32.run_tiled(image)
    assert whole.std() > 0.01  # the model's output really depends on the input
    assert np.abs(whole - tiled).max() <= 1 / 255


def test_scale_control_runs_smaller_and_returns_full_size(runner_fp32):
    image = procedural_line_art((160, 200), np.random.default_rng(3))
    full, half = runner_fp32.simplify(image, 1.0), runner_fp32.simplify(image, 0.5)
    assert half.shape == full.shape and not np.allclose(half, full, atol=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize("views", [2, 8])
def test_test_time_views_average_the_mapped_back_outputs(checkpoint, views):
    """Each view is a rotation/mirror of the input; its output is mapped back before averaging,
    so a non-square image comes back aligned, and the mean equals the views done by hand."""
    model, _ = load_model(checkpoint)
    plain = Simplifier(model, precision="fp32", tile_pixels=10**9)
    tta = Simplifier(model, precision="fp32", tile_pixels=10**9, views=views)
    image = procedural_line_art((64, 96), np.random.default_rng(4))
    by_hand = []
    for turns in range(4 if views == 8 else 1):
        for mirrored in (False, True):
            view = np.rot90(image[:, ::-1] if mirrored else image, turns)
            back = np.rot90(plain.simplify(np.ascontiguousarray(view)), -turns)
            by_hand.append(back[:, ::-1] if mirrored else back)
    got = tta.simplify(image)
    assert got.shape == image.shape
    assert np.abs(got - np.mean(by_hand, 0)).max() < 1e-5
    assert np.abs(got - plain.simplify(image)).max() > 1e-4  # the views really differ
    with pytest.raises(ValueError, match="views"):
        Simplifier(model, views=3)


def test_cli_walks_folders_keeps_names_and_reports_bad_files(checkpoint, tmp_path):
    src = tmp_path / "in"
    save_png(src / "a.png", procedural_line_art((40, 56), np.random.default_rng(4)))
    save_png(src / "sub" / "b.png", procedural_line_art((48, 40), np.random.default_rng(5)))
    (src / "sub" / "broken.png").write_text("no image here")
    rgba = np.zeros((24, 24, 4), np.uint8)
    from PIL import Image
    Image.fromarray(rgba, "RGBA").save(src / "clear.png")  # transparent: composited over white
    result = runner.invoke(app, ["simplify", str(checkpoint), str(src), "-o", str(tmp_path / "out"), "--svg",
                                 "--binarize", "--precision", "fp32"])
    assert result.exit_code == 1, result.output  # one file failed, the rest went through
    assert "broken.png" in result.output and "not a readable image" in result.output
    for name in ("a.png", "sub/b.png", "clear.png", "a.svg"):
        assert (tmp_path / "out" / name).exists(), name
    assert set(np.unique(load_grey(tmp_path / "out" / "a.png"))) <= {0.0, 1.0}


def test_released_layout_runs_and_needs_its_constants(tmp_path):
    torch.manual_seed(3)
    state = {f"layers.{k}": v for k, v in released_sequential(1 / 16).state_dict().items()}
    torch.save(state, tmp_path / "model_gan.pth")
    model, info = load_model(tmp_path / "model_gan.pth")
    assert info["constants"] == "gan"
    x = torch.rand(1, 1, 16, 24)
    assert model(x).shape == x.shape
    torch.save(state, tmp_path / "weights.pth")
    with pytest.raises(Exception, match="--constants"):
        load_model(tmp_path / "weights.pth")
    model, info = load_model(tmp_path / "weights.pth", "0.95,0.1")
    assert float(model.norm_mean) == pytest.approx(0.95)


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".onnx", ".pt", ".xml"])
def test_export_matches_pytorch(checkpoint, tmp_path, suffix):
    result = runner.invoke(app, ["export", str(checkpoint), "-o", str(tmp_path / f"m{suffix}")])
    assert result.exit_code == 0, result.output
    assert "max |exported - pytorch|" in result.output
    diff = float(result.output.split("= ")[1].split()[0])
    assert diff <= 1e-3
    if suffix == ".xml":  # OpenVINO IR: the weights file beside it, no temporaries left
        assert (tmp_path / "m.bin").stat().st_size > 0
        assert sorted(p.name for p in tmp_path.iterdir()) == ["m.bin", "m.xml"]


def test_svg_round_trip_is_close_to_the_png(tmp_path):
    from sketchtrain.inference.vectorize import rasterize_svg_paths, trace

    image = procedural_line_art((120, 160), np.random.default_rng(6))
    binary = np.where(image < 0.5, 0.0, 1.0)
    back = rasterize_svg_paths(trace(binary), binary.shape)
    assert score(back, binary, tol_px=1)["f"] >= 0.95


def test_fast_path_agrees_with_plain_fp32(checkpoint):
    from sketchtrain.models.checkpoint import load_checkpoint, model_from_checkpoint

    plain = model_from_checkpoint(load_checkpoint(checkpoint))
    folded = fold_batchnorm(plain)
    image = procedural_line_art((96, 128), np.random.default_rng(7))
    with torch.no_grad():
        reference = plain(torch.from_numpy(image)[None, None])[0, 0].numpy()
    fast = Simplifier(folded, precision="bf16").run_padded(image)
    assert np.abs(fast - reference).max() < 0.05


@pytest.mark.slow
@pytest.mark.parametrize("arch_checkpoint", sorted(ARCHITECTURES))
def test_safetensors_export_loads_in_every_command_and_matches(checkpoint, tmp_path, arch_checkpoint):
    from safetensors import safe_open

    from sketchtrain.models.registry import build_model, model_config
    from sketchtrain.inference.export import export_model
    from conftest import save_model_checkpoint, smallest_models

    source = checkpoint
    if arch_checkpoint != "fcn":  # the fixture is an fcn; every other architecture at its smallest size
        torch.manual_seed(0)
        variant = dict(smallest_models())[arch_checkpoint]
        source = save_model_checkpoint(tmp_path / "m.pt", build_model(model_config(variant, arch_checkpoint)).eval())
    out = tmp_path / "model.safetensors"
    report = export_model(source, out, format="safetensors")
    assert report["max_abs_diff"] <= 1e-6 and report["model"]["arch"] == arch_checkpoint
    with safe_open(str(out), framework="pt") as handle:  # plain tensors + JSON metadata, no pickle
        assert handle.metadata()["format"] == "sketchtrain-safetensors/1"
    image = tmp_path / "in.png"
    save_png(image, procedural_line_art((70, 90), np.random.default_rng(0)))
    result = runner.invoke(app, ["simplify", str(image), "-o", str(tmp_path / "o"), "--model", str(out), "--scale", "1"])
    assert result.exit_code == 0, result.output
    with pytest.raises(Exception, match="writes a .onnx"):
        export_model(source, tmp_path / "m.safetensors", format="onnx")

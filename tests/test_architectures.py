"""Contract tests over every registered architecture and size: shapes, gradients, stride and
receptive radius, batch-norm folding, tiled = whole, checkpoints, training, resume, export."""

import numpy as np
import pytest
import torch

from sketchtrain.models.registry import build_model, config_from_dict, fold_for_inference, model_config, model_flops
from sketchtrain.models.checkpoint import CheckpointError, load_checkpoint, model_from_checkpoint, save_checkpoint
from sketchtrain.inference.runner import Simplifier, load_model
from sketchdata.image.geometry import pad_to_multiple
from sketchtrain.training.loop import FitConfig, fit
from conftest import geometry_models, registered_models, smallest_models

# from the registry, so a new architecture or size is swept with no change here
EVERY_MODEL = registered_models()
SMALLEST = smallest_models()  # the cheapest size of each architecture, for the tests that run many passes
GEOMETRIES = geometry_models()  # the cheapest of each geometry (stride, receptive radius): e.g. unet lite's stem


def _with_batchnorm_statistics(model: torch.nn.Module) -> torch.nn.Module:
    """Random weights plus batch-norm running statistics measured on drawings (so folding and
    outputs are not trivially the identity of a fresh model)."""
    from sketchdata.drawing.shapes import procedural_line_art

    drawings = torch.from_numpy(np.stack([procedural_line_art((96, 96), np.random.default_rng(i)) for i in range(6)]))
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(drawings[:, None])
    return model.eval()


@pytest.mark.slow
@pytest.mark.parametrize("arch,variant", EVERY_MODEL)
def test_every_model_keeps_the_shape_stays_in_range_and_passes_gradients(arch, variant):
    torch.manual_seed(0)
    model = build_model(model_config(variant, arch))
    side = 2 * model.stride
    x = torch.rand(2, 1, side, 3 * model.stride)
    y = model(x)
    assert y.shape == x.shape and float(y.detach().min()) >= 0 and float(y.detach().max()) <= 1
    model(x, logits=True).mean().backward()
    assert all(p.grad is not None for p in model.parameters())
    assert model_flops(model.config, 512, 512) > 0
    with pytest.raises(ValueError, match=f"multiples of {model.stride}"):
        model(torch.rand(1, 1, side + 8 if model.stride > 8 else side + 4, side))


def _convolution_flops_run(model: torch.nn.Module, x: torch.Tensor) -> tuple[float, int]:
    """Multiply-adds x 2 of the convolutions a forward pass really runs (forward hooks), and the
    largest feature-map side any convolution writes."""
    flops, largest, hooks = [0.0], [0], []

    def count(module, inputs, output):
        k = module.kernel_size[0] * module.kernel_size[1]
        if isinstance(module, torch.nn.ConvTranspose2d):  # each input pixel scatters a k x k kernel
            flops[0] += 2.0 * inputs[0].numel() * module.out_channels * k
        else:
            flops[0] += 2.0 * output.numel() * module.in_channels // module.groups * k
        largest[0] = max(largest[0], output.shape[-1])

    for module in model.modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
            hooks.append(module.register_forward_hook(count))
    with torch.no_grad():
        model(x)
    for hook in hooks:
        hook.remove()
    return flops[0], largest[0]


@pytest.mark.slow
@pytest.mark.parametrize("arch,variant", EVERY_MODEL)
def test_flop_count_is_what_the_convolutions_run(arch, variant):
    """The GFLOP/MP of the comparison table are counted from layer shapes; they must equal what
    a forward pass runs, for every size (lite: at half resolution, 4 channels in and out)."""
    model = build_model(model_config(variant, arch)).eval()
    side = 2 * model.stride
    ran, largest = _convolution_flops_run(model, torch.rand(1, 1, side, side))
    assert model_flops(model.config, side, side) == pytest.approx(ran, rel=1e-9)
    if variant == "lite":  # no convolution writes a full-resolution map: the point of its stem
        assert largest == side // 2


@pytest.mark.slow
@pytest.mark.parametrize("arch,variant", GEOMETRIES)
def test_receptive_radius_bounds_what_an_output_pixel_sees(arch, variant):
    """The input pixels an output pixel depends on (non-zero gradient, float64) lie within the
    model's receptive radius, and reach beyond half of it: the radius is what the tile margin
    must cover, and it is not wildly over-stated."""
    torch.manual_seed(0)
    model = build_model(model_config(variant, arch)).double().eval()
    radius, stride = model.receptive_radius, model.stride
    side = 2 * (radius + 2 * stride) // stride * stride
    reaches = []
    for centre in (side // 2, side // 2 + 5, side // 2 + 11):  # every position within the stride grid
        x = torch.rand(1, 1, side, side, dtype=torch.float64, requires_grad=True)
        model(x, logits=True)[0, 0, centre, centre].backward()
        rows, cols = np.nonzero(x.grad[0, 0].numpy())
        reaches.append(max(np.abs(rows - centre).max(), np.abs(cols - centre).max()))
    assert radius / 2 < max(reaches) <= radius, (reaches, radius)


@pytest.mark.slow
@pytest.mark.parametrize("arch,variant", EVERY_MODEL)
def test_folded_inference_layout_matches_the_trained_model(arch, variant):
    torch.manual_seed(0)
    model = _with_batchnorm_statistics(build_model(model_config(variant, arch)))
    x = torch.rand(1, 1, 64, 80)
    with torch.no_grad():
        assert torch.allclose(fold_for_inference(model)(x), model(x), atol=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("arch,variant", GEOMETRIES)
def test_tiled_equals_whole_image_within_one_level_for_every_architecture(arch, variant):
    torch.manual_seed(0)
    model = fold_for_inference(_with_batchnorm_statistics(build_model(model_config(variant, arch))))
    image = np.random.default_rng(1).random((203, 331)).astype(np.float32)
    whole = Simplifier(model, precision="fp32", tile_pixels=10**9).simplify(image)
    # a margin below the receptive radius is raised to it: the tiles still agree
    tiled_runner = Simplifier(model, precision="fp32", tile_pixels=1, tile=64, margin=model.stride)
    assert tiled_runner.margin >= model.receptive_radius
    tiled = tiled_runner.simplify(image)
    assert np.abs(whole - tiled).max() <= 1 / 255


def test_pad_to_stride_pads_right_and_bottom_by_edge_values():
    image = np.arange(12, dtype=np.float32).reshape(3, 4)
    padded = pad_to_multiple(image, 8)
    assert padded.shape == (8, 8) and (padded[:3, :4] == image).all()
    assert (padded[7, :4] == image[2]).all() and (padded[:3, 7] == image[:, 3]).all()
    assert pad_to_multiple(np.zeros((16, 32)), 16).shape == (16, 32)


@pytest.mark.slow
@pytest.mark.parametrize("arch,variant", SMALLEST)
def test_checkpoints_rebuild_their_architecture_from_the_file_alone(arch, variant, tmp_path):
    torch.manual_seed(0)
    model = _with_batchnorm_statistics(build_model(model_config(variant, arch, line_width=1.5)))
    save_checkpoint(tmp_path / "m.pt", {"model": model.config.to_dict(), "state_dict": model.state_dict(), "step": 3})
    rebuilt = model_from_checkpoint(load_checkpoint(tmp_path / "m.pt"))
    x = torch.rand(1, 1, 48, 64)
    with torch.no_grad():
        assert torch.equal(rebuilt(x), model(x))
    folded, info = load_model(tmp_path / "m.pt")
    assert info["arch"] == arch and info["variant"] == variant and folded.stride == model.stride


def test_checkpoints_from_before_the_registry_are_the_fcn_and_unknown_fields_are_named():
    old = {k: v for k, v in model_config("eighth").to_dict().items() if k not in ("arch", "layout")}
    assert config_from_dict(old).arch == "fcn"
    with pytest.raises(ValueError, match="unknown architecture 'resnet'"):
        config_from_dict({**old, "arch": "resnet"})
    with pytest.raises(ValueError, match="fields this version does not know: heads"):
        config_from_dict({**old, "heads": 4})
    with pytest.raises(ValueError, match="unet variant 'quarter'"):
        model_config("quarter", "unet")


def test_a_checkpoint_of_an_unknown_architecture_is_refused_clearly(tmp_path):
    model = build_model(model_config("tiny", "unet"))
    save_checkpoint(tmp_path / "m.pt", {"model": {**model.config.to_dict(), "arch": "transformer"},
                                        "state_dict": model.state_dict(), "step": 0})
    with pytest.raises(CheckpointError, match="unknown architecture 'transformer'"):
        load_model(tmp_path / "m.pt")


UNET_FAST = dict(arch="unet", variant="tiny", batch=4, crop=48, val_every=5, ckpt_every=5, val_samples=8, workers=0,
                 epoch_batches=6, threads=2, norm_samples=8)


@pytest.mark.slow
def test_unet_trains_resumes_exactly_and_its_checkpoints_run_everywhere(shards, tmp_path):
    straight = fit(FitConfig(dataset=str(shards), out=str(tmp_path / "a"), steps=20, optimizer="adam", lr=3e-3,
                             **{**UNET_FAST, "val_every": 10}))
    assert straight.last_val_loss < 0.8 * straight.first_val_loss
    fit(FitConfig(dataset=str(shards), out=str(tmp_path / "b"), steps=10, optimizer="adam", lr=3e-3,
                  **{**UNET_FAST, "val_every": 10}))
    resumed = fit(FitConfig(dataset=str(shards), out=str(tmp_path / "b"), steps=20, resume=True, optimizer="adam",
                            lr=3e-3, **{**UNET_FAST, "val_every": 10}))
    losses = lambda r: [(h["step"], h["kind"], h["loss"]) for h in r.history]
    assert losses(straight) == losses(resumed)
    with pytest.raises(ValueError, match="arch was 'unet'"):
        fit(FitConfig(dataset=str(shards), out=str(tmp_path / "b"), steps=30, resume=True, optimizer="adam", lr=3e-3,
                      **{**UNET_FAST, "arch": "fcn", "variant": "sixteenth"}))
    ckpt = load_checkpoint(tmp_path / "a" / "best.pt")
    assert ckpt["model"]["arch"] == "unet" and ckpt["model"]["layout"]["channels"]
    # fine-tuning from it (--init) needs the same architecture, and says so otherwise
    fit(FitConfig(dataset=str(shards), out=str(tmp_path / "c"), steps=2, init=str(tmp_path / "a" / "best.pt"),
                  **UNET_FAST))
    with pytest.raises(Exception, match="unet tiny; pass the same --arch and --variant"):
        fit(FitConfig(dataset=str(shards), out=str(tmp_path / "d"), steps=2, init=str(tmp_path / "a" / "best.pt"),
                      **{**UNET_FAST, "arch": "fcn", "variant": "sixteenth"}))
    with pytest.raises(ValueError, match=r"multiple of 16 \(the stride of unet tiny\)"):
        fit(FitConfig(dataset=str(shards), out=str(tmp_path / "e"), steps=2, **{**UNET_FAST, "crop": 40}))


@pytest.mark.slow
@pytest.mark.parametrize("arch,variant", GEOMETRIES)  # unet lite: pixel (un)shuffle in the exported graph
def test_every_geometry_exports_to_onnx_torchscript_and_openvino_with_the_equivalence_check(arch, variant, shards,
                                                                                           tmp_path):
    from sketchtrain.inference.export import export_model

    fit(FitConfig(dataset=str(shards), out=str(tmp_path / "a"), steps=2,
                  **{**UNET_FAST, "arch": arch, "variant": variant}))
    for suffix in (".onnx", ".pt", ".xml"):
        report = export_model(tmp_path / "a" / "last.pt", tmp_path / f"m{suffix}")
        assert report["max_abs_diff"] <= 1e-3 and report["model"]["arch"] == arch


@pytest.mark.slow
def test_unet_trains_in_two_cpu_processes_with_torchrun(shards, tmp_path):
    import json

    from conftest import torchrun_fit

    out = tmp_path / "ddp"
    proc = torchrun_fit(shards, out, "--arch", "unet", "--variant", "tiny", "--steps", "4", "--batch", "2", "--crop",
                        "48", "--val-every", "2", "--val-samples", "8")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads((out / "ddp_check.json").read_text())["identical"] is True


@pytest.mark.slow
def test_released_weights_refuse_a_non_fcn_architecture_for_init(shards, tmp_path):
    from sketchtrain.models.fcn import released_sequential

    torch.save(released_sequential(0.0625).state_dict(), tmp_path / "model_mse.pth")
    with pytest.raises(ValueError, match="released weights, which are the fcn architecture: pass --arch fcn"):
        fit(FitConfig(dataset=str(shards), out=str(tmp_path / "r"), steps=1, init=str(tmp_path / "model_mse.pth"),
                      **UNET_FAST))

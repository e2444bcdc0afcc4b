"""Contract tests over every model variant, batch-norm folding and the released layout."""

import pytest
import torch

from sketchtrain.models.registry import model_config
from sketchtrain.models.fcn import (RELEASED_LAYERS, VARIANTS, SimplifyNet, fold_batchnorm, forward_flops,
                               released_sequential, unfold_into)
from sketchtrain.models.released import ReleasedWeightsError, is_released_layout, load_released, released_to_sequential


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_variant_shape_range_and_gradients(variant):
    torch.manual_seed(0)
    model = SimplifyNet(model_config(variant))
    if variant in ("full", "half"):  # too heavy for a backward pass here: check the plan only
        assert len(model.blocks) == 23
        return
    x = torch.rand(2, 1, 40, 48)
    y = model(x)
    assert y.shape == x.shape and torch.isfinite(y).all() and 0 <= y.min() and y.max() <= 1
    assert torch.allclose(torch.sigmoid(model(x, logits=True)), y)
    y.mean().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, f"no gradient reaches {name}"


@pytest.mark.slow
def test_full_width_matches_the_released_layer_table():
    model = SimplifyNet(model_config("full"))
    convs = [b[0] for b in model.blocks]
    assert [(c.in_channels, c.out_channels, c.kernel_size[0], c.stride[0]) for c in convs] == \
           [(cin, cout, k, s) for _, cin, cout, k, s in RELEASED_LAYERS]
    assert 470e9 < forward_flops(1.0, 512, 512) < 500e9  # ~490 GFLOP per 512x512 pass (paper.md)


def test_sizes_not_multiple_of_8_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="multiples of 8"):
        SimplifyNet(model_config("sixteenth"))(torch.rand(1, 1, 30, 32))


@pytest.mark.slow
def test_folding_batchnorm_gives_the_same_output_and_the_released_keys():
    torch.manual_seed(1)
    model = SimplifyNet(model_config("eighth"))
    model.train()
    for _ in range(3):  # give batch norm non-trivial running statistics
        model(torch.rand(4, 1, 32, 32))
    for block in model.blocks:
        if len(block) > 1:
            block[1].weight.data.uniform_(0.5, 1.5)
            block[1].bias.data.uniform_(-0.2, 0.2)
    model.eval()
    folded = fold_batchnorm(model)
    x = torch.rand(2, 1, 48, 56)
    assert torch.allclose(model(x), folded(x), atol=1e-5)
    keys = list(folded.layers.state_dict())
    assert keys[0] == "0.weight" and keys[-1] == "44.bias" and len(keys) == 46


def _released_state(width=1 / 16, prefix=""):
    torch.manual_seed(2)
    seq = released_sequential(width)
    return {prefix + k: v for k, v in seq.state_dict().items()}, seq


@pytest.mark.parametrize("prefix", ["", "layers.", "module."])
def test_released_layout_loads_with_or_without_prefix(prefix):
    state, seq = _released_state(prefix=prefix)
    assert is_released_layout(state)
    net = load_released(state, "mse")
    x = torch.rand(1, 1, 32, 40)
    mean, std = 0.9664423107454593, 0.08583666033640507
    assert torch.allclose(net(x), seq((x - mean) / std), atol=1e-6)


def test_released_layout_errors_name_missing_and_unexpected_keys():
    state, _ = _released_state()
    del state["44.bias"]
    state["extra.weight"] = torch.zeros(1)
    with pytest.raises(ReleasedWeightsError, match=r"missing \['44.bias'\].*unexpected \['extra.weight'\]"):
        released_to_sequential(state, 1 / 16)


def test_released_weights_start_fine_tuning_with_the_same_function():
    state, seq = _released_state(width=0.125)
    model = unfold_into(SimplifyNet(model_config("eighth", norm_mean=0.5, norm_std=0.2)), released_to_sequential(state, 0.125))
    model.eval()
    x = torch.rand(1, 1, 32, 32)
    assert torch.allclose(model(x), seq((x - 0.5) / 0.2), atol=1e-4)


def test_output_levels_map_lo_to_black_and_hi_to_white_in_every_layout():
    from dataclasses import replace

    import numpy as np

    from conftest import calibrated_model
    from sketchtrain.models.fcn import fold_batchnorm
    from sketchtrain.models.layers import apply_levels

    y = torch.tensor([0.2, 0.4, 0.55, 0.7, 0.9])
    assert torch.allclose(apply_levels(y, (0.4, 0.7)), torch.tensor([0.0, 0.0, 0.5, 1.0, 1.0]))
    assert apply_levels(y, None) is y
    model = calibrated_model()
    x = torch.from_numpy(np.random.default_rng(0).random((1, 1, 32, 32), np.float32))
    raw = model(x)
    model.config = replace(model.config, output_levels=(0.3, 0.8))
    expected = torch.clamp((raw - 0.3) / 0.5, 0, 1)
    assert torch.allclose(model(x), expected, atol=1e-5)
    assert torch.allclose(fold_batchnorm(model)(x), expected, atol=1e-4)  # the inference layout too


def test_levels_are_chosen_from_ink_and_the_f_best_threshold():
    import numpy as np

    from sketchtrain.release.calibrate import STROKE, choose_levels

    target = np.ones((64, 64), np.float32)
    target[20:22, 5:60] = 0.0
    output = np.ones_like(target)
    output[19:23, 5:60] = 0.85  # a grey, blurred line: the raw 0.75 level misses it all
    output[20:22, 5:60] = 0.6
    figures = choose_levels([output], [target])
    assert figures["lo"] == pytest.approx(0.6)
    assert 0.6 < figures["raw_threshold"] < 0.85  # F-best: the core only (the halo is off by 1 px or more)
    after = (figures["raw_threshold"] - figures["lo"]) / (figures["hi"] - figures["lo"])
    assert after == pytest.approx(STROKE, abs=1e-3)

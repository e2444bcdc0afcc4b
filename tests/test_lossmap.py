import math

import numpy as np
import pytest
import torch

from sketchtrain.training.losses import LossMapConfig, local_histogram_value, loss_map, pixel_loss


def reference_loss_map(image: np.ndarray, kind: str, d_h=2, b_h=10, alpha=6.0, beta=-2.0) -> np.ndarray:
    """The definition, pixel by pixel: clipped window, normalised histogram, bin of the centre."""
    h, w = image.shape
    out = np.zeros_like(image, dtype=np.float64)
    bins = np.minimum((image * b_h).astype(int), b_h - 1)
    for v in range(h):
        for u in range(w):
            window = bins[max(0, v - d_h): v + d_h + 1, max(0, u - d_h): u + d_h + 1]
            H = (window == bins[v, u]).sum() / window.size
            if kind == "authors":
                out[v, u] = math.exp(-H) + 0.5
            elif image[v, u] == 1.0:
                out[v, u] = 1.0
            else:
                out[v, u] = min(alpha * math.exp(-H) + beta, 1.0)
    return out


@pytest.mark.parametrize("kind", ["authors", "paper"])
def test_vectorised_loss_map_equals_the_per_pixel_definition(kind):
    rng = np.random.default_rng(0)
    image = np.ones((13, 17), np.float32)
    image[rng.random(image.shape) < 0.3] = 0.0
    image[rng.random(image.shape) < 0.1] = rng.random() * 0.9
    image[3, :] = 0.95  # a faint line, its own bin
    got = loss_map(torch.from_numpy(image)[None, None], LossMapConfig(kind=kind))[0, 0].numpy()
    assert np.allclose(got, reference_loss_map(image, kind), atol=1e-6)


def test_rare_pixels_weigh_more_and_mse_is_plain():
    image = torch.ones(1, 1, 9, 9)
    image[0, 0, 4, 4] = 0.0  # one dark pixel in white paper: rare in its neighbourhood
    h = local_histogram_value(image)
    assert h[0, 0, 4, 4] == pytest.approx(1 / 25) and h[0, 0, 0, 0] == pytest.approx(1.0)
    m = loss_map(image, LossMapConfig(kind="authors"))
    assert m[0, 0, 4, 4] > m[0, 0, 0, 0]
    assert torch.equal(loss_map(image, LossMapConfig(kind="mse")), torch.ones_like(image))
    pred = torch.zeros_like(image)
    assert pixel_loss("mse", pred, image, torch.ones_like(image)) == pytest.approx(80 / 81)


def test_bad_config_fails_at_construction():
    with pytest.raises(ValueError, match="loss kind"):
        LossMapConfig(kind="l1")


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["mse", "bce"])
def test_paper_weight_moves_the_optimum_to_the_stroke_decision(kind):
    """Half the pixels ink (0), half paper (1), one output value for all of them: the best
    output is w(1-p) / (p + w(1-p)) = 0.5 for w = 1 and 0.75 (= 191/255, the benchmarks' stroke
    level) for w = 3, worked out by hand for p = 0.5; found here by a fine search."""
    target = torch.tensor([0.0, 1.0]).reshape(1, 1, 1, 2)
    weights = torch.ones_like(target)
    levels = torch.linspace(0.01, 0.99, 981)
    for paper_weight, expected in ((1.0, 0.5), (3.0, 0.75)):
        losses = []
        for y in levels:
            out = torch.full_like(target, float(y))
            if kind == "bce":
                out = torch.logit(out)
            losses.append(float(pixel_loss(kind, out, target, weights, paper_weight)))
        assert float(levels[int(np.argmin(losses))]) == pytest.approx(expected, abs=0.002)


def test_bce_is_cross_entropy_of_the_sigmoid_of_the_logits():
    logits = torch.tensor([[-3.0, 0.0, 2.0]]).reshape(1, 1, 1, 3)
    target = torch.tensor([[0.0, 1.0, 0.4]]).reshape(1, 1, 1, 3)
    p = torch.sigmoid(logits)
    by_hand = -(target * torch.log(p) + (1 - target) * torch.log(1 - p)).mean()
    assert float(pixel_loss("bce", logits, target, torch.ones_like(target))) == pytest.approx(float(by_hand), rel=1e-6)

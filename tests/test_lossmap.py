import math

import numpy as np
import pytest
import torch

from sketchtrain.lossmap import LossMapConfig, local_histogram_value, loss_map, weighted_mse


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
    assert weighted_mse(pred, image, torch.ones_like(image)) == pytest.approx(80 / 81)


def test_bad_config_fails_at_construction():
    with pytest.raises(ValueError, match="loss kind"):
        LossMapConfig(kind="l1")

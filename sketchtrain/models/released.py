"""The authors' released PyTorch weights: recognise, check and load their layout.

The common conversions (model_gan.pth, model_mse.pth) are plain state dicts of an
nn.Sequential with each convolution followed by its activation and batch norm folded in:
keys 0.weight, 0.bias, 2.weight, ... 44.weight, 44.bias, sometimes with a prefix such as
``layers.`` or ``module.``. Licence: non-commercial research only; never bundled, a user
brings their own copy.
"""

from __future__ import annotations

import re

import torch
from torch import nn

from sketchtrain.models.config import ModelConfig
from sketchtrain.models.fcn import FoldedNet, RELEASED_NORMALISATION, released_sequential

_KEY = re.compile(r"^(?P<prefix>.*?)(?P<index>\d+)\.(?P<param>weight|bias)$")


class ReleasedWeightsError(ValueError):
    """A weights file that does not have the released layout; names what is missing or extra."""


def _strip_prefix(state: dict) -> dict[str, torch.Tensor]:
    tensors = {k: v for k, v in state.items() if isinstance(v, torch.Tensor)}
    prefixes = {m.group("prefix") for k in tensors if (m := _KEY.match(k))}
    if len(prefixes) == 1:
        prefix = prefixes.pop()
        return {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
    return tensors


def is_released_layout(state: dict) -> bool:
    keys = set(_strip_prefix(state))
    return "0.weight" in keys and "44.bias" in keys


def infer_width(state: dict) -> float:
    """Width multiplier from the first convolution's output channels (48 at full width)."""
    first = _strip_prefix(state).get("0.weight")
    if first is None:
        raise ReleasedWeightsError("no 0.weight: not the released layout")
    return first.shape[0] / 48.0


def released_to_sequential(state: dict, width: float = 1.0, source: str = "weights") -> nn.Sequential:
    """Load a released-layout state dict into the released nn.Sequential, with exact checks."""
    stripped = _strip_prefix(state)
    with torch.device("meta"):  # no random initialisation of 44 M weights that are replaced at once
        seq = released_sequential(width)
    expected = seq.state_dict()
    missing = sorted(set(expected) - set(stripped), key=lambda k: int(k.split(".")[0]))
    unexpected = sorted(set(stripped) - set(expected))
    if missing or unexpected:
        raise ReleasedWeightsError(
            f"{source}: not the authors' released layout (23 convolutions, keys 0.weight ... 44.bias): "
            f"missing {missing[:6]}{'...' if len(missing) > 6 else ''}, "
            f"unexpected {unexpected[:6]}{'...' if len(unexpected) > 6 else ''}")
    for key, tensor in expected.items():
        if tuple(stripped[key].shape) != tuple(tensor.shape):
            raise ReleasedWeightsError(f"{source}: {key} has shape {tuple(stripped[key].shape)}, "
                                       f"expected {tuple(tensor.shape)} (width {width})")
    seq.load_state_dict({k: stripped[k].float().contiguous() for k in expected}, assign=True)
    return seq


def load_released(state: dict, constants: str | tuple[float, float] = "gan", source: str = "weights") -> FoldedNet:
    """A ready-to-run FoldedNet from released weights and their normalisation constants
    (a name from RELEASED_NORMALISATION: gan, mse, pencil1, pencil2, or (mean, std))."""
    if isinstance(constants, str):
        if constants not in RELEASED_NORMALISATION:
            raise ReleasedWeightsError(f"unknown constants {constants!r}; choose {', '.join(RELEASED_NORMALISATION)}")
        mean, std = RELEASED_NORMALISATION[constants]
    else:
        mean, std = constants
    width = infer_width(state)
    seq = released_to_sequential(state, width, source)
    config = ModelConfig(variant=f"released-{constants}" if isinstance(constants, str) else "released",
                         width=width, norm_mean=mean, norm_std=std)
    return FoldedNet(seq, mean, std, config).eval()

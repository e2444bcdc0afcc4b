"""Network architectures as a registry: each name builds a trainable model from a ModelConfig,
folds it for inference, and counts its FLOPs. Commands rebuild a model from the config in its
checkpoint alone (``build_model``), so a new architecture touches this file and its own.

Every model exposes ``stride`` (input sides must be multiples of it: see ``sketchdata.image.geometry.pad_to_multiple``)
and ``receptive_radius`` (the tile margin that makes tiled and whole-image outputs agree).

- ``fcn``: the 2016 network (sketchtrain.models.fcn); ``--variant`` is its channel width
  (full, half, quarter, eighth, sixteenth). The paper's reproduction and the released layout.
- ``unet``: encoder-decoder with additive skips and a full-resolution path (sketchtrain.models.unet);
  ``--variant`` is its size (tiny, small, base), or ``lite``: a pixel-unshuffled stem instead of
  the full-resolution path (every layer at half resolution or below; the fastest U-Net).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from sketchtrain.models.config import ModelConfig
from sketchtrain.models.fcn import FCN_STRIDE, VARIANTS as FCN_VARIANTS, SimplifyNet, fold_batchnorm, forward_flops
from sketchtrain.models.unet import UNET_VARIANTS, SketchUNet, fold_unet, unet_flops, unet_stride


@dataclass(frozen=True)
class Architecture:
    name: str
    summary: str
    variants: dict[str, dict]  # variant name -> ModelConfig fields (width or layout)
    default_variant: str
    build: Callable[[ModelConfig], nn.Module]  # trainable model (batch norm as layers)
    fold: Callable[[nn.Module], nn.Module]  # fast inference copy (batch norm folded, eval mode)
    flops: Callable[[ModelConfig, int, int], float]  # one forward pass at (height, width)
    stride: Callable[[ModelConfig], int]  # input sides must be multiples of it (known before building)


ARCHITECTURES: dict[str, Architecture] = {}


def register(arch: Architecture) -> Architecture:
    ARCHITECTURES[arch.name] = arch
    return arch


register(Architecture(
    name="fcn", summary="Simo-Serra et al. 2016, stride 8, no skips (the paper; released-weights layout)",
    variants={name: {"width": width} for name, width in FCN_VARIANTS.items()}, default_variant="quarter",
    build=SimplifyNet, fold=fold_batchnorm, flops=lambda config, h, w: forward_flops(config.width, h, w),
    stride=lambda config: FCN_STRIDE))

register(Architecture(
    name="unet", summary="encoder-decoder, stride 16, additive skips, dilated bottleneck; a full-resolution path "
                        "(tiny, small, base) or a pixel-unshuffled stem (lite)",
    variants={name: {"layout": layout} for name, layout in UNET_VARIANTS.items()}, default_variant="small",
    build=SketchUNet, fold=fold_unet, flops=lambda config, h, w: unet_flops(config.layout, h, w),
    stride=lambda config: unet_stride(config.layout)))


def get_architecture(name: str, what: str = "architecture") -> Architecture:
    """The registered architecture ``name``; ``what`` names the option in the message otherwise."""
    if name not in ARCHITECTURES:
        raise ValueError(f"{what}: unknown architecture {name!r}; choose from {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[name]


def model_config(variant: str | None = None, arch: str = "fcn", what: str = "variant", **overrides) -> ModelConfig:
    """The config of ``arch``'s named variant (its default variant for None)."""
    architecture = get_architecture(arch)
    variant = variant or architecture.default_variant
    if variant not in architecture.variants:
        raise ValueError(f"{what}: unknown {arch} variant {variant!r}; choose from {', '.join(architecture.variants)}")
    return ModelConfig(variant=variant, arch=arch, **architecture.variants[variant], **overrides)


def config_from_dict(fields: dict) -> ModelConfig:
    """A ModelConfig from a checkpoint's ``model`` dict (older files lack ``arch``: the FCN)."""
    known = set(ModelConfig.__dataclass_fields__)
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ValueError(f"model config has fields this version does not know: {', '.join(unknown)} "
                         "(written by a newer sketchtrain?)")
    config = ModelConfig(**fields)
    get_architecture(config.arch)
    return config


def build_model(config: ModelConfig) -> nn.Module:
    """The trainable network a config describes (fresh weights)."""
    return get_architecture(config.arch).build(config)


def fold_for_inference(model: nn.Module) -> nn.Module:
    """The fast inference layout of a trained model (batch norm folded, eval mode)."""
    return get_architecture(model.config.arch).fold(model)


def model_flops(config: ModelConfig, height: int, width: int) -> float:
    return get_architecture(config.arch).flops(config, height, width)


def describe_architectures() -> list[dict]:
    """One row per registered architecture and variant (``sketchtrain architectures``): name,
    summary, stride, parameters and GFLOP per megapixel."""
    rows = []
    for arch in ARCHITECTURES.values():
        for variant in arch.variants:
            config = model_config(variant, arch.name)
            with torch.device("meta"):
                params = sum(p.numel() for p in arch.build(config).parameters())
            rows.append({"arch": arch.name, "variant": variant, "default": variant == arch.default_variant,
                         "stride": arch.stride(config), "parameters": params,
                         "gflop_per_mp": arch.flops(config, 1024, 1024) / 1e9 * 1e6 / 1024 ** 2,
                         "summary": arch.summary})
    return rows

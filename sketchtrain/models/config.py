"""The description of a network that every checkpoint stores and every command rebuilds from."""

from __future__ import annotations

from dataclasses import asdict, dataclass

# the scale rule recorded by runs started with this version (ModelConfig.scale_rule)
NEW_RUN_SCALE_RULE = "lines"


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild a network: stored in every checkpoint.

    ``arch`` names the architecture (sketchtrain.models.registry; checkpoints from before the
    registry lack it and are the FCN); ``width`` is the FCN's channel multiplier, ``layout``
    the other architectures' hyper-parameters (channels, blocks, ...)."""

    variant: str = "full"
    width: float = 1.0
    norm_mean: float = 0.9664423107454593
    norm_std: float = 0.08583666033640507
    # median line width (px) of the training inputs, for `--scale auto`; None: not measured
    line_width: float | None = None
    # how `--scale auto` reads an input's line width (sketchdata.image.linewidth.WIDTH_STATISTICS):
    # checkpoints from before the field keep "median"; runs started since record "lines"
    scale_rule: str = "median"
    # (lo, hi): output levels set after training (sketchtrain.release.calibrate): lo -> black, hi -> white,
    # linear between; None: the sigmoid output as it is
    output_levels: tuple[float, float] | None = None
    arch: str = "fcn"
    layout: dict | None = None

    def to_dict(self) -> dict:
        return asdict(self)

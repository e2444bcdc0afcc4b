"""Where a training run's network comes from: fresh weights with the input normalisation and
line width measured on the training data, the weights of --init (our checkpoint or the
authors' released file), or the resumed run's own."""

from __future__ import annotations

from dataclasses import replace

import torch

from sketchtrain.models.registry import build_model, model_config
from sketchtrain.training.data import measure_inputs
from sketchtrain.models.config import NEW_RUN_SCALE_RULE, ModelConfig
from sketchtrain.models.fcn import unfold_into


def _init_weights(model: torch.nn.Module, init: str) -> tuple[float, float, float | None]:
    """Load starting weights; returns the normalisation and line width that go with them.

    Our checkpoint: its state dict. The authors' released weights: the convolutions take them
    and batch norms start as identities; their normalisation constants come from the file name
    (model_gan.pth -> gan), as in `simplify`.
    """
    from sketchtrain.models.checkpoint import check_state_dict, recognise
    from sketchtrain.inference.runner import RELEASED_LINE_WIDTH, load_model

    kind, data = recognise(init)
    if kind == "checkpoint":
        theirs = f"{data['model'].get('arch', 'fcn')} {data['model'].get('variant')}"
        check_state_dict(model, data["state_dict"], f"--init {init}: its weights ({theirs}; pass the same "
                         "--arch and --variant)")
        model.load_state_dict(data["state_dict"])
        return data["model"]["norm_mean"], data["model"]["norm_std"], data["model"].get("line_width")
    if model.config.arch != "fcn":
        raise ValueError(f"{init} holds the authors' released weights, which are the fcn architecture: "
                         f"pass --arch fcn (not {model.config.arch})")
    folded, _ = load_model(init)
    if abs(folded.config.width - model.config.width) > 1e-9:
        raise ValueError(f"{init} has width {folded.config.width:g}; pass --variant for that width")
    unfold_into(model, folded.layers)
    return float(folded.norm_mean), float(folded.norm_std), RELEASED_LINE_WIDTH


def build_run_model(cfg, resume_data: dict | None, train_shards: list[str],
                 data_skipped: list[dict]) -> torch.nn.Module:
    """The network with its input normalisation and line width: from the resumed run, from the
    --init weights, or measured on the training inputs."""
    torch.manual_seed(cfg.seed)  # identical initial weights on every rank
    scale_rule = NEW_RUN_SCALE_RULE
    if resume_data is not None:
        norm = (resume_data["model"]["norm_mean"], resume_data["model"]["norm_std"])
        line_width = resume_data["model"].get("line_width")
        scale_rule = resume_data["model"].get("scale_rule", ModelConfig.scale_rule)  # the run's own
    elif not train_shards:  # adversarial training on unpaired data alone: all of it comes from --init
        norm, line_width = (ModelConfig.norm_mean, ModelConfig.norm_std), None
    else:
        mean, std, line_width = measure_inputs(train_shards, max(cfg.norm_samples, 32), data_skipped)
        # norm_samples 0: the constants published with the authors' mse model
        norm = (mean, std) if cfg.norm_samples > 0 else (ModelConfig.norm_mean, ModelConfig.norm_std)
    config = model_config(cfg.variant, cfg.arch, norm_mean=norm[0], norm_std=norm[1], line_width=line_width,
                          scale_rule=scale_rule)
    model = build_model(config)
    if cfg.init and resume_data is None:
        # weights only make sense with the normalisation they were trained with
        init_norm = _init_weights(model, cfg.init)
        model.config = replace(config, norm_mean=init_norm[0], norm_std=init_norm[1],
                               line_width=config.line_width or init_norm[2])
        model.norm_mean.fill_(init_norm[0])
        model.norm_std.fill_(init_norm[1])
    return model

"""`sketchtrain fit`: train the simplification network on sketchdata shards.

ADADELTA by default (the paper: no learning rate to tune), Adam as an option; bf16 autocast
on CPU and GPU; weighted MSE with the paper's loss map; validation every N steps; atomic,
self-describing checkpoints; exact resume; torchrun for several processes.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

import torch
from torch.nn.parallel import DistributedDataParallel

from sketchdata.imageio import atomic_write_bytes

from .checkpoint import load_checkpoint, restore_training_state, save_checkpoint, training_checkpoint
from .data import dataset_shards, manifest_fingerprint, measure_inputs, train_batches
from .distributed import (DistInfo, average_buffers, barrier, broadcast_flag, gather_objects, init_distributed,
                          shutdown, weights_digest)
from .lossmap import LOGIT_LOSSES, LOSS_KINDS, LossMapConfig, pixel_loss
from .architectures import ARCHITECTURES, build_model, get_architecture, model_config
from .model import ModelConfig, unfold_into
from .metrics_log import MetricsLog
from .plots import line_chart, smoothed
from .validation import autocast as _autocast, evaluate_loss, fixed_examples as _fixed_examples, progression as _progression


class TrainingStopped(RuntimeError):
    """Training stopped early (NaN loss); the last good checkpoint is kept."""


@dataclass
class FitConfig:
    dataset: str
    out: str
    arch: str = "fcn"  # sketchtrain.architectures: fcn (the paper) | unet
    variant: str = ""  # the architecture's size; "": its default (fcn quarter, unet small)
    steps: int = 1000
    batch: int = 8
    crop: int = 0  # 0: train on the stored patch size
    optimizer: str = "adadelta"  # or "adam"
    lr: float | None = None  # adadelta: 1.0, adam: 1e-3
    lr_schedule: str = "constant"  # or "cosine": decay to 0 at --steps (a function of the step: resumable)
    loss: str = "authors"  # paper | authors | mse | bce
    paper_weight: float = 1.0  # weight of paper (white) target pixels relative to ink (lossmap.paper_balance)
    precision: str = "bf16"  # bf16 | fp32
    val_every: int = 100
    val_samples: int = 256
    image_every: int = 0  # 0: with every validation
    ckpt_every: int = 100
    epoch_batches: int = 100  # batches per data epoch (resume granularity of the data stream)
    workers: int = 1  # data loader worker processes per rank
    threads: int = 0  # torch threads per rank, 0: cores / ranks
    seed: int = 0
    device: str = "auto"
    init: str | None = None  # start from weights: our checkpoint or the authors' released file
    resume: bool = False
    norm_samples: int = 64  # training samples used to measure the input mean/std (0: the paper's constants)
    channels_last: bool = True  # channels-last tensors in training (bf16 steps 4-12% faster here)

    def validate(self) -> None:
        if self.arch not in ARCHITECTURES:
            raise ValueError(f"--arch must be one of {', '.join(ARCHITECTURES)}, got {self.arch!r}")
        architecture = get_architecture(self.arch)
        self.variant = self.variant or architecture.default_variant
        if self.variant not in architecture.variants:
            raise ValueError(f"--variant for --arch {self.arch} must be one of {', '.join(architecture.variants)}, "
                             f"got {self.variant!r}")
        if self.optimizer not in ("adadelta", "adam"):
            raise ValueError(f"--optimizer must be adadelta or adam, got {self.optimizer!r}")
        if self.loss not in LOSS_KINDS:
            raise ValueError(f"--loss must be one of {', '.join(LOSS_KINDS)}, got {self.loss!r}")
        if not self.paper_weight > 0:
            raise ValueError(f"--paper-weight must be > 0, got {self.paper_weight}")
        if self.lr_schedule not in ("constant", "cosine"):
            raise ValueError(f"--lr-schedule must be constant or cosine, got {self.lr_schedule!r}")
        if self.precision not in ("bf16", "fp32"):
            raise ValueError(f"--precision must be bf16 or fp32, got {self.precision!r}")
        if self.crop and self.crop % 8:
            raise ValueError(f"--crop must be a multiple of 8, got {self.crop}")
        for name in ("steps", "batch", "val_every", "ckpt_every", "epoch_batches"):
            if getattr(self, name) < 1:
                raise ValueError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(self, name)}")


@dataclass
class FitResult:
    out: str
    step: int
    first_val_loss: float | None
    last_val_loss: float | None
    best_val_loss: float | None
    samples_per_s: float
    is_main: bool = True
    history: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # unreadable shards / samples (main process)


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def _learning_rate(cfg: FitConfig, base: float, step: int) -> float:
    """The rate for the step about to be taken (cosine: half a cosine from base to 0)."""
    if cfg.lr_schedule == "cosine":
        return base * 0.5 * (1.0 + math.cos(math.pi * min(step, cfg.steps) / cfg.steps))
    return base


def _make_optimizer(cfg: FitConfig, params) -> torch.optim.Optimizer:
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr or 1e-3)
    return torch.optim.Adadelta(params, lr=cfg.lr or 1.0)


def _init_weights(model: torch.nn.Module, init: str) -> tuple[float, float]:
    """Load starting weights; returns the normalisation that goes with them.

    Our checkpoint: its state dict. The authors' released weights: the convolutions take them
    and batch norms start as identities; their normalisation constants come from the file name
    (model_gan.pth -> gan), as in `simplify`.
    """
    from .checkpoint import check_state_dict, recognise
    from .inference import load_model

    kind, data = recognise(init)
    if kind == "checkpoint":
        theirs = f"{data['model'].get('arch', 'fcn')} {data['model'].get('variant')}"
        check_state_dict(model, data["state_dict"], f"--init {init}: its weights ({theirs}; pass the same "
                         "--arch and --variant)")
        model.load_state_dict(data["state_dict"])
        return data["model"]["norm_mean"], data["model"]["norm_std"]
    if model.config.arch != "fcn":
        raise ValueError(f"{init} holds the authors' released weights, which are the fcn architecture: "
                         f"pass --arch fcn (not {model.config.arch})")
    folded, _ = load_model(init)
    if abs(folded.config.width - model.config.width) > 1e-9:
        raise ValueError(f"{init} has width {folded.config.width:g}; pass --variant for that width")
    unfold_into(model, folded.layers)
    return float(folded.norm_mean), float(folded.norm_std)


def fit(cfg: FitConfig, on_event: Callable[[str, dict], None] | None = None) -> FitResult:
    """Train; see FitConfig for the options. ``on_event(kind, data)`` gets "start", "step",
    "val" and "stop" events for progress display (rank 0 only)."""
    cfg.validate()
    device = _device(cfg.device)
    info = init_distributed(device)
    emit = on_event if (on_event and info.is_main) else (lambda kind, data: None)
    try:
        return _fit(cfg, device, info, emit)
    finally:
        shutdown(info)


# keys that must not change when a run is resumed: the data stream, model and loss
RESUME_FIXED = ("arch", "variant", "batch", "crop", "loss", "paper_weight", "seed", "epoch_batches", "optimizer",
                "precision", "lr", "lr_schedule")


def _resume_point(cfg: FitConfig, out: Path, is_main: bool) -> dict | None:
    """The checkpoint to resume from (--resume), checked against today's options; None for a new run."""
    last = out / "last.pt"
    if not cfg.resume:
        if is_main and last.exists():
            raise FileExistsError(f"{out} already holds a run (last.pt): pass --resume to continue it, or another --out")
        return None
    if not last.exists():
        raise FileNotFoundError(f"--resume: {last} does not exist (start without --resume)")
    data = load_checkpoint(last)
    for key in RESUME_FIXED:
        saved = data["args"].get(key, getattr(FitConfig, key, None))  # older runs lack newer keys: defaults
        if saved != getattr(cfg, key):
            raise ValueError(f"--resume: {key} was {saved!r} in {last}, now {getattr(cfg, key)!r}")
    return data


def _build_model(cfg: FitConfig, resume_data: dict | None, train_shards: list[str],
                 data_skipped: list[dict]) -> torch.nn.Module:
    """The network with its input normalisation and line width: from the resumed run, from the
    --init weights, or measured on the training inputs."""
    torch.manual_seed(cfg.seed)  # identical initial weights on every rank
    if resume_data is not None:
        norm = (resume_data["model"]["norm_mean"], resume_data["model"]["norm_std"])
        line_width = resume_data["model"].get("line_width")
    else:
        mean, std, line_width = measure_inputs(train_shards, max(cfg.norm_samples, 32), data_skipped)
        # norm_samples 0: the constants published with the authors' mse model
        norm = (mean, std) if cfg.norm_samples > 0 else (ModelConfig.norm_mean, ModelConfig.norm_std)
    config = model_config(cfg.variant, cfg.arch, norm_mean=norm[0], norm_std=norm[1], line_width=line_width)
    model = build_model(config)
    if cfg.crop % model.stride:
        raise ValueError(f"--crop must be a multiple of the {cfg.arch} network's stride {model.stride}, got {cfg.crop}")
    if cfg.init and resume_data is None:
        # weights only make sense with the normalisation they were trained with
        init_norm = _init_weights(model, cfg.init)
        model.config = replace(config, norm_mean=init_norm[0], norm_std=init_norm[1])
        model.norm_mean.fill_(init_norm[0])
        model.norm_std.fill_(init_norm[1])
    return model


class _Run:
    """One training run's state and its reporting (checkpoints, validation, pictures)."""

    def __init__(self, cfg: FitConfig, device: torch.device, info: DistInfo, emit):
        self.cfg, self.info, self.emit = cfg, info, emit
        self.out = Path(cfg.out)
        self.train_shards, self.val_shards, manifest = dataset_shards(cfg.dataset)
        if device.type == "cuda":
            torch.cuda.set_device(info.local_rank)
            device = torch.device("cuda", info.local_rank)
        self.device = device
        torch.set_num_threads(cfg.threads or max(1, (os.cpu_count() or 1) // info.world_size))
        self.loss_cfg = LossMapConfig(kind=cfg.loss)
        resume_data = _resume_point(cfg, self.out, info.is_main)
        self.skipped: list[dict] = []  # unreadable shards / samples met in the main process
        self.model = _build_model(cfg, resume_data, self.train_shards, self.skipped).to(device)
        self.memory_format = torch.channels_last if cfg.channels_last else torch.contiguous_format
        self.model.to(memory_format=self.memory_format)
        self.optimizer = _make_optimizer(cfg, self.model.parameters())
        self.base_lr = self.optimizer.param_groups[0]["lr"]
        self.step, self.best = 0, None
        if resume_data is not None:
            self.step, self.best = restore_training_state(resume_data, self.model, self.optimizer)
        self.train_model = DistributedDataParallel(
            self.model, device_ids=[device.index] if device.type == "cuda" else None) if info.enabled else self.model
        self.model.train()
        self.dataset_ref = {"path": str(cfg.dataset), "manifest_sha256_16": manifest_fingerprint(manifest)}
        if info.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            (self.out / "progress").mkdir(exist_ok=True)
            atomic_write_bytes(self.out / "run.json", json.dumps(
                {"args": asdict(cfg), "model": self.model.config.to_dict(), "world_size": info.world_size,
                 "dataset_manifest": self.dataset_ref["manifest_sha256_16"], "torch": torch.__version__},
                indent=1).encode())
        self.log = MetricsLog(self.out / "metrics.jsonl", self.step, info.is_main)
        self.examples = _fixed_examples(self.val_shards or self.train_shards, 4, self.skipped) if info.is_main else []
        for record in self.skipped:
            emit("skipped", record)

    def save(self, name: str, val: dict | None) -> None:
        save_checkpoint(self.out / name, training_checkpoint(self.model, self.step, self.optimizer, self.dataset_ref,
                                                             asdict(self.cfg), val, self.best))

    def picture(self) -> None:
        _progression(self.model, self.examples, self.device, self.cfg.precision,
                     self.out / "progress" / f"step-{self.step:07d}.png")

    def validate(self) -> dict:
        """Validation loss (all ranks), logged and plotted by the main process."""
        cfg = self.cfg
        average_buffers(self.model, self.info)
        val = evaluate_loss(self.model, self.val_shards, cfg, self.loss_cfg, self.device, self.info) \
            if self.val_shards else {}
        if self.info.is_main:
            if val:
                self.log.add({"kind": "val", "step": self.step, **val})
                self.emit("val", {"step": self.step, **val})
            weight_note = f" (paper x{cfg.paper_weight:g})" if cfg.paper_weight != 1.0 else ""
            line_chart({"train loss (running mean)": smoothed(self.log.series("train", "loss")),
                        "validation loss": self.log.series("val", "loss")}, self.out / "loss.png",
                       title=f"{cfg.arch} {cfg.variant} / {cfg.loss} loss{weight_note} / {cfg.optimizer}")
            if self.examples and cfg.image_every == 0:
                self.picture()
        return val

    def stop_on_nan(self, loss: torch.Tensor) -> None:
        if not broadcast_flag(not torch.isfinite(loss).item(), self.info):
            return
        cfg, step = self.cfg, self.step
        message = (f"loss became {loss.item()} at step {step + 1}; stopped. The last good checkpoint is "
                   f"{self.out / 'last.pt'} (step {step - step % cfg.ckpt_every if step else 0}); try "
                   "--precision fp32, a smaller --lr or --optimizer adadelta")
        if self.info.is_main:
            self.log.add({"kind": "stop", "step": step + 1, "reason": "non-finite loss"})
        self.emit("stop", {"message": message})
        raise TrainingStopped(message)

    def check_ranks_agree(self) -> None:
        """After DDP training: every rank must hold the same weights (written to ddp_check.json)."""
        digests = gather_objects(weights_digest(self.model), self.info)
        if self.info.is_main:
            atomic_write_bytes(self.out / "ddp_check.json", json.dumps(
                {"world_size": self.info.world_size, "weights_digest_per_rank": digests,
                 "identical": len(set(digests)) == 1}).encode())


def _fit(cfg: FitConfig, device: torch.device, info: DistInfo, emit) -> FitResult:
    run = _Run(cfg, device, info, emit)
    emit("start", {"step": run.step, "steps": cfg.steps, "world_size": info.world_size,
                   "variant": f"{cfg.arch} {cfg.variant}"})
    if run.step == 0:
        first_val = run.validate().get("loss")
        if info.is_main:
            run.save("last.pt", None)
    else:
        vals = run.log.series("val", "loss")
        first_val = vals[0][1] if vals else None
    last_val = None
    epoch, skip = divmod(run.step, cfg.epoch_batches)
    # the clock starts at the first trained batch: a resumed run first skips the batches its
    # data epoch already used, which must not count as training time
    seen, t_start = 0, None
    while run.step < cfg.steps:
        batches = train_batches(run.train_shards, cfg.batch, cfg.crop, run.loss_cfg, cfg.seed, epoch, info.rank,
                                cfg.epoch_batches, cfg.workers, skip, stride=run.model.stride)
        for inp, tgt, weights in batches:
            t_start = t_start or time.perf_counter()
            inp = inp.to(run.device).contiguous(memory_format=run.memory_format)
            tgt, weights = tgt.to(run.device), weights.to(run.device)
            with _autocast(run.device, cfg.precision):
                out_batch = run.train_model(inp, logits=cfg.loss in LOGIT_LOSSES)
            loss = pixel_loss(cfg.loss, out_batch, tgt, weights, cfg.paper_weight)
            run.stop_on_nan(loss)
            run.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            for group in run.optimizer.param_groups:
                group["lr"] = _learning_rate(cfg, run.base_lr, run.step)
            run.optimizer.step()
            run.step += 1
            seen += inp.shape[0] * info.world_size
            rate = seen / max(time.perf_counter() - t_start, 1e-9)
            if info.is_main:
                run.log.add({"kind": "train", "step": run.step, "loss": loss.item(), "samples_per_s": round(rate, 2)})
            emit("step", {"step": run.step, "loss": loss.item(), "samples_per_s": rate})
            finished = run.step >= cfg.steps
            if run.step % cfg.val_every == 0 or finished:
                val = run.validate()
                last_val = val.get("loss", last_val)
                if val and (run.best is None or val["loss"] < run.best):
                    run.best = val["loss"]
                    if info.is_main:
                        run.save("best.pt", val)
            if cfg.image_every and run.step % cfg.image_every == 0 and info.is_main and run.examples:
                run.picture()
            if run.step % cfg.ckpt_every == 0 or finished:
                average_buffers(run.model, info)
                if info.is_main:
                    run.save("last.pt", {"loss": last_val} if last_val is not None else None)
            if finished:
                break
        epoch, skip = epoch + 1, 0
    barrier(info)
    average_buffers(run.model, info)
    if info.enabled:
        run.check_ranks_agree()
    return FitResult(out=str(run.out), step=run.step, first_val_loss=first_val, last_val_loss=last_val,
                     best_val_loss=run.best,
                     samples_per_s=seen / max(time.perf_counter() - (t_start or time.perf_counter()), 1e-9),
                     is_main=info.is_main, history=run.log.rows, skipped=run.skipped)

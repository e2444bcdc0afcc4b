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

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel

from sketchdata.imageio import atomic_write_bytes

from .checkpoint import describe_keys, load_checkpoint, save_checkpoint
from .data import DataError, dataset_shards, manifest_fingerprint, train_batches
from .distributed import (DistInfo, average_buffers, barrier, broadcast_flag, gather_objects, init_distributed,
                          shutdown, weights_digest)
from .lossmap import LOGIT_LOSSES, LOSS_KINDS, LossMapConfig, pixel_loss
from .architectures import ARCHITECTURES, build_model, get_architecture, model_config
from .model import ModelConfig, unfold_into
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


def _measure_inputs(shards: list[str], samples: int, skipped: list[dict]) -> tuple[float, float, float | None]:
    """Mean and std of input pixels, and the inputs' median line width (sketchdata.linewidth,
    recorded so that ``--scale auto`` can bring a user's lines to it), over the first
    ``samples`` readable training samples."""
    from sketchdata.dataset import iter_samples, skip_location
    from sketchdata.linewidth import width_samples

    total, total_sq, n = 0.0, 0.0, 0
    widths = []
    for i, (_, inp, _, _) in enumerate(iter_samples(shards, skipped=skipped)):
        if i >= samples:
            break
        total += float(inp.sum(dtype=np.float64))
        total_sq += float((inp.astype(np.float64) ** 2).sum())
        n += inp.size
        widths.append(width_samples(inp))
    if n == 0:
        reasons = "; ".join(f"{skip_location(r)}: {r['reason']}" for r in skipped[:3])
        raise DataError(f"no readable training sample to measure the input normalisation ({reasons or 'empty shards'})")
    mean = total / n
    all_widths = np.concatenate(widths)
    line_width = round(float(np.median(all_widths)), 3) if all_widths.size else None
    return mean, math.sqrt(max(total_sq / max(n, 1) - mean * mean, 1e-8)), line_width


def _learning_rate(cfg: FitConfig, base: float, step: int) -> float:
    """The rate for the step about to be taken (cosine: half a cosine from base to 0)."""
    if cfg.lr_schedule == "cosine":
        return base * 0.5 * (1.0 + math.cos(math.pi * min(step, cfg.steps) / cfg.steps))
    return base


def _make_optimizer(cfg: FitConfig, params) -> torch.optim.Optimizer:
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr or 1e-3)
    return torch.optim.Adadelta(params, lr=cfg.lr or 1.0)


class MetricsLog:
    """metrics.jsonl: one JSON object per line; on resume, lines after the resumed step go."""

    def __init__(self, path: Path, keep_until_step: int, enabled: bool):
        self.path, self.enabled = path, enabled
        self.rows: list[dict] = []
        if enabled and path.exists():
            for line in path.read_text().splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a torn last line from a killed run
                if row.get("step", 0) <= keep_until_step:
                    self.rows.append(row)
            atomic_write_bytes(path, "".join(json.dumps(r) + "\n" for r in self.rows).encode())

    def add(self, row: dict) -> None:
        self.rows.append(row)
        if self.enabled:
            with open(self.path, "a") as fh:
                fh.write(json.dumps(row) + "\n")

    def series(self, kind: str, key: str) -> list[tuple[float, float]]:
        return [(r["step"], r[key]) for r in self.rows if r.get("kind") == kind and r.get(key) is not None]


def _init_weights(model: torch.nn.Module, init: str) -> tuple[float, float]:
    """Load starting weights; returns the normalisation that goes with them.

    Our checkpoint: its state dict. The authors' released weights: the convolutions take them
    and batch norms start as identities; their normalisation constants come from the file name
    (model_gan.pth -> gan), as in `simplify`.
    """
    from .checkpoint import check_state_dict, read_file
    from .inference import load_model
    from .released import is_released_layout

    data = read_file(init)
    if data.get("format") is not None:
        ckpt = load_checkpoint(init)
        theirs = f"{ckpt['model'].get('arch', 'fcn')} {ckpt['model'].get('variant')}"
        check_state_dict(model, ckpt["state_dict"], f"--init {init}: its weights ({theirs}; pass the same "
                         "--arch and --variant)")
        model.load_state_dict(ckpt["state_dict"])
        return ckpt["model"]["norm_mean"], ckpt["model"]["norm_std"]
    if is_released_layout(data):
        if model.config.arch != "fcn":
            raise ValueError(f"{init} holds the authors' released weights, which are the fcn architecture: "
                             f"pass --arch fcn (not {model.config.arch})")
        folded, _ = load_model(init)
        if abs(folded.config.width - model.config.width) > 1e-9:
            raise ValueError(f"{init} has width {folded.config.width:g}; pass --variant for that width")
        unfold_into(model, folded.layers)
        return float(folded.norm_mean), float(folded.norm_std)
    raise ValueError(f"{init}: neither a sketchtrain checkpoint nor the authors' released layout "
                     f"(keys {describe_keys(data)})")


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


def _fit(cfg: FitConfig, device: torch.device, info: DistInfo, emit) -> FitResult:
    out = Path(cfg.out)
    train_shards, val_shards, manifest = dataset_shards(cfg.dataset)
    if device.type == "cuda":
        torch.cuda.set_device(info.local_rank)
        device = torch.device("cuda", info.local_rank)
    torch.set_num_threads(cfg.threads or max(1, (os.cpu_count() or 1) // info.world_size))
    loss_cfg = LossMapConfig(kind=cfg.loss)
    resume_data = None
    if cfg.resume:
        last = out / "last.pt"
        if not last.exists():
            raise FileNotFoundError(f"--resume: {last} does not exist (start without --resume)")
        resume_data = load_checkpoint(last)
        saved_args = resume_data["args"]
        # the data stream, model and loss must be the ones the run started with
        for key in ("arch", "variant", "batch", "crop", "loss", "paper_weight", "seed", "epoch_batches", "optimizer", "precision",
                    "lr", "lr_schedule"):
            saved = saved_args.get(key, getattr(FitConfig, key, None))  # older runs lack newer keys: defaults
            if saved != getattr(cfg, key):
                raise ValueError(f"--resume: {key} was {saved!r} in {last}, now {getattr(cfg, key)!r}")
    elif info.is_main and (out / "last.pt").exists():
        raise FileExistsError(f"{out} already holds a run (last.pt): pass --resume to continue it, or another --out")

    torch.manual_seed(cfg.seed)  # identical initial weights on every rank
    data_skipped: list[dict] = []  # unreadable shards / samples met in the main process
    if resume_data is not None:
        norm = (resume_data["model"]["norm_mean"], resume_data["model"]["norm_std"])
        line_width = resume_data["model"].get("line_width")
    else:
        mean, std, line_width = _measure_inputs(train_shards, max(cfg.norm_samples, 32), data_skipped)
        # norm_samples 0: the constants published with the authors' mse model
        norm = (mean, std) if cfg.norm_samples > 0 else (ModelConfig.norm_mean, ModelConfig.norm_std)
    config = model_config(cfg.variant, cfg.arch, norm_mean=norm[0], norm_std=norm[1], line_width=line_width)
    model = build_model(config)
    if cfg.crop % model.stride:
        raise ValueError(f"--crop must be a multiple of the {cfg.arch} network's stride {model.stride}, got {cfg.crop}")
    if cfg.init and resume_data is None:
        # weights only make sense with the normalisation they were trained with
        init_norm = _init_weights(model, cfg.init)
        config = replace(config, norm_mean=init_norm[0], norm_std=init_norm[1])
        model.config = config
        model.norm_mean.fill_(init_norm[0])
        model.norm_std.fill_(init_norm[1])
    model.to(device)
    memory_format = torch.channels_last if cfg.channels_last else torch.contiguous_format
    model.to(memory_format=memory_format)
    optimizer = _make_optimizer(cfg, model.parameters())
    base_lr = optimizer.param_groups[0]["lr"]
    step = 0
    best = None
    if resume_data is not None:
        model.load_state_dict(resume_data["state_dict"])
        optimizer.load_state_dict(resume_data["optimizer"])
        step = int(resume_data["step"])
        best = resume_data.get("best_val_loss")
        torch.set_rng_state(resume_data["rng"]["torch"])
    train_model = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None) \
        if info.enabled else model
    model.train()

    if info.is_main:
        out.mkdir(parents=True, exist_ok=True)
        (out / "progress").mkdir(exist_ok=True)
        atomic_write_bytes(out / "run.json", json.dumps(
            {"args": asdict(cfg), "model": config.to_dict(), "world_size": info.world_size,
             "dataset_manifest": manifest_fingerprint(manifest), "torch": torch.__version__}, indent=1).encode())
    log = MetricsLog(out / "metrics.jsonl", step, info.is_main)
    examples = _fixed_examples(val_shards or train_shards, 4, data_skipped) if info.is_main else []
    for record in data_skipped:
        emit("skipped", record)
    fingerprint = manifest_fingerprint(manifest)

    def checkpoint(path: Path, val: dict | None):
        save_checkpoint(path, {
            "model": config.to_dict(), "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
            "step": step, "optimizer": optimizer.state_dict(), "rng": {"torch": torch.get_rng_state()},
            "dataset": {"path": str(cfg.dataset), "manifest_sha256_16": fingerprint},
            "args": asdict(cfg), "metrics": val or {}, "best_val_loss": best,
        })

    def validate_and_report():
        average_buffers(model, info)
        val = evaluate_loss(model, val_shards, cfg, loss_cfg, device, info) if val_shards else {}
        if info.is_main:
            if val:
                log.add({"kind": "val", "step": step, **val})
                emit("val", {"step": step, **val})
            weight_note = f" (paper x{cfg.paper_weight:g})" if cfg.paper_weight != 1.0 else ""
            line_chart({"train loss (running mean)": smoothed(log.series("train", "loss")),
                        "validation loss": log.series("val", "loss")},
                       out / "loss.png", title=f"{cfg.arch} {cfg.variant} / {cfg.loss} loss{weight_note} / {cfg.optimizer}")
            if examples and (cfg.image_every == 0):
                _progression(model, examples, device, cfg.precision, out / "progress" / f"step-{step:07d}.png")
        return val

    emit("start", {"step": step, "steps": cfg.steps, "world_size": info.world_size,
                  "variant": f"{cfg.arch} {cfg.variant}"})
    first_val = None
    if step == 0:
        first_val = validate_and_report().get("loss")
        if info.is_main:
            checkpoint(out / "last.pt", None)
    else:
        vals = log.series("val", "loss")
        first_val = vals[0][1] if vals else None
    last_val = None
    epoch, skip = divmod(step, cfg.epoch_batches)
    # the clock starts at the first trained batch: a resumed run first skips the batches its
    # data epoch already used, which must not count as training time
    seen, t_start = 0, None
    while step < cfg.steps:
        for inp, tgt, weights in train_batches(train_shards, cfg.batch, cfg.crop, loss_cfg, cfg.seed, epoch,
                                               info.rank, cfg.epoch_batches, cfg.workers, skip, stride=model.stride):
            if t_start is None:
                t_start = time.perf_counter()
            inp = inp.to(device).contiguous(memory_format=memory_format)
            tgt, weights = tgt.to(device), weights.to(device)
            with _autocast(device, cfg.precision):
                out_batch = train_model(inp, logits=cfg.loss in LOGIT_LOSSES)
            loss = pixel_loss(cfg.loss, out_batch, tgt, weights, cfg.paper_weight)
            if broadcast_flag(not torch.isfinite(loss).item(), info):
                message = (f"loss became {loss.item()} at step {step + 1}; stopped. The last good checkpoint is "
                           f"{out / 'last.pt'} (step {step - step % cfg.ckpt_every if step else 0}); try "
                           "--precision fp32, a smaller --lr or --optimizer adadelta")
                if info.is_main:
                    log.add({"kind": "stop", "step": step + 1, "reason": "non-finite loss"})
                emit("stop", {"message": message})
                raise TrainingStopped(message)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            for group in optimizer.param_groups:
                group["lr"] = _learning_rate(cfg, base_lr, step)
            optimizer.step()
            loss_value = loss.item()
            step += 1
            seen += inp.shape[0] * info.world_size
            rate = seen / max(time.perf_counter() - t_start, 1e-9)
            if info.is_main:
                log.add({"kind": "train", "step": step, "loss": loss_value, "samples_per_s": round(rate, 2)})
            emit("step", {"step": step, "loss": loss_value, "samples_per_s": rate})
            if step % cfg.val_every == 0 or step == cfg.steps:
                val = validate_and_report()
                last_val = val.get("loss", last_val)
                if val and (best is None or val["loss"] < best):
                    best = val["loss"]
                    if info.is_main:
                        checkpoint(out / "best.pt", val)
            if cfg.image_every and step % cfg.image_every == 0 and info.is_main and examples:
                _progression(model, examples, device, cfg.precision, out / "progress" / f"step-{step:07d}.png")
            if step % cfg.ckpt_every == 0 or step == cfg.steps:
                average_buffers(model, info)
            if (step % cfg.ckpt_every == 0 or step == cfg.steps) and info.is_main:
                checkpoint(out / "last.pt", {"loss": last_val} if last_val is not None else None)
            if step >= cfg.steps:
                break
        epoch, skip = epoch + 1, 0
    barrier(info)
    average_buffers(model, info)
    if info.enabled:
        digests = gather_objects(weights_digest(model), info)
        if info.is_main:
            atomic_write_bytes(out / "ddp_check.json", json.dumps(
                {"world_size": info.world_size, "weights_digest_per_rank": digests,
                 "identical": len(set(digests)) == 1}).encode())
    return FitResult(out=str(out), step=step, first_val_loss=first_val, last_val_loss=last_val, best_val_loss=best,
                     samples_per_s=seen / max(time.perf_counter() - (t_start or time.perf_counter()), 1e-9),
                     is_main=info.is_main, history=log.rows, skipped=data_skipped)

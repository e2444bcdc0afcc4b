"""`sketchtrain fit`: train the simplification network on sketchdata shards.

ADADELTA by default (the paper: no learning rate to tune), Adam as an option; bf16 autocast
on GPUs and on CPUs that compute bf16 natively (fp32 elsewhere, where bf16 is emulated); weighted MSE with the paper's loss map; validation every N steps; atomic,
self-describing checkpoints; exact resume; torchrun for several processes.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import torch
from torch.nn.parallel import DistributedDataParallel

from sketchdata.image.io import atomic_write_bytes

from sketchtrain.training.adversarial import Adversary
from sketchtrain.training.averaging import WeightAverage
from sketchtrain.training.compiled import TrainingCompiler
from sketchtrain.models.checkpoint import load_checkpoint, restore_training_state, save_checkpoint, training_checkpoint
from sketchtrain.training.config import FitConfig  # the options live without torch (the CLI imports them alone)
from sketchtrain.devices import auto_precision, resolve_device
from sketchtrain.training.data import train_batches, training_pool
from sketchtrain.training.distributed import (DistInfo, average_buffers, barrier, broadcast_flag, gather_objects, init_distributed,
                          shutdown, weights_digest)
from sketchtrain.training.losses import LossMapConfig, forward_for_loss, pixel_loss
from sketchtrain.training.run_log import MetricsLog
from sketchtrain.training.warm_start import build_run_model
from sketchtrain.training.plots import line_chart, smoothed
from sketchtrain.training.validation import autocast as _autocast, evaluate_loss, fixed_examples as _fixed_examples, progression as _progression


class TrainingStopped(RuntimeError):
    """Training stopped early (NaN loss); the last good checkpoint is kept."""


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
    steps_trained: int = 0  # optimiser steps taken by this call (0: a resumed run already at --steps)


def _device(name: str) -> torch.device:
    return torch.device(resolve_device(name))


def _learning_rate(cfg: FitConfig, base: float, step: int) -> float:
    """The rate for the step about to be taken (cosine: half a cosine from base to 0)."""
    if cfg.lr_schedule == "cosine":
        return base * 0.5 * (1.0 + math.cos(math.pi * min(step, cfg.steps) / cfg.steps))
    return base


def _make_optimizer(cfg: FitConfig, params) -> torch.optim.Optimizer:
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr or 1e-3)
    return torch.optim.Adadelta(params, lr=cfg.lr or 1.0)


def fit(cfg: FitConfig, on_event: Callable[[str, dict], None] | None = None) -> FitResult:
    """Train; see FitConfig for the options. ``on_event(kind, data)`` gets "start", "step",
    "val", "skipped" (unreadable data left out) and "stop" events for progress display (rank 0 only)."""
    cfg.validate()
    device = _device(cfg.device)
    info = init_distributed(device)
    emit = on_event if (on_event and info.is_main) else (lambda kind, data: None)
    try:
        result = _fit(cfg, device, info, emit)
        # a finished run: every rank is past its last collective before any tears down (a rank
        # that exits while its peer is still in one makes gloo abort that peer). Not on errors:
        # a rank that failed alone must not wait here for peers stuck elsewhere
        barrier(info)
        return result
    finally:
        shutdown(info)


# keys that must not change when a run is resumed: the data stream, model and loss
RESUME_FIXED = ("arch", "variant", "batch", "crop", "loss", "paper_weight", "seed", "epoch_batches", "optimizer",
                "precision", "lr", "lr_schedule", "ema", "adversarial", "alpha", "beta", "d_pretrain", "rough_batch",
                "line_batch")


def remove_stale_checkpoint_temporaries(out: Path) -> int:
    """Delete the temporary checkpoint files a killed run left (``.last.pt.*.tmp``): a run is
    the only writer of its folder (a second run there is refused), so none is in use."""
    removed = 0
    for tmp in out.glob(".*.pt.*.tmp"):
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


def _resume_point(cfg: FitConfig, out: Path, is_main: bool, manifest_hash: str) -> dict | None:
    """The checkpoint to resume from (--resume), checked against today's options and dataset;
    None for a new run."""
    last = out / "last.pt"
    if not cfg.resume:
        if is_main and last.exists():
            raise FileExistsError(f"{out} already holds a run (last.pt): pass --resume to continue it, or another --out")
        return None
    if not last.exists():
        raise FileNotFoundError(f"--resume: {last} does not exist (start without --resume)")
    data = load_checkpoint(last)
    if cfg.precision == "auto":  # a resumed run keeps the precision it was trained in
        cfg.precision = data["args"].get("precision", "bf16")
    for key in RESUME_FIXED:
        saved = data["args"].get(key, getattr(FitConfig, key, None))  # older runs lack newer keys: defaults
        if saved != getattr(cfg, key):
            raise ValueError(f"--resume: {key} was {saved!r} in {last}, now {getattr(cfg, key)!r}")
    saved_hash = (data.get("dataset") or {}).get("manifest_sha256_16")
    if saved_hash is not None and saved_hash != manifest_hash:
        raise ValueError(f"--resume: {last} was trained on {data['dataset'].get('path')} (manifest {saved_hash}), but "
                         f"{cfg.dataset}{f' with --mix {cfg.mix}' if cfg.mix else ''} has {manifest_hash}: other data; resume on the "
                         "run's own dataset and --mix, or start a new run (--init to start from its weights)")
    return data


class _Run:
    """One training run's state and its reporting (checkpoints, validation, pictures)."""

    def __init__(self, cfg: FitConfig, device: torch.device, info: DistInfo, emit):
        self.cfg, self.info, self.emit = cfg, info, emit
        self.out = Path(cfg.out)
        self.train_shards, self.val_shards, fingerprint = training_pool(cfg.dataset, cfg.mix,
                                                                        require_pairs=not cfg.adversarial)
        if device.type == "cuda":
            torch.cuda.set_device(info.local_rank)
            device = torch.device("cuda", info.local_rank)
        self.device = device
        torch.set_num_threads(cfg.threads or max(1, (os.cpu_count() or 1) // info.world_size))
        self.loss_cfg = LossMapConfig(kind=cfg.loss)
        resume_data = _resume_point(cfg, self.out, info.is_main, fingerprint)
        if cfg.precision == "auto":  # recorded as chosen, so the run's args say what it trained in
            cfg.precision = auto_precision(device.type)
        if info.is_main and self.out.is_dir():
            remove_stale_checkpoint_temporaries(self.out)
        self.skipped: list[dict] = []  # unreadable shards / samples met in the main process
        self.model = build_run_model(cfg, resume_data, self.train_shards, self.skipped).to(device)
        self.memory_format = torch.channels_last if cfg.channels_last else torch.contiguous_format
        self.model.to(memory_format=self.memory_format)
        self.optimizer = _make_optimizer(cfg, self.model.parameters())
        self.base_lr = self.optimizer.param_groups[0]["lr"]
        self.step, self.best = 0, None
        self.adversary = Adversary(cfg, device, info, self.model.stride) if cfg.adversarial else None
        # the network that is validated and saved: the weight average with --ema, else the model
        self.average = WeightAverage(self.model, cfg.ema) if cfg.ema else None
        self.kept_model = self.average.model if self.average else self.model
        if resume_data is not None:
            self.step, self.best = restore_training_state(resume_data, self.model, self.optimizer,
                                                          self.average.model if self.average else None)
            if self.adversary:
                self.adversary.restore(resume_data)
        self.train_model = DistributedDataParallel(
            self.model, device_ids=[device.index] if device.type == "cuda" else None) if info.enabled else self.model
        # adversarial steps call the generator three ways (pairs, unpaired, discriminator): eager
        self.compiler = TrainingCompiler(self.train_model, cfg.compile and not cfg.adversarial,
                                         note=lambda message: emit("note", {"message": message}),
                                         passthrough=(TrainingStopped,))
        self.model.train()
        self.dataset_ref = {"path": str(cfg.dataset), "manifest_sha256_16": fingerprint,
                            **({"mix": cfg.mix} if cfg.mix else {})}
        if info.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            (self.out / "progress").mkdir(exist_ok=True)
            atomic_write_bytes(self.out / "run.json", json.dumps(
                {"args": asdict(cfg), "model": self.model.config.to_dict(), "world_size": info.world_size,
                 "dataset_manifest": self.dataset_ref["manifest_sha256_16"], "torch": torch.__version__},
                indent=1).encode())
        self.log = MetricsLog(self.out / "metrics.jsonl", self.step, info.is_main,
                              self.out / "tensorboard" if cfg.tensorboard else None)
        self.examples = _fixed_examples(self.val_shards or self.train_shards, 4, self.skipped) if info.is_main else []
        if self.adversary and info.is_main:  # unpaired rough inputs and what the generator makes of them
            self.examples += self.adversary.rough_examples(2)
        for record in self.skipped:
            emit("skipped", record)

    def save(self, name: str, val: dict | None) -> None:
        payload = training_checkpoint(self.kept_model, self.step, self.optimizer, self.dataset_ref, asdict(self.cfg),
                                      val, self.best, training_model=self.model if self.average else None)
        if self.adversary:  # extra keys: the file still loads as a plain model everywhere
            payload.update(self.adversary.state())
        save_checkpoint(self.out / name, payload)

    def take_optimizer_step(self) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = _learning_rate(self.cfg, self.base_lr, self.step)
        self.optimizer.step()
        if self.average:
            self.average.update(self.model, self.step + 1)

    def epoch(self, epoch: int, skip: int):
        """The batches of one data epoch, its first ``skip`` left out (a resumed run)."""
        cfg = self.cfg
        if self.train_shards:
            batches = train_batches(self.train_shards, cfg.batch, cfg.crop, self.loss_cfg, cfg.seed, epoch,
                                    self.info.rank, cfg.epoch_batches, cfg.workers, skip, stride=self.model.stride)
        else:  # adversarial training on unpaired data alone
            batches = itertools.repeat((None, None, None), cfg.epoch_batches - skip)
        if self.adversary:
            self.adversary.start_epoch(epoch, skip)
        return batches

    def after_step(self, last_val: float | None) -> float | None:
        """Validation (and best.pt), pictures and last.pt when they are due; the last validation loss."""
        cfg, is_main = self.cfg, self.info.is_main
        finished = self.step >= cfg.steps
        if self.step % cfg.val_every == 0 or finished:
            val = self.validate()
            last_val = val.get("loss", last_val)
            if val and (self.best is None or val["loss"] < self.best):
                self.best = val["loss"]
                if is_main:
                    self.save("best.pt", val)
        if cfg.image_every and self.step % cfg.image_every == 0 and is_main and self.examples:
            self.picture()
        if self.step % cfg.ckpt_every == 0 or finished:
            self.sync_buffers()
            if is_main:
                self.save("last.pt", {"loss": last_val} if last_val is not None else None)
        return last_val

    def supervised_step(self, inp, tgt, weights) -> tuple[torch.Tensor, dict]:
        cfg = self.cfg

        def forward_backward(network) -> torch.Tensor:
            with _autocast(self.device, cfg.precision):
                out_batch, _ = forward_for_loss(network, inp, cfg.loss)
            loss = pixel_loss(cfg.loss, out_batch, tgt, weights, cfg.paper_weight)
            self.stop_on_nan(loss)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            return loss

        loss = self.compiler.run(forward_backward, reset=lambda: self.optimizer.zero_grad(set_to_none=True))
        self.take_optimizer_step()
        return loss, {"kind": "train", "loss": loss.item()}

    def picture(self) -> None:
        sheet = _progression(self.kept_model, self.examples, self.device, self.cfg.precision,
                             self.out / "progress" / f"step-{self.step:07d}.png")
        self.log.picture("progress", sheet, self.step)

    def validate(self) -> dict:
        """Validation loss (all ranks), logged and plotted by the main process."""
        cfg = self.cfg
        self.sync_buffers()
        val = evaluate_loss(self.kept_model, self.val_shards, cfg, self.loss_cfg, self.device, self.info) \
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

    def sync_buffers(self) -> None:
        """Batch-norm statistics averaged over the processes (the model's and its average's)."""
        average_buffers(self.model, self.info)
        if self.average:
            average_buffers(self.average.model, self.info)

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
    start_step = run.step
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
        for inp, tgt, weights in run.epoch(epoch, skip):
            t_start = t_start or time.perf_counter()
            if inp is not None:
                inp = inp.to(run.device).contiguous(memory_format=run.memory_format)
                tgt, weights = tgt.to(run.device), weights.to(run.device)
            if run.adversary:
                loss, row = run.adversary.step(run, inp, tgt, weights)
            else:
                loss, row = run.supervised_step(inp, tgt, weights)
            run.step += 1
            seen += (cfg.batch if inp is not None else cfg.rough_batch) * info.world_size
            rate = seen / max(time.perf_counter() - t_start, 1e-9)
            if info.is_main:
                run.log.add({**row, "step": run.step, "samples_per_s": round(rate, 2)})
            emit("step", {"step": run.step, "loss": row.get("loss", row.get("d_loss")), "samples_per_s": rate})
            last_val = run.after_step(last_val)
            if run.step >= cfg.steps:
                break
        epoch, skip = epoch + 1, 0
    run.log.close()
    barrier(info)
    average_buffers(run.model, info)
    if info.enabled:
        run.check_ranks_agree()
    return FitResult(out=str(run.out), step=run.step, first_val_loss=first_val, last_val_loss=last_val,
                     best_val_loss=run.best,
                     samples_per_s=seen / max(time.perf_counter() - (t_start or time.perf_counter()), 1e-9),
                     is_main=info.is_main, history=run.log.rows, skipped=run.skipped,
                     steps_trained=run.step - start_step)

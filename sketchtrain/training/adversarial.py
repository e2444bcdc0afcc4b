"""`fit --adversarial`: adversarial augmentation (Mastering Sketching, TOG 2018; train_adv.lua).

The objective:

    generator:     L_sup(pairs) + alpha * BCE(D(G(x_pair)), real) + beta * BCE(D(G(x_rough)), real)
    discriminator: BCE(D(G(x_pair)), fake) + BCE(D(y_pair), real)
                   + BCE(D(G(x_rough)), fake) + BCE(D(y_line), real)

x_pair, y_pair: a paired batch; x_rough: unpaired rough sketches (no clean version); y_line:
unpaired line drawings (no rough version). Every BCE is a batch mean, as torch7's BCECriterion;
the authors' weights are alpha = beta = 8e-5 relative to the (mean) supervised loss. A term
whose batch is absent (no pairs, or no unpaired set) is left out.

The step (class Adversary): the discriminator, its optimiser and unpaired data, and one training step
of adversarial augmentation.

One step:
1. the generator runs on the paired inputs and the unpaired rough sketches in one batch (one
   forward, as DistributedDataParallel needs; batch-norm statistics span both);
2. the discriminator takes one step on [G(pairs), clean targets, G(rough), unpaired lines],
   judged fake, real, fake, real;
3. after the first ``d_pretrain`` steps (the discriminator's pre-training, counted in --steps),
   the generator takes one step on its objective, judged by the updated discriminator, whose
   weights are frozen for that pass (so no gradient reaches them or their DDP hooks).
The discriminator uses ADADELTA (learning rate 1), as the authors' trainer does for both
networks; the generator keeps `fit`'s optimiser.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from sketchdata.shards.dataset import iter_images, shard_paths
from sketchdata.shards.format import INPUT, TARGET, UNPAIRED_LINE, UNPAIRED_ROUGH

from sketchtrain.training.data import DataError, unpaired_batches
from sketchtrain.training.losses import forward_for_loss, pixel_loss
from sketchtrain.training.validation import autocast
from sketchtrain.training.config import ALPHA, BETA  # the authors' constants, beside the options


REAL, FAKE = 1.0, 0.0


def bce_with_label(logits: torch.Tensor, label: float) -> torch.Tensor:
    """Mean binary cross-entropy of the discriminator's logits against one label for the batch."""
    logits = logits.float()
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, label))


def generator_objective(supervised: torch.Tensor | None, d_on_pairs: torch.Tensor | None,
                        d_on_rough: torch.Tensor | None, alpha: float = ALPHA,
                        beta: float = BETA) -> tuple[torch.Tensor, dict]:
    """The generator's loss and its parts (floats, for the log)."""
    parts: dict[str, torch.Tensor] = {}
    if supervised is not None:
        parts["supervised"] = supervised.float()
    if d_on_pairs is not None:
        parts["adv_pairs"] = alpha * bce_with_label(d_on_pairs, REAL)
    if d_on_rough is not None:
        parts["adv_rough"] = beta * bce_with_label(d_on_rough, REAL)
    if not parts:
        raise ValueError("the generator objective needs pairs or unpaired rough sketches")
    total = sum(parts.values())
    return total, {name: float(value.detach()) for name, value in parts.items()}


def discriminator_objective(d_fake_pairs: torch.Tensor | None, d_real_pairs: torch.Tensor | None,
                            d_fake_rough: torch.Tensor | None, d_real_lines: torch.Tensor | None) -> tuple[torch.Tensor, dict]:
    """The discriminator's loss: generated images judged fake, line drawings judged real."""
    terms = {"fake_pairs": (d_fake_pairs, FAKE), "real_pairs": (d_real_pairs, REAL),
             "fake_rough": (d_fake_rough, FAKE), "real_lines": (d_real_lines, REAL)}
    parts = {name: bce_with_label(logits, label) for name, (logits, label) in terms.items() if logits is not None}
    if not parts:
        raise ValueError("the discriminator objective needs at least one batch")
    total = sum(parts.values())
    return total, {name: float(value.detach()) for name, value in parts.items()}


class Adversary:
    def __init__(self, cfg, device: torch.device, info, stride: int):
        from sketchtrain.models.discriminator import Discriminator

        self.cfg, self.device, self.info, self.stride = cfg, device, info, stride
        source = cfg.unpaired or cfg.dataset
        self.rough_shards = shard_paths(source, UNPAIRED_ROUGH) if cfg.rough_batch else []
        self.line_shards = shard_paths(source, UNPAIRED_LINE) if cfg.line_batch else []
        if cfg.rough_batch and not self.rough_shards:
            raise DataError(f"{source}: no unpaired rough shards ({UNPAIRED_ROUGH}-*.tar): add a source with "
                            "`unpaired: rough` to the recipe (a folder of your scans), pass --unpaired DATASET, "
                            "or --rough-batch 0")
        if cfg.line_batch and not self.line_shards:
            raise DataError(f"{source}: no unpaired line shards ({UNPAIRED_LINE}-*.tar): add a source with "
                            "`unpaired: line`, pass --unpaired DATASET, or --line-batch 0")
        self.discriminator = Discriminator().to(device)
        self.optimizer = torch.optim.Adadelta(self.discriminator.parameters(), lr=1.0)
        self.judge_for_training = DistributedDataParallel(self.discriminator) if info.enabled else self.discriminator
        self.rough_iter = self.line_iter = None

    # ------------------------------------------------------------------ state
    def state(self) -> dict:
        return {"discriminator": {k: v.detach().cpu() for k, v in self.discriminator.state_dict().items()},
                "d_optimizer": self.optimizer.state_dict()}

    def restore(self, data: dict) -> None:
        if "discriminator" not in data:
            raise ValueError("--resume: the run's checkpoint has no discriminator (it was not --adversarial)")
        self.discriminator.load_state_dict(data["discriminator"])
        self.optimizer.load_state_dict(data["d_optimizer"])

    def rough_examples(self, count: int = 2) -> list:
        """A few unpaired rough inputs for the progression pictures (no target)."""
        return [(image, None) for _, image, _ in itertools.islice(iter_images(self.rough_shards, INPUT, skipped=[]), count)]

    # ------------------------------------------------------------------ data
    def start_epoch(self, epoch: int, skip: int) -> None:
        """Unpaired streams for this data epoch, in step with the paired batches (exact resume)."""
        cfg = self.cfg
        make = lambda shards, field, batch: unpaired_batches(  # noqa: E731
            shards, field, batch, cfg.crop, cfg.seed, epoch, self.info.rank, cfg.epoch_batches, skip, self.stride)
        self.rough_iter = make(self.rough_shards, INPUT, cfg.rough_batch) if self.rough_shards else None
        self.line_iter = make(self.line_shards, TARGET, cfg.line_batch) if self.line_shards else None

    def _next(self, stream):
        return None if stream is None else next(stream).to(self.device)

    # ------------------------------------------------------------------ step
    def step(self, run, inp, tgt, weights) -> tuple[torch.Tensor, dict]:
        """One adversarial step (see module doc); returns (the last loss, log row). A non-finite
        loss stops the run before the optimiser it feeds takes its step."""
        cfg, device = self.cfg, self.device
        rough, lines = self._next(self.rough_iter), self._next(self.line_iter)
        pretraining = run.step < cfg.d_pretrain
        inputs = [x for x in (inp, rough) if x is not None]
        n_pairs = 0 if inp is None else inp.shape[0]
        batch = torch.cat(inputs).contiguous(memory_format=run.memory_format)
        with torch.set_grad_enabled(not pretraining), autocast(device, cfg.precision):
            raw, images = forward_for_loss(run.train_model, batch, cfg.loss)
        fake_pairs, fake_rough = images[:n_pairs], images[n_pairs:]

        # discriminator: one forward over everything it judges
        judged = [fake_pairs.detach(), tgt, fake_rough.detach(), lines]
        present = [x for x in judged if x is not None and x.shape[0]]
        with autocast(device, cfg.precision):
            logits = self.judge_for_training(torch.cat(present).float())
        split = iter(torch.split(logits, [x.shape[0] for x in present]))
        d_fake_p, d_real_p, d_fake_r, d_real_l = (next(split) if x is not None and x.shape[0] else None for x in judged)
        d_loss, d_parts = discriminator_objective(d_fake_p, d_real_p, d_fake_r, d_real_l)
        run.stop_on_nan(d_loss)  # before any weight moves, as in supervised steps
        self.optimizer.zero_grad(set_to_none=True)
        d_loss.backward()
        self.optimizer.step()
        row = {"d_loss": float(d_loss.detach()), **{f"d_{k}": v for k, v in d_parts.items()}}
        if pretraining:
            return d_loss, {"kind": "d_pretrain", **row}

        # generator: judged by the updated discriminator, frozen for this pass
        self.discriminator.requires_grad_(False)
        try:
            with autocast(device, cfg.precision):
                verdict = self.discriminator(images)
        finally:
            self.discriminator.requires_grad_(True)
        supervised = pixel_loss(cfg.loss, raw[:n_pairs], tgt, weights, cfg.paper_weight) if n_pairs else None
        g_loss, g_parts = generator_objective(supervised, verdict[:n_pairs] if n_pairs else None,
                                              verdict[n_pairs:] if rough is not None else None, cfg.alpha, cfg.beta)
        run.stop_on_nan(g_loss)
        run.optimizer.zero_grad(set_to_none=True)
        g_loss.backward()
        run.take_optimizer_step()
        return g_loss, {"kind": "train", "loss": float(g_loss.detach()), **row, **g_parts}

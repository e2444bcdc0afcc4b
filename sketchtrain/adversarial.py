"""The objective of adversarial augmentation (Mastering Sketching, TOG 2018; train_adv.lua):

    generator:     L_sup(pairs) + alpha * BCE(D(G(x_pair)), real) + beta * BCE(D(G(x_rough)), real)
    discriminator: BCE(D(G(x_pair)), fake) + BCE(D(y_pair), real)
                   + BCE(D(G(x_rough)), fake) + BCE(D(y_line), real)

x_pair, y_pair: a paired batch; x_rough: unpaired rough sketches (no clean version); y_line:
unpaired line drawings (no rough version). Every BCE is a batch mean, as torch7's BCECriterion;
the authors' weights are alpha = beta = 8e-5 relative to the (mean) supervised loss. A term
whose batch is absent (no pairs, or no unpaired set) is left out.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .fit_config import ALPHA, BETA  # the authors' constants, beside the options

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

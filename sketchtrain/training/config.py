"""The options of `sketchtrain fit` (FitConfig), without torch: the command line reads their
defaults at start-up, and `sketchtrain simplify` with an OpenVINO model never imports torch.
Checking them (``validate``) imports the registries it checks against."""

from __future__ import annotations

from dataclasses import dataclass, field

from sketchtrain.devices import DEVICE_NAMES, check_device_name

# the authors' adversarial constants (train_adv.lua), the defaults of --alpha, --beta, --d-pretrain
ALPHA = 8e-5  # supervised adversarial weight (train_adv.lua --dratio)
BETA = 8e-5  # unsupervised adversarial weight (--uratio)
D_PRETRAIN = 1000  # discriminator-only iterations before the generator moves (--pretraindnet)


OPTIMIZERS = ("adadelta", "adam")
LR_SCHEDULES = ("constant", "cosine")
PRECISIONS = ("auto", "bf16", "fp32")


def option(default, help: str = "", flags: tuple[str, ...] = (), cli: bool = True, metavar: str | None = None):
    """A FitConfig field and its command-line option (``sketchtrain fit`` is generated from these):
    ``help`` is the option's help, ``flags`` its names (default ``--field-name``), ``cli=False``
    keeps it off the command line, ``metavar`` the value's name in --help."""
    return field(default=default, metadata={"help": help, "flags": flags, "cli": cli, "metavar": metavar})


@dataclass
class FitConfig:
    """Every option of `sketchtrain fit`; checked completely when constructed (``validate``)."""

    dataset: str = field(metadata={"help": "Dataset folder built by `sketchdata build`.", "argument": True})
    out: str = field(metadata={"help": "Run folder (checkpoints, metrics, pictures).", "flags": ("--out", "-o")})
    # a run's data mix: more shards in the pool that training draws from uniformly
    mix: list[str] | None = option(None, "Another dataset whose training shards join DATASET's (repeatable); shards "
                                         "are drawn alike, so each set's share is its share of the shards. Validation "
                                         "stays on DATASET.", metavar="DATASET")
    arch: str = option("fcn", "Architecture (`sketchtrain architectures` lists them): fcn is the paper's network.")
    variant: str = option("", "The architecture's size (`sketchtrain architectures`); default: its default variant.")
    steps: int = option(1000, "Optimiser steps in total (a resumed run continues to this).")
    batch: int = option(8, "Samples per step and process (authors: 8).")
    crop: int = option(0, "Random crop side (a multiple of the architecture's stride); 0 = the stored patch size.")
    optimizer: str = option("adadelta", " | ".join(OPTIMIZERS) + " (adadelta: the paper).")
    lr: float | None = option(None, "Learning rate (adadelta 1.0, adam 1e-3 by default).")
    # a function of the step, so a resumed run follows the same curve
    lr_schedule: str = option("constant", " | ".join(LR_SCHEDULES) + " (cosine decays to 0 at --steps).")
    loss: str = option("authors", "authors: exp(-H)+0.5 | paper: alpha exp(-H)+beta, white=1 | mse | bce "
                                  "(cross-entropy on logits).")
    paper_weight: float = option(1.0, "Weight of paper pixels relative to ink; 3 makes the benchmarks' stroke level "
                                      "(191) the 50% ink decision.")
    precision: str = option("auto", "auto (bf16 on CUDA and on CPUs with native bf16, else fp32; a resumed run keeps "
                                    "its own) | bf16 (autocast) | fp32.")
    val_every: int = option(100, "Validate (and draw pictures) every N steps.")
    val_samples: int = option(256, "Validation samples per evaluation.")
    image_every: int = option(0, "Progression image every N steps (0 = with each validation).")
    ckpt_every: int = option(100, "Write last.pt every N steps.")
    epoch_batches: int = option(100, "Batches per data epoch (how finely a resumed run continues the data stream).")
    workers: int = option(1, "Data loader processes per training process.")
    threads: int = option(0, "Torch threads per process (0 = cores / processes).")
    ema: float = option(0.0, "Average the weights over the steps (exponential moving average, decay per step: 0.999 "
                             "averages about the last 1000); validation, best.pt and every checkpoint's weights are "
                             "the average. 0 = off.", metavar="DECAY")
    seed: int = option(0, "Seed of the weights, crops and order.")
    device: str = option("auto", DEVICE_NAMES + ".")
    init: str | None = option(None, "Start from weights: a checkpoint or the authors' released .pth.")
    resume: bool = option(False, "Continue the run in --out from its last.pt.")
    # training samples measuring the input mean/std (0: the paper's constants)
    norm_samples: int = option(64, cli=False)
    channels_last: bool = option(True, "Channels-last tensors in training (bf16 steps 4-12% faster here).",
                                 flags=("--channels-last/--no-channels-last",))
    compile: bool = option(False, "torch.compile (inductor) the network for supervised steps; eager when no C++ "
                                  "compiler is found or compiling fails (a one-line note).",
                           flags=("--compile/--no-compile",))
    # adversarial augmentation (Mastering Sketching; sketchtrain.training.adversarial)
    adversarial: bool = option(False, "Adversarial augmentation (Mastering Sketching): a discriminator, and unpaired "
                                      "rough sketches / line drawings. Needs --init.")
    alpha: float = option(ALPHA, "Adversarial weight on pairs (authors: 8e-5).")
    beta: float = option(BETA, "Adversarial weight on unpaired rough sketches (authors: 8e-5).")
    d_pretrain: int = option(D_PRETRAIN, "Discriminator-only steps first, counted in --steps (authors: 1000).")
    rough_batch: int = option(8, "Unpaired rough sketches per step (0: none).")
    line_batch: int = option(8, "Unpaired line drawings per step (0: none).")
    unpaired: str | None = option(None, "Dataset holding the unpaired shard sets (default: the dataset itself).")
    tensorboard: bool = option(False, "Also write TensorBoard event files to OUT/tensorboard (pip install tensorboard).")

    def __post_init__(self) -> None:
        self.mix = [str(d) for d in self.mix] if self.mix else None  # no mix is None, from the CLI or from code
        self.validate()

    def _check_folders(self) -> None:
        """The run folder never holds what the run reads: --init's weights (best.pt / last.pt
        would replace them) or the dataset."""
        from pathlib import Path

        from sketchdata.files import OverwriteRefused

        out = Path(self.out).resolve()
        datasets = [self.dataset, *(self.mix or ())]
        for dataset in datasets:
            if out == Path(dataset).resolve():
                raise ValueError(f"--out {self.out} is the dataset folder {dataset}: a run's checkpoints and pictures "
                                 "go into a folder of their own; choose another --out")
        if len({Path(d).resolve() for d in datasets}) < len(datasets):
            raise ValueError(f"--mix names a dataset twice (or DATASET itself): {', '.join(datasets)}; "
                             "name each dataset once")
        if self.init and Path(self.init).resolve().parent == out and not self.resume:
            raise OverwriteRefused(f"training into {self.out} would overwrite the input {self.init} (its checkpoints "
                                   "are written there); choose another --out, or copy the weights elsewhere first")

    def validate(self) -> None:
        from sketchtrain.models.registry import get_architecture, model_config
        from sketchtrain.training.losses import LOSS_KINDS

        architecture = get_architecture(self.arch, "--arch")
        self.variant = self.variant or architecture.default_variant
        stride = architecture.stride(model_config(self.variant, self.arch, what="--variant"))
        for name, value, allowed in (("optimizer", self.optimizer, OPTIMIZERS), ("loss", self.loss, LOSS_KINDS),
                                     ("lr-schedule", self.lr_schedule, LR_SCHEDULES),
                                     ("precision", self.precision, PRECISIONS)):
            if value not in allowed:
                raise ValueError(f"--{name} must be one of {', '.join(allowed)}, got {value!r}")
        check_device_name(self.device)
        if not self.paper_weight > 0:
            raise ValueError(f"--paper-weight must be > 0, got {self.paper_weight}")
        if not 0.0 <= self.ema < 1.0:
            raise ValueError(f"--ema must be in [0, 1) (0 = off; 0.999 averages about the last 1000 steps), got {self.ema}")
        if self.crop and self.crop % stride:
            raise ValueError(f"--crop must be a multiple of {stride} (the stride of {self.arch} {self.variant}), "
                             f"got {self.crop}")
        self._check_folders()
        if self.adversarial:
            if not self.init and not self.resume:
                raise ValueError("--adversarial starts from a supervised model: pass --init CHECKPOINT "
                                 "(or the authors' released weights), as the authors' trainer does")
            for name in ("alpha", "beta", "d_pretrain", "rough_batch", "line_batch"):
                if getattr(self, name) < 0:
                    raise ValueError(f"--{name.replace('_', '-')} must be >= 0, got {getattr(self, name)}")
            if not self.crop:
                raise ValueError("--adversarial needs --crop N (paired and unpaired crops share one batch)")
        for name in ("steps", "batch", "val_every", "ckpt_every", "epoch_batches"):
            if getattr(self, name) < 1:
                raise ValueError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(self, name)}")

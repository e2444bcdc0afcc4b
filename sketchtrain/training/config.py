"""The options of `sketchtrain fit` (FitConfig), without torch: the command line reads their
defaults at start-up, and `sketchtrain simplify` with an OpenVINO model never imports torch.
Checking them (``validate``) imports the registries it checks against."""

from __future__ import annotations

from dataclasses import dataclass

# the authors' adversarial constants (train_adv.lua), the defaults of --alpha, --beta, --d-pretrain
ALPHA = 8e-5  # supervised adversarial weight (train_adv.lua --dratio)
BETA = 8e-5  # unsupervised adversarial weight (--uratio)
D_PRETRAIN = 1000  # discriminator-only iterations before the generator moves (--pretraindnet)


@dataclass
class FitConfig:
    dataset: str
    out: str
    arch: str = "fcn"  # sketchtrain.models.registry: fcn (the paper) | unet
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
    # adversarial augmentation (Mastering Sketching; sketchtrain.training.adversarial)
    adversarial: bool = False
    alpha: float = ALPHA  # weight of the adversarial loss on pairs
    beta: float = BETA  # weight of the adversarial loss on unpaired rough sketches
    d_pretrain: int = D_PRETRAIN  # discriminator-only steps first (counted in --steps)
    rough_batch: int = 8  # unpaired rough sketches per step
    line_batch: int = 8  # unpaired line drawings per step
    unpaired: str | None = None  # dataset holding the unpaired shard sets (default: DATASET itself)
    tensorboard: bool = False  # TensorBoard event files in OUT/tensorboard beside metrics.jsonl

    def _check_folders(self) -> None:
        """The run folder never holds what the run reads: --init's weights (best.pt / last.pt
        would replace them) or the dataset."""
        from pathlib import Path

        from sketchdata.files import OverwriteRefused

        out = Path(self.out).resolve()
        if out == Path(self.dataset).resolve():
            raise ValueError(f"--out {self.out} is the dataset folder {self.dataset}: a run's checkpoints and pictures "
                             "go into a folder of their own; choose another --out")
        if self.init and Path(self.init).resolve().parent == out and not self.resume:
            raise OverwriteRefused(f"training into {self.out} would overwrite the input {self.init} (its checkpoints "
                                   "are written there); choose another --out, or copy the weights elsewhere first")

    def validate(self) -> None:
        from sketchtrain.models.registry import ARCHITECTURES, get_architecture
        from sketchtrain.training.losses import LOSS_KINDS

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

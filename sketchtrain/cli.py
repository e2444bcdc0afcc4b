"""`sketchtrain` command line: each command parses options and calls one library function."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from .console import FitProgress, err_console

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Train, evaluate and run rough-sketch simplification networks.")
console = Console(soft_wrap=True)


@app.callback()
def main() -> None:
    """Train, evaluate and run rough-sketch simplification networks."""


def _fail(message: str, code: int = 2) -> None:
    err_console.print(f"[red]error:[/] {message}")
    raise typer.Exit(code)


@app.command()
def fit(
    shards: Path = typer.Argument(..., help="Dataset folder built by `sketchdata build`."),
    out: Path = typer.Option(..., "--out", "-o", help="Run folder (checkpoints, metrics, pictures)."),
    variant: str = typer.Option("quarter", help="full | half | quarter | eighth | sixteenth (channel width)."),
    steps: int = typer.Option(1000, help="Optimiser steps in total (a resumed run continues to this)."),
    batch: int = typer.Option(8, help="Samples per step and process (authors: 8)."),
    crop: int = typer.Option(0, help="Random crop side (multiple of 8); 0 = the stored patch size."),
    optimizer: str = typer.Option("adadelta", help="adadelta (paper) | adam."),
    lr: Optional[float] = typer.Option(None, help="Learning rate (adadelta 1.0, adam 1e-3 by default)."),
    loss: str = typer.Option("authors", help="authors: exp(-H)+0.5 | paper: alpha exp(-H)+beta, white=1 | mse."),
    precision: str = typer.Option("bf16", help="bf16 (autocast) | fp32."),
    val_every: int = typer.Option(100, help="Validate (and draw pictures) every N steps."),
    val_samples: int = typer.Option(256, help="Validation samples per evaluation."),
    image_every: int = typer.Option(0, help="Progression image every N steps (0 = with each validation)."),
    ckpt_every: int = typer.Option(100, help="Write last.pt every N steps."),
    epoch_batches: int = typer.Option(100, help="Batches per data epoch."),
    workers: int = typer.Option(1, help="Data loader processes per training process."),
    threads: int = typer.Option(0, help="Torch threads per process (0 = cores / processes)."),
    seed: int = typer.Option(0),
    device: str = typer.Option("auto", help="auto | cpu | cuda."),
    init: Optional[Path] = typer.Option(None, help="Start from weights: a checkpoint or the authors' released .pth."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out from its last.pt."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
):
    """Train the simplification network on shards (ADADELTA, weighted MSE, bf16)."""
    from .checkpoint import CheckpointError
    from .data import DataError
    from .train import FitConfig, TrainingStopped, fit as fit_fn
    from sketchdata.dataset import DatasetError

    cfg = FitConfig(dataset=str(shards), out=str(out), variant=variant, steps=steps, batch=batch, crop=crop,
                    optimizer=optimizer, lr=lr, loss=loss, precision=precision, val_every=val_every,
                    val_samples=val_samples, image_every=image_every, ckpt_every=ckpt_every,
                    epoch_batches=epoch_batches, workers=workers, threads=threads, seed=seed, device=device,
                    init=str(init) if init else None, resume=resume)
    try:
        with FitProgress(quiet) as progress:
            result = fit_fn(cfg, on_event=progress)
    except TrainingStopped:
        raise typer.Exit(3)
    except (DataError, DatasetError, CheckpointError, ValueError, FileNotFoundError, FileExistsError) as exc:
        _fail(str(exc))
    if not result.is_main:
        return
    first = f"{result.first_val_loss:.5f}" if result.first_val_loss is not None else "n/a"
    last = f"{result.last_val_loss:.5f}" if result.last_val_loss is not None else "n/a"
    console.print(f"{result.out}: step {result.step}; validation loss {first} -> {last}; "
                  f"{result.samples_per_s:.1f} samples/s; checkpoints last.pt, best.pt; curve loss.png")

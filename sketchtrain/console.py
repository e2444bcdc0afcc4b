"""Terminal presentation for training: a rich progress bar with loss and samples/s."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

err_console = Console(stderr=True, soft_wrap=True)


class FitProgress:
    """An ``on_event`` callback for fit()."""

    def __init__(self, quiet: bool = False):
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("step {task.completed}/{task.total}"),
            TextColumn("{task.fields[info]}"), TimeElapsedColumn(), TimeRemainingColumn(),
            disable=quiet, console=Console(stderr=True, soft_wrap=True),
        )
        self.quiet = quiet
        self.task = None
        self.val = ""

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        self.progress.__exit__(*exc)

    def __call__(self, kind: str, data: dict) -> None:
        if kind == "start":
            self.task = self.progress.add_task(f"fit {data['variant']} x{data['world_size']}", total=data["steps"],
                                               completed=data["step"], info="")
        elif kind == "step" and self.task is not None:
            self.progress.update(self.task, completed=data["step"],
                                 info=f"loss {data['loss']:.4f} {data['samples_per_s']:.1f} samples/s{self.val}")
        elif kind == "val":
            self.val = f" val {data['loss']:.4f}"
            self.progress.console.print(f"step {data['step']}: validation loss {data['loss']:.5f}, "
                                        f"mse {data['mse']:.5f} ({data['samples']} samples)")
        elif kind == "stop":
            err_console.print(f"[red]stopped:[/] {data['message']}")

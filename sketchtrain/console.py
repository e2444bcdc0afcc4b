"""Terminal presentation for training: a rich progress bar with loss and samples/s."""

from __future__ import annotations

from sketchdata.console import ProgressCallback, err_console, make_console, one_line, print_error, print_skipped, tagged
from sketchdata.shards.dataset import skip_location

__all__ = ["FitProgress", "err_console", "make_console", "one_line", "print_error", "print_skipped", "tagged"]


class FitProgress(ProgressCallback):
    """An ``on_event`` callback for fit()."""

    def __init__(self, quiet: bool = False):
        super().__init__("step {task.completed}/{task.total}", "info", quiet)
        self.val = ""

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
        elif kind == "skipped":
            self.progress.console.print(tagged("skipped", "yellow", f"{skip_location(data)}: {data['reason']}"))
        elif kind == "stop":
            err_console.print(tagged("stopped:", "red", data["message"]))
        elif kind == "note":  # shown even with --quiet: it says how the run trains
            err_console.print(tagged("note:", "cyan", data["message"]))

"""Terminal presentation: rich progress for builds, error printing. Kept out of the library core."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

err_console = Console(stderr=True, soft_wrap=True)


class ProgressCallback:
    """Base for ``on_event(kind, data)`` callbacks that draw one rich progress bar on stderr
    (used as a context manager; ``quiet`` disables the bar)."""

    def __init__(self, count_label: str, info_field: str, quiet: bool = False):
        self.quiet = quiet
        self.task = None
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), TextColumn(count_label),
            TextColumn("{task.fields[%s]}" % info_field), TimeElapsedColumn(), TimeRemainingColumn(),
            disable=quiet, console=Console(stderr=True, soft_wrap=True),
        )

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        self.progress.__exit__(*exc)


class BuildProgress(ProgressCallback):
    """An ``on_event`` callback for build_dataset that draws a bar with images/s and samples/s."""

    def __init__(self, quiet: bool = False):
        super().__init__("{task.completed}/{task.total} images", "rate", quiet)
        self.samples = 0
        self.images = 0
        self.start = time.perf_counter()

    def __call__(self, kind: str, data: dict) -> None:
        if kind == "plan":
            if data["done"]:
                self.progress.console.print(f"resuming: {data['done']} of {data['shards']} shards already finished")
            self.task = self.progress.add_task("build", total=data["images"], rate="")
            self.start = time.perf_counter()
        elif kind == "image" and self.task is not None:
            self.images += data["images"]
            self.samples += data["samples"]
            dt = max(time.perf_counter() - self.start, 1e-6)
            self.progress.update(self.task, advance=data["images"],
                                 rate=f"{self.images / dt:.1f} img/s {self.samples / dt:.0f} samples/s")
        elif kind == "shard":
            for s in data["skipped"]:
                self.progress.console.print(f"[yellow]skipped[/] {s['path']}: {s['reason']}")

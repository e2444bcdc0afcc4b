"""Terminal presentation: rich progress for builds, error printing. Kept out of the library core.

Every console here has markup off: file names, recipe errors and messages are user-supplied text
(a folder called ``[draft]`` or a path with ``[/b]``) and are printed literally; colour comes only
from :func:`tagged`, which styles a fixed tag and appends the message as plain text.
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.text import Text


def make_console(stderr: bool = False, **options) -> Console:
    """A console that prints text literally (no markup, no highlighting)."""
    return Console(stderr=stderr, soft_wrap=True, markup=False, highlight=False, **options)


err_console = make_console(stderr=True)
SHOWN_SKIPS = 20  # skipped inputs printed before a build; the manifest lists them all


_CONTROL = {i: f"\\x{i:02x}" for i in (*range(0x20), 0x7f)} | {0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t"}


def one_line(text: str) -> str:
    """Control characters (a newline in a file name, say) written as escapes, so one record is
    one line of the log."""
    return str(text).translate(_CONTROL)


def tagged(tag: str, style: str, message: str) -> Text:
    """``tag`` in ``style``, then the message as given, on one line."""
    return Text.assemble((tag, style), " ", one_line(message))


def print_error(message: str) -> None:
    err_console.print(tagged("error:", "red", message))


def print_skipped(message: str, tag: str = "skipped") -> None:
    err_console.print(tagged(tag, "yellow", message))


class ProgressCallback:
    """Base for ``on_event(kind, data)`` callbacks that draw one rich progress bar on stderr
    (used as a context manager; ``quiet`` disables the bar)."""

    def __init__(self, count_label: str, info_field: str, quiet: bool = False):
        self.quiet = quiet
        self.task = None
        self.progress = Progress(
            TextColumn("{task.description}", style="bold", markup=False), BarColumn(),
            TextColumn(count_label, markup=False), TextColumn("{task.fields[%s]}" % info_field, markup=False),
            TimeElapsedColumn(), TimeRemainingColumn(), disable=quiet, console=make_console(stderr=True),
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
            skipped = data.get("skipped_inputs", [])
            for s in skipped[:SHOWN_SKIPS]:
                self.progress.console.print(tagged("skipped", "yellow", f"{s['path']}: {s['reason']}"))
            if len(skipped) > SHOWN_SKIPS:
                self.progress.console.print(f"... and {len(skipped) - SHOWN_SKIPS} more skipped inputs "
                                            "(all listed in manifest.json)")
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
                self.progress.console.print(tagged("skipped", "yellow", f"{s['path']}: {s['reason']}"))

"""metrics.jsonl of a training run: one JSON object per line (train and validation rows)."""

from __future__ import annotations

import json
from pathlib import Path

from sketchdata.image.io import atomic_write_bytes


class MetricsLog:
    """metrics.jsonl: one JSON object per line; on resume, lines after the resumed step go."""

    def __init__(self, path: Path, keep_until_step: int, enabled: bool, tensorboard: Path | None = None):
        self.path, self.enabled = path, enabled
        self.rows: list[dict] = []
        self.board = _board(tensorboard, keep_until_step) if (enabled and tensorboard) else None
        if enabled and path.exists():
            for line in path.read_text().splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a torn last line from a killed run
                if row.get("step", 0) <= keep_until_step:
                    self.rows.append(row)
            atomic_write_bytes(path, "".join(json.dumps(r) + "\n" for r in self.rows).encode())

    def add(self, row: dict) -> None:
        self.rows.append(row)
        if self.enabled:
            with open(self.path, "a") as fh:
                fh.write(json.dumps(row) + "\n")
        if self.board is not None:
            # every number of the row, under kind/name (train/loss, val/mse, d_pretrain/d_loss ...)
            for name, value in row.items():
                if name not in ("kind", "step") and isinstance(value, (int, float)) and not isinstance(value, bool):
                    self.board.add_scalar(f"{row.get('kind', 'row')}/{name}", value, row.get("step", 0))

    def picture(self, tag: str, image, step: int) -> None:
        """A progression picture (grey float array) beside the scalars."""
        if self.board is not None:
            self.board.add_image(tag, image[None], step, dataformats="CHW")
            self.board.flush()

    def close(self) -> None:
        if self.board is not None:
            self.board.close()

    def series(self, kind: str, key: str) -> list[tuple[float, float]]:
        return [(r["step"], r[key]) for r in self.rows if r.get("kind") == kind and r.get(key) is not None]


def _board(folder: Path, resumed_step: int):
    """A TensorBoard event writer (optional dependency: pip install tensorboard). A resumed run
    tells TensorBoard to drop the events after its step (purge_step), as metrics.jsonl does."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise ImportError("--tensorboard needs the tensorboard package: pip install tensorboard") from None
    return SummaryWriter(str(folder), purge_step=resumed_step + 1 if resumed_step else None)

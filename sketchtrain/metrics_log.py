"""metrics.jsonl of a training run: one JSON object per line (train and validation rows)."""

from __future__ import annotations

import json
from pathlib import Path

from sketchdata.imageio import atomic_write_bytes


class MetricsLog:
    """metrics.jsonl: one JSON object per line; on resume, lines after the resumed step go."""

    def __init__(self, path: Path, keep_until_step: int, enabled: bool):
        self.path, self.enabled = path, enabled
        self.rows: list[dict] = []
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

    def series(self, kind: str, key: str) -> list[tuple[float, float]]:
        return [(r["step"], r[key]) for r in self.rows if r.get("kind") == kind and r.get(key) is not None]

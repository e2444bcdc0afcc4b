"""The model shipped inside the package, and choosing the model a command runs.

``sketchtrain/weights/default.pt`` is a slim checkpoint (weights in float16, no optimiser
state) trained by this toolkit on its own procedural drawings only: see the README's model
card and ``scripts/train_default_model.sh``, which rebuilds it. Commands take ``--model PATH``;
without it they run this model.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

# .xml: an OpenVINO IR written by `sketchtrain export` (sketchtrain.inference.openvino_runner)
MODEL_SUFFIXES = (".pt", ".pth", ".ckpt", ".bin", ".safetensors", ".xml")


def default_model_path() -> Path:
    """Where the shipped weights are; CheckpointError when this installation has none."""
    from sketchtrain.errors import CheckpointError

    path = Path(str(resources.files("sketchtrain") / "weights" / "default.pt"))
    if not path.is_file():
        raise CheckpointError("this installation has no default model (sketchtrain/weights/default.pt); "
                              "pass --model PATH (a checkpoint or the authors' released weights)")
    return path


def looks_like_model(path: Path) -> bool:
    """A weights file by its name: image inputs never carry these suffixes, so an old-style
    positional model (`simplify MODEL IMAGES`) can be told apart from images safely."""
    return path.suffix.lower() in MODEL_SUFFIXES


def resolve_model(model: str | Path | None) -> Path:
    """The model to run: the one given, or the shipped default."""
    return Path(model) if model is not None else default_model_path()

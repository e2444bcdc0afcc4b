"""Checkpoints that describe themselves, written atomically, read with weights_only=True.

A checkpoint is a plain dict of tensors and Python primitives (no pickled classes), so
``torch.load(..., weights_only=True)`` reads it and refuses anything that would execute code:
    format, model (ModelConfig as a dict), state_dict, step, optimizer (name + state),
    rng (torch RNG state and the data position), dataset (path, manifest hash),
    args (the training arguments), metrics (last validation figures)
Authors' released weights (a bare state dict of the released layout) load through
sketchtrain.models.released instead.
"""

from __future__ import annotations

import pickle
import re
import warnings
from pathlib import Path

import torch

from sketchdata.files import atomic_target

from sketchtrain.errors import CheckpointError

FORMAT = "sketchtrain-checkpoint/1"


def save_checkpoint(path: str | Path, payload: dict) -> None:
    """Save to a temporary file in the same folder, then rename: never a half-written file."""
    with atomic_target(path) as tmp:
        torch.save({"format": FORMAT, **payload}, tmp)


def _load_failure(path: Path, exc: Exception) -> str:
    """Our words for why torch.load(weights_only=True) failed (torch's own message suggests
    turning the protection off, which we never do)."""
    text = str(exc)
    found = re.search(r"GLOBAL (\S+)", text)
    if isinstance(exc, pickle.UnpicklingError) or "Weights only load failed" in text:
        what = f" (it asks for {found.group(1)})" if found else ""
        return (f"{path}: refused: the file holds pickled code or objects, not only weights{what}. sketchtrain "
                "reads only plain tensors and numbers, so nothing in a file can run; re-save the weights as a "
                "state dict of tensors (or use a trusted copy)")
    if isinstance(exc, EOFError):
        return f"{path}: truncated file (it ends early): not a complete weights file"
    first = text.splitlines()[0] if text else ""
    return f"{path}: not a readable weights file (corrupt or another format: {type(exc).__name__} {first})"


SAFETENSORS_FORMAT = "sketchtrain-safetensors/1"  # metadata["format"] of our .safetensors exports


def save_safetensors(path: str | Path, data: dict) -> None:
    """A checkpoint's model as .safetensors: float32 weights, and in the metadata the model
    config (JSON) and step. Loads wherever a checkpoint does (read_file); carries no optimiser."""
    import json

    from safetensors.torch import save

    tensors = {k: v.detach().float().contiguous() if v.is_floating_point() else v.contiguous()
               for k, v in data["state_dict"].items()}
    meta = {"format": SAFETENSORS_FORMAT, "model": json.dumps(data["model"]), "step": str(data.get("step", 0))}
    with atomic_target(path) as tmp:
        Path(tmp).write_bytes(save(tensors, metadata=meta))


def _read_safetensors(path: Path) -> dict:
    """Our .safetensors export as a checkpoint dict; the authors' layout as a plain state dict."""
    import json

    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            meta = handle.metadata() or {}
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    except Exception as exc:  # safetensors raises its own error types for corrupt headers
        raise CheckpointError(f"{path}: not a readable safetensors file ({type(exc).__name__}: {exc})") from None
    if meta.get("format") != SAFETENSORS_FORMAT:
        return tensors  # a bare state dict (e.g. released weights converted by someone)
    try:
        model = json.loads(meta["model"])
    except (KeyError, ValueError):
        raise CheckpointError(f"{path}: safetensors metadata has no readable model config") from None
    return {"format": FORMAT, "model": model, "state_dict": tensors, "step": int(meta.get("step", 0)),
            "args": {}, "metrics": {}}


def read_file(path: str | Path) -> dict:
    """torch.load with weights_only=True (or safetensors) and clear errors."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise CheckpointError(f"{path}: empty file (0 bytes)")
    if path.suffix.lower() == ".safetensors":
        return _read_safetensors(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's protocol notes are not the user's concern
            data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointError(_load_failure(path, exc)) from None
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}: expected a dict of weights, got {type(data).__name__}")
    return data


def load_checkpoint(path: str | Path) -> dict:
    """Read one of our checkpoints (see module doc); raises CheckpointError otherwise."""
    return _ours(path, read_file(path))


def _ours(path: str | Path, data: dict) -> dict:
    if data.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a sketchtrain checkpoint (format {data.get('format')!r}); "
                              "for the authors' released weights pass the file to `simplify`/`fit --init` directly")
    return data


def recognise(path: str | Path) -> tuple[str, dict]:
    """What a weights file is: ("checkpoint", our checkpoint dict) or ("released", the authors'
    released state dict). The one place that tells them apart, for every command; anything
    else raises CheckpointError naming the keys the file has."""
    from sketchtrain.models.released import is_released_layout

    data = read_file(path)
    if data.get("format") is not None:
        return "checkpoint", _ours(path, data)
    if is_released_layout(data):
        return "released", data
    raise CheckpointError(f"{path}: neither a sketchtrain checkpoint nor the authors' released layout "
                          f"(state dict with keys 0.weight ... 44.bias); it has keys {describe_keys(data)}")


def training_checkpoint(model: torch.nn.Module, step: int, optimizer: torch.optim.Optimizer, dataset: dict,
                        args: dict, metrics: dict | None, best_val_loss: float | None,
                        training_model: torch.nn.Module | None = None) -> dict:
    """The payload `fit` saves: everything to rebuild the model and resume exactly. With
    ``training_model`` (`fit --ema`), ``model`` is the weight average, stored as the checkpoint's
    weights, and the optimised weights go to ``training_state_dict`` for --resume."""
    payload = {"model": model.config.to_dict(), "state_dict": _cpu_state(model),
               "step": step, "optimizer": optimizer.state_dict(), "rng": {"torch": torch.get_rng_state()},
               "dataset": dataset, "args": args, "metrics": metrics or {}, "best_val_loss": best_val_loss}
    if training_model is not None:
        payload["training_state_dict"] = _cpu_state(training_model)
    return payload


def _cpu_state(model: torch.nn.Module) -> dict:
    return {k: v.detach().cpu() for k, v in model.state_dict().items()}


def restore_training_state(data: dict, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                           average: torch.nn.Module | None = None) -> tuple[int, float | None]:
    """Put a saved run's weights (and its weight average, `fit --ema`), optimiser and RNG state
    back; returns (step, best validation loss)."""
    if average is not None:
        average.load_state_dict(data["state_dict"])
    model.load_state_dict(data.get("training_state_dict", data["state_dict"]))
    optimizer.load_state_dict(data["optimizer"])
    torch.set_rng_state(data["rng"]["torch"])
    return int(data["step"]), data.get("best_val_loss")


def check_finite(state: dict, path: str | Path) -> None:
    """Refuse weights holding NaN or infinity (a diverged or damaged run): they would give an
    all-black "result" with no error."""
    for key, value in state.items():
        if isinstance(value, torch.Tensor) and value.is_floating_point() and not torch.isfinite(value).all():
            raise CheckpointError(f"{path}: weights are not finite (NaN or infinity in {key}): a diverged or damaged "
                                  "run; use an earlier checkpoint")


def model_from_checkpoint(data: dict) -> torch.nn.Module:
    """Rebuild the trained network a checkpoint describes (any registered architecture), in eval mode."""
    from sketchtrain.models.registry import build_model, config_from_dict

    missing = [key for key in ("model", "state_dict") if not isinstance(data.get(key), dict)]
    if missing:
        raise CheckpointError(f"checkpoint without {' or '.join(missing)} (it has keys {describe_keys(data)}): not a "
                              "complete model; use a checkpoint written by `sketchtrain fit`")
    try:
        config = config_from_dict(data["model"])
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"checkpoint model config: {exc}") from None
    with torch.device("meta"):  # built without random initialisation: every tensor comes from the file
        model = build_model(config)
    check_state_dict(model, data["state_dict"], f"checkpoint weights for its model config ({config.arch} {config.variant})")
    model.load_state_dict({k: (v.float() if v.is_floating_point() else v).clone() for k, v in data["state_dict"].items()},
                          assign=True)
    return model.eval()


def _listed(keys: list[str], limit: int = 6) -> str:
    return ", ".join(keys[:limit]) + (f" ... ({len(keys)} in all)" if len(keys) > limit else "")


def describe_keys(data: dict) -> str:
    """A short list of a file's top-level keys, for error messages."""
    return _listed([str(k) for k in data]) if data else "none"


def check_state_dict(model: torch.nn.Module, state: dict, what: str) -> None:
    """Raise CheckpointError naming missing / unexpected keys and (a few) shape mismatches,
    in a few lines rather than torch's message of every tensor."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    shapes = [f"{k}: file {tuple(state[k].shape)}, model {tuple(v.shape)}" for k, v in expected.items()
              if k in state and hasattr(state[k], "shape") and tuple(state[k].shape) != tuple(v.shape)]
    problems = []
    if missing:
        problems.append(f"missing keys {_listed(missing)}")
    if unexpected:
        problems.append(f"unexpected keys {_listed(unexpected)}")
    if shapes:
        problems.append(f"{len(shapes)} shapes differ, e.g. " + "; ".join(shapes[:3]))
    if problems:
        raise CheckpointError(f"{what} do not fit the network: " + "; ".join(problems))

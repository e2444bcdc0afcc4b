"""`sketchtrain export`: ONNX (checked with onnxruntime), OpenVINO IR (checked with OpenVINO), TorchScript and
safetensors copies of a model.

The exported graph is the fast inference layout (batch norm folded) with the input
normalisation inside, taking (B, 1, H, W) in [0, 1] with H and W multiples of the stride (8 fcn, 16 unet; dynamic).
After writing, the file is loaded back and run beside PyTorch on a test image; the maximum
absolute difference is returned (and must be below ``tolerance``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from sketchdata.files import atomic_target, refuse_overwriting

from sketchtrain.inference.default_model import resolve_model
from sketchtrain.inference.runner import load_model


class ExportError(RuntimeError):
    """Export failed or the exported model does not match PyTorch."""


def _probe(size: tuple[int, int] = (96, 128), seed: int = 0) -> torch.Tensor:
    from sketchdata.drawing.shapes import procedural_line_art

    return torch.from_numpy(procedural_line_art(size, np.random.default_rng(seed)))[None, None]


FORMAT_SUFFIXES = {"onnx": (".onnx",), "torchscript": (".pt", ".ts"), "safetensors": (".safetensors",),
                   "openvino": (".xml",)}


def export_model(model_path: str | Path | None, out: str | Path, constants: str | None = None,
                 tolerance: float = 1e-3, format: str | None = None) -> dict:
    """Write ``out`` (.onnx, .pt/.ts for TorchScript, .safetensors, .xml for OpenVINO IR with its
    .bin beside it) and verify it; returns a report. ``format`` (onnx, torchscript,
    safetensors, openvino), when given, must agree with the suffix."""
    out = Path(out)
    if format is not None:
        if format not in FORMAT_SUFFIXES:
            raise ExportError(f"--format must be one of {', '.join(FORMAT_SUFFIXES)}, got {format!r}")
        if out.suffix not in FORMAT_SUFFIXES[format]:
            raise ExportError(f"{out}: --format {format} writes a {' or '.join(FORMAT_SUFFIXES[format])} file")
    if not any(out.suffix in suffixes for suffixes in FORMAT_SUFFIXES.values()):
        raise ExportError(f"{out}: use a .onnx (ONNX), .pt/.ts (TorchScript), .safetensors or .xml (OpenVINO IR) "
                          "file name")
    source = resolve_model(model_path)
    written = [out, out.with_suffix(".bin")] if out.suffix == ".xml" else [out]
    refuse_overwriting(written, [source, source.with_suffix(".bin")] if source.suffix == ".xml" else [source],
                       "export to another file name (-o)")
    if out.suffix == ".safetensors":
        return _export_safetensors(source, out, tolerance)
    _require_packages(out)
    model, info = load_model(source, constants)
    model = model.float().eval()
    probes = [_probe(), _probe((64, 208), 1)]  # a second size (multiples of every stride): dynamic axes
    with torch.inference_mode():
        references = [model(x).numpy() for x in probes]
    if out.suffix == ".xml":
        diff, checked_with = _export_openvino(model, probes, references, out, info)
    else:
        with atomic_target(out) as tmp_path:
            if out.suffix == ".onnx":
                _write_onnx(model, probes[0], tmp_path)
                import onnxruntime as ort

                session = ort.InferenceSession(str(tmp_path), providers=["CPUExecutionProvider"])
                diff = max(float(np.abs(session.run(None, {"rough": x.numpy()})[0] - ref).max())
                           for x, ref in zip(probes, references))
                checked_with = f"onnxruntime {ort.__version__}"
            else:
                scripted = torch.jit.trace(model, probes[0], check_trace=False)
                scripted.save(str(tmp_path))
                loaded = torch.jit.load(str(tmp_path))
                with torch.inference_mode():
                    diff = float(np.abs(loaded(probes[0]).numpy() - references[0]).max())
                checked_with = f"torch.jit {torch.__version__}"
            if not diff <= tolerance:
                raise ExportError(f"exported model differs from PyTorch by {diff:.2e} (> {tolerance})")
    if not diff <= tolerance:
        raise ExportError(f"exported model differs from PyTorch by {diff:.2e} (> {tolerance})")
    return {"output": str(out), "max_abs_diff": diff, "checked_with": checked_with, "model": info}


def _require_packages(out: Path) -> None:
    """Refuse, before any work, an export whose packages are not installed."""
    needed = {".onnx": ("onnx", "onnxruntime"), ".xml": ("onnx", "openvino")}.get(out.suffix, ())
    import importlib

    for name in needed:
        try:
            importlib.import_module(name)
        except ImportError:
            raise ExportError(f"{out}: exporting to {out.suffix} needs the {name} package: "
                              "pip install 'sketch-simplify[export]'") from None


def _write_onnx(model: torch.nn.Module, example: torch.Tensor, path: Path) -> None:
    torch.onnx.export(model, (example,), str(path), input_names=["rough"], output_names=["clean"], opset_version=17,
                      dynamic_axes={"rough": {0: "batch", 2: "height", 3: "width"},
                                    "clean": {0: "batch", 2: "height", 3: "width"}}, dynamo=False)


def _export_openvino(model, probes, references, out: Path, info: dict) -> tuple[float, str]:
    """OpenVINO IR (the runtime of Krita's Fast Sketch Cleanup plugin): the model goes through
    ONNX, is converted with dynamic height and width, written as out (.xml) + .bin, then run by
    OpenVINO's CPU plugin beside PyTorch. Both files appear only once checked (written in a
    temporary folder beside them, then renamed). What running it needs besides the graph (stride,
    receptive radius, training line width: sketchtrain.inference.openvino_runner) is stored in the IR's
    runtime info under OPENVINO_INFO_KEY."""
    import json
    import tempfile

    from sketchtrain.inference.openvino_runner import OPENVINO_INFO_KEY

    try:
        import openvino as ov
    except ImportError:
        raise ExportError("OpenVINO export needs the openvino package: pip install 'sketch-simplify[export]'") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.stem}.") as folder:
        onnx_path = Path(folder) / "model.onnx"
        _write_onnx(model, probes[0], onnx_path)
        xml = Path(folder) / out.name
        converted = ov.convert_model(str(onnx_path))
        converted.set_rt_info(json.dumps({"stride": int(getattr(model, "stride", 8)),
                                          "receptive_radius": int(getattr(model, "receptive_radius", 0)),
                                          "line_width": info.get("line_width"),
                                          "scale_rule": info.get("scale_rule", "median"), "source": info}),
                              [OPENVINO_INFO_KEY])
        ov.save_model(converted, str(xml), compress_to_fp16=False)
        compiled = ov.Core().compile_model(str(xml), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
        diff = max(float(np.abs(compiled(x.numpy())[0] - ref).max()) for x, ref in zip(probes, references))
        xml.with_suffix(".bin").replace(out.with_suffix(".bin"))
        xml.replace(out)
    return diff, f"openvino {ov.__version__}"


def _export_safetensors(source: Path, out: Path, tolerance: float) -> dict:
    """Weights plus model config as .safetensors (no pickle at all), loaded back by the same
    reader every command uses and checked against the source on a probe image."""
    from sketchtrain.models.checkpoint import CheckpointError, recognise, save_safetensors

    kind, data = recognise(source)
    if kind != "checkpoint":
        raise ExportError(f"{source}: the authors' released weights are already a plain state dict; "
                          "export a sketchtrain checkpoint to .safetensors")
    save_safetensors(out, data)
    x = _probe()
    reference, _ = load_model(source)
    try:
        exported, info = load_model(out)
    except CheckpointError as exc:
        raise ExportError(f"the written file does not load: {exc}") from None
    with torch.inference_mode():
        diff = float(np.abs(exported.float()(x).numpy() - reference.float()(x).numpy()).max())
    if not diff <= tolerance:
        raise ExportError(f"exported model differs from the checkpoint by {diff:.2e} (> {tolerance})")
    return {"output": str(out), "max_abs_diff": diff, "checked_with": "safetensors", "model": info}

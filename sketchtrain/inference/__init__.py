"""Running a trained model on images: tiles and views (``tiling``), the torch fast path
(``runner``: Simplifier, load_model) and the OpenVINO runner, ``simplify`` (files in, files
out), removing specks (``despeckle``), vectorising to SVG, ``export`` (ONNX, TorchScript,
OpenVINO, safetensors), the shipped default model, and ``teacher`` (the one entry sketchdata's
teacher step uses)."""

from sketchdata._exports import lazy_exports

lazy_exports(globals(), {
    "Simplifier": "sketchtrain.inference.runner", "load_model": "sketchtrain.inference.runner",
    "cpu_has_bf16": "sketchtrain.inference.runner", "RELEASED_LINE_WIDTH": "sketchtrain.inference.runner",
    "simplify_paths": "sketchtrain.inference.simplify", "simplify_image": "sketchtrain.inference.simplify",
    "SimplifyOptions": "sketchtrain.inference.simplify", "export_model": "sketchtrain.inference.export",
    "default_model_path": "sketchtrain.inference.default_model",
    "remove_specks": "sketchtrain.inference.despeckle",
})

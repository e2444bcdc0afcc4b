"""sketchtrain: train, evaluate and run rough-sketch simplification networks on sketchdata shards.

Layers, each importing only those below it (README "Architecture"):
    models      the networks, their registry, the checkpoint format, the authors' released layout
    inference   tiling, the torch and OpenVINO runners, simplify, vectorize, export, the default model
    training    fit: config, data, losses, the loop, validation, distributed, adversarial augmentation
    evaluation  the benchmark metrics, baselines, evaluate and its report, contact sheets
    release     calibrating output levels and writing a slim checkpoint to ship
    app         the local web app
    cli         the `sketchtrain` command

The public API below is imported on first use, so ``import sketchtrain`` loads no torch.
"""

from sketchdata._exports import forward_moved_modules, lazy_exports

__version__ = "0.1.0"

lazy_exports(globals(), {
    "ModelConfig": "sketchtrain.models", "build_model": "sketchtrain.models", "model_config": "sketchtrain.models",
    "ARCHITECTURES": "sketchtrain.models", "load_checkpoint": "sketchtrain.models",
    "Simplifier": "sketchtrain.inference", "load_model": "sketchtrain.inference",
    "simplify_paths": "sketchtrain.inference", "SimplifyOptions": "sketchtrain.inference",
    "export_model": "sketchtrain.inference", "default_model_path": "sketchtrain.inference",
    "FitConfig": "sketchtrain.training", "fit": "sketchtrain.training",
    "evaluate": "sketchtrain.evaluation", "EvalOptions": "sketchtrain.evaluation",
    "save_slim": "sketchtrain.release", "calibrate_checkpoint": "sketchtrain.release",
})

# modules of 0.1, before the layers had folders: old import paths keep working, with a warning
forward_moved_modules({f"sketchtrain.{old}": f"sketchtrain.{new}" for old, new in {
    "model": "models.fcn", "unet": "models.unet", "architectures": "models.registry", "released": "models.released",
    "discriminator": "models.discriminator", "tiling": "inference.tiling",
    "openvino_runner": "inference.openvino_runner", "simplify": "inference.simplify",
    "vectorize": "inference.vectorize", "export": "inference.export", "default_model": "inference.default_model",
    "api": "inference.teacher", "data": "training.data", "lossmap": "training.losses", "train": "training.loop",
    "validation": "training.validation", "distributed": "training.distributed", "fit_config": "training.config",
    "metrics_log": "training.run_log", "plots": "training.plots", "starting_weights": "training.warm_start",
    "adversary": "training.adversarial", "adversarial": "training.adversarial", "metrics": "evaluation.metrics",
    "baselines": "evaluation.baselines", "evaluate": "evaluation.evaluate", "sheet": "evaluation.sheet",
    "calibrate": "release.calibrate", "app_guard": "app.guard", "app_jobs": "app.jobs",
}.items()} | {"sketchtrain.checkpoint": ("sketchtrain.models.checkpoint", "sketchtrain.release")})

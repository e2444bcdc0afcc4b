"""The networks: the 2016 FCN (``fcn``) and the U-Net (``unet``) over one ``ModelConfig``
(``config``), the architecture registry (``registry``: what every command rebuilds a model
from), the checkpoint format (``checkpoint``), the authors' released layout (``released``) and
the adversarial discriminator. Imports nothing of sketchtrain above it."""

from sketchtrain.models.checkpoint import CheckpointError, load_checkpoint, model_from_checkpoint, save_checkpoint
from sketchtrain.models.config import ModelConfig
from sketchtrain.models.registry import ARCHITECTURES, build_model, fold_for_inference, get_architecture, model_config

__all__ = ["ARCHITECTURES", "CheckpointError", "ModelConfig", "build_model", "fold_for_inference", "get_architecture",
           "load_checkpoint", "model_config", "model_from_checkpoint", "save_checkpoint"]

"""Shipping a trained model (`sketchtrain release`): output levels chosen on a validation split
(``calibrate``) and the slim float16 checkpoint (``slim``). Above inference and evaluation,
whose runner and metrics the calibration uses; the checkpoint format itself knows nothing of it."""

from sketchtrain.release.calibrate import calibrate_checkpoint, choose_levels
from sketchtrain.release.slim import save_slim

__all__ = ["calibrate_checkpoint", "choose_levels", "save_slim"]

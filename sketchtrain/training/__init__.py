"""`fit`: its options (``config``), shard data and crops (``data``), losses, the loop
(``loop``), validation, multi-process training (``distributed``), the run log and plots,
starting weights (``warm_start``) and adversarial augmentation (``adversarial``)."""

from sketchdata._exports import lazy_exports

lazy_exports(globals(), {"FitConfig": "sketchtrain.training.config", "fit": "sketchtrain.training.loop",
                         "FitResult": "sketchtrain.training.loop"})

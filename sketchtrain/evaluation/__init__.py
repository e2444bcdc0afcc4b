"""Scoring models as the field does: the benchmark metrics (``metrics``), the baselines a model
must beat (``baselines``), ``evaluate`` with its report, and contact sheets (``sheet``)."""

from sketchdata._exports import lazy_exports

lazy_exports(globals(), {"evaluate": "sketchtrain.evaluation.evaluate", "EvalOptions": "sketchtrain.evaluation.evaluate",
                         "score": "sketchtrain.evaluation.metrics"})

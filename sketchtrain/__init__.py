"""sketchtrain: train, evaluate and run rough-sketch simplification networks on sketchdata shards."""

__version__ = "0.1.0"

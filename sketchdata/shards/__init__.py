"""Datasets of WebDataset shards: making one drawing's samples (``samples``), planning and
building shards from a recipe (``plan``, ``build``), the sample format (``format``), reading
shards back (``dataset``: what sketchtrain uses), and augmenting existing data (``augment``)."""

from sketchdata._exports import lazy_exports

lazy_exports(globals(), {
    "build_dataset": "sketchdata.shards.build", "BuildError": "sketchdata.shards.build",
    "read_manifest": "sketchdata.shards.dataset", "shard_paths": "sketchdata.shards.dataset",
    "iter_samples": "sketchdata.shards.dataset", "DatasetError": "sketchdata.shards.dataset",
})

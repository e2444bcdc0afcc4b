"""The dataset format, in one place: what the writer (build, augment) and every reader
(sketchdata.dataset, sketchtrain.data) agree on. See README "Dataset format"."""

FORMAT = "sketchdata-shards/1"  # manifest["format"]
MANIFEST = "manifest.json"
PARTS = "_parts"  # one record per finished shard (resumable builds)
INPUT = "input.png"  # 8-bit grey rough input
TARGET = "target.png"  # 8-bit grey clean target
META = "json"  # provenance
PAIR = (INPUT, TARGET)

"""The dataset format, in one place: what the writer (build, augment) and every reader
(sketchdata.shards.dataset, sketchtrain.training.data) agree on. See README "Dataset format"."""

FORMAT = "sketchdata-shards/1"  # manifest["format"]
MANIFEST = "manifest.json"
PARTS = "_parts"  # one record per finished shard (resumable builds)
INPUT = "input.png"  # 8-bit grey rough input
TARGET = "target.png"  # 8-bit grey clean target
META = "json"  # provenance
PAIR = (INPUT, TARGET)
# shard sets: "train" / "validation" hold pairs; the unpaired sets (recipe sources marked
# `unpaired: rough` or `unpaired: line`, for adversarial training) hold only input.png (a rough
# sketch with no clean version) or only target.png (a line drawing with no rough version)
PAIRED_SPLITS = ("train", "validation")
UNPAIRED_ROUGH = "unpaired_rough"
UNPAIRED_LINE = "unpaired_line"
UNPAIRED_FIELD = {UNPAIRED_ROUGH: INPUT, UNPAIRED_LINE: TARGET}
SPLITS = PAIRED_SPLITS + (UNPAIRED_ROUGH, UNPAIRED_LINE)

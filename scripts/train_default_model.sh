#!/usr/bin/env bash
# Rebuild the default model shipped in sketchtrain/weights/default.pt, from scratch, with the
# toolkit's own commands: build the training shards from recipes/default_model.yaml (the
# project's own procedural drawings only), train, and store the best checkpoint (picked on the
# validation split) as a slim float16 checkpoint with output levels set on the validation split
# (sketchtrain/calibrate.py). About an hour on a 2-core CPU (README, model card).
# Environment: STEPS (12000), VARIANT (quarter), WORKERS (2), RUN (runs/default_model), and
# FIT_ARGS: more `sketchtrain fit` options. A larger model on a GPU, for example:
#   VARIANT=half STEPS=60000 FIT_ARGS="--batch 32 --crop 256 --workers 6" bash scripts/train_default_model.sh
# (a half-width model is 44 MB in float16: above the 20 MB the wheel carries, so pass it with --model).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BIN=.venv/bin
STEPS=${STEPS:-12000}
VARIANT=${VARIANT:-quarter}
RUN=${RUN:-runs/default_model}
$BIN/sketchdata build --recipe recipes/default_model.yaml --workers "${WORKERS:-2}" -q
$BIN/sketchtrain fit datasets/default_model -o "$RUN" --variant "$VARIANT" --steps "$STEPS" --batch 16 --crop 128 \
    --optimizer adam --lr 2e-3 --lr-schedule cosine --loss mse --paper-weight 3 --val-every 500 --ckpt-every 250 \
    ${FIT_ARGS:-} -q
$BIN/python -c "
import sys
from sketchtrain.checkpoint import save_slim
slim = save_slim(sys.argv[1], 'sketchtrain/weights/default.pt', {'recipe': 'recipes/default_model.yaml', 'run': sys.argv[1]},
                 levels_from='datasets/default_model')
print('wrote sketchtrain/weights/default.pt; output levels', slim['shipped']['output_levels'])" "$RUN/best.pt"

#!/usr/bin/env bash
# Rebuild the default model shipped in sketchtrain/weights/default.pt, from scratch, with the
# toolkit's own commands: build the training shards from recipes/default_model.yaml (the
# project's own procedural drawings only), train, and store the best checkpoint (picked on the
# validation split) as a slim float16 checkpoint with output levels set on the validation split
# (sketchtrain/calibrate.py). About 55 minutes on a 2-core CPU (README, model card).
# Environment: STEPS (20000), ARCH (unet), VARIANT (small), RECIPE (recipes/default_model.yaml),
# WORKERS (2), RUN (runs/default_model), OUT (sketchtrain/weights/default.pt), LR (2e-3),
# INIT (a checkpoint to start from instead of random weights: a second, longer stage), and
# FIT_ARGS: more `sketchtrain fit` options. A larger model on a GPU, for example:
#   VARIANT=base STEPS=60000 FIT_ARGS="--batch 32 --crop 256 --workers 6" bash scripts/train_default_model.sh
# (unet base: 3.5 M parameters, 7 MB in float16, fits the wheel; ARCH=fcn VARIANT=half is 22 MB: pass it with --model).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BIN=.venv/bin
STEPS=${STEPS:-20000}
ARCH=${ARCH:-unet}
VARIANT=${VARIANT:-small}
RECIPE=${RECIPE:-recipes/default_model.yaml}
RUN=${RUN:-runs/default_model}
OUT=${OUT:-sketchtrain/weights/default.pt}
# the dataset folder the recipe writes (output.dir, relative to the recipe file)
DATA=$($BIN/python -c "import os, sys; from sketchdata.recipe import load_recipe; print(os.path.relpath(os.path.join(os.path.dirname(sys.argv[1]), load_recipe(sys.argv[1]).output.dir)))" "$RECIPE")
$BIN/sketchdata build --recipe "$RECIPE" --workers "${WORKERS:-2}" -q
$BIN/sketchtrain fit "$DATA" -o "$RUN" --arch "$ARCH" --variant "$VARIANT" --steps "$STEPS" --batch 16 --crop 128 \
    --optimizer adam --lr "${LR:-2e-3}" --lr-schedule cosine ${INIT:+--init "$INIT"} --loss mse --paper-weight 3 --val-every 500 --ckpt-every 250 \
    ${FIT_ARGS:-} -q
$BIN/python -c "
import sys
from sketchtrain.checkpoint import save_slim
slim = save_slim(sys.argv[1], sys.argv[2], {'recipe': sys.argv[3], 'run': sys.argv[1]},
                 levels_from=sys.argv[4])
print('wrote', sys.argv[2], '; output levels', slim['shipped']['output_levels'])" "$RUN/best.pt" "$OUT" "$RECIPE" "$DATA"

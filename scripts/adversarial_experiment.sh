#!/usr/bin/env bash
# The adversarial-augmentation comparison of the README: from the same supervised model (the
# shipped default model), equal CPU time with and without the adversarial terms, then scored
# on held-out pairs and shown on the judging scans (benchmarks/real/scans_split.json), which
# were never unpaired training data (the unpaired rough set is the 8 tuning scans:
# recipes/experiments/adversarial_unpaired.yaml). Runs one at a time on a quiet machine.
# Equal time: a supervised step trains the generator on 16 pairs; an adversarial step on 16
# pairs + 8 rough sketches plus the discriminator's step (about 1.6x the time, measured in
# the logs' samples/s), and a pre-training step runs the generator forward only.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
START=${START:-sketchtrain/weights/default.pt}
# the architecture of START (fit --init needs the same): the shipped default is the U-Net small, from
# which the README's figures were measured (2026-12-02; the earlier default they replace was
# START_ARCH="--arch fcn --variant quarter")
START_ARCH=${START_ARCH:---arch unet --variant small}
# --scale auto's rule for the fine-tuned releases: the start's (the shipped default reads widths with
# `median`; a new run records `lines`), so start and fine-tunes choose the same scales on the scans
SCALE_RULE=${SCALE_RULE:-median}
STEPS_OFF=${STEPS_OFF:-1500}
STEPS_ON=${STEPS_ON:-1125}
PRETRAIN=${PRETRAIN:-300}
COMMON="--batch 16 --crop 128 --optimizer adam --lr 2e-4 --loss mse --paper-weight 3 --val-every 250 --ckpt-every 250 -q"
# the paired data: the default model's recipe when its opt-in line art and paper scans were
# fetched (scripts/fetch_clipart_and_paper.sh), else its procedural part alone (nothing to fetch)
if [ -z "${PAIRED:-}" ]; then
    if [ -d data/external/openclipart/render/train ]; then PAIRED=default_model; else PAIRED=default_model_procedural; fi
fi
RECIPE=recipes/$PAIRED.yaml; [ -f "$RECIPE" ] || RECIPE=recipes/experiments/$PAIRED.yaml
[ -f "datasets/$PAIRED/manifest.json" ] || $BIN/sketchdata build --recipe "$RECIPE" --workers 2 -q
[ -f datasets/adversarial_unpaired/manifest.json ] || \
    $BIN/sketchdata build --recipe recipes/experiments/adversarial_unpaired.yaml --workers 2 -q
[ -f datasets/heldout/manifest.json ] || $BIN/sketchdata build --recipe recipes/experiments/heldout.yaml --workers 2 -q
run() {  # NAME STEPS EXTRA...
    local name=$1 steps=$2; shift 2
    local resume=""; [ -f "runs/$name/last.pt" ] && resume="--resume"
    /usr/bin/time -f "$name: %e s wall" $BIN/sketchtrain fit "datasets/$PAIRED" -o "runs/$name" --init "$START" \
        $START_ARCH --steps "$steps" $COMMON "$@" $resume
    $BIN/sketchtrain release "runs/$name/last.pt" -o "runs/$name/slim.pt" --note "run=runs/$name" \
        --levels-from "datasets/$PAIRED" --scale-rule "$SCALE_RULE"
    $BIN/sketchtrain evaluate datasets/heldout --model "runs/$name/slim.pt" --scale 1 --no-baselines -o "runs/$name/eval_heldout" -q
    $BIN/sketchtrain sheet $(python3 -c "import json; print(' '.join('../shared/data/rough/' + n for n in json.load(open('benchmarks/real/scans_split.json'))['judging']))") \
        --model "runs/$name/slim.pt" -o "runs/$name/judging_sheet.png"
}
run adv_off "$STEPS_OFF"
run adv_on "$STEPS_ON" --adversarial --unpaired datasets/adversarial_unpaired --d-pretrain "$PRETRAIN"
run adv_on_strong "$STEPS_ON" --adversarial --unpaired datasets/adversarial_unpaired --d-pretrain "$PRETRAIN" \
    --alpha 0.01 --beta 0.01

#!/usr/bin/env bash
# The architecture comparison of the README ("Architectures: quality versus cost"): each model
# trains on datasets/procedural_train with the settings of the README's 30-minute FCN run
# (runs one at a time, never two sharing the cores), then is scored on the held-out sets.
# Equal budget: the FCN baseline took 4000 steps; every other model gets
# 4000 x (its training samples/s / the FCN quarter's), measured side by side by
# `benchmarks/compare_architectures.py cost`, i.e. the same CPU time on a quiet machine.
# Usage: bash scripts/compare_architectures.sh [ARCH:VARIANT:STEPS ...]   (default: the four U-Net sizes)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
for dataset in procedural_train heldout heldout_rough; do
    [ -f "datasets/$dataset/manifest.json" ] || $BIN/sketchdata build --recipe "recipes/experiments/$dataset.yaml" --workers 2 -q
done
MODELS=${*:-"unet:tiny:6700 unet:small:6240 unet:base:3400 unet:lite:12600"}
for spec in $MODELS; do
    IFS=: read -r arch variant steps <<<"$spec"
    run="runs/arch_${arch}_${variant}"
    if [ ! -f "$run/best.pt" ] || [ "$($BIN/python -c "import torch,sys; print(torch.load(sys.argv[1], weights_only=True)['step'])" "$run/last.pt")" != "$steps" ]; then
        resume=""; [ -f "$run/last.pt" ] && resume="--resume"
        $BIN/sketchtrain fit datasets/procedural_train -o "$run" --arch "$arch" --variant "$variant" --steps "$steps" \
            --batch 16 --crop 128 --optimizer adam --lr 2e-3 --lr-schedule cosine --loss mse --paper-weight 3 \
            --val-every 250 $resume -q
    fi
    for heldout in heldout heldout_rough; do
        $BIN/sketchtrain evaluate "datasets/$heldout" --model "$run/best.pt" --scale 1 --no-baselines -o "$run/eval_$heldout" -q
    done
done

#!/usr/bin/env bash
# Opt-in: fetch human-drawn line art and scanned paper from Debian's packages into data/external/
# (never committed; build, tests, CI and the demo never call this script or need its data; the
# default model's training may). Licences, from each package's copyright file (kept beside the data):
#   openclipart-svg (Openclipart 0.18): 7,458 SVG drawings + 663 symlinks to them, each dedicated
#     to the public domain (Creative Commons Public Domain Dedication); authors in each file's
#     dc:creator. -> data/external/openclipart/svg
#   mypaint-data-extras: paper backgrounds, only the CC0-1.0 ones: backgrounds/ramon/HR_*
#     (Ramón Miranda, 2010) and backgrounds/mrmamurk/* (MrMamurk, 2011). -> data/external/papers/
#     train/ (9 scans) and heldout/ (5, for recipes/experiments/heldout_clipart.yaml only; the
#     split was fixed before any training); the canvas and cork textures (HR_Canvas 01/02,
#     HR_Cork) are not drawing paper and are left out. (mypaint-data's own backgrounds are
#     GPL-2+ and are never fetched.)
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=data/external
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && apt-get download -qq openclipart-svg mypaint-data-extras 2>&1 | grep -v "unsandboxed" || true)
for deb in "$TMP"/*.deb; do dpkg-deb -x "$deb" "$TMP/root"; done
mkdir -p "$DEST/openclipart" "$DEST/papers"
rm -rf "$DEST/openclipart/svg" "$DEST/papers/train" "$DEST/papers/heldout" "$DEST/papers/ramon" "$DEST/papers/mrmamurk"
cp -a "$TMP/root/usr/share/openclipart/svg" "$DEST/openclipart/svg"
cp "$TMP/root/usr/share/doc/openclipart-svg/copyright" "$DEST/openclipart/COPYRIGHT"
BG="$TMP/root/usr/share/mypaint/backgrounds"
mkdir -p "$DEST/papers/train" "$DEST/papers/heldout"
for name in "ramon/HR_DecoPaper" "ramon/HR_PastelPaper 01" "ramon/HR_RoughPaper" "ramon/HR_SketchPaper 02" \
            "ramon/HR_WaterColor" mrmamurk/mamurk_a_1 mrmamurk/mamurk_a_2 mrmamurk/mamurk_b_1 mrmamurk/mamurk_f_1; do
    cp "$BG/$name.png" "$DEST/papers/train/"
done
for name in "ramon/HR_PastelPaper 02" "ramon/HR_SketchPaper" mrmamurk/mamurk_c_3 mrmamurk/mamurk_e_1 mrmamurk/mamurk_e_2; do
    cp "$BG/$name.png" "$DEST/papers/heldout/"
done
cp "$TMP/root/usr/share/doc/mypaint-data-extras/copyright" "$DEST/papers/COPYRIGHT"
echo "$(find "$DEST/openclipart/svg" -name '*.svg' -type f | wc -l) SVG files (+ $(find "$DEST/openclipart/svg" -name '*.svg' -type l | wc -l) symlinks), public domain, in $DEST/openclipart/svg"
echo "$(ls "$DEST/papers/train" | grep -c png) + $(ls "$DEST/papers/heldout" | grep -c png) held-out CC0 paper textures in $DEST/papers/{train,heldout}"

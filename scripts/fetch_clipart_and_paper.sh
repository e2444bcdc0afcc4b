#!/usr/bin/env bash
# Opt-in: fetch human-drawn line art and scanned paper from Debian's packages into data/external/
# (never committed; build, tests, CI and the demo never call this script or need its data; the
# default model's training may). Licences, from each package's copyright file (kept beside the data):
#   openclipart-svg (Openclipart 0.18): 7,458 SVG drawings + 663 symlinks to them, each dedicated
#     to the public domain (Creative Commons Public Domain Dedication); authors in each file's
#     dc:creator. -> data/external/openclipart/svg
#   mypaint-data-extras: paper backgrounds, only the CC0-1.0 ones: backgrounds/ramon/HR_*
#     (Ramón Miranda, 2010) and backgrounds/mrmamurk/* (MrMamurk, 2011). -> data/external/papers/
#     (mypaint-data's own backgrounds are GPL-2+ and are never fetched.)
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=data/external
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && apt-get download -qq openclipart-svg mypaint-data-extras 2>&1 | grep -v "unsandboxed" || true)
for deb in "$TMP"/*.deb; do dpkg-deb -x "$deb" "$TMP/root"; done
mkdir -p "$DEST/openclipart" "$DEST/papers"
rm -rf "$DEST/openclipart/svg" "$DEST/papers/ramon" "$DEST/papers/mrmamurk"
cp -a "$TMP/root/usr/share/openclipart/svg" "$DEST/openclipart/svg"
cp "$TMP/root/usr/share/doc/openclipart-svg/copyright" "$DEST/openclipart/COPYRIGHT"
mkdir -p "$DEST/papers/ramon" "$DEST/papers/mrmamurk"
cp "$TMP/root/usr/share/mypaint/backgrounds/ramon/"HR_*.png "$DEST/papers/ramon/"
cp "$TMP/root/usr/share/mypaint/backgrounds/mrmamurk/"*.png "$DEST/papers/mrmamurk/"
cp "$TMP/root/usr/share/doc/mypaint-data-extras/copyright" "$DEST/papers/COPYRIGHT"
echo "$(find "$DEST/openclipart/svg" -name '*.svg' -type f | wc -l) SVG files (+ $(find "$DEST/openclipart/svg" -name '*.svg' -type l | wc -l) symlinks), public domain, in $DEST/openclipart/svg"
echo "$(ls "$DEST/papers/ramon" "$DEST/papers/mrmamurk" | grep -c png) CC0 paper textures in $DEST/papers"

#!/usr/bin/env bash
# Opt-in: fetch openly licensed SVG line art from the npm registry into data/external/ (never
# committed; build, tests, CI and the demo do not call this script or need its data).
#   tabler-icons 3.52.0: 5491 outline icons (24x24, 2 px strokes), MIT licence, (c) Paweł Kuna
#     https://github.com/tabler/tabler-icons
# Used by recipes/icons.yaml (an svg source) for experiments and, optionally, training data.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=data/external
mkdir -p "$DEST"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack --silent @tabler/icons@3.52.0 >/dev/null)
mkdir -p "$DEST/tabler-icons"
tar -xzf "$TMP"/tabler-icons-3.52.0.tgz -C "$TMP"
rm -rf "$DEST/tabler-icons/outline"
cp -r "$TMP/package/icons/outline" "$DEST/tabler-icons/outline"
cp "$TMP/package/LICENSE" "$DEST/tabler-icons/LICENSE"
echo "$(ls "$DEST/tabler-icons/outline" | wc -l) SVG icons (MIT) in $DEST/tabler-icons/outline"

#!/usr/bin/env bash
# Create .venv and install the toolkit with its test extra. Safe to run again: when the venv was
# installed from this very pyproject.toml (a stamp file records its hash), nothing is reinstalled.
# torch is installed first from the CPU wheel (torch==2.13.0): with it in place the package's
# looser `torch>=2.2` is already satisfied and pip does not pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
STAMP=".venv/.sketch-installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$STAMP" ]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check "torch==2.13.0" 2>&1 | grep -v "^WARNING: Location" || true
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]" 2>&1 | grep -v "^WARNING: Location" || true
    .venv/bin/python -c "import torch, sketchdata, sketchtrain" && rm -f .venv/.sketch-installed-* && touch "$STAMP"
fi
.venv/bin/python -c "import torch, sketchdata, sketchtrain; print('ready: torch', torch.__version__)"

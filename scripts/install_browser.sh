#!/usr/bin/env bash
# Debian's headless Chromium and its WebDriver, for the app's end-to-end browser test
# (tests/test_app_browser.py). Installed from the distribution's packages, never a browser
# build downloaded by a tool. Safe to run again; does nothing when both are present.
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "install_browser: need root and apt-get to install chromium and chromium-driver; install them yourself" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
echo "installed: $(chromium --version 2>/dev/null | head -1)"

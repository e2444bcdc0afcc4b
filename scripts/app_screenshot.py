"""Screenshot of `sketchtrain app` on a real scan, for the README (docs/app_screenshot.png).

    .venv/bin/python scripts/app_screenshot.py ../shared/data/rough/fig14_pepper.png --scale 2

Starts the app with the shipped model on a free local port, drives Debian's headless Chromium
(scripts/install_browser.sh) to upload the scan and move the scale slider, waits for the
result, and saves a screenshot of the page.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scan", type=Path)
    parser.add_argument("--scale", type=float, default=None, help="slider value; default: auto")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "app_screenshot.png")
    args = parser.parse_args()

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "sketchtrain", "app", "--port", str(port)])
    try:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(300):
            try:
                urllib.request.urlopen(url, timeout=2)  # the page (the API needs the page's token)
                break
            except OSError:
                time.sleep(0.2)
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
            options.add_argument(flag)
        browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            browser.get(url)
            wait = WebDriverWait(browser, 300)
            wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#model option"))
            browser.find_element(By.ID, "files").send_keys(str(args.scan.resolve()))
            if args.scale is not None:
                browser.find_element(By.ID, "auto-scale").click()
                browser.execute_script("const s = document.getElementById('scale'); s.value = arguments[0];"
                                       "s.dispatchEvent(new Event('input'));", str(args.scale))
            browser.find_element(By.ID, "run").click()
            wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, ".card.done img.after"))
            wait.until(lambda b: b.execute_script("return document.querySelector('.card.done img.after').complete"))
            time.sleep(0.5)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            browser.save_screenshot(str(args.out))
            print(f"wrote {args.out}")
        finally:
            browser.quit()
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()

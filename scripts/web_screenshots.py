"""Screenshots of the web edition for docs/ and the README, taken in Debian's Chromium.

    .venv/bin/python scripts/web_screenshots.py SITE [--out docs/images]

SITE is a site built by ``publisher site`` (or a one-issue site, OUT/<id>/web) holding the
sample issue (2019-10-21). It is served with ``python -m http.server`` on localhost; the 版
page and an article are taken at a desktop width (1400 px) and a phone's (390 px), the 版
page with one article's zone under the pointer (its card shown).
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from pathlib import Path

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = [  # name, path, viewport, zone to point at
    ("web-page-desktop", "2019/10/21/01/", (1400, 1000), "mingchu-liangzao"),
    ("web-page-phone", "2019/10/21/01/", (390, 844), None),
    ("web-article-desktop", "2019/10/21/01/yaozui-daqiao/", (1400, 1000), None),
    ("web-article-phone", "2019/10/21/01/jiceng-zhili/", (390, 844), None),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("site", type=Path)
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind",
                               "127.0.0.1", "--directory", str(args.site)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)
        args.out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for name, path, (width, height), zone in SHOTS:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(f"http://127.0.0.1:{port}/{path}")
                page.wait_for_load_state("networkidle")
                if zone:
                    page.locator(f"#z-{zone}").hover()
                page.screenshot(path=str(args.out / f"{name}.png"))
                page.close()
                print(f"wrote {args.out / name}.png")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()

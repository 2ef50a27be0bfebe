"""Take screenshots of a running Fangkong (make demo) as a user sees it, with Debian's Chromium.

    python scripts/screenshots.py --base http://127.0.0.1:8000 --out docs/img \
        --user admin --page /d/220000000000/ --name home-province
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="docs/img", type=Path)
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="Fangkong-2020")
    parser.add_argument("--page", action="append", default=[])
    parser.add_argument("--name", action="append", default=[])
    parser.add_argument("--sizes", default="desktop,phone")
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        for size in args.sizes.split(","):
            w, h = SIZES[size]
            page = browser.new_page(viewport={"width": w, "height": h}, locale="zh-CN")
            page.goto(f"{args.base}/accounts/login/")
            page.fill("#id_username", args.user)
            page.fill("#id_password", args.password)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            for i, path in enumerate(args.page):
                name = args.name[i] if i < len(args.name) else f"page{i}"
                page.goto(f"{args.base}{path}")
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(600)
                target = args.out / f"{name}-{size}.png"
                page.screenshot(path=str(target), full_page=args.full)
                print(target)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()

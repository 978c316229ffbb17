"""Print the height of every page of the built book at 1280 px wide, as the browser test
measures it (tests/sitecheck.py, `page_height`), against the limit it enforces.

    .venv/bin/python tools/page_heights.py [_build/html]

Needs Debian's Chromium (see tests/sitecheck.py) and a built site (`make book`).
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from sitecheck import CHROMIUM, CHROMIUM_ARGS, MAX_PAGE_HEIGHT, page_height, serve, toc_pages  # noqa: E402


def main(argv):
    html = Path(argv[1]) if len(argv) > 1 else ROOT / "_build" / "html"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, serve(html) as base:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for page_path in toc_pages(ROOT):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(base + page_path, wait_until="load")
            height = page_height(page)
            flag = "  over the limit" if height > MAX_PAGE_HEIGHT else ""
            print(f"{page_path:36} {height:7d} px{flag}")
            context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv)

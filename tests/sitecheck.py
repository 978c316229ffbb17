"""Check built book pages the way a reader meets them: in a real browser.

Used by tests/test_browser.py. `serve` puts a built site on localhost; `PageChecker`
opens one page in headless Chromium (Debian's `chromium`, driven by Playwright) and
returns the problems a reader would hit: JavaScript errors, math left as raw TeX, images
that do not load or have no real alt text, links and anchors that lead nowhere, files that
answer 404, tables clipped by the text column, code blocks that scroll sideways, a code
cell's output line longer than the code column (`COLUMN`, 79 characters: the outputs
wrap on screen, so only their text shows it),
citations that have no entry in the bibliography, a page taller than `MAX_PAGE_HEIGHT`
at 1280 px wide, figure captions whose contrast is under WCAG AA's 4.5:1 in the light or
the dark theme, and links to the placeholder repository (`PLACEHOLDER`). `search` asks
the site's own search box, as a reader who pastes an error message does.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urlsplit

from embedbook import toc
from embedbook.text import COLUMN

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
INSTALL_HINT = ("the browser test needs Debian's Chromium: "
                "sudo apt-get update && sudo apt-get install -y chromium chromium-driver")
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(message: str) -> None:
    """A browser test that cannot run: skipped here, failed under CI (``CI=true``)."""
    import pytest

    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Headless Chromium (Debian's, driven by Playwright), or :func:`unavailable`."""
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"{CHROMIUM} not found; {INSTALL_HINT}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed in this environment (requirements.txt pins it): make venv")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()

#: The tallest page a reader should have to scroll, at 1280 px wide (about 17 screens).
MAX_PAGE_HEIGHT = 15_000
#: WCAG AA's minimum contrast for body-size text, such as a figure's caption.
MIN_CONTRAST = 4.5
#: Matplotlib's default text size and the figures' resolution (embedbook.kernel.setup):
#: a figure's 10 pt text shows at 10 * 100/96 CSS pt at its natural size.
FIGURE_TEXT_PT, FIGURE_DPI, MIN_FIGURE_TEXT_PT = 10, 100, 9
#: The repository URL of a copy that has no public home yet (_config.yml); no link may use it.
PLACEHOLDER = "/OWNER/"

# Text a reader must never see outside code: TeX that MathJax did not typeset.
RAW_MATH = re.compile(r"\$\$|\\begin\{|\\\(|\\\[")

# Visible text outside code blocks and typeset math.
_VISIBLE_TEXT_JS = """() => {
  const skip = new Set(['PRE', 'CODE', 'SCRIPT', 'STYLE', 'NOSCRIPT', 'MJX-CONTAINER', 'TEXTAREA']);
  const out = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { out.push(node.textContent); return; }
    if (node.nodeType !== Node.ELEMENT_NODE || skip.has(node.tagName)) return;
    if (node.classList.contains('highlight')) return;
    for (const child of node.childNodes) walk(child);
  };
  walk(document.querySelector('main') || document.body);
  return out.join(' ');
}"""

_WAIT_FOR_MATH_JS = """async () => {
  if (!window.MathJax) return 'no-mathjax';
  if (!(MathJax.startup && MathJax.startup.promise)) return 'mathjax-not-started';
  await MathJax.startup.promise;
  return 'typeset';
}"""

_MATH_JS = """() => {
  const math = [...document.querySelectorAll('main .math, main span.math, main div.math')];
  return {
    sources: math.length,
    untypeset: math.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.trim().slice(0, 60)),
    errors: [...document.querySelectorAll('mjx-merror')].map(e => e.getAttribute('data-mjx-error') || e.textContent),
    containers: document.querySelectorAll('mjx-container').length,
  };
}"""

_IMAGES_JS = """async () => {
  const imgs = [...document.images];
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.complete ? null :
    new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); setTimeout(r, 5000); })));
  return imgs.map(i => ({src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0}));
}"""

# Display formulas wider than the text column: they scroll sideways, which a reader can
# do, but a formula split over lines reads better. Reported as advice, not as a problem.
_WIDE_MATH_JS = """() => [...document.querySelectorAll('main mjx-container[display="true"]')]
  .filter(m => m.scrollWidth > m.clientWidth + 1)
  .map(m => (m.closest('.math') || m).textContent.replace(/\\s+/g, ' ').trim().slice(0, 50))"""

# Paths of the machine that executed a notebook (a traceback's file names, say): they say
# nothing to a reader and differ on every machine. Reported as advice, not as a problem.
MACHINE_PATH = re.compile(r"(?:/(?:tmp|root|home|work|Users)/[\w.-]+|site-packages)[\w./-]*")

# The lines of each code cell's output (printed text, a traceback, the code blocks of a
# Markdown output) longer than the code column. The theme wraps output blocks on screen,
# so a long line does not scroll: it breaks wherever the window ends, mid-word.
_WIDE_OUTPUT_JS = '''(width) => [...document.querySelectorAll('main .cell_output pre')]
  .flatMap(pre => pre.textContent.split('\\n'))
  .filter(line => line.length > width)
  .map(line => ({length: line.length, text: line.slice(0, 70)}))'''

_LINKS_JS = "() => [...document.querySelectorAll('a[href]')].map(a => a.href)"

# What a reader cannot read without scrolling sideways or guessing: a table wider than the
# box that holds it (or a cell whose text overflows it), a code block or output whose
# lines are longer than its column, an image whose alt text is missing or is only a file
# name, a citation that links to no entry (sphinxcontrib-bibtex renders an unknown key
# as an empty "[]"). Elements that are not displayed (a collapsed hidden cell) measure 0.
_LAYOUT_JS = """() => {
  const main = document.querySelector('main') || document.body;
  const text = (el) => el.textContent.replace(/\\s+/g, ' ').trim().slice(0, 70);
  const out = {tables: [], code: [], alt: [], cites: []};
  for (const table of main.querySelectorAll('table')) {
    let box = table.parentElement;
    while (box && box !== main && getComputedStyle(box).overflowX === 'visible') box = box.parentElement;
    box = box || main;
    const cells = [...table.querySelectorAll('td, th')];
    const overflowing = cells.find(c => c.scrollWidth > c.clientWidth + 1);
    if (table.getBoundingClientRect().width > box.clientWidth + 1 || overflowing)
      out.tables.push(text(overflowing || table));
  }
  for (const block of main.querySelectorAll('pre')) {
    if (block.scrollWidth > block.clientWidth + 1) out.code.push(text(block));
  }
  for (const img of main.querySelectorAll('img')) {
    const alt = (img.getAttribute('alt') || '').trim();
    const file = (img.getAttribute('src') || '').split('/').pop();
    if (!alt || alt === file || /[\\/]|\\.(png|jpe?g|svg|gif|webp)$/i.test(alt))
      out.alt.push({src: img.getAttribute('src'), alt: alt});
  }
  for (const cite of main.querySelectorAll('.bibtex-citation, .citation-reference')) {
    const links = cite.matches('a') ? [cite] : [...cite.querySelectorAll('a[href]')];
    if (!links.length || /^\\[\\s*\\]$/.test(cite.textContent.trim())) out.cites.push(text(cite) || '[]');
  }
  return out;
}"""

# The contrast of each figure caption's text against the background behind it (the first
# ancestor with an opaque background colour, else the page's), as WCAG defines it.
_CAPTION_CONTRAST_JS = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c;
    }
    return rgb(getComputedStyle(document.documentElement).backgroundColor || 'rgb(255,255,255)');
  };
  const main = document.querySelector('main') || document.body;
  // a heading's permalink (the "#" that shows on hover) is an icon, not caption text
  return [...main.querySelectorAll('figcaption, figcaption *')]
    .filter(el => !el.closest('a.headerlink'))
    .filter(el => el.childNodes.length && [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
    .map(el => {
      const fg = lum(rgb(getComputedStyle(el).color)), bg = lum(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      return {text: el.textContent.replace(/\\s+/g, ' ').trim().slice(0, 50), ratio: Math.round(ratio * 100) / 100};
    });
}"""

_DARK_JS = ("() => { document.documentElement.dataset.theme = 'dark';"
            " document.documentElement.dataset.mode = 'dark'; }")
_LIGHT_JS = ("() => { document.documentElement.dataset.theme = 'light';"
             " document.documentElement.dataset.mode = 'light'; }")


# Each notebook figure's rendered width against its natural width: scaled down, its
# text shrinks with it.
_FIGURES_JS = """() => [...document.querySelectorAll('main .cell_output img')]
  .filter(i => i.naturalWidth > 0 && i.clientWidth > 0)
  .map(i => ({src: i.getAttribute('src'), scale: i.clientWidth / i.naturalWidth}))"""


def figure_text_pt(scale):
    """The CSS point size of a figure's default text when the image is shown at ``scale``."""
    return FIGURE_TEXT_PT * FIGURE_DPI / 96 * scale


def page_height(page):
    """The page's height in CSS pixels once its math is typeset and its images loaded."""
    page.evaluate(_WAIT_FOR_MATH_JS)
    page.evaluate(_IMAGES_JS)
    return int(page.evaluate("() => document.documentElement.scrollHeight"))


def caption_contrast(page):
    """[(theme, caption text, contrast ratio)] of every figure caption, light and dark."""
    found = []
    for theme, script in (("light", _LIGHT_JS), ("dark", _DARK_JS)):
        page.evaluate(script)
        found += [(theme, c["text"], c["ratio"]) for c in page.evaluate(_CAPTION_CONTRAST_JS)]
    page.evaluate(_LIGHT_JS)
    return found


def search(browser, base, query, timeout=20_000):
    """The result links (page#anchor, relative to the site) that the site's search page
    lists for ``query``, best first, as a reader who pastes it into the search box gets."""
    from urllib.parse import quote

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{base}search.html?q={quote(query)}", wait_until="load")
        # Sphinx's searchtools fills #search-results, then writes a summary line.
        page.wait_for_function(
            "() => { const s = document.querySelector('#search-results .search-summary, "
            "#search-results p'); return s && s.textContent.trim().length > 0; }", timeout=timeout)
        hrefs = page.evaluate("() => [...document.querySelectorAll('#search-results ul.search li a')]"
                              ".map(a => a.getAttribute('href'))")
    finally:
        context.close()
    def clean(href):  # drop Sphinx's ?highlight=..., keep one #anchor
        base, _, query = href.partition("?")
        if "#" not in base and "#" in query:
            base += "#" + query.rsplit("#", 1)[1]
        return base
    return [clean(h) for h in hrefs]


# A citation role that MyST did not parse shows up as its source text.
RAW_CITE = re.compile(r"\{cite(?::[a-z]+)?\}")


def serves_mathjax(html_dir, pages):
    """Whether the built site serves MathJax itself (see _ext/booksite.py): the bundle is
    there, and the pages that load MathJax load it from the site, not from a CDN."""
    html_dir = Path(html_dir)
    if not (html_dir / "_static" / "mathjax" / "tex-mml-chtml.js").is_file():
        return False
    scripts = [src for page in pages if (html_dir / page).is_file()
               for src in re.findall(r'<script[^>]*src="([^"]*tex-mml-chtml\.js[^"]*)"',
                                     (html_dir / page).read_text(encoding="utf-8"))]
    return bool(scripts) and not any("://" in src for src in scripts)


def _browser_own(url):
    """Chromium asks every site for /favicon.ico by itself; no page links it, and a
    site served from a subfolder (GitHub Pages) could not answer it anyway."""
    return urlsplit(url).path == "/favicon.ico"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(directory):
    """Serve `directory` on a free localhost port; yields the base URL (ending in /)."""
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def toc_pages(root):
    """The HTML pages of `_toc.yml`, in its order, relative to the site: book/intro.html, ..."""
    return [entry + ".html" for entry in toc.toc_entries(root)]


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name == "id" or (name == "name" and tag == "a")):
                self.ids.add(value)


@functools.lru_cache(maxsize=None)
def _anchors(path):
    parser = _Ids()
    parser.feed(Path(path).read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.ids)


class PageChecker:
    """Opens pages of a site served at `base_url` from `html_dir` and lists their problems."""

    def __init__(self, browser, base_url, html_dir, screenshots=None, check_math=True):
        self.browser, self.base, self.html_dir = browser, base_url, Path(html_dir)
        self.screenshots = Path(screenshots) if screenshots else None
        self.check_math = check_math  # False: a site that loads MathJax from its CDN, offline
        self.external = set()

    def _ignored(self, url):
        return _browser_own(url) or (not self.check_math and not url.startswith(self.base)
                                     and "mathjax" in url.lower())

    def check(self, page_path):
        """Returns (problems, info) for one page; info has the page's DOM facts."""
        problems, info = [], {"links": [], "ids": set(), "math": {}, "wide_math": [],
                           "machine_paths": []}
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.on("console", lambda msg: msg.type == "error" and not self._ignored(msg.location.get("url", ""))
                and problems.append(f"console error: {msg.text} (at {msg.location.get('url') or page_path})"))
        page.on("pageerror", lambda exc: problems.append(f"JavaScript exception: {exc}"))
        page.on("requestfailed", lambda req: req.url.startswith(self.base)
                and problems.append(f"request failed: {req.url} ({req.failure})"))
        page.on("response", lambda res: res.url.startswith(self.base) and res.status >= 400
                and not _browser_own(res.url) and problems.append(f"HTTP {res.status}: {res.url}"))
        try:
            response = page.goto(self.base + page_path, wait_until="load", timeout=30_000)
            if response is None or response.status >= 400:
                problems.append(f"page does not open: HTTP {response.status if response else '?'}")
                return problems, info
            state = page.evaluate(_WAIT_FOR_MATH_JS)
            math = page.evaluate(_MATH_JS)
            info["math"] = math
            if not self.check_math:
                math.update(untypeset=[], errors=[])
            elif math["sources"] and state != "typeset":
                problems.append(f"math not typeset: MathJax {state} (the site serves MathJax itself "
                                "from the package django-static-mathjax: see _ext/booksite.py)")
            for source in math["untypeset"]:
                problems.append(f"math not typeset: {source!r}")
            for error in math["errors"]:
                problems.append(f"TeX error in math: {error}")
            info["wide_math"] = page.evaluate(_WIDE_MATH_JS)
            main_text = page.evaluate("() => (document.querySelector('main') || document.body).innerText")
            info["machine_paths"] = sorted(set(MACHINE_PATH.findall(main_text)))
            raw = RAW_MATH.findall(page.evaluate(_VISIBLE_TEXT_JS))
            if raw and self.check_math:
                problems.append(f"raw TeX in the page's text: {sorted(set(raw))}")
            for image in page.evaluate(_IMAGES_JS):
                if not image["ok"]:
                    problems.append(f"image does not load: {image['src']}")
            layout = page.evaluate(_LAYOUT_JS)
            info["layout"] = layout
            problems += [f"table clipped (wider than its column, no wrapping): {t!r}" for t in layout["tables"]]
            problems += [f"code block scrolls sideways (lines over the column width): {t!r}"
                         for t in layout["code"]]
            problems += [f"output line wider than the column ({w['length']} characters, limit "
                         f"{COLUMN}; wrap it with embedbook.text.wrap): {w['text']!r}"
                         for w in page.evaluate(_WIDE_OUTPUT_JS, COLUMN)]
            problems += [f"image without real alt text: {i['src']} (alt {i['alt']!r})" for i in layout["alt"]]
            problems += [f"citation without an entry in the bibliography: {c!r}" for c in layout["cites"]]
            if RAW_CITE.search(page.evaluate(_VISIBLE_TEXT_JS)):
                problems.append("a {cite} role shown as raw text (not parsed)")
            info["height"] = height = page_height(page)
            if height > MAX_PAGE_HEIGHT:
                problems.append(f"page too tall: {height} px at 1280 px wide (limit {MAX_PAGE_HEIGHT}); "
                                "split it into section pages")
            for theme, text, ratio in caption_contrast(page):
                if ratio < MIN_CONTRAST:
                    problems.append(f"caption contrast {ratio}:1 in the {theme} theme, under "
                                    f"{MIN_CONTRAST}:1: {text!r}")
            for fig in page.evaluate(_FIGURES_JS):
                size = figure_text_pt(fig["scale"])
                if size < MIN_FIGURE_TEXT_PT:
                    problems.append(f"figure text {size:.1f} pt at the rendered size (under "
                                    f"{MIN_FIGURE_TEXT_PT} pt): {fig['src']} shown at {fig['scale']:.0%}")
            info["links"] = links = page.evaluate(_LINKS_JS)
            problems += [f"placeholder link (no real repository configured): {h}"
                         for h in links if PLACEHOLDER in h]
            problems += self._check_links(page_path, links)
            info["ids"] = set(page.evaluate("() => [...document.querySelectorAll('[id]')].map(e => e.id)"))
            if self.screenshots:
                self._screenshot(page, page_path)
        finally:
            context.close()
        return problems, info

    def _check_links(self, page_path, links):
        problems = []
        for href in links:
            if not href.startswith(self.base):
                if href.startswith(("http://", "https://")):
                    self.external.add(href)  # not fetched: no network here, and no public home yet
                continue
            url, fragment = urldefrag(href)
            rel = unquote(urlsplit(url).path)[1:]
            target = self.html_dir / rel
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"broken link: {href} (no file {rel or '/'})")
                continue
            if fragment and target.suffix == ".html" and unquote(fragment) not in _anchors(str(target)):
                problems.append(f"broken anchor: {href} (no id {unquote(fragment)!r} in {rel})")
        return problems

    def _screenshot(self, page, page_path):
        name = page_path.removesuffix(".html").replace("/", "__")
        self.screenshots.mkdir(parents=True, exist_ok=True)
        # A viewport as tall as the page, rather than Playwright's full_page stitching,
        # so that the theme's sticky sidebars look as they do to a reader.
        height = page.evaluate("() => document.documentElement.scrollHeight")
        page.set_viewport_size({"width": 1280, "height": min(height, 60000)})
        page.screenshot(path=str(self.screenshots / f"{name}.png"))
        # The theme's dark mode, as a reader who picks it sees the page.
        page.evaluate("() => { document.documentElement.dataset.theme = 'dark';"
                      " document.documentElement.dataset.mode = 'dark'; }")
        page.screenshot(path=str(self.screenshots / f"{name}-dark.png"))

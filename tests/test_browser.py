"""The built book, as a reader meets it: every page of the table of contents in headless
Chromium. Needs `_build/html` (`make test` builds it first) and Debian's `chromium`.

Each page must open without problems (tests/sitecheck.py lists them: among others no
page taller than 15,000 px at 1280 px wide, no code-cell output line over 79 characters
(tests/test_output_width.py checks the stored notebooks for it, without a browser), no
figure caption under 4.5:1 contrast in either theme, no figure text under 9 pt, no
link to the placeholder repository); a search for each of three error messages must
land on its entry of the errors page; and a deliberately broken copy of a page, and a
search for a message no page has, must be caught. Under CI (`CI=true`) a missing
browser or site fails the test; elsewhere it skips and says how to get them.

`make screenshots` (BOOK_SCREENSHOTS=1) also writes full-page screenshots, light and
dark theme, of every page to `_build/screenshots/` for a person to look at. They check
nothing, and they doubled this test's time, so `make test` takes none.
"""
from __future__ import annotations

import ast
import os
import shutil
import warnings
from pathlib import Path

import pytest
from sitecheck import (
    IN_CI,
    MAX_PAGE_HEIGHT,
    PLACEHOLDER,
    PageChecker,
    chromium,
    search,
    serve,
    serves_mathjax,
    toc_pages,
)
from sitecheck import unavailable as _unavailable

from embedbook.text import COLUMN

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html"))
SCREENSHOTS = HTML.parent / "screenshots" if os.environ.get("BOOK_SCREENSHOTS") == "1" else None
PACKAGE = ROOT / "embedloss"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def site():
    if not (HTML / "index.html").is_file():
        _unavailable(f"no built book at {HTML}: run `make book` first (`make test` does)")
    with serve(HTML) as base:
        yield base


MATHJAX_HINT = ("the built site does not serve MathJax itself, so no formula can be typeset "
                "offline: install the pinned `django-static-mathjax` (requirements.txt; make venv) "
                "and rebuild (make book); see _ext/booksite.py")


@pytest.fixture(scope="module")
def local_mathjax(site):
    """Whether formulas can be checked. Under CI they must be; elsewhere the math checks
    are left out, with a warning, on a site built without the MathJax package."""
    if serves_mathjax(HTML, PAGES):
        return True
    if IN_CI:
        pytest.fail(MATHJAX_HINT)
    warnings.warn(f"math checks left out: {MATHJAX_HINT}", stacklevel=1)
    return False


@pytest.fixture(scope="module")
def checker(browser, site, local_mathjax):
    return PageChecker(browser, site, HTML, screenshots=SCREENSHOTS, check_math=local_mathjax)


@pytest.fixture(scope="module")
def checked(checker):
    """Each page checked once, shared by the tests below."""
    cache = {}

    def get(page):
        if page not in cache:
            cache[page] = checker.check(page)
        return cache[page]
    return get


PAGES = toc_pages(ROOT)
#: The Chinese edition's pages (the same sources, built into the site's zh/ folder):
#: every check of a page applies to them too, the language switch's links included.
ZH_PAGES = [f"zh/{page}" for page in PAGES]


@pytest.mark.parametrize("page", PAGES + ZH_PAGES)
def test_page_reads_well(checked, page):
    problems, info = checked(page)
    assert not problems, f"{page}:\n  " + "\n  ".join(problems)
    for formula in info["wide_math"]:
        warnings.warn(f"{page}: a display formula is wider than the text column at 1280 px "
                      f"and scrolls sideways; consider splitting it: {formula!r}", stacklevel=1)
    if info["machine_paths"]:
        warnings.warn(f"{page}: shows paths of the machine that executed it (in a traceback?): "
                      f"{info['machine_paths'][:5]}", stacklevel=1)


def _notebook_pages():
    return [p for p in PAGES if (ROOT / p).with_suffix(".ipynb").exists()]


def _repository():
    """`repository: url` and `branch` of _config.yml, the one place that names the home."""
    import yaml

    repo = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def _has_home():
    """Whether _config.yml names a real repository (the Pages workflow puts one in)."""
    return PLACEHOLDER not in _repository()[0] + "/"


@pytest.mark.parametrize("page", _notebook_pages())
def test_notebook_page_has_launch_and_download(checked, page):
    _, info = checked(page)
    notebook = Path(page).with_suffix(".ipynb").as_posix()
    hrefs = info["links"]
    assert any(h.endswith("_sources/" + notebook) for h in hrefs), "no .ipynb download"
    binder = any("mybinder.org/v2/" in h and notebook in h for h in hrefs)
    colab = any("colab.research.google.com/github/" in h and h.endswith(notebook) for h in hrefs)
    if _has_home():
        assert binder, "no Binder launch button"
        assert colab, "no Colab launch button"
    else:  # a launch button would open a repository that does not exist
        assert not binder and not colab, "launch buttons in a build with no repository configured"


@pytest.mark.parametrize("page", PAGES[:1] + _notebook_pages()[:1])
def test_buttons_follow_the_repository_setting(checked, page):
    url, branch = _repository()
    hrefs = checked(page)[1]["links"]
    if not _has_home():
        # No public home configured: no repository, edit, issue or launch button, and no
        # banner apologising for them (test_page_reads_well fails on any placeholder link).
        assert not any(PLACEHOLDER in h for h in hrefs)
        assert not any("/edit/" in h or "/issues/new" in h for h in hrefs), "a dead edit or issue button"
        return
    owner_repo = url.split("github.com/", 1)[-1]
    source = Path(page).with_suffix(".ipynb" if (ROOT / page).with_suffix(".ipynb").exists() else ".md")
    assert url in hrefs, "no repository button"
    assert f"{url}/edit/{branch}/{source.as_posix()}" in hrefs, "no edit button for this page's source"
    assert any(h.startswith(f"{url}/issues/new") for h in hrefs), "no issue button"
    if source.suffix == ".ipynb":
        assert any(h.startswith(f"https://mybinder.org/v2/gh/{owner_repo}/{branch}?") for h in hrefs)
        assert f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{source.as_posix()}" in hrefs


def test_no_placeholder_banner(checker):
    """A local build with no repository configured shows no banner about it."""
    page = checker.browser.new_page()
    try:
        page.goto(checker.base + PAGES[0], wait_until="load")
        banner = page.evaluate("() => (document.querySelector('.bd-header-announcement') || {}).textContent || ''")
    finally:
        page.close()
    assert "placeholder" not in banner.lower(), f"placeholder banner shown: {banner.strip()[:120]!r}"


# --- A reader who pastes an error message into the search box lands on its entry ---------

# Each CJK character, drawn in the page's own font, differs from a character no font has
# (drawn as the missing-glyph box): the Chinese text has glyphs (Debian: fonts-noto-cjk).
_CJK_GLYPHS_JS = """(text) => {
  const el = document.querySelector('main p') || document.body;
  const font = getComputedStyle(el).font;
  const draw = (ch) => { const c = document.createElement('canvas'); c.width = c.height = 40;
    const g = c.getContext('2d'); g.font = font; g.textBaseline = 'top'; g.fillText(ch, 2, 2);
    return c.toDataURL(); };
  const missing = draw('\\u{10FFFD}');
  return [...text].filter(ch => draw(ch) === missing);
}"""


@pytest.mark.parametrize("page", ["zh/book/cosine.html", "zh/book/glossary.html"])
def test_chinese_pages_have_glyphs(browser, site, page):
    context = browser.new_context()
    try:
        view = context.new_page()
        view.goto(site + page, wait_until="load")
        assert view.evaluate("() => document.documentElement.lang") == "zh-CN"
        text = view.evaluate("() => document.querySelector('main h1').textContent")
        chinese = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
        assert chinese, f"{page}: its title has no Chinese text: {text!r}"
        assert view.evaluate(_CJK_GLYPHS_JS, "".join(chinese)) == [], (
            f"{page}: Chinese characters drawn as missing glyphs (install fonts-noto-cjk)")
    finally:
        context.close()


def test_chinese_search_finds_the_cosine_chapter(browser, site):
    """Sphinx's Chinese search splits words with jieba (pinned in requirements.txt)."""
    results = search(browser, site + "zh/", "余弦")
    assert any(r.partition("#")[0] == "book/cosine.html" for r in results), results


ERRORS_PAGE = "book/errors.html"
#: Messages as the libraries print them (one of each), with the errors page's entry for it.
SEARCHED_MESSAGES = [
    "0D or 1D target tensor expected, multi-target not supported",          # PyTorch
    "the shape of input tensor 1 should be equal to input tensor 2",        # Paddle
    "must contain only 1 and -1, but got the values",                       # embedloss
]


def search_problem(browser, base, message):
    """None if the site's search for ``message`` lists, first, the entry of the errors
    page whose heading holds it; else what went wrong."""
    results = search(browser, base, message)
    if not results:
        return f"a search for {message!r} finds nothing"
    first = results[0]
    page, _, anchor = first.partition("#")
    if not page.endswith(ERRORS_PAGE) or not anchor:
        return f"a search for {message!r} lands on {first!r}, not on an entry of {ERRORS_PAGE}"
    context = browser.new_context()
    try:
        view = context.new_page()
        view.goto(base + ERRORS_PAGE, wait_until="load")
        heading = view.evaluate("id => { const s = document.getElementById(id);"
                                " const h = s && s.querySelector('h1, h2, h3, h4');"
                                " return h ? h.textContent : ''; }", anchor)
    finally:
        context.close()
    if message.lower() not in heading.lower():
        return f"a search for {message!r} lands on #{anchor}, whose heading is {heading.strip()!r}"
    return None


@pytest.mark.parametrize("message", SEARCHED_MESSAGES)
def test_search_for_an_error_message_lands_on_its_entry(browser, site, message):
    problem = search_problem(browser, site, message)
    assert problem is None, problem


def test_a_search_that_misses_is_caught(browser, site):
    assert search_problem(browser, site, "quuxfrob must be frobnicated") is not None


# --- The API page lists the whole public API ---------------------------------------------

def _public_names():
    """Public functions and classes of embedloss, read from the source (no framework import):
    a module's `__all__` where it has one, else its top-level defs not starting with `_`.
    Returns {dotted name: whether its docstring has a formula}."""
    names = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]  # a package's own names
        if any(p.startswith("_") for p in parts):
            continue
        module = ".".join(("embedloss", *parts))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        exported = None
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
                exported = ast.literal_eval(node.value)
        public = exported if exported is not None else [n for n in defs if not n.startswith("_")]
        for name in public:
            here = PACKAGE.joinpath(*parts)
            if (here / f"{name}.py").exists() or (here / name).is_dir():
                continue  # a submodule: its own names are listed from its file
            if name in defs:
                doc = ast.get_docstring(defs[name]) or ""
            else:  # re-exported: find the definition in the package's private modules
                doc = next((ast.get_docstring(n) or "" for p in PACKAGE.rglob("_*.py")
                            for n in ast.parse(p.read_text(encoding="utf-8")).body
                            if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == name), "")
            names[f"{module}.{name}"] = ".. math::" in doc
    return names


def test_api_page_lists_every_public_name(checked, checker, local_mathjax):
    names = _public_names()
    assert {"embedloss.cosine_embedding_loss", "embedloss.hinge_embedding_loss",
            "embedloss.torch.CosineEmbeddingLoss", "embedloss.paddle.HingeEmbeddingLoss"} <= set(names)
    problems, info = checked("book/api.html")
    documented = info["ids"] | checked("book/api_testing.html")[1]["ids"]  # the case table's page
    missing = sorted(set(names) - documented)
    assert not missing, f"book/api.md (and api_testing.md) do not document: {missing}"
    if not local_mathjax:
        return
    # Each formula in a docstring is typeset on the page.
    page = checker.browser.new_page()
    try:
        page.goto(checker.base + "book/api.html", wait_until="load")
        page.evaluate("async () => { if (window.MathJax) await MathJax.startup.promise; }")
        for name, has_formula in names.items():
            if has_formula:
                typeset = page.evaluate(
                    "id => document.getElementById(id).nextElementSibling.querySelectorAll('mjx-container').length",
                    name)
                assert typeset, f"{name}: its formula is not typeset on the API page"
    finally:
        page.close()


# --- A broken page is caught ------------------------------------------------------------

BREAKAGE = """
<p>A formula with a TeX error: \\(\\frac{1}\\)</p>
<p>Math MathJax cannot find: \\(\\frac{1}{\\)</p>
<img src="../_images/no-such-figure.png" alt="missing">
<a href="#no-such-anchor">dangling anchor</a>
<a href="no-such-page.html">dangling page</a>
<script>throw new Error("deliberately broken page");</script>
<table><tr><td style="white-space: nowrap">TABLE-CELL-TOO-WIDE-%s</td></tr></table>
<pre>CODE-LINE-TOO-LONG-%s</pre>
<div class="cell_output"><pre style="white-space: pre-wrap">OUTPUT-LINE-TOO-WIDE %s</pre></div>
<div class="cell_output"><pre>an output line exactly as wide as the column: %s</pre></div>
<img src="../_static/no-alt.png">
<img src="../_static/path-alt.png" alt="../_images/path-alt.png">
<p>A fact <span class="bibtex-citation" id="no-entry">[]</span>.</p>
<figure><img src="../_static/faint.png" alt="a faint figure"><figcaption><p>FAINT-CAPTION</p></figcaption></figure>
<style>figcaption p { color: #bbbbbb !important; }</style>
<a href="https://github.com/OWNER/embedloss">placeholder home</a>
<div style="height: %dpx">a very tall page</div>
<div class="cell_output"><img src="../_images/FIGURE.png" alt="a figure shown too small" style="width: 80px"></div>
""" % ("x" * 400, "y" * 400, "word " * 12, "z" * (COLUMN - 46), MAX_PAGE_HEIGHT + 1000)


def _break(html_dir, page, old, new):
    path = html_dir / page
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{page} has no {old!r} to break"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_broken_page_is_caught(browser, tmp_path, local_mathjax):
    """Copies of two pages, deliberately broken; the checker reports each breakage."""
    if not (HTML / "index.html").is_file():
        _unavailable(f"no built book at {HTML}: run `make book` first")
    broken = tmp_path / "html"
    shutil.copytree(HTML, broken)
    figure = next((broken / "_images").glob("*.png")).name  # a real figure, to shrink
    _break(broken, PAGES[0], "</main>", BREAKAGE.replace("FIGURE.png", figure) + "</main>")
    if local_mathjax:
        # MathJax that does not load (as from a CDN with no network): formulas stay raw TeX.
        _break(broken, "book/api.html", "mathjax/tex-mml-chtml.js", "mathjax/no-such-bundle.js")
    with serve(broken) as base:
        checker = PageChecker(browser, base, broken, check_math=local_mathjax)
        report = "\n".join(checker.check(PAGES[0])[0])
        math_report = "\n".join(checker.check("book/api.html")[0]) if local_mathjax else ""
    expected = ["JavaScript exception: deliberately broken page",
                "image does not load: ../_images/no-such-figure.png",
                "broken anchor:", "no id 'no-such-anchor'", "broken link:", "no-such-page.html",
                "table clipped", "TABLE-CELL-TOO-WIDE", "code block scrolls sideways", "CODE-LINE-TOO-LONG",
                "output line wider than the column (81 characters", "OUTPUT-LINE-TOO-WIDE",
                "image without real alt text: ../_static/no-alt.png",
                "image without real alt text: ../_static/path-alt.png",
                "citation without an entry in the bibliography: '[]'",
                "page too tall:", "caption contrast", "FAINT-CAPTION", "figure text",
                "placeholder link (no real repository configured): https://github.com/OWNER/embedloss"]
    if local_mathjax:
        expected += ["TeX error in math:", "raw TeX in the page's text"]
    for text in expected:
        assert text in report, f"the checker missed {text!r}; it reported:\n{report}"
    assert "exactly as wide" not in report, report  # a line of 79 characters fits
    for text in ("HTTP 404:", "no-such-bundle.js", "math not typeset:", "raw TeX in the page's text") \
            if local_mathjax else ():
        assert text in math_report, f"the checker missed {text!r}; it reported:\n{math_report}"


def test_api_entries_list_each_parameter_once(checker):
    """Each entry of the API page names a parameter once: `x1, x2: ...` is one item,
    and `target` is not repeated under x1 and x2 (napoleon's :param: form did that)."""
    page = checker.browser.new_page()
    try:
        page.goto(checker.base + "book/api.html", wait_until="load")
        entries = page.evaluate("""() => [...document.querySelectorAll('dl.py > dd')].map(dd => {
          const list = dd.querySelector(':scope > dl.field-list > dd');
          if (!list) return null;
          const items = [...list.querySelectorAll(':scope > ul > li > p, :scope > p')];
          const names = items.flatMap(p => [...p.querySelectorAll(':scope > strong')])
            .flatMap(s => s.textContent.split(',').map(n => n.trim()));
          const texts = items.map(p => p.textContent.replace(/^[^–-]*[–-]+/, '').trim());
          return {id: dd.previousElementSibling.id, names, texts};
        }).filter(e => e && e.names.length)""")
    finally:
        page.close()
    assert entries, "no parameter lists found on the API page"
    for entry in entries:
        repeated = sorted({n for n in entry["names"] if entry["names"].count(n) > 1})
        assert not repeated, f"{entry['id']}: parameters listed more than once: {repeated}"
        twice = sorted({t for t in entry["texts"] if entry["texts"].count(t) > 1})
        assert not twice, f"{entry['id']}: one description repeated under several names: {twice}"
    cosine = next(e for e in entries if e["id"] == "embedloss.cosine_embedding_loss")
    assert cosine["names"].count("target") == 1 and {"x1", "x2"} <= set(cosine["names"])

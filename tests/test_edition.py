"""The Chinese edition stays honest: its catalogs match the English text, every
translation keeps its message's markup, and both editions show the same code and
outputs (the ones nbval verifies).

The catalog tests extract the English text afresh (Sphinx's gettext builder, about
10 s); the HTML tests read the site that `make book` built (`make test` builds it
first) and skip without it.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from embedbook import edition
from embedbook.toc import toc_entries

ROOT = Path(__file__).resolve().parents[1]
LANGUAGE = "zh_CN"
SITE = ROOT / "_build" / "html"
ZH = SITE / edition.FOLDERS[LANGUAGE]

babel = pytest.importorskip("babel.messages.pofile")

#: The markup a translation must keep, each as a regex whose matches are compared as a
#: multiset: roles with their targets ({glue:text}`key:.3f`, {cite}`key`, {doc}`page`,
#: {ref}`label`), inline math, inline code, link URLs, and HTML/MyST anchors.
MARKUP = {
    "role": re.compile(r"\{[\w:-]+\}`[^`]*`"),
    "math": re.compile(r"(?<![\\$])\$[^$\n]+\$(?!\$)"),
    "code": re.compile(r"``[^`]+``|`[^`]+`"),  # (found after the roles are taken out)
    "url": re.compile(r"\]\(([^)\s]+)\)"),
}


def _catalog(path):
    with path.open("rb") as f:
        return babel.read_po(f, locale=LANGUAGE)


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    return edition.extract(tmp_path_factory.mktemp("gettext"))


def _catalogs():
    folder = edition.LOCALES / LANGUAGE / "LC_MESSAGES"
    return {str(p.relative_to(folder).with_suffix("")): p for p in sorted(folder.rglob("*.po"))}


def test_every_page_has_a_catalog_and_every_catalog_a_page(templates):
    assert set(_catalogs()) == set(templates), (
        "the catalogs differ from the pages: run `make translations` and translate")
    pages = {e for e in toc_entries(ROOT)}
    assert set(templates) <= pages


def test_catalogs_match_a_fresh_extraction(templates):
    """An edited English sentence fails here until its translation is updated
    (`make translations` marks it fuzzy, with the old translation as a hint)."""
    stale = []
    for page, pot in templates.items():
        fresh = {m.id for m in _catalog(pot) if m.id}
        stored = {m.id for m in _catalog(_catalogs()[page]) if m.id}
        stale += [f"{page}: new or edited: {i[:70]!r}" for i in sorted(fresh - stored)]
        stale += [f"{page}: no longer in the text: {i[:70]!r}" for i in sorted(stored - fresh)]
    assert not stale, "run `make translations`, then translate:\n" + "\n".join(stale)


def test_every_message_is_translated_and_none_is_fuzzy():
    left = []
    for page, path in _catalogs().items():
        for m in _catalog(path):
            if m.id and (not m.string or m.fuzzy):
                left.append(f"{page}: {'fuzzy' if m.fuzzy else 'empty'}: {m.id[:70]!r}")
    assert not left, "\n".join(left)


#: A role with an explicit title, {ref}`the title <target>`: the title is prose (it is
#: translated), the role and its target are kept.
ROLE_TARGET = re.compile(r"^(\{[\w:-]+\}`)[^`]*<([^<>`]+)>`$")


def markup(text):
    found = {}
    for kind, rx in MARKUP.items():
        found[kind] = Counter(ROLE_TARGET.sub(r"\1<\2>`", m) for m in rx.findall(text))
        if kind == "role":
            text = rx.sub(" ", text)
    return found


def test_translations_keep_their_markup():
    """A dropped {glue:text} or a changed link passes the strict build: caught here."""
    broken = []
    for page, path in _catalogs().items():
        for m in _catalog(path):
            if m.id and m.string and markup(m.id) != markup(m.string):
                lost = {k: dict(v - markup(m.string)[k]) for k, v in markup(m.id).items()}
                extra = {k: dict(v - markup(m.id)[k]) for k, v in markup(m.string).items()}
                broken.append(f"{page}: {m.id[:60]!r}: lost {_nonempty(lost)}, "
                              f"added {_nonempty(extra)}")
    assert not broken, "\n".join(broken)


def _nonempty(d):
    return {k: v for k, v in d.items() if v}


def test_the_markup_check_catches_a_dropped_role_and_a_changed_url():
    msgid = "See {glue:text}`m:.2f` and [the docs](https://example.org/a) for `x`, $a^2$."
    assert markup(msgid) == markup("见 {glue:text}`m:.2f` 与[文档](https://example.org/a)，`x`，$a^2$。")
    assert markup(msgid) != markup("见 与[文档](https://example.org/a)，`x`，$a^2$。")
    assert markup(msgid) != markup("见 {glue:text}`m:.2f` 与[文档](https://example.org/b)，`x`，$a^2$。")


# --- The built site -------------------------------------------------------------------

def _pages():
    return [e for e in toc_entries(ROOT) if (ROOT / f"{e}.ipynb").is_file()]


@pytest.fixture(scope="module")
def built():
    if not (ZH / "index.html").is_file():
        pytest.skip("the site is not built (make book)")
    from bs4 import BeautifulSoup

    def soup(path):
        return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    return soup


def _cells(soup):
    """Every cell's input and output as HTML, without what is prose: figure captions,
    their numbers and images' alt text (translated)."""
    found = []
    for div in soup.select("div.cell_input, div.cell_output"):
        for caption in div.select("figcaption, span.caption-number"):
            caption.decompose()
        for image in div.select("img[alt]"):
            del image["alt"]
        found.append(str(div))
    return found


@pytest.mark.parametrize("page", _pages())
def test_both_editions_show_the_same_code_and_outputs(built, page):
    english, chinese = built(SITE / f"{page}.html"), built(ZH / f"{page}.html")
    assert _cells(english), f"{page}: no cells found"
    assert _cells(english) == _cells(chinese)


@pytest.mark.parametrize("page", toc_entries(ROOT))
def test_each_page_links_to_itself_in_the_other_edition(built, page):
    english, chinese = built(SITE / f"{page}.html"), built(ZH / f"{page}.html")
    to_zh = english.select_one('div.edition-switch a[hreflang="zh-CN"]')["href"]
    to_en = chinese.select_one('div.edition-switch a[hreflang="en"]')["href"]
    assert ((SITE / page).parent / to_zh).resolve() == (ZH / f"{page}.html").resolve()
    assert ((ZH / page).parent / to_en).resolve() == (SITE / f"{page}.html").resolve()
    assert chinese.html["lang"] == "zh-CN" and english.html["lang"] == "en"


def test_chinese_search_finds_the_cosine_chapter(built):
    """Sphinx's Chinese search splits words with jieba (pinned): without it the index
    holds no Chinese term."""
    import json

    text = (ZH / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1:text.rindex(")")])
    docs, found = index["docnames"], set()
    for terms in (index["terms"], index["titleterms"]):  # text, and section titles
        hits = terms.get("余弦", [])
        found |= {docs[i] for i in ([hits] if isinstance(hits, int) else hits)}
    assert "book/cosine" in found

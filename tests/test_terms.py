"""One Chinese term per concept: the glossary page's table is the terms' one home.

`book/glossary.md` has a table: English | 中文 | Not used | Where it appears. Each row
is one concept:

- **English**: the English words, comma-separated (``pair(s)`` matches "pair" and
  "pairs"; matched case-insensitively, as whole words, in the English prose);
- **中文**: the one rendering of each English item, separated by 、 in the same order
  (or one rendering for all of them); a gloss in （…） goes with the first use and is
  not part of what is matched;
- **Not used**: renderings the edition avoids, separated by 、.

Every catalog of the Chinese edition is checked against it: no translation uses an
avoided rendering, and a message whose English has a term has that term's rendering in
its translation. Code, roles with their targets, math and URLs are left out of both
sides first (`batch` in code is code, not prose).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from embedbook import edition

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "book" / "glossary.md"
LANGUAGE = "zh_CN"
#: the gloss of "ulp" that each page gives once, where it first uses the word
ULP_GLOSS = "ulp（该量级上相邻两个浮点数的间距）"

babel = pytest.importorskip("babel.messages.pofile")


@dataclass(frozen=True)
class Term:
    english: str       # one English item, as written in the table ("similar pair(s)")
    chinese: str       # its one rendering, without the gloss ("相似样本对")
    avoid: tuple[str, ...]

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        words = re.split(r"\s+", self.english.strip())
        parts = []
        for word in words:
            optional = re.fullmatch(r"(.+?)\((\w+)\)", word)
            if optional:
                parts.append(re.escape(optional[1]) + f"(?:{re.escape(optional[2])})?")
            else:
                parts.append(re.escape(word))
        return re.compile(r"(?<![A-Za-z0-9_-])" + r"[\s-]+".join(parts) + r"(?![A-Za-z0-9_-])", re.I)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def glossary_table(text: str) -> list[list[str]]:
    """The rows of the glossary's term table (header and rule left out)."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    header = _cells(lines[0])
    assert header[:3] == ["English", "中文", "Not used"], header
    return [_cells(line) for line in lines[2:]]


def _gloss_removed(text: str) -> str:
    return re.sub(r"（[^）]*）", "", text).strip()


def terms(rows: list[list[str]]) -> list[Term]:
    found = []
    for english, chinese, avoid, *_ in rows:
        items = [e.strip() for e in english.split(",")]
        renderings = [_gloss_removed(c) for c in chinese.split("、")]
        if len(renderings) == 1:
            renderings *= len(items)
        assert len(renderings) == len(items), f"glossary row {english!r}: {chinese!r}"
        avoided = tuple(a.strip() for a in avoid.split("、") if a.strip())
        found += [Term(e, c, avoided) for e, c in zip(items, renderings)]
    return found


ROWS = glossary_table(GLOSSARY.read_text(encoding="utf-8"))
TERMS = terms(ROWS)
#: the table's own cells are glossary messages too; they are the data, not prose
TABLE_CELLS = {cell for row in ROWS for cell in row} | {"English", "中文", "Not used",
                                                       "Where it appears"}

_NOT_PROSE = [
    re.compile(r"\{[\w:-]+\}`[^`]*`"),            # roles with their targets
    re.compile(r"``[^`]+``|`[^`]+`"),              # inline code
    re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.S),  # math
    re.compile(r"\]\([^)\s]+\)"),                  # link targets
    re.compile(r"https?://\S+"),
]


def prose(text: str) -> str:
    for rx in _NOT_PROSE:
        text = rx.sub(" ", text)
    return text


def _occurs(variant: str, text: str) -> bool:
    """An English variant as a whole word, in any case (``batch``, not ``batches``'s
    part of a code name such as FakeTensor); a Chinese one as written."""
    if variant.isascii():
        return re.search(rf"(?<![A-Za-z0-9_-]){re.escape(variant)}(?![A-Za-z0-9_-])", text, re.I) is not None
    return variant in text


def avoided_renderings(translation: str, vocabulary: list[Term] = TERMS) -> list[str]:
    """The avoided renderings a translation uses. A rendering that contains the avoided
    string (批次 for 批, batch size for batch, 随机种子 for 种子) is taken out first, and so
    is a quotation (“…”: the seed tutorial's words, a term mentioned as a word)."""
    text = re.sub(r"“[^”]*”", " ", prose(translation))
    found = []
    for term in vocabulary:
        for variant in term.avoid:
            rest = text
            for other in {t.chinese for t in vocabulary if variant in t.chinese}:
                rest = rest.replace(other, " ")
            if _occurs(variant, rest):
                found.append(f"{variant} (use {term.chinese} for {term.english!r})")
    return sorted(set(found))


def missing_renderings(english: str, translation: str, vocabulary: list[Term] = TERMS) -> list[str]:
    """The terms of ``english`` whose rendering ``translation`` lacks. A longer term that
    contains a shorter one (batch size, batch) is taken out before the shorter is looked
    for."""
    source, target = prose(english), prose(translation)
    missing = []
    for term, longer in _with_longer_terms(tuple(vocabulary)):
        if not term.pattern.search(source) or term.chinese in target:
            continue
        text = source
        for other in longer:
            text = other.pattern.sub(" ", text)
        if term.pattern.search(text):
            missing.append(f"{term.english!r} -> {term.chinese}")
    return missing


@functools.cache
def _with_longer_terms(vocabulary: tuple[Term, ...]) -> list[tuple[Term, list[Term]]]:
    """Each term, with the longer terms whose English contains it."""
    def words(term):
        return term.english.replace("(", "").replace(")", "")
    return [(term, [o for o in vocabulary if len(o.english) > len(term.english)
                    and term.pattern.search(words(o))]) for term in vocabulary]


#: (page, English term, the message's first words): where the English word is not the
#: term (a verb "labels", "the exception is"); each with the reason
NOT_THE_TERM = {
    ("book/differences", "label(s)", "Paddle's `name` labels the operation"): "a verb: 标记",
    ("book/training", "exception(s)", "The three cosine rows are the same"): "an outlier row",
}


@functools.cache
def _messages():
    return list(_read_messages())


def _read_messages():
    folder = edition.LOCALES / LANGUAGE / "LC_MESSAGES"
    for path in sorted(folder.rglob("*.po")):
        page = str(path.relative_to(folder).with_suffix(""))
        with path.open("rb") as f:
            catalog = babel.read_po(f, locale=LANGUAGE)
        for message in catalog:
            if not message.id or not message.string or message.fuzzy:
                continue
            if message.string == message.id:
                continue  # kept as written: a quoted message, display math, a name
            if page == "book/glossary" and message.id in TABLE_CELLS:
                continue
            yield page, message


def test_the_glossary_table_reads_as_terms():
    assert len(TERMS) >= 30
    assert {"batch(es)", "ulp", "margin(s)", "validation set", "test set", "kernel(s)",
            "random seed(s)", "hinge loss(es)", "cosine loss(es)"} <= {t.english for t in TERMS}
    renderings = {}
    for term in TERMS:  # one rendering per English item, and no rendering is avoided
        assert renderings.setdefault(term.english.lower(), term.chinese) == term.chinese
        assert not any(v == term.chinese for t in TERMS for v in t.avoid), term


def test_no_translation_uses_an_avoided_rendering():
    found = [f"{page}: {', '.join(bad)}: {m.string[:60]!r}"
             for page, m in _messages() if (bad := avoided_renderings(m.string))]
    assert not found, "see book/glossary.md:\n" + "\n".join(found)


def test_each_term_is_rendered_the_glossarys_way():
    found, excused = [], set()
    for page, m in _messages():
        for term in missing_renderings(m.id, m.string):
            key = next((k for k in NOT_THE_TERM if k[0] == page and term.startswith(repr(k[1]))
                        and m.id.startswith(k[2])), None)
            if key:
                excused.add(key)
            else:
                found.append(f"{page}: {term}: {m.id[:60]!r}")
    assert not found, "see book/glossary.md:\n" + "\n".join(found)
    assert excused == set(NOT_THE_TERM), f"stale entries: {set(NOT_THE_TERM) - excused}"


def test_the_glossary_page_shows_its_table_in_chinese_as_written():
    """The Chinese edition's glossary shows the same terms: the cells of the 中文 and Not
    used columns, and the English terms, are translated as themselves."""
    path = edition.catalog_path(LANGUAGE, "book/glossary")
    with path.open("rb") as f:
        catalog = {m.id: m for m in babel.read_po(f, locale=LANGUAGE) if m.id}
    cells = {cell for row in ROWS for cell in row[:3] if cell}
    changed = [c for c in cells if c in catalog and catalog[c].string != c]
    assert not changed, changed


#: a space between two Chinese characters or punctuation marks ("的 铰链损失"): Chinese
#: text has none (a space goes between Chinese and Latin text, code or math only)
STRAY_SPACE = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef] +[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")


def test_no_stray_space_inside_chinese_text():
    found = [f"{page}: {m.string[max(0, s.start() - 20):s.end() + 20]!r}"
             for page, m in _messages() if (s := STRAY_SPACE.search(m.string))]
    assert not found, "\n".join(found)
    assert STRAY_SPACE.search("间隔为 0.8 的 铰链损失") and not STRAY_SPACE.search("间隔为 0.8 的铰链损失")


def test_each_page_glosses_ulp_once_where_it_first_uses_it():
    uses: dict[str, list[str]] = {}
    for page, m in _messages():
        if re.search(r"\bulp\b", prose(m.string)):
            uses.setdefault(page, []).append(m.string)
    for page, strings in uses.items():
        glossed = [i for i, s in enumerate(strings) if ULP_GLOSS in s]
        assert glossed == [0], f"{page}: gloss 'ulp' once, at its first use, as {ULP_GLOSS!r}"


def test_the_term_checks_catch_a_planted_variant():
    """The checks above would fail on a catalog with these translations."""
    english = "Each batch of similar pairs, one float32 step apart, in a fresh kernel."
    good = "每个批次中的相似样本对相差一个 ulp，位于全新内核中。"
    assert avoided_renderings(good) == [] and missing_renderings(english, good) == []
    assert avoided_renderings("每批中的相似样本对") != []          # 批 for batch
    assert avoided_renderings("每个批次中的相似的样本对") != []    # 相似的样本对
    assert avoided_renderings("相差一个 float32 步长") != []
    assert avoided_renderings("Paddle 的文档写作“Tensor”") == []  # a mention, quoted
    assert avoided_renderings("沿batch 维求均值") != []  # English next to Chinese, no space
    assert missing_renderings(english, "每个 batch 中的相似样本对相差一个 ulp，位于全新内核中。")
    assert missing_renderings(english, "每个批次中的相似样本对相差一个步长，位于全新内核中。")
    # code is not prose: `batch` in code, a glue key or a citation key are not terms
    english, chinese = "Call `batch(x)`; see {cite}`hinge-loss`.", "调用 `batch(x)`；见 {cite}`hinge-loss`。"
    assert missing_renderings(english, chinese) == []
    # a longer term is checked as itself: "batch size" stays in English
    assert missing_renderings("the batch size", "batch size") == []

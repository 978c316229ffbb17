"""The book's editions: English (the text as written) and Chinese (``zh_CN``), built from
the same notebooks and stored outputs; the prose of the Chinese edition comes from the
gettext catalogs ``book/locales/zh_CN/LC_MESSAGES/book/<page>.po``.

- ``python -m embedbook edition build zh_CN`` builds that edition strictly (as
  ``make book`` builds the English one) into ``_build/zh_CN/html`` and copies it into
  the English site's folder ``_build/html/zh`` (``make book`` runs this after the
  English build);
- ``python -m embedbook edition catalogs zh_CN`` extracts the English text (Sphinx's
  gettext builder) and updates that language's catalogs from it (``make
  translations``): a new sentence gets an empty entry, an edited one keeps its old
  translation marked fuzzy (a translator's hint; the build shows the English until
  the entry is translated and the fuzzy mark removed), a removed one is dropped, and
  a sentence that moved from another page keeps its translation.

The Sphinx side (what is translated, glue in translated prose, the language switch)
is ``_ext/edition.py``.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "_build"
LOCALES = ROOT / "book" / "locales"
#: language code -> the edition's folder in the site
FOLDERS = {"zh_CN": "zh"}


def _sphinx(builder: str, outdir: Path, **overrides: object) -> int:
    """Build the book as ``jupyter-book build . -W -n --keep-going`` does, with Sphinx
    settings overridden; returns Sphinx's status (0 when clean). The build runs in a
    fresh Python process: sphinx-external-toc looks through every object of its process
    (``gc.get_objects()``, to disable Sphinx's own toctree collector), which fails on
    what earlier builds or tests left there (a dead weak proxy: ``ReferenceError``)."""
    import json
    import subprocess
    import sys

    code = ("import json, sys; from pathlib import Path; from embedbook.edition import _sphinx_here; "
            "sys.exit(_sphinx_here(sys.argv[1], Path(sys.argv[2]), **json.loads(sys.argv[3])))")
    return subprocess.run([sys.executable, "-c", code, builder, str(outdir), json.dumps(overrides)],
                          cwd=ROOT, check=False).returncode


def _sphinx_here(builder: str, outdir: Path, **overrides: object) -> int:
    """:func:`_sphinx`, in this process."""
    from jupyter_book.sphinx import build_sphinx

    confoverrides = {"external_toc_path": str(ROOT / "_toc.yml"), "latex_individualpages": False,
                     "nitpicky": True, **overrides}
    # Doctrees of their own: the English build's (_build/.doctrees) are of another builder
    # or language, and Sphinx refuses to mix them.
    result = build_sphinx(ROOT, outdir, doctreedir=outdir.with_name(f"{outdir.name}.doctrees"),
                          noconfig=True, path_config=str(ROOT / "_config.yml"),
                          confoverrides=confoverrides, builder=builder, warningiserror=True,
                          keep_going=True, freshenv=True)
    return result if isinstance(result, int) else 1


def build(language: str) -> int:
    """Build the edition of ``language`` into ``_build/<language>/html``, then copy it to
    ``_build/html/<folder>``. Returns 0 when the strict build is clean."""
    out = BUILD / language / "html"
    shutil.rmtree(out, ignore_errors=True)  # a clean build: an incremental one misses static files
    status = _sphinx("html", out, language=language)
    if status == 0:
        site = BUILD / "html" / FOLDERS[language]
        shutil.rmtree(site, ignore_errors=True)
        shutil.copytree(out, site)
        print(f"Edition {language}: file://{site}/index.html")
    return status


def extract(outdir: Path = BUILD / "gettext") -> dict[str, Path]:
    """Extract the English text into ``.pot`` templates; returns ``{page: template}``
    (``book/cosine`` -> ``outdir/book/cosine.pot``)."""
    shutil.rmtree(outdir, ignore_errors=True)
    if _sphinx("gettext", outdir) != 0:
        raise RuntimeError("the gettext extraction had warnings or errors (see above)")
    return {str(p.relative_to(outdir).with_suffix("")): p for p in sorted(outdir.rglob("*.pot"))}


def catalog_path(language: str, page: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{page}.po"


def update_catalogs(language: str) -> None:
    """Bring every catalog of ``language`` in line with a fresh extraction."""
    from babel.messages.pofile import read_po, write_po

    templates = extract()
    memory = _translation_memory(language)
    for page, pot in templates.items():
        with pot.open("rb") as f:
            template = read_po(f)
        path = catalog_path(language, page)
        if path.exists():
            with path.open("rb") as f:
                catalog = read_po(f, locale=language)
            created = catalog.creation_date
            catalog.update(template)
            catalog.creation_date = created  # no change of date without a change of text
        else:
            catalog = template
            catalog.locale = language
        catalog.project, catalog.fuzzy = "embedloss book", False
        catalog.header_comment = (f"# {language} translation of the page {page} of the embedloss book.\n"
                                  "# `make translations` refreshes it from the English text (README).")
        for message in catalog:  # a sentence moved from another page keeps its translation
            if message.id and not message.string and message.id in memory:
                message.string = memory[message.id]
            _drop_stale_comments(message)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, catalog, width=0, no_location=True, omit_header=False,
                     ignore_obsolete=True, include_previous=True)
        left = sum(1 for m in catalog if m.id and (not m.string or m.fuzzy))
        print(f"{path.relative_to(ROOT)}: {len([m for m in catalog if m.id])} messages, "
              f"{left} to translate")
    for path in (LOCALES / language / "LC_MESSAGES").rglob("*.po"):
        page = str(path.relative_to(LOCALES / language / "LC_MESSAGES").with_suffix(""))
        if page not in templates and path.name != "sphinx.po":
            path.unlink()
            print(f"{path.relative_to(ROOT)}: removed (no such page)")


def _drop_stale_comments(message: Any) -> None:
    """A finished entry keeps no old English: Babel writes a fuzzy entry's previous msgid
    as wrapped ``#|`` lines and reads the wrapped ones back as translator comments
    (``# | ...``, and single words cut off such lines), which then pile up at each
    refresh. A translator's own comment (words with spaces between) stays."""
    message.user_comments = [c for c in message.user_comments if not c.startswith("|") and " " in c.strip()]
    if not message.fuzzy:
        message.previous_id = ()


def _translation_memory(language: str) -> dict[str, str]:
    """Every finished translation of the language's catalogs, by English text."""
    from babel.messages.pofile import read_po

    memory: dict[str, str] = {}
    for path in sorted((LOCALES / language / "LC_MESSAGES").rglob("*.po")):
        with path.open("rb") as f:
            for message in read_po(f, locale=language):
                if message.id and message.string and not message.fuzzy:
                    memory.setdefault(message.id, message.string)
    return memory


def main(argv: list[str]) -> int:
    usage = "usage: python -m embedbook edition build|catalogs LANGUAGE"
    if len(argv) != 2 or argv[0] not in ("build", "catalogs") or argv[1] not in FOLDERS:
        print(usage)
        return 2
    if argv[0] == "build":
        return build(argv[1])
    update_catalogs(argv[1])
    return 0

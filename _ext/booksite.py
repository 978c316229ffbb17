"""Sphinx extension for this book's site (loaded through `_config.yml`, `local_extensions`).

Five things, each small:

- MathJax served from the site itself. Sphinx loads MathJax 3 from a CDN by default;
  with no network (CI, a reader offline) every formula stays raw TeX.
  The pinned PyPI package `django-static-mathjax` ships MathJax's `es5` files (no Django
  needed: it is only files); they are copied into `_static/mathjax/` and `mathjax_path`
  points there. Without the package the site falls back to the CDN (and the browser
  test, offline, fails on the formulas it cannot typeset).
- No dead buttons: while `repository: url:` in `_config.yml` is still the placeholder
  (a local build; the Pages workflow puts in the real repository), the repository,
  edit, issue and launch buttons are left out, since each would lead to a page that
  does not exist. The .ipynb download button stays: it needs no home.
- Each page's inline scripts once: Sphinx 7.4 repeats sphinx-thebe's `const`
  declarations, a JavaScript error in every page's console.
- "Bases:" in the API reference without embedloss's private mixins.
- The directive ``{notebook-provenance}``: a table, read at build time from each
  notebook's metadata (written by ``python -m embedbook execute``), of the
  versions and execution time that produced its stored outputs.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

MATHJAX_PACKAGE = "django-static-mathjax"   # PyPI name; it installs the module `mathjax`
MATHJAX_ENTRY = "tex-mml-chtml.js"          # the bundle Sphinx's CDN default also loads
PLACEHOLDER = "/OWNER/"
VERSIONS = (("python", "Python"), ("torch", "torch"), ("paddlepaddle", "paddlepaddle"),
            ("numpy", "numpy"), ("jupyter-book", "jupyter-book"))


# --- MathJax, offline -------------------------------------------------------------------

def _mathjax_es5():
    """MathJax's es5 folder from the installed package, or None."""
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.origin:
        return None
    es5 = Path(spec.origin).parent / "static" / "mathjax" / "es5"
    return es5 if (es5 / MATHJAX_ENTRY).is_file() else None


def _use_local_mathjax(app, config):
    if _mathjax_es5() is None:
        # Not a warning (a strict build would stop): the site still works online, from
        # the CDN; the browser test, offline, reports the formulas it cannot typeset.
        logger.info(f"booksite: `{MATHJAX_PACKAGE}` is not installed; MathJax will load from "
                    f"its CDN, and formulas stay raw TeX without a network")
        return
    config.mathjax_path = f"mathjax/{MATHJAX_ENTRY}"


def _copy_mathjax(app, exc):
    if exc is not None or app.builder.format != "html":
        return
    es5, dest = _mathjax_es5(), Path(app.outdir) / "_static" / "mathjax"
    if es5 is None:
        shutil.rmtree(dest, ignore_errors=True)  # no stale copy that the pages do not use
        return
    entry = dest / MATHJAX_ENTRY
    if entry.is_file() and entry.stat().st_size == (es5 / MATHJAX_ENTRY).stat().st_size:
        return
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    shutil.copy2(es5 / MATHJAX_ENTRY, dest / MATHJAX_ENTRY)
    # What the bundle loads on demand: fonts, TeX extensions (autoload), the menu, a11y.
    for sub in ("input", "output", "ui", "a11y", "adaptors", "sre"):
        if (es5 / sub).is_dir():
            shutil.copytree(es5 / sub, dest / sub)


# --- Theme: buttons only with a real home, scripts ---------------------------------------

def _theme_options(app, config):
    options = config.html_theme_options
    url = options.get("repository_url", "")
    if PLACEHOLDER in url:
        # No public home: no button may point at it. (sphinx-book-theme shows the
        # launch buttons only for a repository URL, and the others only when asked.)
        options.pop("repository_url", None)
        options.pop("launch_buttons", None)
        for button in ("use_repository_button", "use_edit_page_button", "use_issues_button",
                       "use_source_button"):
            options[button] = False


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    """Drop repeated inline scripts. Sphinx 7.4 lists an inline script that an extension
    adds after the builder starts (sphinx-thebe's `const THEBE_JS_URL = ...`) twice, and
    the second `const` is a SyntaxError in every page's console."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = (getattr(script, "filename", script) or "", repr(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


# --- Provenance of the stored outputs ---------------------------------------------------

def _cell(text, literal=False):
    entry = nodes.entry()
    para = nodes.paragraph()
    para += nodes.literal(text=text) if literal else nodes.Text(text)
    entry += para
    return entry


def _table(header, rows):
    table = nodes.table(classes=["notebook-provenance"])
    group = nodes.tgroup(cols=len(header))
    table += group
    group.extend(nodes.colspec(colwidth=1) for _ in header)
    head, body = nodes.thead(), nodes.tbody()
    group += head
    group += body
    row = nodes.row()
    row.extend(_cell(h) for h in header)
    head += row
    for cells in rows:
        row = nodes.row()
        row.extend(cells)
        body += row
    return table


class NotebookProvenance(SphinxDirective):
    """Read from the metadata of each notebook of the table of contents.

    ``:table: times`` (default): one row per notebook, the seconds its execution took.
    ``:table: versions``: one row per package, its version, and which notebooks ran
    with it ("all" when they agree, as they should).
    ``:table: machine``: one row per notebook, the machine that executed it: CPU, the
    vector ISA torch dispatched to, threads, date and git commit.
    ``:table: verified``: the CPUs on which ``make test`` re-runs every notebook with
    nbval: the machine's own, and the model it emulates (``EMULATED_CPU``).
    """

    has_content = False
    option_spec = {"table": lambda arg: directives.choice(arg, ("times", "versions", "machine",
                                                                 "verified"))}

    def run(self):
        records = []  # (docname, filename, metadata) in toc order
        for docname in self._toc_docnames():
            path = Path(self.env.doc2path(docname))
            if path.suffix != ".ipynb" or not path.is_file():
                continue
            self.env.note_dependency(str(path))
            meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("embedloss", {})
            records.append((docname, path.name, meta))
        if not records:
            return [nodes.paragraph(text="No notebook in the table of contents yet.")]
        kind = self.options.get("table", "times")
        if kind == "verified":
            from embedbook.emulated import EMULATED_CPU, EMULATOR
            from embedbook.provenance import cpu_model

            # make test builds this site first, on the machine of its native pass
            native = f"the CPU of the machine that runs it (this site was built on: {cpu_model()})"
            return [_table(["Pass of make test", "CPU", "How"], [
                [_cell("1. native"), _cell(native),
                 _cell("nbval in a kernel of the venv's Python")],
                [_cell("2. emulated"), _cell(EMULATED_CPU, literal=True),
                 _cell(f"nbval in a kernel started under {EMULATOR} -cpu {EMULATED_CPU}")]])]
        if kind == "machine":
            rows = []
            for docname, name, meta in records:
                m = meta.get("machine", {})
                rows.append([self._link(docname, name), *(
                    _cell(str(m.get(k)) if m.get(k) is not None else "not recorded")
                    for k in ("cpu", "torch_cpu_capability", "threads", "date", "commit"))])
            return [_table(["Notebook", "CPU", "torch ISA", "Threads", "Date", "Commit"], rows)]
        if kind == "times":
            rows = []
            for docname, name, meta in records:
                seconds = meta.get("execution", {}).get("seconds")
                rows.append([self._link(docname, name),
                             _cell(f"{seconds:.1f} s" if seconds is not None else "not recorded")])
            return [_table(["Notebook", "Executed in"], rows)]
        recorded = [(name, meta["versions"]) for _, name, meta in records if meta.get("versions")]
        rows = []
        for key, label in VERSIONS:
            by_value = {}
            for name, versions in recorded:
                by_value.setdefault(versions.get(key) or "not installed", []).append(name)
            for value, names in sorted(by_value.items()):
                who = "all" if len(names) == len(records) else ", ".join(names)
                rows.append([_cell(label), _cell(value, literal=True), _cell(who)])
        result = [_table(["Package", "Version", "Notebooks"], rows)] if rows else []
        missing = [name for _, name, meta in records if not meta.get("versions")]
        if missing:
            para = nodes.paragraph()
            para += nodes.Text("Not recorded for " + ", ".join(missing)
                               + ": executed before versions were recorded; ")
            para += nodes.literal(text="make notebooks")
            para += nodes.Text(" records them.")
            result.append(para)
        return result

    def _link(self, docname, name):
        ref = addnodes.pending_xref("", refdomain="std", reftype="doc", reftarget="/" + docname,
                                    refexplicit=True, refwarn=True)
        ref += nodes.literal(text=name)
        para = nodes.paragraph()
        para += ref
        entry = nodes.entry()
        entry += para
        return entry

    def _toc_docnames(self):
        """The pages of `_toc.yml`, in its order."""
        toc = Path(self.env.srcdir) / "_toc.yml"
        self.env.note_dependency(str(toc))
        from embedbook.toc import toc_entries

        return [n for n in toc_entries(self.env.srcdir) if n in self.env.found_docs]


# --- API reference ------------------------------------------------------------------------

def _public_bases(app, name, obj, options, bases):
    """"Bases:" lists public classes only (`torch.nn.Module`, `paddle.nn.Layer`): a mixin
    from a private module of embedloss is a detail of the code, with no page to link to."""
    bases[:] = [b for b in bases
                if not any(part.startswith("_") for part in getattr(b, "__module__", "").split("."))]


def _add_static(app, config):
    config.html_static_path.append(str(Path(__file__).parent / "static"))


def setup(app):
    app.connect("config-inited", _add_static)
    app.add_css_file("booksite.css")
    app.connect("config-inited", _use_local_mathjax)
    app.connect("config-inited", _theme_options)
    app.connect("html-page-context", _dedupe_scripts)
    app.connect("build-finished", _copy_mathjax)
    app.add_directive("notebook-provenance", NotebookProvenance)
    app.connect("autodoc-process-bases", _public_bases)
    # Bump env_version when a change here alters what pages read: Sphinx then re-reads them all.
    return {"version": "3", "env_version": 4, "parallel_read_safe": True, "parallel_write_safe": True}

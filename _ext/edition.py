"""Sphinx extension: the book in a second language, from the same notebooks.

Loaded through `_config.yml` (`local_extensions`). The English edition is the book as
written; another edition is the same sources built with ``language`` set (see
``embedbook.edition``), its prose taken from the gettext catalogs in
``book/locales/<language>/LC_MESSAGES/``. Four things:

- **What is translated.** Code, outputs and docstrings stay as executed and written
  (English): text inside a notebook cell's output (its figure captions excepted) and
  the API reference's docstrings are marked not translatable, so the catalogs hold the
  book's prose only, and nbval's verified outputs serve both editions.
- **Glued values in translated prose.** Sphinx parses each translated paragraph as a
  small document of its own, which has no glue data: a ``{glue:text}`` role there
  could not find its key. Here such a role reads the key from its page's glue file
  instead (MyST-NB's cross-page form, ``page.ipynb::key``).
- **The language switch.** Every page of each edition links to the same page in the
  other (``EDITIONS``: the English site at the root, the others in a folder each), and
  names it in ``<link rel="alternate" hreflang>``.
- **Per-language settings.** The title, the toggle hint and the folded cells' prompts
  of each edition (``EDITIONS``), applied when the build's ``language`` is set.
"""
from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxTransform

#: language code -> (folder of its edition in the site, name in its own language,
#: the book's title, sphinx-togglebutton's hint, MyST-NB's prompts of a folded cell).
#: English is the root edition.
EDITIONS = {
    "en": ("", "English", None, None, None),
    "zh_CN": ("zh", "简体中文", "嵌入损失函数：逐一实测", "点击显示",
              ("显示代码单元格", "隐藏代码单元格")),
}


class KeepOutputsAndDocstringsUntranslated(SphinxTransform):
    """Mark the text of cell outputs and of autodoc entries as not translatable.

    Runs before Sphinx's Locale transform (priority 20), so the gettext builder does not
    extract them and a translated build does not replace them."""

    default_priority = 10

    def apply(self, **kwargs):
        for container in self.document.findall(nodes.container):
            if "cell_output" in container.get("classes", ()):
                self._untranslatable(container)
        for desc in self.document.findall(addnodes.desc):
            self._untranslatable(desc)
        for node in self.document.findall(nodes.TextElement):  # a module's docstring
            if ":docstring of " in (node.source or ""):
                node["translatable"] = False

    @staticmethod
    def _untranslatable(tree):
        for node in tree.findall(nodes.TextElement):
            if isinstance(node, nodes.caption) or any(
                    isinstance(a, nodes.caption) for a in _ancestors(node)):
                continue  # a figure's caption is prose
            node["translatable"] = False


def _ancestors(node):
    while node.parent is not None:
        node = node.parent
        yield node


def _glue_from_page_file(role_class, with_format):
    """Wrap a MyST-NB glue role: without the page's glue data (a translated paragraph),
    read the key from the page's glue file, as ``/<page>.ipynb::<key>``. (A text role's
    key then needs its format spelled out: ``page::key`` alone would be read as the key
    ``page:`` with the format ``key``.)"""
    run = role_class.run

    def run_with_fallback(self):
        env = getattr(self.document.settings, "env", None)
        if ("nb_renderer" not in self.document and env is not None and "::" not in self.text
                and env.docname and str(env.doc2path(env.docname)).endswith(".ipynb")):
            spec = ":s" if with_format and ":" not in self.text else ""
            self.text = f"/{env.docname}.ipynb::{self.text}{spec}"
        return run(self)

    role_class.run = run_with_fallback


def _language(app):
    return app.config.language or "en"


def _edition_settings(app, config):
    _, _, title, hint, prompts = EDITIONS.get(config.language or "en", EDITIONS["en"])
    if title:
        config.html_title = title
    if hint:
        config.togglebutton_hint = hint
    if prompts:
        config.nb_code_prompt_show, config.nb_code_prompt_hide = prompts


def _language_switch(app, pagename, templatename, context, doctree):
    """A link to this page in every other edition, at the top of the article."""
    if app.builder.format != "html":
        return
    here = _language(app)
    up = context["pathto"]("index").rsplit("index.html", 1)[0]  # this edition's root, relative
    root = up + ("../" if EDITIONS[here][0] else "")  # the site's root (English edition)
    links, alternates = [], []
    for code, (folder, name, *_) in EDITIONS.items():
        if code == here:
            continue
        href = f"{root}{folder + '/' if folder else ''}{pagename}.html"
        lang = code.replace("_", "-")
        links.append(f'<a class="edition-switch" href="{href}" hreflang="{lang}" lang="{lang}">'
                     f'{name}</a>')
        alternates.append(f'<link rel="alternate" hreflang="{lang}" href="{href}" />')
    context["body"] = (f'<div class="edition-switch" role="navigation" aria-label="Language">'
                       f'{" ".join(links)}</div>\n' + context.get("body", ""))
    context["metatags"] = context.get("metatags", "") + "\n".join(alternates)


def setup(app):
    from myst_nb.ext.glue.roles import PasteMarkdownRole, PasteRoleAny, PasteTextRole

    for role_class in (PasteRoleAny, PasteMarkdownRole):
        _glue_from_page_file(role_class, with_format=False)
    _glue_from_page_file(PasteTextRole, with_format=True)
    app.add_transform(KeepOutputsAndDocstringsUntranslated)
    app.add_css_file("edition.css")
    app.connect("config-inited", _edition_settings)
    app.connect("html-page-context", _language_switch)
    return {"version": "1", "env_version": 1, "parallel_read_safe": True,
            "parallel_write_safe": True}

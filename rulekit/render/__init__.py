"""Policy documents rendered from a rule file: ``render_document(program, "html", "en-GB")``.

The IR becomes a worded view-model (:mod:`rulekit.render.context`), which Jinja2
templates shipped in ``rulekit/templates`` lay out as Markdown or standalone HTML. A
folder passed as ``templates_dir`` overrides any template of the same name.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from rulekit import ir
from rulekit.errors import OutputError
from rulekit.render import context, i18n
from rulekit.render.formatting import LOCALES, Formatter, UnknownLocaleError, resolve_locale
from rulekit.render.model import Document
from rulekit.render.words import bound, currency_of

__all__ = [
    "FORMATS",
    "LOCALES",
    "UnknownFormatError",
    "UnknownLocaleError",
    "build_document",
    "render_document",
    "resolve_locale",
]

# Output format -> the template that renders it.
FORMATS: dict[str, str] = {"md": "document.md.j2", "html": "document.html.j2"}


class UnknownFormatError(OutputError):
    """The requested output format is not one rulekit renders."""


class _Raw(str):
    """Text a Markdown template has already escaped or formatted on purpose."""

    __slots__ = ()


def build_document(program: ir.Program, locale: str) -> Document:
    """The worded view-model of ``program`` for ``locale`` (``en-US``, ``en-GB``, ``de-DE``;
    ``de`` and ``de_DE`` are accepted too, see :func:`resolve_locale`)."""
    locale = resolve_locale(locale)
    plan = bound(program)
    formatter = Formatter(locale, currency_of(program, plan))
    with i18n.active(locale):
        return context.build(program, plan, formatter)


def render_document(program: ir.Program, fmt: str, locale: str, templates_dir: str | Path | None = None) -> str:
    """Render ``program`` as ``md`` or ``html`` for ``locale``; deterministic (no timestamps).

    Raises :class:`UnknownFormatError` or :class:`UnknownLocaleError` for bad options,
    and :class:`jinja2.TemplateError` when an override template is broken.
    """
    if fmt not in FORMATS:
        raise UnknownFormatError(f"unknown format `{fmt}`; expected one of {', '.join(FORMATS)}")
    locale = resolve_locale(locale)
    document = build_document(program, locale)
    template = _environment(fmt, templates_dir).get_template(FORMATS[fmt])
    with i18n.active(locale):
        text = template.render(doc=document)
    return text.rstrip("\n") + "\n"


def _environment(fmt: str, templates_dir: str | Path | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(templates_dir)))
    loaders.append(jinja2.PackageLoader("rulekit", "templates"))
    html = fmt == "html"
    # Sandboxed: a templates folder is not trusted code. `{{ ''.__class__.__mro__ }}` and the
    # like raise jinja2.SecurityError instead of reaching Python internals; immutable: a
    # template cannot change the document model either.
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=None if html else _markdown_finalize,
        extensions=["jinja2.ext.i18n"],
    )
    # `{{ _("…") }}` and `{% trans %}` translate the templates' own prose (rulekit.render.i18n).
    env.install_gettext_callables(i18n._, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["prose"] = _prose
    env.filters["md"] = md_escape
    env.filters["cell"] = md_cell
    env.filters["code"] = html_code if html else md_code
    return env


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>#|~"})
# Block markers at the start of a value: list items (`- `, `+ `, `1. `, `1) `) and rules or
# setext underlines (`---`, `===`). `#` (headings) and `>` (quotes) are escaped everywhere.
_LEADING_MARK = re.compile(r"^([-+=])")
_LEADING_NUMBER = re.compile(r"^(\d+)([.)])(?=\s|$)")


def md_escape(value: object) -> str:
    """Escape rule-file text so it cannot become Markdown structure: inline markup
    characters, block markers at its start, and line breaks (it is prose: one paragraph
    line, so `"# Fake heading"` in a description stays text)."""
    if isinstance(value, _Raw | Markup):
        return str(value)
    text = " ".join(str(value).split()) if "\n" in str(value) or "\r" in str(value) else str(value)
    text = text.translate(_MD_SPECIAL)
    text = _LEADING_NUMBER.sub(r"\1\\\2", _LEADING_MARK.sub(r"\\\1", text))
    return _Raw(text)


def md_cell(value: object) -> str:
    """Escape a table cell (:func:`md_escape` escapes the pipe that would split the cell)."""
    return md_escape(value)


def html_code(value: object) -> Markup:
    """An HTML ``<code>`` element around escaped text (safe to pass into a translated sentence)."""
    return Markup("<code>{}</code>").format(value)


def _prose(value: object) -> str:
    """Template prose already formatted on purpose (a translated sentence with code spans)."""
    return _Raw(str(value))


def md_code(value: object) -> str:
    """A Markdown code span; code spans take no escapes, so pick a fence the text lacks."""
    text = str(value)
    fence = "``" if "`" in text else "`"
    return _Raw(f"{fence}{text}{fence}")


def _markdown_finalize(value: object) -> str:
    """Every ``{{ … }}`` in a Markdown template is escaped unless a filter already did it."""
    return md_escape(value)

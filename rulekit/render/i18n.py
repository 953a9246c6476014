"""Translation of document prose: one gettext catalogue per language, read with Babel.

Every fixed piece of prose a document shows goes through :func:`_` (or :func:`ngettext`
for a count) in Python and ``{{ _("…") }}`` / ``{% trans %}`` in the templates, with
named placeholders so a translation may reorder them::

    from rulekit.render.i18n import _

    _("The program is open to {participants}.").format(participants=words.plural_participant)

The catalogues are ``rulekit/locale/<language>/LC_MESSAGES/rulekit.po``, read at run time
with Babel's ``read_po`` (no compiled ``.mo`` file to keep in step); English is the
source language and has none. ``scripts/extract_messages.sh`` lists every message the
code uses, and ``tests/test_i18n.py`` fails when one has no translation. Text the policy
author wrote in the rule file (labels, notes, descriptions, terms) is never translated.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from importlib import resources
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "rulekit"

# The translations in use while a document is built (English, the source, when none).
_ACTIVE: ContextVar[gettext.NullTranslations | None] = ContextVar("rulekit_translations", default=None)
_SOURCE = gettext.NullTranslations()


def catalogue_path(language: str) -> resources.abc.Traversable:
    """Where the catalogue of ``language`` (``de``) lives inside the package."""
    return resources.files("rulekit").joinpath("locale", language, "LC_MESSAGES", f"{DOMAIN}.po")


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The translations for a document locale (``de-DE`` reads the ``de`` catalogue);
    English and any language without a catalogue keep the source text."""
    path = catalogue_path(locale.split("-")[0].lower())
    if not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as source:
        catalogue = read_po(source, locale=locale.replace("-", "_"), domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalogue)  # in memory: gettext reads the compiled form
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@contextmanager
def active(locale: str) -> Iterator[None]:
    """Build a document in ``locale``: :func:`_` translates into it until the block ends."""
    token = _ACTIVE.set(translations(locale))
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def _(message: str) -> str:
    """``message`` in the language of the document being built."""
    return (_ACTIVE.get() or _SOURCE).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count``, in the document's language."""
    return (_ACTIVE.get() or _SOURCE).ngettext(singular, plural, count)


# Languages that write every noun with a capital letter; the rule file's English nouns
# ("account", "host") are used there as loanwords: "des Accounts", "jedes Hosts".
_CAPITAL_NOUNS = frozenset({"de"})


def language() -> str:
    """The language of the document being built (``de``); ``en``, the source, when none."""
    active = _ACTIVE.get()
    found = active.info().get("language", "") if active is not None else ""
    return found.split("_")[0] or "en"


def noun(word: str) -> str:
    """``word`` (a noun from the rule file) as the document's language writes a noun."""
    return word[:1].upper() + word[1:] if language() in _CAPITAL_NOUNS else word


def N_(message: str) -> str:  # noqa: N802 - the gettext convention `pybabel extract` looks for
    """Mark ``message`` for the catalogue without translating it (it is translated where used)."""
    return message

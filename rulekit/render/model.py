"""The view-model a document template renders: plain, typed, already worded.

Everything a reader sees that comes from the rule file — names, numbers, dates,
sentences built from expressions — is a string here, formatted for the locale. The
templates add only fixed wording and layout, so Markdown and HTML say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Fact:
    """One row of the "at a glance" table."""

    label: str
    value: str


@dataclass(frozen=True)
class Table:
    """A small table inside a section: a heading row and rows of cells."""

    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Item:
    """A titled block: a clause, a metric, a window or a reward, in sentences."""

    anchor: str
    title: str
    sentences: tuple[str, ...]
    description: str | None = None
    notes: tuple[str, ...] = ()
    table: Table | None = None


@dataclass(frozen=True)
class Example:
    """A worked example: the situation, the steps of the calculation, the outcome, and
    the conditions under which the outcome would be different."""

    title: str
    steps: tuple[str, ...]
    outcome: str
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """A top-level section: its anchor and heading (for the table of contents), an
    introduction, items, and loose sentences."""

    anchor: str
    title: str
    intro: tuple[str, ...] = ()
    items: tuple[Item, ...] = ()
    after: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()


@dataclass(frozen=True)
class Document:
    """A whole policy document."""

    name: str
    title: str
    locale: str
    description: str | None
    notes: tuple[str, ...]
    facts: tuple[Fact, ...]
    sections: tuple[Section, ...] = field(default=())

    def section(self, anchor: str) -> Section | None:
        return next((s for s in self.sections if s.anchor == anchor), None)

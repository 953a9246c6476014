"""Documents from untrusted text and templates (issue 14, item 5).

On 99a2949 `rulekit docs --templates DIR` ran templates in an unsandboxed Jinja
environment (a template could reach any Python object), and a Markdown description
`"# Fake heading"` became a top-level heading of the document.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from typer.testing import CliRunner

import rulekit.cli  # noqa: F401  (registers the commands)
from rulekit.cli.app import app
from rulekit.parser import parse
from rulekit.render import render_document

PROGRAM = """program spring:
  title: "{title}"
  market: US
  currency: USD
  timezone: "America/New_York"
  calendar: US
  description: "{description}"

table sellers:
  seller_id: string
  region: string
  key: seller_id

participant seller: sellers

eligible us_seller: region = "US"
  note: "{note}"
"""

ESCAPE = "{{ ''.__class__.__mro__[1].__subclasses__() }}"


def _program(title: str = "Spring", description: str = "Plain.", note: str = "Plain note.") -> str:
    return PROGRAM.format(title=title, description=description, note=note)


def test_template_escapes_are_refused(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "document.md.j2").write_text(ESCAPE + "\n", encoding="utf-8")
    program = parse(_program(), "x.rules").program
    with pytest.raises(jinja2.exceptions.SecurityError):
        render_document(program, "md", "en-US", templates)
    rules = tmp_path / "x.rules"
    rules.write_text(_program(), encoding="utf-8")
    result = CliRunner().invoke(app, ["docs", str(rules), "--templates", str(templates)])
    assert result.exit_code == 1
    assert "template error" in result.stderr
    assert "subclass" not in result.stdout  # nothing of Python's internals is printed


def test_markdown_user_text_cannot_create_structure() -> None:
    source = _program(title="1. Fake item", description="# Fake heading", note="- fake bullet | cell")
    text = render_document(parse(source, "x.rules").program, "md", "en-US")
    lines = text.splitlines()
    assert not any(line.startswith("# Fake") for line in lines)
    assert "\\# Fake heading" in text  # escaped: renders as the text `# Fake heading`
    assert not any(line.lstrip("> ").startswith("- fake") for line in lines)
    assert "fake bullet \\| cell" in text
    assert not any(line.startswith("1. Fake") for line in lines)


def test_html_user_text_is_escaped() -> None:
    source = _program(description="<script>alert(1)</script>")
    text = render_document(parse(source, "x.rules").program, "html", "en-US")
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text

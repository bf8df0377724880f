"""Render (template, context) into a message value: subject, plain text and HTML. No sending."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from definitions.calendar import human_date

TEMPLATES = Path(__file__).parent / "templates"

# One environment for the package: HTML autoescaped, undefined names are errors.
ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    # Templates ship with the code: compile each once, instead of a stat() per render.
    auto_reload=False,
)
ENV.filters["human_date"] = human_date


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


def one_line(text: str) -> str:
    """Collapse CR, LF and other control characters so a value cannot add mail headers."""
    return re.sub(r"[\x00-\x1f\x7f]+", " ", text).strip()


def render(kind: str, context: dict[str, Any]) -> RenderedMessage:
    """Render `<kind>_subject.txt`, `<kind>.txt` and `<kind>.html` with the same context."""
    subject = ENV.get_template(f"{kind}_subject.txt").render(context)
    return RenderedMessage(
        subject=one_line(subject)[:250],
        text=ENV.get_template(f"{kind}.txt").render(context),
        html=ENV.get_template(f"{kind}.html").render(context),
    )


def days_phrase(due: date, today: date) -> str:
    """'in 14 days', 'tomorrow', 'today', '1 day ago', '3 days ago'."""
    days = (due - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days > 1:
        return f"in {days} days"
    return f"{-days} day{'s' if days != -1 else ''} ago"

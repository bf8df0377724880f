"""Render (template, context) into a message value: subject, plain text and HTML. No sending."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateSyntaxError,
    select_autoescape,
)

from definitions.calendar import human_date
from definitions.language import gettext_for, translations, typeset
from definitions.meetings import MeetingView
from definitions.organisation import Voice
from definitions.spelling import closest

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=16)
def environment(templates: Path | None = None, locale: str = "en-GB") -> Environment:
    """The templates an organisation's mail and pages are made from: its own `templates/`
    folder first (a file there replaces Ladder's of the same name), then Ladder's, in its
    language (dates, `{% trans %}` phrases, `lang`). HTML is autoescaped and an undefined
    name is an error. One per (folder, locale), built once: each template compiles once,
    instead of a stat() per render."""
    folders = [templates, TEMPLATES] if templates else [TEMPLATES]
    env = Environment(
        loader=FileSystemLoader(folders),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.filters["human_date"] = lambda d: human_date(d, locale)
    env.filters["meeting_label"] = lambda meeting: meeting_label(meeting, locale)
    env.filters["first_upper"] = lambda text: text[:1].upper() + text[1:]
    env.globals["lang"] = locale  # <html lang>: the organisation's tag as written
    return env


def meeting_label(meeting: MeetingView, locale: str) -> str:
    """'Monday 30 March 2026 at 10:00 (BST)', in the organisation's language."""
    _ = gettext_for(locale)
    return _("{date} at {time} ({zone})").format(
        date=human_date(meeting.starts.date(), locale),
        time=f"{meeting.starts:%H:%M}",
        zone=meeting.zone,
    )


ENV = environment()  # Ladder's own templates, for a page no organisation words


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


def one_line(text: str) -> str:
    """Collapse CR, LF and other control characters so a value cannot add mail headers."""
    return re.sub(r"[\x00-\x1f\x7f]+", " ", text).strip()


def render(kind: str, context: dict[str, Any], voice: Voice) -> RenderedMessage:
    """Render `<kind>_subject.txt`, `<kind>.txt` and `<kind>.html` with the same context, in
    the organisation's voice: its templates, and `org_name` and `team_name` for them."""
    env = environment(voice.templates, voice.locale)
    context = {"org_name": voice.org_name, "team_name": voice.team_name, **context}
    subject = env.get_template(f"{kind}_subject.txt").render(context)

    def tidy(text: str) -> str:
        return typeset(text, voice.locale)

    return RenderedMessage(
        subject=tidy(one_line(subject))[:250],
        text=tidy(env.get_template(f"{kind}.txt").render(context)),
        html=tidy(env.get_template(f"{kind}.html").render(context)),
    )


def template_problems(templates: Path) -> list[str]:
    """What is wrong with an organisation's templates/ folder, one line each: a file that
    overrides none of Ladder's templates (a misspelt name would otherwise be ignored), or one
    that does not compile (with its line)."""
    ours = sorted(p.name for p in TEMPLATES.iterdir() if p.is_file())
    env = environment(templates)
    problems = []
    for path in sorted(p for p in templates.iterdir() if p.is_file()):
        if path.name not in ours:
            close = closest(path.name, ours)
            hint = f"did you mean {close}? " if close else ""
            problems.append(
                f"{path}: overrides no template of Ladder's; {hint}the names are: "
                + ", ".join(ours)
            )
            continue
        try:
            env.parse(path.read_text(encoding="utf-8"), name=path.name)
        except TemplateSyntaxError as exc:
            problems.append(f"{path}, line {exc.lineno}: {exc.message}")
        except UnicodeDecodeError:
            problems.append(f"{path}: not UTF-8 text; save it as UTF-8")
    return problems


def days_phrase(due: date, today: date, locale: str = "en-GB") -> str:
    """'in 14 days', 'tomorrow', 'today', '1 day ago', '3 days ago', '4 months ago', 'over 11
    years ago', in the language."""
    tr = translations(locale)
    days = (due - today).days
    if days == 0:
        return tr.gettext("today")
    if days == 1:
        return tr.gettext("tomorrow")
    if days > 1:
        return tr.ngettext("in %(n)s day", "in %(n)s days", days) % {"n": days}
    if days >= -60:
        return tr.ngettext("%(n)s day ago", "%(n)s days ago", -days) % {"n": -days}
    # Long overdue (a go-live backlog): a count of days stops meaning anything.
    if days > -730:
        months = -days // 30
        return tr.ngettext("%(n)s month ago", "%(n)s months ago", months) % {"n": months}
    years = -days // 365
    return tr.ngettext("%(n)s year ago", "over %(n)s years ago", years) % {"n": years}

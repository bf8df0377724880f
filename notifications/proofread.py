"""Reading a message as the person who gets it would, for what confuses or misleads: a
command line, an internal key or id, a title pasted after "Your" or "The" ("Your The
service's pathway"), an empty name, a reader asked to chase themselves, or a date's rule
written as algebra ("start 2026-01-05 + 3 calendar months = 2026-04-05").

Tests run it over every message the mail preview can make and over the demo's mail;
`ladder mail proofread FOLDER` runs it over a folder of sent mail (.eml)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_COMMAND = re.compile(r"`|\bladder (?:[a-z]+ ){1,2}|(?<![\w-])--[a-z][a-z-]+|YOUR-ID")
_KEY = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")  # snake_case: a YAML key
_DOUBLED = re.compile(r"\b(?:your|the|a|an) (?:the|a|an)\b", re.IGNORECASE)
# A "why this date" written as algebra: an ISO date, a sum, a range of dates with "..".
_LINK = re.compile(r"\b(?:https?://|mailto:|www\.)\S+")
_MACHINE_DATE = re.compile(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])")
_SUM = re.compile(r" [+=] |\d\.\.\d")
_EMPTY = (
    re.compile(r"\b(?:Dear|Hello|Bonjour)\s*,"),
    re.compile(r"\(\s*\)"),
    re.compile(r"\bNone\b"),
    re.compile(r"\bfor\s*(?:is|was|has)\b"),
    re.compile(r"\b(?:with|for|by|to)\s*[,.;]"),
)


@dataclass(frozen=True)
class Defect:
    what: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.what}: …{self.excerpt}…"


def _around(text: str, start: int, end: int) -> str:
    return " ".join(text[max(0, start - 40) : end + 40].split())


def defects(
    text: str,
    *,
    reader: str = "",
    keys: Iterable[str] = (),
    ids: Iterable[str] = (),
) -> list[Defect]:
    """What in `text` (a subject and body as the reader sees them) would confuse them.
    `reader` is their name; `keys` are the organisation's internal keys that must not show
    (team keys such as children-north); `ids` are roster ids."""
    found: list[Defect] = []

    # What the reader reads as words: links blanked out (a signed link's token may hold
    # anything), at the same length, so each finding's offsets point into `text`.
    prose = _LINK.sub(lambda link: " " * len(link.group()), text)

    def each(pattern: re.Pattern[str], what: str) -> None:
        for match in pattern.finditer(prose):
            found.append(Defect(what, _around(text, match.start(), match.end())))

    each(_COMMAND, "a command line")
    each(_MACHINE_DATE, "a date written for machines")
    each(_SUM, "a rule written as a sum")
    each(_KEY, "an internal key")
    each(_DOUBLED, "a title pasted after an article")
    for pattern in _EMPTY:
        each(pattern, "an empty name or value")
    words = [k for k in keys if k] + [i for i in ids if i]
    if words:
        each(
            re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, words)) + r")(?![\w-])"),
            "an id or key",
        )
    if reader:
        each(
            re.compile(r"\b(?:check with|ask|chase|remind) " + re.escape(reader) + r"\b"),
            "the reader asked to chase themselves",
        )
    return found

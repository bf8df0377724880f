"""Ladder's own words are all in its catalogues: every phrase of every template, and every
phrase Python marks with `_`, has a French translation with the same placeholders; and no
template holds words outside `_()` (they would stay English for a French organisation)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "notifications" / "templates"
CATALOGUES = sorted((ROOT / "definitions" / "locale").glob("*/LC_MESSAGES/ladder.po"))
JINJA = {"extensions": "jinja2.ext.i18n"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def _phrases() -> dict[str, tuple[str, ...]]:
    """Each phrase (singular msgid) with its forms, and where it was found."""
    found: dict[str, tuple[str, ...]] = {}
    sources = [
        (
            TEMPLATES,
            [("**.html", "jinja2.ext:babel_extract"), ("**.txt", "jinja2.ext:babel_extract")],
        ),
        *(
            (ROOT / layer, [("**.py", "python")])
            for layer in ("definitions", "tasks", "notifications", "flows")
        ),
    ]
    for folder, methods in sources:
        options = {pattern: JINJA for pattern, _ in methods}
        for _file, _line, message, _comments, _context in extract_from_dir(
            folder, methods, options
        ):
            forms = (message,) if isinstance(message, str) else tuple(message)
            found[forms[0]] = forms
    return found


def _placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def test_the_extractor_finds_the_phrases_of_mail_python_and_pages() -> None:
    phrases = _phrases()
    for known in (
        "Dear %(name)s,",
        "This certifies that",
        "{title} renewal",
        "Check a certificate",
    ):
        assert known in phrases, known
    assert len(phrases) > 150


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-3])
def test_every_phrase_has_a_translation_with_the_same_placeholders(po: Path) -> None:
    with po.open("rb") as handle:
        catalogue = read_po(handle)
    problems = []
    for msgid, forms in _phrases().items():
        entry = catalogue.get(msgid)
        strings = (
            ()
            if entry is None
            else (entry.string if isinstance(entry.string, tuple) else (entry.string,))
        )
        if not strings or not all(strings):
            problems.append(f"no translation: {msgid!r}")
            continue
        wanted = set().union(*(_placeholders(f) for f in forms))
        for string in strings:
            if _placeholders(string) - wanted or (
                len(strings) == 1 and _placeholders(string) != wanted
            ):
                problems.append(f"placeholders differ: {msgid!r} -> {string!r}")
    assert not problems, "\n".join(problems)


def _words_outside_phrases(source: str) -> list[str]:
    """What a reader would see of a template that is not inside `_()`: the template with its
    style, Jinja expressions and statements, and HTML tags removed; what is left must be
    punctuation, numbers, paths and spaces."""
    text = re.sub(r"<style>.*?</style>", " ", source, flags=re.DOTALL)
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", text, flags=re.DOTALL)
    text = re.sub(r"<!DOCTYPE[^>]*>|<[^>]+>", " ", text)
    text = re.sub(r"(?<![\w])/[\w./-]*", " ", text)  # a path shown as a link's text
    return re.findall(r"[^\W\d_]{2,}", text)


@pytest.mark.parametrize("template", sorted(TEMPLATES.iterdir()), ids=lambda p: p.name)
def test_no_template_holds_words_outside_its_phrases(template: Path) -> None:
    assert _words_outside_phrases(template.read_text()) == [], template.name


def test_the_word_check_fails_on_an_untranslated_word() -> None:
    assert _words_outside_phrases('<p>{{ _("Dear %(name)s,", name=n) }} Regards</p>') == ["Regards"]
    assert _words_outside_phrases("<style>p { color: red }</style>{{ x }}.") == []

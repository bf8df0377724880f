"""Ladder's own phrases in the organisation's language: gettext catalogues under
definitions/locale/<language>/LC_MESSAGES/ladder.po, read with Babel and compiled in
memory once per language (no generated .mo files in the repository). English is the
source text; a language with no catalogue gets English phrases (and its own dates)."""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = Path(__file__).parent / "locale"
DOMAIN = "ladder"


def language(locale: str) -> str:
    """The language of a BCP 47 tag: 'fr' for fr-CD, 'en' for en-GB."""
    return Locale.parse(locale, sep="-").language


@lru_cache(maxsize=16)
def translations(locale: str) -> gettext.NullTranslations:
    """The catalogue for `locale`'s language, or the English source text."""
    po = LOCALES / language(locale) / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.is_file():
        return gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language(locale), domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext_for(locale: str) -> Callable[[str], str]:
    """`_` for `locale`: the phrase in the organisation's language."""
    return translations(locale).gettext


# French elides "de" and "que" before a vowel: "de Anaïs" is "d’Anaïs", "que Élodie" is
# "qu’Élodie". Catalogues write "de %(name)s", so the elision is made once the names are in.
_FRENCH_ELISION = re.compile(r"\b([Dd]e|[Qq]ue) (?=[AEIOUYÀÂÉÈÊËÎÏÔÙÛaeiouyàâéèêëîïôùû])")


def typeset(text: str, locale: str) -> str:
    """`text` with the language's rules for joining words applied (French elision)."""
    if language(locale) == "fr":
        return _FRENCH_ELISION.sub(lambda m: m.group(1)[:-1] + "’", text)
    return text

"""Did-you-mean: the names closest to one somebody mistyped, for the fix an error offers."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(given: str, choices: Iterable[str]) -> str | None:
    """The one choice closest to `given` (a misspelt key, module, role or file), or None."""
    matches = difflib.get_close_matches(given, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def close_matches(given: str, choices: Iterable[str], n: int = 2) -> list[str]:
    """Up to `n` choices close to `given`, ignoring case (time zones, countries, locales:
    'africa/kinshasa' means Africa/Kinshasa)."""
    by_lower = {c.lower(): c for c in choices}
    found = difflib.get_close_matches(given.lower(), list(by_lower), n=n, cutoff=0.6)
    return [by_lower[f] for f in found]

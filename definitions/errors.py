"""Ladder's one error tree: every use case raises a `LadderError`, whose message is written
for the person who will read it (what was refused, why, and what to do instead).

Callers act on the kind, not on the concept it came from: the CLI prints any `LadderError`
and exits 1, a decision flow fails its run with the message, a task retries only
`Unavailable`. Nothing was written when one of these is raised inside a transaction.
"""

from __future__ import annotations


class LadderError(Exception):
    """Something Ladder will not or cannot do, said so a person can act on it."""


class NotFound(LadderError, LookupError):
    """A person, record or file named by the caller is not there (the message names it)."""


class Refused(LadderError):
    """A rule says no: the actor may not do this, or it was done already, or not yet."""


class BadInput(LadderError, ValueError):
    """A file, setting or form value that cannot be used: the message says where and the fix."""


class Misconfigured(LadderError):
    """Ladder is not set up for this yet (schema, signing key, a secret): the message says how."""


class Unavailable(LadderError):
    """A service Ladder needs (the mail server) cannot be reached now; trying later may work."""

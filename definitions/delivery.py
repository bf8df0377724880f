"""Delivery policy: when to try a temporarily refused message again, and when to give up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff for messages a server refused for now (4xx).

    A server that cannot be reached at all is not the message's fault: that is retried on the
    next run and does not count as an attempt here.
    """

    first_delay: timedelta = timedelta(minutes=5)
    longest_delay: timedelta = timedelta(hours=6)
    max_attempts: int = 12

    def next_attempt(self, attempts: int, now: datetime) -> datetime | None:
        """When to try again after `attempts` refusals, or None when it is time to give up."""
        if attempts >= self.max_attempts:
            return None
        delay: timedelta = min(self.first_delay * 2 ** max(0, attempts - 1), self.longest_delay)
        return now + delay

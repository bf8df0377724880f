"""Engines keep personal data out of error messages."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from storage.models import Service, Team, Worker

pytestmark = pytest.mark.integration


def test_a_failed_statement_does_not_quote_names_or_emails(engine) -> None:  # type: ignore[no-untyped-def]
    row = dict(
        external_id="W1",
        name="Nadia Nowak",
        email="nadia.nowak@example.org",
        role="nqsw",
        service_id=1,
        team_id=1,
        start_date=date(2026, 1, 31),
    )
    with engine.begin() as conn:
        conn.execute(insert(Service).values(id=1, key="adults", title="Adults"))
        conn.execute(insert(Team).values(id=1, key="east", service_id=1))
        conn.execute(insert(Worker).values(**row))
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        conn.execute(insert(Worker).values(**row))  # the same external id again
    assert "nadia.nowak@example.org" not in str(caught.value)
    assert "Nadia Nowak" not in str(caught.value)

"""Refresher sessions: a bad sessions file imports nothing and names every problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from training_world import TODAY, count, sessions_file

from definitions.roster import RosterError
from tasks.training.sessions import import_sessions

pytestmark = pytest.mark.integration


@pytest.mark.usefixtures("staffed")
def test_a_sessions_file_with_bad_rows_imports_nothing(
    tmp_path: Path, engine, organisation
) -> None:  # type: ignore[no-untyped-def]
    from storage.models import TrainingSession

    path = sessions_file(
        tmp_path / "sessions.csv",
        [
            ("first_aid", "2026-03-18", "09:00", "360", "North Hub", "North", "4"),
            ("first_aid", "2026-03-32", "9am", "0", "", "Northh", "lots"),
        ],
    )
    with Session(engine) as session, session.begin(), pytest.raises(RosterError) as caught:
        import_sessions(session, organisation, path, actor="test", today=TODAY)
    text = str(caught.value)
    for column in ("held_on", "starts_at", "minutes", "venue", "district", "capacity"):
        assert f"row 3, column {column}:" in text
    assert "use HH:MM (24-hour)" in text and "use one of Central, East, North, South, West" in text
    assert count(engine, TrainingSession) == 0

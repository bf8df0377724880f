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


@pytest.mark.usefixtures("staffed")
def test_a_session_at_a_time_the_clocks_skip_or_repeat_is_refused(
    tmp_path: Path, engine, organisation
) -> None:  # type: ignore[no-untyped-def]
    from storage.models import TrainingSession

    path = sessions_file(
        tmp_path / "sessions.csv",
        [
            ("first_aid", "2026-03-29", "00:30", "60", "North Hub", "North", "4"),
            ("first_aid", "2026-03-29", "01:30", "60", "North Hub", "North", "4"),
            ("first_aid", "2026-10-25", "01:15", "60", "North Hub", "North", "4"),
            ("first_aid", "2026-10-25", "02:00", "60", "North Hub", "North", "4"),
        ],
    )
    with Session(engine) as session, session.begin(), pytest.raises(RosterError) as caught:
        import_sessions(session, organisation, path, actor="test", today=TODAY)
    text = str(caught.value)
    assert (
        "row 3, column starts_at: 2026-03-29 01:30 does not exist (the clocks go forward) in "
        "Europe/London; choose a time before 01:00, or from 02:00"
    ) in text
    assert "row 4, column starts_at: 2026-10-25 01:15 happens twice (the clocks go back)" in text
    assert "row 2," not in text and "row 5," not in text  # 00:30 and 02:00 are real times
    assert count(engine, TrainingSession) == 0

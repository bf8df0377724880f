"""Fixtures for the ASYE use-case tests: the sample roster, imported on 2026-01-05."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine

from definitions.organisation import Organisation


@pytest.fixture
def roster(engine: Engine, organisation: Organisation, import_roster_file: Any) -> Engine:
    import_roster_file(engine, organisation, as_of=date(2026, 1, 5))
    return engine

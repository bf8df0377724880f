"""Which databases the tests run on, and where PostgreSQL is (shared by conftest and the
helpers that make databases of their own)."""

from __future__ import annotations

import os

PG_ADMIN_URL = os.environ.get(
    "LADDER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = [
    b.strip()
    for b in os.environ.get("LADDER_TEST_DATABASES", "sqlite,postgresql").split(",")
    if b.strip()
]

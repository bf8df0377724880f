"""`ladder db`: the database schema."""

from __future__ import annotations

from flows.cli.common import command_group, out, redact, settings
from storage.db import upgrade

app = command_group("The database schema.")


@app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest version."""
    config = settings()
    upgrade(config.database_url)
    out.print(f"database is up to date ({redact(config.database_url)})")

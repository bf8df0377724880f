"""The SMTP password kept as a Prefect Secret block: the one adapter to Prefect's blocks."""

from __future__ import annotations

from prefect.blocks.system import Secret


def read_secret_block(name: str) -> str | None:
    """The value of the Secret block `name` on the Prefect server, or None if it has none."""
    try:
        # Called from synchronous code, Secret.load returns the block, not a coroutine.
        secret: Secret[str] = Secret.load(name)  # type: ignore[assignment]
    except ValueError:
        return None
    return str(secret.get())

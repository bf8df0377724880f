"""Who holds a lease: a name carrying the host and pid of the process that took it, so a
lease left by a process that is gone from this machine can be taken over at once instead
of waiting for it to run out."""

from __future__ import annotations

import os
import re
import socket

_HOLDER = re.compile(r" on (?P<host>\S+) pid (?P<pid>\d+)$")


def holder_name(what: str) -> str:
    """`what`, then where it runs: "<what> on <host> pid <pid>" (at most 200 characters)."""
    return f"{what[:80]} on {socket.gethostname()[:100]} pid {os.getpid()}"


def gone_here(holder: str) -> bool:
    """Whether `holder` ran on this machine in a process that no longer exists. A holder
    on another machine, or whose process is alive (or not ours to ask), is not gone."""
    found = _HOLDER.search(holder)
    if not found or found["host"] != socket.gethostname()[:100]:
        return False
    try:
        os.kill(int(found["pid"]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False

"""Files Ladder writes under its data folder (certificates, panel packs, outcome reports)."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomically(path: Path, content: bytes) -> None:
    """Write via NAME.PID.tmp and a rename: a reader sees the old file or the whole new one,
    and a killed writer leaves only a .tmp that the next batch sweeps away."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_bytes(content)
    os.replace(temporary, path)

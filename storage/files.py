"""Files Ladder writes under its data folder (certificates, panel packs, outcome reports,
evidence): owner-only, since each holds personal data, and never half-written."""

from __future__ import annotations

import os
from pathlib import Path


def make_private_folders(folder: Path) -> None:
    """Create `folder` and any missing parents owner-only (0700). A folder that is already
    there keeps its mode: it may be shared, and it is not Ladder's to close."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for made in reversed(missing):
        made.mkdir(mode=0o700, exist_ok=True)
        os.chmod(made, 0o700)  # mkdir's mode is narrowed by the umask, never widened


def write_atomically(path: Path, content: bytes) -> None:
    """Write via NAME.PID.tmp and a rename: a reader sees the old file or the whole new one,
    and a killed writer leaves only a .tmp that the next batch sweeps away. The file is
    readable by its owner only (0600), in folders Ladder made owner-only."""
    make_private_folders(path.parent)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    os.chmod(temporary, 0o600)  # an older .tmp left by a killed writer may have had another mode
    os.replace(temporary, path)

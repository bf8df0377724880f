"""Files notifications writes (the signing key, the local sink's mail): owner-only.

`storage/files.py` has the same folder rule for the stores; the layers may not import each
other, so each keeps its few lines."""

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


def write_new_private(path: Path, content: bytes) -> None:
    """Write a new file readable by its owner only (0600); refuses to replace one."""
    make_private_folders(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)

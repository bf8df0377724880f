"""Evidence documents on a real database: only a regular file of an allowed type, by name
and by content, within the size limit, from nowhere Ladder keeps its own secrets; stored
owner-only under a name Ladder makes. A refusal stores nothing and writes nothing."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from panel_world import APRIL, count, run

from definitions.errors import BadInput, LadderError, Refused
from definitions.organisation import Organisation
from storage.models import Evidence
from tasks.panels.evidence import record_evidence
from tasks.panels.nomination import nominate

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4 the social worker's report\n"


@pytest.fixture
def nominated(staff: Any, engine, organisation) -> None:  # type: ignore[no-untyped-def]
    run(
        engine,
        organisation,
        nominate,
        worker="W0020",
        panel=APRIL,
        actor="W0004",
        today=date(2026, 2, 2),
    )


def _record(engine, organisation, file: Path, data: Path, **extra: Any):  # type: ignore[no-untyped-def]
    return run(
        engine,
        organisation,
        record_evidence,
        worker="W0020",
        item="social_worker_report",
        author="W0020",
        dated=date(2026, 2, 16),
        actor="W0020",
        today=date(2026, 2, 16),
        data_dir=data,
        file=file,
        **extra,
    )


def _write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def _link_to_the_key(tmp: Path) -> Path:
    key = _write(tmp / "keys" / "signing-key.pem", b"-----BEGIN PRIVATE KEY-----\n")
    key.chmod(0o600)
    (tmp / "inbox").mkdir(exist_ok=True)
    link = tmp / "inbox" / "report.pdf"
    link.symlink_to(key)
    return link


def _fifo(tmp: Path) -> Path:
    (tmp / "inbox").mkdir(exist_ok=True)
    os.mkfifo(tmp / "inbox" / "report.pdf")
    return tmp / "inbox" / "report.pdf"


def _folder(tmp: Path) -> Path:
    (tmp / "inbox" / "report.pdf").mkdir(parents=True)
    return tmp / "inbox" / "report.pdf"


CASES: list[tuple[str, Callable[[Path], Path], type[LadderError], str]] = [
    ("a link", _link_to_the_key, Refused, "is a link; give the path of the document itself"),
    ("a pipe", _fifo, Refused, "is not a document (a folder, a device or a pipe)"),
    ("a folder", _folder, Refused, "is not a document (a folder, a device or a pipe)"),
    ("the process's environment", lambda tmp: Path("/proc/self/environ"), Refused, "/proc"),
    ("a system file", lambda tmp: Path("/etc/passwd"), BadInput, "not taken as evidence"),
    (
        "Ladder's own key folder",
        lambda tmp: _write(tmp / "var" / "keys" / "report.pdf", PDF),
        Refused,
        "which Ladder does not take evidence from",
    ),
    (
        "another candidate's stored evidence",
        lambda tmp: _write(tmp / "var" / "evidence" / "1" / "report.pdf", PDF),
        Refused,
        "which Ladder does not take evidence from",
    ),
    (
        "a type the panel does not take",
        lambda tmp: _write(tmp / "inbox" / "report.exe", b"MZ\x90\x00"),
        BadInput,
        "a .exe file is not taken as evidence; panels.yaml allows .pdf, .docx",
    ),
    (
        "text named as a PDF",
        lambda tmp: _write(tmp / "inbox" / "report.pdf", b"just some words"),
        BadInput,
        "is named as a PDF file but its content is not one",
    ),
    (
        "a program named as text",
        lambda tmp: _write(tmp / "inbox" / "report.txt", b"\x7fELF\x02\x01\x01\x00\x00"),
        BadInput,
        "does not read as plain text",
    ),
    (
        "an empty file",
        lambda tmp: _write(tmp / "inbox" / "report.pdf", b""),
        BadInput,
        "is empty",
    ),
]


@pytest.mark.usefixtures("nominated")
@pytest.mark.parametrize(
    ("make", "kind", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_document_that_is_not_one_is_refused_and_nothing_is_stored(
    engine,
    organisation,
    tmp_path: Path,
    make: Callable[[Path], Path],
    kind: type[LadderError],
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    file = make(tmp_path)
    data = tmp_path / "var"
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(kind, match=message.replace("(", r"\(").replace(")", r"\)")):
        _record(engine, organisation, file, data, protected=(tmp_path / "keys",))
    assert count(engine, Evidence) == 0
    assert sorted(tmp_path.rglob("*")) == before  # no file stored, no folder made


@pytest.mark.usefixtures("nominated")
def test_a_document_over_the_size_limit_is_refused(
    engine, organisation: Organisation, tmp_path: Path
) -> None:
    panels = organisation.panels
    assert panels is not None
    small = organisation.model_copy(
        update={
            "panels": panels.model_copy(
                update={
                    "evidence_files": panels.evidence_files.model_copy(
                        update={"max_megabytes": 0.001}
                    )
                }
            )
        }
    )
    big = _write(tmp_path / "inbox" / "report.pdf", PDF + b"x" * 4096)
    with pytest.raises(BadInput, match=r"report.pdf is 0.0 MB, over the 0.001 MB limit"):
        _record(engine, small, big, tmp_path / "var")
    assert count(engine, Evidence) == 0


@pytest.mark.usefixtures("nominated")
def test_a_document_is_kept_owner_only_under_a_name_ladder_makes(
    engine, organisation, tmp_path: Path
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    file = _write(tmp_path / "inbox" / "Report (final) v2.PDF", PDF)
    result = _record(engine, organisation, file, shared / "var")
    assert result.item == "social_worker_report"
    (stored,) = (shared / "var" / "evidence").rglob("*.pdf")
    assert stored.name.startswith("social_worker_report-") and stored.suffix == ".pdf"
    assert stored.read_bytes() == PDF
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    for folder in (stored.parent, stored.parent.parent, shared / "var"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755  # not Ladder's folder: as it was

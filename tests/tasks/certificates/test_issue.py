"""Issuing certificates: a newer certificate of the same achievement supersedes the old, and
the half-written files of a killed batch are swept."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from certificate_world import certificates, completions, run_batch
from sqlalchemy.orm import Session

from notifications.signing import load_key

pytestmark = pytest.mark.integration


@pytest.mark.usefixtures("prefect_harness", "certified")
def test_a_refresher_issues_a_new_certificate_that_supersedes_the_old(
    tmp_path: Path,
    engine,
    organisation,
    key_file: Path,  # type: ignore[no-untyped-def]
) -> None:
    from tasks.certificates.verification import verify_serial

    completions(
        engine,
        organisation,
        tmp_path,
        [("W0019", "safeguarding", "2024-03-04")],
        today=date(2024, 3, 5),
    )
    run_batch(date(2024, 3, 5))
    completions(
        engine,
        organisation,
        tmp_path,
        [("W0019", "safeguarding", "2026-02-10")],
        today=date(2026, 2, 11),
    )
    run_batch(date(2026, 2, 11))
    old, new = certificates(engine)
    assert (old.status, old.superseded_by, new.status) == ("superseded", new.id, "issued")
    assert new.expires_on == date(2028, 3, 4)  # the anniversary kept
    jwks = load_key(key_file).jwks()
    with Session(engine) as session:
        old_verdict = verify_serial(session, old.serial, jwks, date(2026, 2, 12))
        assert (old_verdict.status, old_verdict.replaced_by) == ("superseded", new.serial)
        assert verify_serial(session, new.serial, jwks, date(2026, 2, 12)).status == "current"
        # An award that expires: the certificate is still genuine, and says it expired.
        assert verify_serial(session, new.serial, jwks, date(2028, 3, 5)).status == "expired"
        assert verify_serial(session, new.serial, jwks, date(2028, 3, 4)).status == "current"


def test_half_written_files_of_a_dead_process_are_swept_and_a_live_ones_kept(
    tmp_path: Path,
) -> None:
    from tasks.certificates.issue import sweep_partial_files

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / f"LDR-000001-1.{dead.pid}.tmp").write_bytes(b"%PDF-1.4 half")
    (tmp_path / f"LDR-000002-1.{os.getpid()}.tmp").write_bytes(b"%PDF-1.4 being written")
    (tmp_path / "LDR-000003-1.pdf").write_bytes(b"%PDF-1.4 whole")
    assert sweep_partial_files(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"LDR-000002-1.{os.getpid()}.tmp",
        "LDR-000003-1.pdf",
    ]

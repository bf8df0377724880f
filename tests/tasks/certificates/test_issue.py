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


@pytest.mark.usefixtures("prefect_harness", "certified")
@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000", "https://localhost:8443", "http://verify.example.org"]
)
def test_no_certificate_names_an_address_nobody_else_can_reach(  # type: ignore[no-untyped-def]
    tmp_path: Path, engine, organisation, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    from flows.certificates import certificate_batch

    completions(engine, organisation, tmp_path, [("W0019", "safeguarding", "2026-11-20")])
    monkeypatch.setenv("LADDER_ALLOW_LOCAL_VERIFY_URL", "false")
    monkeypatch.setenv("LADDER_VERIFY_URL", url)
    state = certificate_batch(as_of=date(2026, 11, 23), return_state=True)
    assert state.is_failed()
    assert f"no certificate was issued: LADDER_VERIFY_URL is {url}" in state.message
    assert "public https address" in state.message
    assert certificates(engine) == []
    # With the public address, the same batch issues it.
    monkeypatch.setenv("LADDER_VERIFY_URL", "https://verify.sample-borough.example")
    run_batch(date(2026, 11, 23))
    assert len(certificates(engine)) == 1

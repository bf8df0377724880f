"""The certificate PDF: one A4 page, the same bytes every time, a QR code a phone can read."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from notifications.certificate_pdf import CertificateFace, render_certificate

FACE = CertificateFace(
    serial="LDR-000042-1",
    name="Efa Bowen",
    title="Para social worker curriculum",
    kind_label="Training pathway",
    achieved_on=date(2022, 5, 30),
    issued_on=date(2026, 11, 23),
    expires_on=None,
    issuer="Sample Borough Council",
    verify_url="https://verify.sample-borough.example/verify/LDR-000042-1",
)


def test_one_a4_page_with_the_facts_and_the_serial_in_its_metadata() -> None:
    reader = PdfReader(io.BytesIO(render_certificate(FACE)))
    assert len(reader.pages) == 1
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [595, 842]
    text = reader.pages[0].extract_text()
    for expected in (
        "Efa Bowen", "Para social worker curriculum", "Achieved: Monday 30 May 2022",
        "Issued: Monday 23 November 2026", "Does not expire", "Serial: LDR-000042-1",
        "Sample Borough Council",
    ):  # fmt: skip
        assert expected in text, expected
    assert reader.metadata["/Keywords"] == "ladder-serial:LDR-000042-1"


def test_the_same_certificate_renders_to_the_same_bytes() -> None:
    assert render_certificate(FACE) == render_certificate(FACE)


def test_a_hostile_name_is_one_line_of_text() -> None:
    face = CertificateFace(**{**FACE.__dict__, "name": "Eve\r\n<b>Mallory</b>"})
    text = PdfReader(io.BytesIO(render_certificate(face))).pages[0].extract_text()
    assert "Eve <b>Mallory</b>" in text


def test_the_qr_code_reads_back_as_the_verification_address(tmp_path: Path) -> None:
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.fail("needs Debian's poppler-utils and zbar-tools (make test installs them)")
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(render_certificate(FACE))
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True)
    scanned = subprocess.run(
        ["zbarimg", "--raw", "-q", str(tmp_path / "page-1.png")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert scanned.stdout.strip() == FACE.verify_url


@pytest.mark.parametrize(
    "name",
    [
        "Łucja Wiśniewska",
        "Chiamaka Ọkọ",
        "Zoë Þórsdóttir",
        "Nguyễn Thị Ánh",
        "Ελένη Παπαδοπούλου",
        "Наталья Иванова",
    ],
)
def test_a_name_beyond_latin_1_keeps_every_letter(name: str) -> None:
    """Read back from the PDF: a letter the font lacks comes back as nothing (the bundled
    Vera font dropped ś, Ọ, ọ and all of Greek and Cyrillic)."""
    face = CertificateFace(**{**FACE.__dict__, "name": name})
    text = PdfReader(io.BytesIO(render_certificate(face))).pages[0].extract_text()
    assert name in text

"""The panel pack as members read it: the evidence documents themselves, a PDF's pages in
the pack at the page its index gives, any other file attached to the pack."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from notifications.panel_pdf import PackCandidate, PackItem, PackView, panel_pack


def report(path: Path, pages: int) -> Path:
    sheet = canvas.Canvas(str(path), pagesize=A4, invariant=True)
    for n in range(pages):
        sheet.drawString(72, 760, f"Observation report, page {n + 1} of {pages}")
        sheet.showPage()
    sheet.save()
    return path


def view(tmp_path: Path) -> PackView:
    notes = tmp_path / "notes.docx"
    notes.write_bytes(b"PK\x03\x04 a Word document")
    items = (
        PackItem("Direct observation report", "Chloe Patel", date(2026, 3, 1), "obs.pdf", "a",
                 "", str(report(tmp_path / "obs.pdf", 2))),
        PackItem("External professional's report", "Dr Ann Lee", date(2026, 3, 2), "notes.docx",
                 "b", "", str(notes)),
        PackItem("Service training pathway", "training record", None, "", "", "completed"),
    )  # fmt: skip
    return PackView(
        organisation="Sample Borough Council",
        title="Progression to senior social worker",
        meets_on=date(2026, 4, 20),
        starts_at="10:00",
        venue="Room 4",
        deadline=date(2026, 4, 2),
        members=(("Head of service (chair)", "Ben Hughes"),),
        candidates=(
            PackCandidate(
                "Sam Walsh",
                "W0019",
                "Social worker",
                "Children's services, north team",
                "Chloe Patel",
                (),
                items,
            ),
        ),  # fmt: skip
    )


def test_the_pack_carries_each_document_at_the_page_its_index_gives(tmp_path: Path) -> None:
    pack = panel_pack(view(tmp_path))
    reader = PdfReader(io.BytesIO(pack))
    texts = [page.extract_text() or "" for page in reader.pages]
    first = next(n for n, t in enumerate(texts, start=1) if "page 1 of 2" in t)
    assert "page 2 of 2" in texts[first]  # the whole document, in order
    index = " ".join(texts[: first - 1])
    assert f"page {first}" in index
    # The Word document cannot be a page: it is attached to the pack, and the index says so.
    assert "attached file: notes.docx" in index
    assert list(reader.attachments) == ["01-02-notes.docx"]
    assert reader.attachments["01-02-notes.docx"] == [b"PK\x03\x04 a Word document"]
    assert [o.title for o in reader.outline] == ["Sam Walsh: Direct observation report"]


def test_the_same_pack_is_the_same_bytes(tmp_path: Path) -> None:
    assert panel_pack(view(tmp_path)) == panel_pack(view(tmp_path))

"""The certificate a worker keeps and shows: one A4 page, with a QR code to its verification.

Rendered with reportlab in invariant mode: the same certificate always gives the same bytes,
so a batch that is killed and run again writes identical files, and the stored SHA-256 of
each PDF lets a verifier tell an altered copy from the original.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from definitions.calendar import human_date
from definitions.language import gettext_for
from notifications.render import one_line

SERIAL_KEYWORD = "ladder-serial:"


@dataclass(frozen=True)
class CertificateFace:
    serial: str
    name: str
    title: str
    kind_label: str  # "Module", "Training pathway", "ASYE", ...
    achieved_on: date
    issued_on: date
    expires_on: date | None
    issuer: str
    verify_url: str
    locale: str = "en-GB"  # the organisation's: its phrases and dates


@lru_cache(maxsize=1)
def _fonts() -> tuple[str, str]:
    """Roboto (the font-roboto package, a dependency: Apache 2.0), which covers Latin with
    its extensions (Łucja, Ọkọ, Þórsdóttir, Nguyễn), Greek and Cyrillic: a name on a
    certificate keeps every letter. Registered once per process (loading a TTF per document
    is what makes some PDF libraries slow); embedded as a subset of the glyphs used."""
    import font_roboto

    folder = Path(font_roboto.__file__).parent / "files"
    pdfmetrics.registerFont(TTFont("LadderSans", str(folder / "Roboto-Regular.ttf")))
    pdfmetrics.registerFont(TTFont("LadderSans-Bold", str(folder / "Roboto-Bold.ttf")))
    return "LadderSans", "LadderSans-Bold"


def _fit(c: canvas.Canvas, text: str, font: str, size: float, width: float) -> float:
    while size > 8 and c.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _draw_qr(c: canvas.Canvas, data: str, x: float, y: float, side: float) -> None:
    """A QR code (error correction M, a 4-module quiet zone) drawn straight onto the page, a
    rectangle per run of dark modules. reportlab's QR widget encodes twice and makes one shape
    per module, which was four fifths of a certificate's rendering time."""
    qr = QRCode(None, QRErrorCorrectLevel.M)
    qr.addData(data)
    qr.make()
    count = qr.getModuleCount()
    box = side / (count + 8)
    c.saveState()
    c.setFillColor(HexColor("#000000"))
    for r in range(count):
        top = y + side - (r + 4 + 1) * box
        col = 0
        while col < count:
            if not qr.isDark(r, col):
                col += 1
                continue
            start = col
            while col < count and qr.isDark(r, col):
                col += 1
            c.rect(x + (start + 4) * box, top, (col - start) * box, box, stroke=0, fill=1)
    c.restoreState()


def render_certificate(face: CertificateFace) -> bytes:
    regular, bold = _fonts()
    _ = gettext_for(face.locale)

    def on(d: date) -> str:
        return human_date(d, face.locale)

    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    width, height = A4
    c.setTitle(f"{face.title}: {one_line(face.name)}")
    c.setAuthor(face.issuer)
    c.setSubject(_("Certificate {serial}").format(serial=face.serial))
    c.setKeywords(f"{SERIAL_KEYWORD}{face.serial}")
    c.setCreator("Ladder")

    ink, accent, muted = HexColor("#1b1b1b"), HexColor("#1d70b8"), HexColor("#505a5f")
    c.setStrokeColor(accent)
    c.setLineWidth(3)
    c.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    c.setLineWidth(0.8)
    c.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)

    c.setFillColor(muted)
    c.setFont(regular, 12)
    c.drawCentredString(width / 2, height - 45 * mm, face.issuer)
    c.setFillColor(accent)
    c.setFont(bold, 30)
    c.drawCentredString(width / 2, height - 70 * mm, _("Certificate"))
    c.setFillColor(muted)
    c.setFont(regular, 13)
    c.drawCentredString(width / 2, height - 88 * mm, _("This certifies that"))
    name = one_line(face.name)
    size = _fit(c, name, bold, 26, width - 50 * mm)
    c.setFillColor(ink)
    c.setFont(bold, size)
    c.drawCentredString(width / 2, height - 105 * mm, name)
    c.setFillColor(muted)
    c.setFont(regular, 13)
    achieved = _("has achieved the {kind}").format(kind=face.kind_label.lower())
    c.drawCentredString(width / 2, height - 122 * mm, achieved)
    title = one_line(face.title)
    size = _fit(c, title, bold, 20, width - 50 * mm)
    c.setFillColor(ink)
    c.setFont(bold, size)
    c.drawCentredString(width / 2, height - 138 * mm, title)

    c.setFont(regular, 11.5)
    c.setFillColor(ink)
    lines = [
        _("Achieved: {date}").format(date=on(face.achieved_on)),
        _("Issued: {date}").format(date=on(face.issued_on)),
        _("Valid until: {date}").format(date=on(face.expires_on))
        if face.expires_on
        else _("Does not expire"),
        _("Serial: {serial}").format(serial=face.serial),
    ]
    y = height - 165 * mm
    for line in lines:
        c.drawString(30 * mm, y, line)
        y -= 8 * mm

    side = 42 * mm
    _draw_qr(c, face.verify_url, width - 30 * mm - side, height - 198 * mm, side)
    c.setFont(regular, 8.5)
    c.setFillColor(muted)
    c.drawRightString(
        width - 30 * mm, height - 203 * mm, _("Scan to check it is genuine and current")
    )
    c.drawCentredString(
        width / 2, 24 * mm, _("Check this certificate at {url}").format(url=face.verify_url)
    )
    c.showPage()
    c.save()
    return buffer.getvalue()

"""The documents a progression panel works from: the panel pack (agenda, and per candidate
a summary, an index of the evidence and the evidence documents themselves) and the outcome
report the worker and team manager sign. Plain reportlab and pypdf, no database and no
Prefect; invariant, so the same inputs always give the same bytes.

The evidence is in the pack so members can read it there: a PDF document's pages follow
its candidate's index (the index gives the page it starts on, and the pack's outline has
an entry for it); a document in another format (a Word file, a photo) is attached to the
pack as a file, and the index says so."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from definitions.calendar import human_date
from definitions.language import gettext_for
from notifications.certificate_pdf import _fonts


@dataclass(frozen=True)
class PackItem:
    title: str
    author: str  # a name as members read it
    dated: date | None
    file_name: str
    sha256: str
    note: str
    file_path: str = ""  # the stored document, to put in the pack


@dataclass(frozen=True)
class PackCandidate:
    name: str
    external_id: str
    role: str
    team: str
    nominated_by: str
    history: tuple[str, ...]  # earlier panels: date and what happened
    items: tuple[PackItem, ...]


@dataclass(frozen=True)
class PackView:
    organisation: str
    title: str
    meets_on: date
    starts_at: str
    venue: str
    deadline: date
    members: tuple[tuple[str, str], ...]  # (title, name)
    candidates: tuple[PackCandidate, ...]
    locale: str = "en-GB"


@dataclass(frozen=True)
class OutcomeView:
    organisation: str
    title: str
    candidate: str
    external_id: str
    team: str
    panel: date
    outcome: str
    decided_on: date
    decided_by: str
    reasons: str
    further_work: str
    placement: str | None
    actions: tuple[tuple[str, str, date], ...]  # (what, owner role, due)
    sign_by: date | None
    manager: str = ""  # the team manager's name, who signs beside the worker
    locale: str = "en-GB"


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _fonts()
    base = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10),
        "h1": ParagraphStyle(
            "h1", parent=base, fontName=bold, fontSize=16, leading=20, spaceAfter=6
        ),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=bold, fontSize=12, leading=15, spaceBefore=8, spaceAfter=4
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5),
        "head": ParagraphStyle("head", parent=base, fontName=bold, fontSize=8.5, leading=10.5),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _table(rows: list[list[str]], widths: list[float], s: dict[str, ParagraphStyle]) -> Table:
    cells = [[_p(c, s["head"] if i == 0 else s["cell"]) for c in row] for i, row in enumerate(rows)]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4e9ef")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _document(title: str, author: str) -> tuple[io.BytesIO, SimpleDocTemplate]:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=author,
        invariant=1,
    )
    return buffer, doc


def _footer(text: str, locale: str):  # type: ignore[no-untyped-def]
    regular, _bold = _fonts()
    _ = gettext_for(locale)

    def draw(canvas, doc):  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.drawString(
            18 * mm, 10 * mm, _("{text}  -  page {page}").format(text=text, page=doc.page)
        )
        canvas.restoreState()

    return draw


def panel_pack(view: PackView) -> bytes:
    """One PDF for the members: the agenda, per candidate a summary and evidence index, and
    the evidence itself (PDF pages appended, other files attached)."""
    _ = gettext_for(view.locale)
    documents: list[tuple[int, int, PackItem, bytes]] = []  # (candidate, item, ...) in order
    for n, c in enumerate(view.candidates, start=2):
        for k, item in enumerate(c.items):
            if item.file_path:
                documents.append((n, k, item, Path(item.file_path).read_bytes()))
    pdfs = {(n, k): _pages(content) for n, k, _item, content in documents}
    where: dict[tuple[int, int], str] = {
        (n, k): _("attached file: {name}").format(name=item.file_name)
        for n, k, item, _content in documents
        if pdfs[(n, k)] is None
    }
    # The index gives each document's first page, which depends on how long the pages
    # before it are: lay out, count, and lay out again until the numbers hold.
    base = _pack_pages(view, where)
    for _attempt in range(3):
        page = len(PdfReader(io.BytesIO(base)).pages) + 1
        numbered = dict(where)
        for n, k, _item, _content in documents:
            count = pdfs[(n, k)]
            if count is not None:
                numbered[(n, k)] = _("page {n}").format(n=page)
                page += count
        again = _pack_pages(view, numbered)
        if len(PdfReader(io.BytesIO(again)).pages) == len(PdfReader(io.BytesIO(base)).pages):
            base = again
            break
        base = again
    writer = PdfWriter(clone_from=io.BytesIO(base))
    names = {n: c.name for n, c in enumerate(view.candidates, start=2)}
    for n, k, item, content in documents:
        label = f"{names[n]}: {item.title}"
        if pdfs[(n, k)] is None:
            writer.add_attachment(f"{n - 1:02d}-{k + 1:02d}-{item.file_name}", content)
            continue
        start = len(writer.pages)
        writer.append(PdfReader(io.BytesIO(content)), import_outline=False)
        writer.add_outline_item(title=label, page_number=start)
    writer.add_metadata({"/Title": view.title, "/Author": view.organisation})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pages(content: bytes) -> int | None:
    """The number of pages of a readable PDF document, or None for any other file."""
    if not content.startswith(b"%PDF-"):
        return None
    try:
        return len(PdfReader(io.BytesIO(content)).pages)
    except (PdfReadError, ValueError):
        return None


def _pack_pages(view: PackView, where: dict[tuple[int, int], str]) -> bytes:
    """The agenda, then per candidate a summary and evidence index; `where` says, for each
    (candidate, item), the page its document starts on or that it is attached."""
    s = _styles()
    _ = gettext_for(view.locale)

    def day(d: date) -> str:
        return human_date(d, view.locale)

    title = _("{title}: panel of {date}").format(title=view.title, date=day(view.meets_on))
    buffer, doc = _document(title, view.organisation)
    story: list[Flowable] = [
        _p(view.organisation, s["small"]),
        _p(title, s["h1"]),
        _p(
            _(
                "{date}, {time}, {venue}. Evidence packs were locked at the submission "
                "deadline, {deadline}."
            ).format(
                date=day(view.meets_on),
                time=view.starts_at,
                venue=view.venue,
                deadline=day(view.deadline),
            ),
            s["body"],
        ),
        _p(_("Members"), s["h2"]),
        _table(
            [[_("Role"), _("Name")], *[[t, n] for t, n in view.members]], [70 * mm, 100 * mm], s
        ),
        _p(_("Agenda"), s["h2"]),
    ]
    agenda = [["#", _("Item")], ["1", _("Welcome, apologies and declarations of interest")]]
    agenda += [
        [
            str(n),
            _("Candidate: {name}, {role}, {team}").format(name=c.name, role=c.role, team=c.team),
        ]
        for n, c in enumerate(view.candidates, start=2)
    ]
    agenda.append([str(len(view.candidates) + 2), _("Decisions and outcome reports")])
    story.append(_table(agenda, [12 * mm, 158 * mm], s))
    if not view.candidates:
        story.append(Spacer(1, 6))
        story.append(_p(_("No candidate's evidence pack was complete at the deadline."), s["body"]))
    for n, c in enumerate(view.candidates, start=2):
        story.append(PageBreak())
        story.append(_p(_("Item {n}: {name}").format(n=n, name=c.name), s["h1"]))
        summary = [
            [_("Current level"), c.role],
            [_("Team"), c.team],
            [_("Nominated by"), c.nominated_by],
            [_("Earlier panels"), "; ".join(c.history) or _("none")],
        ]
        story.append(_table([[_("Summary"), ""], *summary], [45 * mm, 125 * mm], s))
        story.append(_p(_("Evidence index"), s["h2"]))
        index = [[_("Item"), _("Author"), _("Dated"), _("In this pack"), _("Note")]]
        index += [
            [
                i.title,
                i.author,
                day(i.dated) if i.dated else "",
                where.get((n, k), ""),
                i.note,
            ]
            for k, i in enumerate(c.items)
        ]
        story.append(KeepTogether(_table(index, [45 * mm, 28 * mm, 27 * mm, 40 * mm, 30 * mm], s)))
    footer = _footer(_("{title} - confidential to panel members").format(title=title), view.locale)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def outcome_report(view: OutcomeView) -> bytes:
    """The outcome report: the decision, its reasons, the action plan, and space to sign."""
    s = _styles()
    _ = gettext_for(view.locale)

    def day(d: date) -> str:
        return human_date(d, view.locale)

    title = _("Progression panel outcome: {name}").format(name=view.candidate)
    buffer, doc = _document(title, view.organisation)
    outcome = _("Progress") if view.outcome == "progress" else _("Deferred")
    placement = {
        "slotted": _("slotted into a vacant post"),
        "waiting": _("on the waiting list for the next vacancy"),
    }.get(view.placement or "", "")
    story: list[Flowable] = [
        _p(view.organisation, s["small"]),
        _p(title, s["h1"]),
        _table(
            [
                [_("Decision"), outcome + (f": {placement}" if placement else "")],
                [_("Route"), view.title],
                [_("Team"), view.team],
                [_("Panel"), day(view.panel)],
                [
                    _("Decided"),
                    _("{date} (recorded by {name})").format(
                        date=day(view.decided_on), name=view.decided_by
                    ),
                ],
            ],
            [40 * mm, 130 * mm],
            s,
        ),
        _p(_("The panel's decision is final."), s["body"]),
    ]
    if view.reasons:
        story += [_p(_("Reasons"), s["h2"]), _p(view.reasons, s["body"])]
    if view.further_work:
        story += [_p(_("Further work"), s["h2"]), _p(view.further_work, s["body"])]
    if view.actions:
        story.append(_p(_("Action plan (monitored in supervision)"), s["h2"]))
        rows = [["#", _("Action"), _("Owner"), _("Due")]]
        rows += [
            [
                str(n),
                what,
                _("worker") if owner == "worker" else _("team manager"),
                day(due),
            ]
            for n, (what, owner, due) in enumerate(view.actions, start=1)
        ]
        story.append(_table(rows, [10 * mm, 100 * mm, 30 * mm, 30 * mm], s))
        story.append(
            _p(
                _(
                    "When every action is done, the team manager decides when the worker is "
                    "resubmitted to a later panel."
                ),
                s["body"],
            )
        )
    agree = (
        _(
            "Worker and team manager sign to agree this report by {date}; {org} records each "
            "signature."
        )
        if view.sign_by
        else _("Worker and team manager sign to agree this report; {org} records each signature.")
    )
    story += [
        _p(_("Signatures"), s["h2"]),
        _p(
            agree.format(date=day(view.sign_by) if view.sign_by else "", org=view.organisation),
            s["body"],
        ),
        Spacer(1, 10),
        _table(
            [
                ["", _("Name"), _("Signature"), _("Date")],
                [_("Worker"), view.candidate, "", ""],
                [_("Team manager"), view.manager, "", ""],
            ],
            [30 * mm, 55 * mm, 55 * mm, 30 * mm],
            s,
        ),
    ]
    footer = _footer(title, view.locale)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()

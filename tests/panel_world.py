"""A sample organisation's progression candidates, shared by the panel tests: W0019 with
the children's pathway done, W0020 without, helpers to put a pack together, and to read
rows, outcome decisions and PDFs back."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from definitions.panels import PanelDecision
from tasks.panels.calendar import sync_panels
from tasks.panels.deadline import lock_due_panels
from tasks.panels.evidence import record_evidence
from tasks.panels.nomination import nominate
from tasks.panels.pack import invite_members, send_panel_packs
from tasks.panels.pathway import close_pathway_items
from tasks.panels.placement import fill_vacancies
from tasks.training.completions import import_completions

APRIL = date(2026, 4, 20)  # deadline Thursday 2 April (Easter), pack Monday 13 April
JULY = date(2026, 7, 20)  # deadline Monday 6 July
OCTOBER = date(2026, 10, 19)
SENDER = "workforce@sample-borough.example"
# W0019 Sam Walsh (children-north, manager W0003) has done the children's pathway;
# W0020 Tariq Ahmed (children-south, manager W0004) has not.
PATHWAY = [
    ("W0019", "cs_assessment", "2025-05-01"),
    ("W0019", "cs_court_skills", "2025-06-01"),
    ("W0019", "cs_exploitation", "2025-07-01"),
    ("W0019", "safeguarding", "2025-08-01"),
]
OBSERVED = (date(2026, 1, 12), date(2026, 1, 26), date(2026, 2, 9))


@pytest.fixture
def staff(engine, organisation, import_roster_file, tmp_path: Path) -> Any:  # type: ignore[no-untyped-def]
    import_roster_file(engine, organisation, as_of=date(2026, 1, 2))
    sheet = tmp_path / "pathway.csv"
    sheet.write_text(
        "external_id,module,completed_on\n" + "".join(f"{w},{m},{d}\n" for w, m, d in PATHWAY)
    )
    with Session(engine) as session, session.begin():
        import_completions(session, organisation, sheet, actor="test", today=date(2026, 1, 5))
    return engine


@pytest.fixture
def document(tmp_path: Path) -> Path:
    """A real one-page PDF report, as a practitioner would send it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "inbox" / "report.pdf"
    path.parent.mkdir()
    page = canvas.Canvas(str(path), pagesize=A4, invariant=True)
    page.drawString(72, 760, "A report written by a person about their practice")
    page.showPage()
    page.save()
    return path


def run(engine, organisation, fn, **kwargs):  # type: ignore[no-untyped-def]
    with Session(engine, expire_on_commit=False) as session, session.begin():
        return fn(session, organisation, **kwargs)


def steps(engine, organisation, as_of: date, data_dir: Path) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The daily panel steps in their order, each in its own transaction (as the tasks of
    tasks/panels/steps.py run them), with the same counts."""
    scheduled = run(engine, organisation, lambda s, o: sync_panels(s, o))
    invites = run(engine, organisation, invite_members, as_of=as_of, sender=SENDER)
    pathways = run(engine, organisation, close_pathway_items, as_of=as_of)
    deadline = run(engine, organisation, lock_due_panels, as_of=as_of, sender=SENDER)
    packs = run(
        engine, organisation, send_panel_packs, as_of=as_of, sender=SENDER, data_dir=data_dir
    )
    slotted = run(engine, organisation, fill_vacancies, as_of=as_of)
    return {
        "panels_scheduled": scheduled,
        "member_invites": invites,
        "pathways_completed": pathways,
        "panels_locked": deadline.locked,
        "packs_submitted": deadline.submitted,
        "packs_rolled_over": deadline.rolled_over,
        "pack_mails": packs,
        "slotted": len(slotted),
    }


ITEMS: dict[str, dict[str, Any]] = {
    "direct_observation_report": {"observations": OBSERVED},
    "social_worker_report": {},
    "team_manager_report": {"capabilities": "all"},
    "external_professional_report": {},
    "pe1_evidence": {},
}


def give(
    engine,
    organisation,
    worker: str,
    manager: str,
    items,
    document: Path,
    data_dir: Path,
    on: date = date(2026, 2, 16),
):  # type: ignore[no-untyped-def]
    for item in items:
        extra = dict(ITEMS[item])
        if extra.get("capabilities") == "all":
            extra["capabilities"] = organisation.panels.capability_keys
        run(
            engine,
            organisation,
            record_evidence,
            worker=worker,
            item=item,
            author=manager,
            dated=on,
            actor=manager,
            today=on,
            data_dir=data_dir,
            file=document,
            **extra,
        )


def nominated(engine, organisation) -> None:  # type: ignore[no-untyped-def]
    """W0019 nominated for the April panel by their team manager on Monday 2 February."""
    run(
        engine,
        organisation,
        nominate,
        worker="W0019",
        panel=APRIL,
        actor="W0003",
        today=date(2026, 2, 2),
    )


def submitted(engine, organisation, document: Path, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """W0019 nominated for April with a complete pack, locked at the deadline."""
    nominated(engine, organisation)
    give(engine, organisation, "W0019", "W0003", ITEMS, document, data_dir)
    steps(engine, organisation, date(2026, 4, 3), data_dir)


def rows(engine, model, *where):  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return list(session.scalars(select(model).where(*where).order_by(model.id)))


def count(engine, model, *where) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def pdf_text(path: str | Path) -> str:
    reader = PdfReader(io.BytesIO(Path(path).read_bytes()))
    # Table cells wrap their text: compare with whitespace collapsed.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def defer(worker: str = "W0019", panel: date = APRIL) -> PanelDecision:
    return PanelDecision.model_validate(
        {
            "worker": worker,
            "panel": panel,
            "outcome": "defer",
            "decided_by": "W0002",
            "reasons": "Leadership across the team is not yet evidenced",
            "further_work": "Lead case conferences and mentor a newly qualified colleague",
            "actions": [
                {"title": "Chair two case conferences", "owner": "worker", "due": "2026-06-30"},
                {
                    "title": "Review progress in supervision",
                    "owner": "manager",
                    "due": "2026-06-15",
                },
            ],
        }
    )


def progress(worker: str = "W0019", panel: date = APRIL) -> PanelDecision:
    return PanelDecision(worker=worker, panel=panel, outcome="progress", decided_by="W0002")

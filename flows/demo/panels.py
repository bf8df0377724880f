"""The demo's progression year: team managers nominate social workers for the quarterly
panels, people send in their evidence, the panels decide, and action plans run to a
resubmission. A script of dated steps, applied the day they fall on, through the same
functions the CLI and the panel-decision deployment use.

- W0019 (children's, pathway done) goes to the April panel with a full pack and progresses
  into the post that fell vacant in their own team in March.
- W0021 (adults') is nominated for April without the pathway finished: the pack rolls over
  to July; the panel defers with an action plan; both actions are done in September and
  the manager resubmits for October, where W0021 progresses onto the waiting list, and is
  slotted when an adults' post falls vacant in November.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from definitions.errors import LadderError
from definitions.organisation import Organisation
from definitions.panels import PanelDecision
from definitions.settings import Settings
from storage.links import links_for
from storage.models import Worker
from tasks.panels.decision import decide
from tasks.panels.evidence import record_evidence, record_preparation
from tasks.panels.follow_up import complete_action, sign_outcome
from tasks.panels.nomination import nominate
from tasks.panels.placement import open_post
from tasks.training.completions import import_completions

APRIL, JULY, OCTOBER = date(2026, 4, 20), date(2026, 7, 20), date(2026, 10, 19)
OBSERVED = (date(2026, 1, 13), date(2026, 1, 27), date(2026, 2, 10))
DOCUMENTS: dict[str, tuple[str, dict[str, Any]]] = {
    "direct_observation_report": ("manager", {"observations": OBSERVED}),
    "social_worker_report": ("worker", {}),
    "team_manager_report": ("manager", {"capabilities": "all"}),
    "external_professional_report": ("manager", {}),
    "pe1_evidence": ("worker", {}),
}
Step = tuple[str, dict[str, Any]]


def _pack(worker: str, manager: str) -> list[Step]:
    return [
        (
            "evidence",
            {"worker": worker, "item": item, "by": worker if who == "worker" else manager, **extra},
        )
        for item, (who, extra) in DOCUMENTS.items()
    ]


def script() -> dict[date, list[Step]]:
    steps: dict[date, list[Step]] = {
        date(2026, 2, 2): [
            ("nominate", {"worker": "W0019", "panel": APRIL, "by": "W0003"}),
            ("nominate", {"worker": "W0021", "panel": APRIL, "by": "W0005"}),
        ],
        date(2026, 2, 17): _pack("W0019", "W0003"),
        date(2026, 3, 2): [("vacancy", {"team": "children-north", "by": "W0001"})],
        date(2026, 3, 3): _pack("W0021", "W0005"),
        date(2026, 3, 16): [
            ("preparation", {"worker": "W0019", "by": "W0003"}),
            ("preparation", {"worker": "W0021", "by": "W0005"}),
        ],
        APRIL: [
            ("decide", {"worker": "W0019", "panel": APRIL, "outcome": "progress"}),
        ],
        date(2026, 4, 22): [("sign", {"worker": "W0019", "by": "W0019"})],
        date(2026, 5, 6): [("sign", {"worker": "W0019", "by": "W0003"})],  # late: reminded
        date(2026, 5, 11): [("complete", {"worker": "W0021", "module": "as_strengths_based"})],
        JULY: [
            (
                "decide",
                {
                    "worker": "W0021",
                    "panel": JULY,
                    "outcome": "defer",
                    "reasons": "Leadership across the team is not yet evidenced",
                    "further_work": "Chair case conferences and mentor a newly qualified colleague",
                    "actions": [
                        {
                            "title": "Chair two case conferences",
                            "owner": "worker",
                            "due": "2026-09-11",
                        },
                        {
                            "title": "Review the mentoring in supervision",
                            "owner": "manager",
                            "due": "2026-09-04",
                        },
                    ],
                },
            )
        ],
        date(2026, 7, 23): [
            ("sign", {"worker": "W0021", "by": "W0021"}),
            ("sign", {"worker": "W0021", "by": "W0005"}),
        ],
        date(2026, 9, 3): [("action", {"worker": "W0021", "item": 2, "by": "W0005"})],
        date(2026, 9, 10): [("action", {"worker": "W0021", "item": 1, "by": "W0005"})],
        date(2026, 9, 14): [("nominate", {"worker": "W0021", "panel": OCTOBER, "by": "W0005"})],
        date(2026, 9, 21): _pack("W0021", "W0005"),
        OCTOBER: [("decide", {"worker": "W0021", "panel": OCTOBER, "outcome": "progress"})],
        date(2026, 10, 21): [
            ("sign", {"worker": "W0021", "by": "W0021"}),
            ("sign", {"worker": "W0021", "by": "W0005"}),
        ],
        date(2026, 11, 2): [("vacancy", {"team": "adults-west", "by": "W0001"})],
    }
    return steps


def _document(folder: Path, worker: str, item: str) -> Path:
    path = folder / "demo-documents" / worker / f"{item}.txt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{item.replace('_', ' ')} for {worker} (a demo document)\n")
    return path


def people_in_script() -> set[str]:
    """Everyone the script names: the candidates, their managers, the chair and the lead."""
    named = {"W0002"}  # the chair who records each decision
    for steps in script().values():
        for _, args in steps:
            named.update(str(args[key]) for key in ("worker", "by") if key in args)
    return named


def script_applies(engine: Engine, organisation: Organisation) -> bool:
    """The script is written for the sample's people: it runs for an organisation with panels
    whose roster holds every one of them (the sample, or a copy of it), and is left out for
    any other, which then runs its panels' dates and reminders alone."""
    if organisation.panels is None:
        return False
    named = people_in_script()
    with Session(engine) as session:
        found = set(
            session.scalars(select(Worker.external_id).where(Worker.external_id.in_(named)))
        )
    return found == named


def run_script(
    engine: Engine, organisation: Organisation, today: date, data_dir: Path, sender: str
) -> list[str]:
    """Apply today's steps; each in its own transaction, as a person would. Returns what
    could not be done (a demo started on other dates skips what no longer fits)."""
    skipped = []
    for action, args in script().get(today, []):
        try:
            with Session(engine) as session, session.begin():
                _APPLY[action](session, organisation, today, data_dir, sender, args)
        except LadderError as exc:
            if action == "complete":  # the training record's refusals are not the panels'
                raise
            skipped.append(f"{action} {args.get('worker', '')}: {exc}")
    return skipped


def _evidence(
    session: Session, org: Organisation, today: date, data: Path, sender: str, a: dict[str, Any]
) -> None:
    extra = {k: v for k, v in a.items() if k in ("observations", "capabilities")}
    if extra.get("capabilities") == "all":
        extra["capabilities"] = org.panels.capability_keys if org.panels else ()
    record_evidence(
        session,
        org,
        worker=a["worker"],
        item=a["item"],
        author=a["by"],
        dated=today,
        actor=a["by"],
        today=today,
        data_dir=data,
        file=_document(data, a["worker"], a["item"]),
        **extra,
    )


def _complete(
    session: Session, org: Organisation, today: date, data: Path, sender: str, a: dict[str, Any]
) -> None:
    sheet = data / "demo-documents" / f"attendance-{today}.csv"
    sheet.parent.mkdir(parents=True, exist_ok=True)
    sheet.write_text(f"external_id,module,completed_on\n{a['worker']},{a['module']},{today}\n")
    import_completions(session, org, sheet, actor="workforce-team", today=today)


def _decide(
    session: Session, org: Organisation, today: date, data: Path, sender: str, a: dict[str, Any]
) -> None:
    decision = PanelDecision.model_validate({**a, "decided_by": "W0002"})
    links = links_for(Settings(), org)  # the demo's mail carries signing links, as yours would
    decide(session, org, decision=decision, today=today, data_dir=data, sender=sender, links=links)


_APPLY: dict[str, Callable[[Session, Organisation, date, Path, str, dict[str, Any]], Any]] = {
    "nominate": lambda s, o, t, d, m, a: nominate(
        s, o, worker=a["worker"], panel=a["panel"], actor=a["by"], today=t
    ),
    "evidence": _evidence,
    "preparation": lambda s, o, t, d, m, a: record_preparation(
        s, o, worker=a["worker"], on=t, actor=a["by"], today=t
    ),
    "vacancy": lambda s, o, t, d, m, a: open_post(
        s, o, team=a["team"], level=None, actor=a["by"], today=t
    ),
    "decide": _decide,
    "sign": lambda s, o, t, d, m, a: sign_outcome(
        s, o, worker=a["worker"], actor=a["by"], on=t, today=t
    ),
    "action": lambda s, o, t, d, m, a: complete_action(
        s, o, worker=a["worker"], item=a["item"], actor=a["by"], on=t, today=t
    ),
    "complete": _complete,
}

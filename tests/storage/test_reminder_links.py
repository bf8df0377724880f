"""Which reminders carry a signed link, and to whom: only the person the use case lets
record the item, so a link never offers what the page would refuse."""

from __future__ import annotations

from datetime import date

import pytest

from definitions.items import DueItem, Person
from storage.links import reminder_link

WORKER = Person(1, "W0019", "Sam Walsh", "sam@example.org")
MANAGER = Person(2, "W0003", "Chloe Patel", "chloe@example.org")
ASSESSOR = Person(3, "W0007", "Ben Hughes", "ben@example.org")
SUPERVISOR = Person(4, "W0008", "Pat Price", "pat@example.org")


def item(kind: str, milestone: str, source: str = "") -> DueItem:
    return DueItem(
        obligation_id=40,
        kind=kind,
        milestone=milestone,
        title="An item",
        due_date=date(2026, 6, 15),
        reminder_policy="p",
        responsible_role="worker",
        rule="",
        subject=WORKER,
        manager=MANAGER,
        assessor=ASSESSOR,
        supervisor=SUPERVISOR,
        source=source,
    )


@pytest.mark.parametrize(
    ("due", "role", "reader", "link"),
    [
        # A deferral's action: the manager marks it done; the worker may not.
        (item("panel.action", "action_1"), "manager", MANAGER, ("action_done", 40)),
        (item("panel.action", "action_1"), "worker", WORKER, None),
        (item("panel.action", "action_1"), "workforce_lead", MANAGER, None),
        # The outcome report: each signer signs their own, for the candidacy it came from.
        (
            item("panel.signature", "sign_worker", "panel:7:sign:worker"),
            "worker",
            WORKER,
            (
                "sign_outcome",
                7,
            ),
        ),
        (
            item("panel.signature", "sign_manager", "panel:7:sign:manager"),
            "manager",
            MANAGER,
            (
                "sign_outcome",
                7,
            ),
        ),
        (item("panel.signature", "sign_manager", "panel:7:sign:manager"), "worker", WORKER, None),
        # A programme's review: its assessor or the manager records it; nobody else.
        (item("asye.review", "review_3"), "assessor", ASSESSOR, ("record_step", 40)),
        (item("induction.recommendation", "sign_off"), "manager", MANAGER, ("record_step", 40)),
        (item("asye.report", "assessor_report"), "assessor", ASSESSOR, ("record_step", 40)),
        (item("asye.review", "review_3"), "worker", WORKER, None),
        (item("asye.review", "review_3"), "supervisor", SUPERVISOR, None),
        (item("asye.review", "review_3"), "assessor", MANAGER, None),  # not this one's holder
        # What closes by itself, or the team records, carries no link.
        (item("induction.completion", "safeguarding"), "manager", MANAGER, None),
        (item("induction.evidence", "dbs"), "manager", MANAGER, None),
        (item("supervision", "supervision"), "supervisor", SUPERVISOR, None),
        (item("training.required", "first_aid"), "manager", MANAGER, None),
    ],
)
def test_a_reminder_carries_a_link_only_for_who_may_record_it(
    due: DueItem, role: str, reader: Person, link: tuple[str, int] | None
) -> None:
    assert reminder_link(due, role, reader.id) == link

"""A signed link from a mail, used in a real browser: the candidate and their manager each
sign the outcome report by the link in their own mail. Opening a link records nothing; it
works once, for that person and that report, until its day, and a changed, replayed or
expired link records nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from panel_world import SENDER, defer, progress, rows, run, submitted
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from web_world import accessibility_problems, chromium, serve

from definitions.settings import Settings
from storage.links import links_for
from storage.models import Event, Obligation, OutboxMessage, Worker
from tasks.panels.decision import decide

pytestmark = pytest.mark.integration
DECIDED = date(2026, 4, 20)  # the April panel


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    with chromium() as opened:
        yield opened


def confirm(browser: webdriver.Chrome) -> Any:
    """Press the page's button and wait for what it says once the server has answered."""
    browser.find_element(By.ID, "confirm").click()
    return WebDriverWait(browser, 30).until(
        expected_conditions.presence_of_element_located((By.ID, "result"))
    )


def signatures(engine) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        o.responsible_role: o.status
        for o in rows(engine, Obligation, Obligation.kind == "panel.signature")
    }


@pytest.mark.usefixtures("staff", "ladder_env")
def test_each_signer_signs_by_the_link_in_their_own_mail_once(  # type: ignore[no-untyped-def]
    engine, organisation, document: Path, tmp_path: Path, browser: webdriver.Chrome
) -> None:
    from flows.web.app import create_app

    data = Path(Settings().data_dir)
    submitted(engine, organisation, document, data)
    links = links_for(Settings(), organisation)
    assert links is not None
    run(
        engine,
        organisation,
        decide,
        decision=progress(),
        today=DECIDED,
        data_dir=data,
        sender=SENDER,
        links=links,
    )
    # Each signer's mail carries their own link, and no command line.
    mails = {
        m.recipient_role: m
        for m in rows(engine, OutboxMessage, OutboxMessage.kind == "panel_outcome")
    }
    assert set(mails) == {"worker", "manager"}
    found = {role: re.search(r"http://\S+/act/\S+", mail.body_text) for role, mail in mails.items()}
    assert all(found.values()), {r: m.body_text for r, m in mails.items()}
    urls = {role: match.group(0) for role, match in found.items() if match}
    assert urls["worker"] != urls["manager"]
    assert "ladder " not in mails["worker"].body_text
    assert f'href="{urls["worker"]}"' in mails["worker"].body_html

    clock: dict[str, Any] = {"today": date(2026, 4, 21)}
    with serve(create_app(today=lambda: clock["today"])) as base:

        def local(url: str) -> str:
            return base + url[url.index("/act/") :]

        # Opening the link shows what is about to be recorded, and records nothing.
        browser.get(local(urls["worker"]))
        assert browser.find_element(By.ID, "what").text.startswith(
            "Sam Walsh, you are about to sign the outcome report of your progression panel "
            "on Monday 20 April 2026."
        )
        assert signatures(engine) == {"worker": "open", "manager": "open"}
        assert accessibility_problems(browser) == []  # WCAG 2.2 AA, at its width and 390 px
        result = confirm(browser)
        assert result.text.startswith("Thank you, Sam Walsh. Your signature on the outcome")
        assert accessibility_problems(browser) == []
        assert signatures(engine) == {"worker": "done", "manager": "open"}
        [signed] = rows(engine, Event, Event.kind == "panel.outcome_signed")
        assert signed.actor == "W0019" and (signed.channel or "").startswith("link:")

        # Used once: opening it again, or posting it again, records nothing more.
        browser.get(local(urls["worker"]))
        assert "already been used" in browser.find_element(By.ID, "result").text
        assert accessibility_problems(browser) == []
        again = httpx.post(local(urls["worker"]), timeout=30)
        assert again.status_code == 409 and "already been used" in again.text
        assert len(rows(engine, Event, Event.kind == "panel.outcome_signed")) == 1

        # Changed in one character, or another link's body under this signature: refused.
        body, _, signature = local(urls["manager"]).rpartition(".")
        flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
        other_body = local(urls["worker"]).rpartition(".")[0]
        for forged in (f"{body}.{flipped}", f"{other_body}.{signature}", f"{body}x.{signature}"):
            page = httpx.get(forged, timeout=30)
            assert page.status_code == 410 and "has been changed" in page.text, forged
            assert httpx.post(forged, timeout=30).status_code == 409
        assert signatures(engine)["manager"] == "open"

        # After its last day it stops working; before, the manager signs as themselves.
        clock["today"] = date(2026, 6, 1)
        late = httpx.get(local(urls["manager"]), timeout=30)
        assert (
            late.status_code == 410 and "stopped working after Wednesday 20 May 2026" in late.text
        )
        clock["today"] = date(2026, 4, 22)
        # Someone who has left may not use a link made for them while they were here.
        with Session(engine) as session, session.begin():
            session.execute(
                update(Worker).where(Worker.external_id == "W0003").values(status="left")
            )
        assert "no longer active" in httpx.get(local(urls["manager"]), timeout=30).text
        with Session(engine) as session, session.begin():
            session.execute(
                update(Worker).where(Worker.external_id == "W0003").values(status="active")
            )
        browser.get(local(urls["manager"]))
        assert "Chloe Patel, you are about to sign the outcome report of Sam Walsh's" in (
            browser.find_element(By.ID, "what").text
        )
        confirm(browser)
        assert signatures(engine) == {"worker": "done", "manager": "done"}
        actors = {e.actor for e in rows(engine, Event, Event.kind == "panel.outcome_signed")}
        assert actors == {"W0019", "W0003"}


@pytest.mark.usefixtures("staff", "ladder_env")
def test_where_links_are_off_the_mail_says_whom_to_tell(  # type: ignore[no-untyped-def]
    engine, organisation, document: Path
) -> None:
    data = Path(Settings().data_dir)
    submitted(engine, organisation, document, data)
    profile = organisation.profile.model_copy(update={"signed_links": False})
    quiet = organisation.model_copy(update={"profile": profile})
    assert links_for(Settings(), quiet) is None
    run(
        engine,
        quiet,
        decide,
        decision=progress(),
        today=DECIDED,
        data_dir=data,
        sender=SENDER,
        links=links_for(Settings(), quiet),
    )
    [mail, *_] = rows(engine, OutboxMessage, OutboxMessage.kind == "panel_outcome")
    assert "/act/" not in mail.body_text
    assert "then return it to the workforce development team" in mail.body_text


def remind(engine, organisation, day: date, links) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    """The day's reminders, decided and composed as the daily run's tasks do (one chunk
    of every item, one range of every recipient): the mails queued that day."""
    from definitions.clock import DateWindow
    from tasks.reminders.compose import compose_recipients
    from tasks.reminders.notices import decide_notices

    everyone = (0, 2**31 - 1)
    with Session(engine) as session, session.begin():
        decide_notices(session, organisation, DateWindow(day, day), day, everyone)
    with Session(engine) as session, session.begin():
        compose_recipients(session, organisation, day, everyone, SENDER, links=links)
    return rows(engine, OutboxMessage, OutboxMessage.send_on == day)


def link_in(mail: OutboxMessage) -> str:
    found = re.search(r"http://\S+/act/\S+", mail.body_text)
    assert found, mail.body_text
    assert f'href="{found.group(0)}"' in (mail.body_html or "")
    return found.group(0)


@pytest.mark.usefixtures("staff", "ladder_env")
def test_a_manager_marks_an_action_done_by_the_link_in_their_reminder(  # type: ignore[no-untyped-def]
    engine, organisation, document: Path, browser: webdriver.Chrome
) -> None:
    from flows.web.app import create_app

    data = Path(Settings().data_dir)
    submitted(engine, organisation, document, data)
    links = links_for(Settings(), organisation)
    run(
        engine,
        organisation,
        decide,
        decision=defer(),
        today=DECIDED,
        data_dir=data,
        sender=SENDER,
        links=links,
    )
    # Friday 12 June, three days before the manager's action is due on Monday 15 June:
    # the worker and the manager are reminded; only the manager records it done.
    day = date(2026, 6, 12)
    told = {m.to_address: m for m in remind(engine, organisation, day, links)}
    manager = told["chloe.patel@sample-borough.example"]  # her daily digest
    assert "Sam Walsh: action “Review progress in supervision”" in manager.body_text
    assert "Mark it done (the link is yours alone and works once): http" in manager.body_text
    assert "/act/" not in told["sam.walsh@sample-borough.example"].body_text
    url = link_in(manager)

    with serve(create_app(today=lambda: day)) as base:
        browser.get(base + url[url.index("/act/") :])
        assert browser.find_element(By.ID, "what").text.startswith(
            "Chloe Patel, you are about to record that Sam Walsh has done this action from "
            "their progression panel on Monday 20 April 2026: “Review progress in supervision”."
        )
        assert accessibility_problems(browser) == []
        [action] = rows(engine, Obligation, Obligation.milestone == "action_2")
        assert action.status == "open"  # opening the link records nothing
        result = confirm(browser)
        assert result.text == (
            "Thank you, Chloe Patel. The action “Review progress in supervision” is recorded "
            "as done. You can close this page."
        )
        assert accessibility_problems(browser) == []
    [action] = rows(engine, Obligation, Obligation.milestone == "action_2")
    assert action.status == "done"
    [done] = rows(engine, Event, Event.kind == "panel.action_done")
    assert done.actor == "W0003" and (done.channel or "").startswith("link:")
    assert done.payload["item"] == 2


@pytest.mark.usefixtures("ladder_env")
def test_an_assessor_records_a_review_by_the_link_in_their_reminder(  # type: ignore[no-untyped-def]
    engine, organisation, import_roster_file, browser: webdriver.Chrome
) -> None:
    """W0014 Nadia Nowak's 3-month review is due Thursday 30 April 2026; her manager, W0006
    Farid Rahman, assesses her. Two weeks before, his reminder carries a link on which he
    picks the outcome; someone else's link, or a second use, records nothing."""
    from flows.web.app import create_app

    import_roster_file(engine, organisation, as_of=date(2026, 1, 5))
    links = links_for(Settings(), organisation)
    day = date(2026, 4, 16)
    told = {m.to_address: m for m in remind(engine, organisation, day, links)}
    [assessor] = [m for a, m in told.items() if a.startswith("farid.rahman")]  # a digest
    assert "Nadia Nowak: 3-month ASYE review" in assessor.body_text
    assert "Record the outcome (the link is yours alone and works once): http" in (
        assessor.body_text
    )
    url = link_in(assessor)
    worker_mails = [m for a, m in told.items() if a.startswith("nadia.nowak")]
    assert worker_mails and all("/act/" not in m.body_text for m in worker_mails)

    with serve(create_app(today=lambda: date(2026, 4, 29))) as base:
        browser.get(base + url[url.index("/act/") :])
        assert browser.find_element(By.ID, "what").text.startswith(
            "Farid Rahman, you are recording the outcome of the 3-month ASYE review for Nadia "
            "Nowak, due by Thursday 30 April 2026."
        )
        labels = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "fieldset label")]
        assert labels == ["On track", "Concerns", "Not on track"]
        assert accessibility_problems(browser) == []
        # The outcome must be chosen: the browser does not send the form without one.
        browser.find_element(By.ID, "confirm").click()
        assert browser.find_elements(By.ID, "what")
        browser.find_element(By.CSS_SELECTOR, "label[for='outcome-concerns']").click()
        result = confirm(browser)
        assert result.text == (
            "Thank you, Farid Rahman. The 3-month ASYE review for Nadia Nowak is recorded: "
            "Concerns. You can close this page."
        )
        assert accessibility_problems(browser) == []
        again = httpx.post(
            base + url[url.index("/act/") :], data={"outcome": "on_track"}, timeout=30
        )
        assert again.status_code == 409 and "already been used" in again.text
        # Another link to the same review (the next day's digest) finds it recorded.
        [recorded] = rows(engine, Event, Event.kind == "asye.review_recorded")
        with Session(engine) as session, session.begin():
            farid = session.scalars(select(Worker).where(Worker.external_id == "W0006")).one()
            assert links is not None
            later = links.make(
                session,
                person=farid,
                action="record_step",
                target=recorded.obligation_id,
                today=day,
            )
        page = httpx.get(base + later[later.index("/act/") :], timeout=30)
        assert page.status_code == 410
        assert (
            "Nothing was recorded: “3-month ASYE review” for Nadia Nowak is already recorded, "
            "so there is nothing more to do." in page.text
        )
        assert "W0014" not in page.text
    [recorded] = rows(engine, Event, Event.kind == "asye.review_recorded")
    assert recorded.actor == "W0006" and (recorded.channel or "").startswith("link:")
    assert recorded.payload["outcome"] == "concerns"
    assert recorded.occurred_on == date(2026, 4, 29)

"""The verification page in a real headless Chromium, used as a person would: open the QR
code's address, type a serial into the form, read the verdict."""

from __future__ import annotations

import base64
import csv
import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from web_world import accessibility_problems, chromium, serve

from notifications.signing import create_key
from storage.models import Certificate, Worker

pytestmark = pytest.mark.integration
TODAY = date(2026, 11, 23)


@pytest.fixture
def site(  # type: ignore[no-untyped-def]
    tmp_path: Path,
    ladder_env,
    monkeypatch: pytest.MonkeyPatch,
    engine,
    organisation,
    import_roster_file,
) -> Iterator[tuple[str, dict[str, str]]]:
    """A database with three certificates (current, revoked, expired) and the site serving it."""
    from flows.web.app import create_app
    from notifications.signing import load_key
    from tasks.certificates.corrections import revoke
    from tasks.certificates.issue import issue_awards
    from tasks.runtime import current_runtime
    from tasks.training.completions import import_completions

    key = create_key(tmp_path / "keys" / "signing-key.pem")
    monkeypatch.setenv("LADDER_SIGNING_KEY", str(key))
    import_roster_file(engine, organisation, as_of=date(2025, 12, 1))
    sheet = tmp_path / "sheet.csv"
    with sheet.open("w", newline="") as handle:
        csv.writer(handle).writerows([
            ("external_id", "module", "completed_on"),
            ("W0031", "first_aid", "2026-03-18"),
            ("W0032", "first_aid", "2026-03-18"),
            ("W0033", "first_aid", "2023-03-18"),
        ])  # fmt: skip
    with Session(engine) as session, session.begin():
        import_completions(session, organisation, sheet, actor="test", today=TODAY)
    runtime = current_runtime()
    with Session(engine) as session, session.begin():
        issue_awards(session, runtime, load_key(key), award_ids=(1, 10**9), as_of=TODAY)
    with Session(engine) as session:
        serials = {
            worker: serial
            for worker, serial in session.execute(select(Certificate.worker_id, Certificate.serial))
        }
        by_name = dict(
            zip(
                ("current", "revoked", "expired"),
                [serials[k] for k in sorted(serials)],
                strict=True,
            )
        )
    with Session(engine) as session, session.begin():
        revoke(
            session,
            organisation,
            serial=by_name["revoked"],
            reason="issued in error",
            actor="W0001",
            today=TODAY,
        )

    with serve(create_app(today=lambda: TODAY)) as base:
        yield base, by_name


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    with chromium() as opened:
        yield opened


def test_a_person_checks_certificates_in_a_browser(
    site: tuple[str, dict[str, str]], browser: webdriver.Chrome
) -> None:
    base, serials = site
    # Typing the serial from the paper certificate into the form.
    browser.get(f"{base}/verify")
    assert browser.title == "Check a certificate"
    assert accessibility_problems(browser) == []  # WCAG 2.2 AA, at its width and at 390 px
    browser.find_element(By.ID, "serial").send_keys(serials["current"])
    browser.find_element(By.ID, "check").click()
    # The form posts and a new page loads: wait for it (a loaded machine takes its time).
    verdict = WebDriverWait(browser, 30).until(
        expected_conditions.presence_of_element_located((By.ID, "verdict"))
    )
    assert verdict.text.startswith("Genuine and current.")
    assert browser.current_url == f"{base}/verify/{serials['current']}"
    assert browser.find_element(By.ID, "name").text == "Efa Bowen"
    assert browser.find_element(By.ID, "title").text == "First aid at work"
    assert accessibility_problems(browser) == []

    # What the QR code opens, for a revoked and for an expired certificate.
    browser.get(f"{base}/verify/{serials['revoked']}")
    assert browser.find_element(By.ID, "verdict").text == (
        "Revoked on Monday 23 November 2026: issued in error"
    )
    assert accessibility_problems(browser) == []
    browser.get(f"{base}/verify/{serials['expired']}")
    assert (
        browser.find_element(By.ID, "verdict").text
        == "Genuine, but expired on Wednesday 18 March 2026."
    )

    # A made-up serial, and the real one with one character wrong: not found, not "fake".
    typo = serials["current"][:-1] + ("A" if serials["current"][-1] != "A" else "B")
    for wrong in ("LDR-424242-1", typo):
        browser.get(f"{base}/verify/{wrong}")
        assert browser.find_element(By.ID, "verdict").text == (
            f"Not found: check the serial. We have no certificate with the serial {wrong}. "
            "Check it against the certificate, letter by letter, and type it again."
        )
        assert accessibility_problems(browser) == []

    # Typed in lower case with spaces, as people copy a serial off paper: found.
    browser.get(f"{base}/verify")
    typed = " ".join(serials["current"].lower().split("-", 1))
    browser.find_element(By.ID, "serial").send_keys(typed)
    browser.find_element(By.ID, "check").click()
    verdict = WebDriverWait(browser, 30).until(
        expected_conditions.presence_of_element_located((By.ID, "verdict"))
    )
    assert verdict.text.startswith("Genuine and current.")
    assert browser.current_url == f"{base}/verify/{serials['current']}"

    # The key set a verifier needs, linked from the page.
    browser.get(f"{base}/.well-known/jwks.json")
    jwks = json.loads(browser.find_element(By.TAG_NAME, "body").text)
    assert jwks["keys"][0]["kty"] == "RSA" and jwks["keys"][0]["alg"] == "RS256"


def test_the_page_keeps_its_style_under_its_content_security_policy(
    site: tuple[str, dict[str, str]], browser: webdriver.Chrome
) -> None:
    base, serials = site
    browser.get(f"{base}/verify/{serials['current']}")
    verdict = browser.find_element(By.ID, "verdict")
    # The inline style is allowed by its hash: a blocked style would leave no green bar.
    assert verdict.value_of_css_property("border-left-color") == "rgba(0, 112, 60, 1)"


def test_every_response_carries_the_security_headers(site: tuple[str, dict[str, str]]) -> None:
    base, serials = site
    for path in ("/verify", f"/verify/{serials['current']}", "/verify/LDR-424242-1",
                 "/.well-known/jwks.json", f"/credentials/{serials['current']}"):  # fmt: skip
        response = httpx.get(base + path)
        policy = response.headers["content-security-policy"]
        assert policy.startswith("default-src 'none'; style-src 'sha256-"), path
        assert "frame-ancestors 'none'" in policy and "script-src" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_the_key_set_is_read_once_and_again_when_the_key_changes(
    site: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import flows.web.app as web

    base, serials = site
    loads: list[Path] = []
    real_load_key = web.load_key

    def counted(path: Path) -> Any:
        loads.append(path)
        return real_load_key(path)

    monkeypatch.setattr(web, "load_key", counted)
    first = httpx.get(f"{base}/.well-known/jwks.json").json()
    for _ in range(5):
        assert httpx.get(f"{base}/verify/{serials['current']}").status_code == 200
        assert httpx.get(f"{base}/.well-known/jwks.json").json() == first
    assert len(loads) == 1  # the site had served nothing before: one read, then none
    # A rotated key (a new file at the configured path) is served at once.
    key_path = Path(os.environ["LADDER_SIGNING_KEY"])
    key_path.unlink()
    create_key(key_path)
    rotated = httpx.get(f"{base}/.well-known/jwks.json").json()
    assert rotated["keys"][0]["kid"] != first["keys"][0]["kid"]
    assert len(loads) == 2


def test_a_certificate_shows_the_name_it_was_issued_in_and_its_ids_resolve(  # type: ignore[no-untyped-def]
    site: tuple[str, dict[str, str]], engine
) -> None:
    base, serials = site
    # Efa Bowen changes her name on the roster after the certificate was issued: the
    # certificate still says the name it was printed and signed in.
    with Session(engine) as session, session.begin():
        session.execute(
            update(Worker).where(Worker.external_id == "W0031").values(name="Efa Lloyd")
        )
    page = httpx.get(f"{base}/verify/{serials['current']}").text
    assert "Efa Bowen" in page and "Efa Lloyd" not in page

    # The credential's issuer and achievement ids are addresses on the site that answer.
    token = httpx.get(f"{base}/credentials/{serials['current']}").text
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "==="))
    vc = claims["vc"]
    for url in (claims["iss"], vc["issuer"]["id"], vc["credentialSubject"]["achievement"]["id"]):
        local = url.replace(os.environ.get("LADDER_VERIFY_URL", "http://127.0.0.1:8000"), base)
        answer = httpx.get(local)
        assert answer.status_code == 200, url
        body = answer.json()
        assert body["id"] == url
    issuer = httpx.get(f"{base}/issuer").json()
    assert issuer["type"] == ["Profile"] and issuer["name"] == vc["issuer"]["name"]
    achievement = httpx.get(f"{base}/achievements/module-first_aid").json()
    assert achievement["name"] == "First aid at work"
    assert httpx.get(f"{base}/achievements/module-no_such").status_code == 404


def test_the_accessibility_check_finds_what_a_page_gets_wrong(browser: webdriver.Chrome) -> None:
    # A page with no language, an image with no text and a row wider than a phone.
    browser.get(
        "data:text/html,<html><head><title>t</title></head><body><img src='x.png'>"
        "<div style='width:800px'>wide</div></body></html>"
    )
    problems = " ".join(accessibility_problems(browser))
    assert "html-has-lang" in problems and "image-alt" in problems
    assert "at 390 px the page scrolls sideways" in problems

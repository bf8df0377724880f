"""Ladder writes in the organisation's language: dates from CLDR (Babel) and its own phrases
from gettext catalogues (English and French ship). Read back from what people see: the
certificate PDF, the verification page, the credential's text, a meeting's time."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from definitions.calendar import WorkingCalendar, human_date
from definitions.certificates import award_title
from definitions.items import DueItem, Person
from definitions.language import gettext_for
from definitions.meetings import MeetingView
from definitions.organisation import Organisation, Voice
from notifications.certificate_pdf import CertificateFace, render_certificate
from notifications.render import environment, meeting_label
from tasks.certificates.verification import Verification

FACE = CertificateFace(
    serial="LDR-000042-1",
    name="Chiamaka Ọkọ",
    title="Curriculum des para-travailleurs sociaux",
    kind_label="Parcours de formation",
    achieved_on=date(2022, 5, 30),
    issued_on=date(2026, 11, 23),
    expires_on=None,
    issuer="Programme des para-travailleurs sociaux, Kinshasa",
    verify_url="https://verifier.example.cd/verify/LDR-000042-1",
    locale="fr-CD",
)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en-GB", "Monday 30 May 2022"),
        ("fr", "lundi 30 mai 2022"),
        ("fr-CD", "lundi 30 mai 2022"),
        ("cy", "Dydd Llun, 30 Mai 2022"),  # no Welsh catalogue: the dates are still Welsh
    ],
)
def test_dates_are_in_the_organisations_language(locale: str, expected: str) -> None:
    assert human_date(date(2022, 5, 30), locale) == expected


def test_french_writes_the_first_of_the_month_1er() -> None:
    assert human_date(date(2022, 6, 1), "fr-BE") == "mercredi 1er juin 2022"
    assert human_date(date(2022, 6, 1), "en-GB") == "Wednesday 1 June 2022"


def test_the_certificate_reads_in_french() -> None:
    text = PdfReader(io.BytesIO(render_certificate(FACE))).pages[0].extract_text()
    for phrase in (
        "Certificat",
        "Il est certifié que",
        "Chiamaka Ọkọ",
        "a obtenu : parcours de formation",
        "Obtenu le : lundi 30 mai 2022",
        "Délivré le : lundi 23 novembre 2026",
        "Sans date d’expiration",
        "Numéro : LDR-000042-1",
        "Vérifiez ce certificat sur https://verifier.example.cd/verify/LDR-000042-1",
    ):
        assert phrase in text, phrase
    assert "Certificate" not in text and "Monday" not in text


def test_the_same_face_in_english_is_unchanged() -> None:
    text = (
        PdfReader(io.BytesIO(render_certificate(replace(FACE, locale="en-GB"))))
        .pages[0]
        .extract_text()
    )
    assert "This certifies that" in text and "Achieved: Monday 30 May 2022" in text


def test_the_verification_page_reads_in_french() -> None:
    result = Verification(
        True,
        "current",
        "LDR-000042-1",
        name="Chiamaka Ọkọ",
        title="Curriculum des para-travailleurs sociaux",
        issued_on=date(2026, 11, 23),
        issuer="Programme des para-travailleurs sociaux",
    )
    page = environment(None, "fr-CD").get_template("verify.html")
    html = page.render(result=result, serial="LDR-000042-1", asked=True)
    assert '<html lang="fr-CD">' in html
    for phrase in (
        "Vérifier un certificat",
        "Authentique et valable.",
        "Décerné à",
        "le lundi 23 novembre 2026 par Programme des para-travailleurs sociaux",
        "sans date d’expiration",
    ):
        assert phrase in html, phrase
    assert "Genuine" not in html


def test_the_verification_page_says_why_not_in_french() -> None:
    page = environment(None, "fr-CD").get_template("verify.html")
    unknown = Verification(False, None, "LDR-000999-1", problem="no such", reason="unknown")
    html = page.render(result=unknown, serial="LDR-000999-1", asked=True, org_name="PTS")
    assert "Nous n’avons aucun certificat sous le numéro LDR-000999-1" in html
    tampered = Verification(False, None, "LDR-000042-1", problem="bad signature", reason="tampered")
    html = page.render(result=tampered, serial="LDR-000042-1", asked=True, org_name="PTS")
    assert "Demandez-en une nouvelle copie à PTS." in html
    assert "bad signature" not in html and "not" not in html.split("<body>")[1].lower().split()


def test_the_credentials_text_follows_the_locale(organisation: Organisation) -> None:
    _, description = award_title(
        organisation, "pathway", "para_social_worker_curriculum", gettext_for("fr")
    )
    assert (
        description
        == "A suivi tous les ensembles de modules du parcours Para social worker curriculum."
    )
    _, english = award_title(organisation, "pathway", "para_social_worker_curriculum")
    assert english == "Completed every module set of the Para social worker curriculum."


def test_a_meeting_time_reads_in_french() -> None:
    from zoneinfo import ZoneInfo

    starts = datetime(2026, 3, 30, 8, 0, tzinfo=UTC).astimezone(ZoneInfo("Africa/Kinshasa"))
    meeting = MeetingView(starts, 60, "Salle 2")
    assert meeting_label(meeting, "fr-CD") == "lundi 30 mars 2026 à 09:00 (WAT)"
    assert meeting_label(meeting, "en-GB") == meeting.label


def test_the_verification_site_speaks_the_organisations_language(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from fastapi.testclient import TestClient

    from definitions.loader import SAMPLE_ORGANISATION
    from flows.web.app import create_app

    folder = tmp_path / "organisation"
    shutil.copytree(SAMPLE_ORGANISATION, folder)
    profile = folder / "organisation.yaml"
    profile.write_text(profile.read_text().replace("\nservices:", "\nlocale: fr\nservices:", 1))
    monkeypatch.setenv("LADDER_ORGANISATION", str(folder))
    page = TestClient(create_app()).get("/verify")
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text and "Vérifier un certificat" in page.text


def test_booking_and_certificate_mail_read_in_french() -> None:
    from zoneinfo import ZoneInfo

    from definitions.organisation import Voice
    from notifications import compose
    from notifications.render import render

    voice = Voice("Programme PTS Kinshasa", "l’équipe de formation", None, "fr-CD")
    starts = datetime(2026, 3, 30, 9, 30, tzinfo=ZoneInfo("Africa/Kinshasa"))
    booking = compose.booking(
        person_name="Chiamaka Ọkọ",
        title="Premiers secours",
        meeting=MeetingView(starts, 210, "Centre de Gombe"),
        waitlisted=False,
        expires=date(2026, 4, 30),
        voice=voice,
    )
    assert booking.subject == "Inscription : Premiers secours, lundi 30 mars 2026 à 09:30 (WAT)"
    for phrase in (
        "Bonjour Chiamaka Ọkọ,",
        "Votre certification « Premiers secours » expire le jeudi 30 avril 2026",
        "Où : Centre de Gombe",
        "Ce message vous est envoyé par l’équipe de formation (Programme PTS Kinshasa).",
    ):
        assert phrase in booking.text, phrase
    assert '<html lang="fr-CD">' in booking.html and "Dear" not in booking.text + booking.html

    certificate = render(
        "certificate",
        {
            "recipient_name": "Chiamaka Ọkọ",
            "title": "Premiers secours",
            "serial": "LDR-000042-1",
            "issued": date(2026, 11, 23),
            "expires": None,
            "verify_link": "https://verifier.example.cd/verify/LDR-000042-1",
            "corrected": False,
        },
        voice,
    )
    assert certificate.subject == "Votre certificat : Premiers secours"
    assert "Félicitations : voici votre certificat pour Premiers secours" in certificate.text
    assert "Délivré le : lundi 23 novembre 2026" in certificate.text


KINSHASA = Voice("Programme PTS Kinshasa", "l’équipe de formation", None, "fr")


def _renewal(due: date, manager: Person | None = None) -> DueItem:
    """Chiamaka's first-aid renewal, due on `due`, as the daily sweep reads it."""
    return DueItem(
        obligation_id=1,
        kind="training.renewal",
        milestone="first_aid",
        title="Renouvellement des premiers secours",
        due_date=due,
        reminder_policy="refresher",
        responsible_role="worker",
        rule="(la règle)",
        subject=Person(1, "W0031", "Chiamaka Ọkọ", "chiamaka@example.cd"),
        manager=manager,
        assessor=None,
    )


def test_a_renewal_reminder_reads_in_french() -> None:
    from notifications import compose

    item = _renewal(date(2026, 5, 1))
    worker = item.subject
    message = compose.reminder(
        item, role="worker", person=worker, escalation=False, as_of=date(2026, 4, 1), voice=KINSHASA
    )
    assert message.subject == (
        "Votre échéance « Renouvellement des premiers secours » : à faire d’ici le "
        "vendredi 1er mai 2026"
    )
    for phrase in (
        "Bonjour Chiamaka Ọkọ,",
        "est fixée au vendredi 1er mai 2026 (dans 30 jours).",
        "Ce qu’il faut faire :",
        "- allez à une session de recyclage : si vous avez une place",
        "- l’équipe de formation enregistre la formation suivie",
        "Ce rappel vous est envoyé par l’équipe de formation (Programme PTS Kinshasa).",
    ):
        assert phrase in message.text, phrase
    assert "Dear" not in message.text and "What to do" not in message.html


def test_a_managers_digest_reads_in_french() -> None:
    from notifications import compose
    from notifications.compose import DigestLine

    manager = Person(2, "W0002", "Jean Mbala", "jean@example.cd")
    item = _renewal(date(2026, 3, 30), manager=manager)
    message = compose.digest(
        person=manager,
        new=[DigestLine(item, "manager", escalation=True)],
        earlier=[],
        as_of=date(2026, 4, 1),
        voice=KINSHASA,
        folded=0,
        cap=3,
    )
    assert (
        message.subject
        == "Votre récapitulatif du mercredi 1er avril 2026 : 1 en retard pour 1 personne"
    )
    for phrase in (
        "Bonjour Jean Mbala,",
        "Nouveau aujourd’hui (1) :",
        "EN RETARD : échéance le lundi 30 mars 2026 (il y a 2 jours), qui vous est transmis",
        "À faire : la formation de Chiamaka Ọkọ n’est plus valide",
        "Ce récapitulatif quotidien vous est envoyé par l’équipe de formation",
    ):
        assert phrase in message.text, phrase
    assert ">Qui</th>" in message.html and "Who" not in message.html


def test_a_meeting_invitation_and_its_cancellation_read_in_french() -> None:
    from zoneinfo import ZoneInfo

    from notifications import compose

    item = _renewal(date(2026, 5, 1))
    starts = datetime(2026, 4, 24, 10, 0, tzinfo=ZoneInfo("Africa/Kinshasa"))
    meeting = MeetingView(starts, 60, "Bureau de Gombe")
    manager = Person(2, "W0002", "Jean Mbala", "jean@example.cd")
    options = {"meeting": meeting, "rescheduled": False, "voice": KINSHASA}
    own = compose.invite(item, person=item.subject, role="worker", cancelled=False, **options)
    assert own.subject == (
        "Invitation : votre Renouvellement des premiers secours, "
        "vendredi 24 avril 2026 à 10:00 (WAT)"
    )
    assert "L’échéance est le vendredi 1er mai 2026." in own.text
    theirs = compose.invite(item, person=manager, role="manager", cancelled=True, **options)
    assert theirs.subject.startswith(
        "Annulée : Renouvellement des premiers secours de Chiamaka Ọkọ"
    )
    assert "est annulée" in theirs.text and "W0031" not in theirs.text + theirs.subject
    for message in (own, theirs):
        assert "Dear" not in message.text + message.html and "meeting" not in message.text


def test_a_panel_outcome_mail_and_report_read_in_french() -> None:
    from notifications import panel_pdf
    from notifications.render import render

    context = {
        "recipient_name": "Chiamaka Ọkọ",
        "role": "worker",
        "candidate_name": "Chiamaka Ọkọ",
        "panel": date(2026, 4, 20),
        "outcome": "defer",
        "sign_by": date(2026, 5, 4),
        "placement": None,
        "post_team": None,
        "actions": [{"title": "Deux observations", "owner": "worker", "due": date(2026, 7, 1)}],
        "worker_id": "W0031",
        "to_title": "Superviseur",
        "sign_link": None,
    }
    mail = render("panel_outcome", context, KINSHASA)
    assert mail.subject == (
        "Décision de votre commission de promotion (lundi 20 avril 2026) : ajournement, à signer "
        "d’ici le lundi 4 mai 2026"
    )
    assert (
        "Deux observations (la personne concernée, d’ici le mercredi 1er juillet 2026)" in mail.text
    )
    assert "ladder" not in mail.text.lower().replace("programme", "")
    report = panel_pdf.outcome_report(
        panel_pdf.OutcomeView(
            organisation="Programme PTS Kinshasa",
            title="Promotion des para-travailleurs sociaux",
            candidate="Chiamaka Ọkọ",
            external_id="W0031",
            team="gombe",
            panel=date(2026, 4, 20),
            outcome="defer",
            decided_on=date(2026, 4, 20),
            decided_by="Jean Mbala",
            reasons="",
            further_work="",
            placement=None,
            actions=(("Deux observations", "worker", date(2026, 7, 1)),),
            sign_by=date(2026, 5, 4),
            manager="Jean Mbala",
            locale="fr-CD",
        )
    )
    text = " ".join(PdfReader(io.BytesIO(report)).pages[0].extract_text().split())
    for phrase in (
        "Décision de la commission de promotion : Chiamaka Ọkọ",
        "Ajournement",
        "lundi 20 avril 2026 (enregistré par Jean Mbala)",
        "Responsable d’équipe Jean Mbala",
        "d’ici le lundi 4 mai 2026",
    ):
        assert phrase in text, phrase
    assert "Decision" not in text and "`" not in text


KINSHASA_CALENDAR = WorkingCalendar("Africa/Kinshasa", "CD", None, (date(2026, 6, 2),), "fr-CD")


@pytest.mark.parametrize(
    ("day", "why"),
    [
        # Holiday names come from the holidays package in the organisation's language.
        (date(2026, 1, 4), "le dimanche 4 janvier 2026 est férié (Martyrs de l'indépendance)"),
        (date(2026, 2, 28), "le 28 février 2026 est un samedi"),
        (date(2026, 6, 2), "le mardi 2 juin 2026 est un jour de fermeture de l’organisation"),
        (date(2026, 6, 3), None),
    ],
)
def test_why_a_day_is_not_worked_reads_in_french(day: date, why: str | None) -> None:
    assert KINSHASA_CALENDAR.why_not_working(day) == why


def test_english_holiday_names_and_reasons_are_unchanged() -> None:
    england = WorkingCalendar()
    assert england.why_not_working(date(2026, 4, 6)) == "Monday 6 April 2026 is Easter Monday"
    assert england.why_not_working(date(2026, 2, 28)) == "28 February 2026 is a Saturday"


def test_the_rules_that_date_items_read_in_french() -> None:
    from definitions.loader import SAMPLE_ORGANISATION, load_organisation
    from definitions.panels import submission_deadline
    from definitions.programmes import Leave, date_milestones, require_asye
    from definitions.training import expiry_for, renewal_due, require_programme

    sample = load_organisation(SAMPLE_ORGANISATION)
    validity = require_programme(sample.training).module("first_aid").validity
    assert validity is not None
    expiry = expiry_for(validity, date(2024, 2, 28), locale="fr-CD")
    due, rule = renewal_due(KINSHASA_CALENDAR, "Premiers secours", expiry.expires_on, expiry.rule)
    assert due == date(2027, 2, 26)
    assert rule == (
        "Premiers secours : suivi le 28 février 2024, valable 36 mois, expire donc le 28 février "
        "2027 ; le 28 février 2027 est un dimanche, l’échéance est donc le jour ouvré précédent, "
        "le vendredi 26 février 2027"
    )
    # 31 January + 3 months has no 31st: the month end, said in French (with its elision).
    review = date_milestones(
        date(2026, 1, 31),
        require_asye(sample.asye),
        KINSHASA_CALENDAR,
        [Leave(date(2026, 3, 2), date(2026, 3, 6))],
    )[0]
    assert review.rule == (
        "3 mois calendaires après le début, le 31 janvier 2026, soit le 30 avril 2026, le dernier "
        "jour d’avril, qui n’a que 30 jours ; 5 jours de congé du 2 mars 2026 au 6 mars 2026 "
        "reportent l’échéance au 5 mai 2026"
    )
    # A deadline over closed days names each of them once.
    deadline = submission_deadline(date(2026, 4, 20), 14, KINSHASA_CALENDAR)
    assert deadline.rule == (
        "14 jours avant la commission du lundi 20 avril 2026, c’est le lundi 6 avril 2026 ; "
        "samedi, dimanche et Journée du combat de Simon Kimbangu et de la conscience africaine "
        "ne sont pas des jours ouvrés, la date limite est donc le jour ouvré qui les précède, "
        "le vendredi 3 avril 2026"
    )


ITEM_KINDS = (
    ("training.renewal", "first_aid"),
    ("asye.review", "review_3"),
    ("asye.report", "report"),
    ("panel.evidence", "training_pathway"),
    ("panel.evidence", "social_worker_report"),
    ("panel.preparation", "preparation_day"),
    ("panel.action", "action_1"),
    ("panel.signature", "sign_worker"),
)
ROLES = ("worker", "assessor", "supervisor", "manager", "workforce_lead")


@pytest.mark.parametrize(("kind", "milestone"), ITEM_KINDS)
def test_what_to_do_names_people_not_commands_and_reads_in_french(
    kind: str, milestone: str
) -> None:
    """Each kind of item, for each reader: no command line, option or id in what they are
    asked to do, and every step in French for a French organisation."""
    import re

    from notifications.compose import next_steps

    assessor = Person(3, "W0003", "Jean Mbala", "jean@example.cd")
    item = replace(_renewal(date(2026, 5, 1)), kind=kind, milestone=milestone, assessor=assessor)
    english = Voice("Sample Borough", "the workforce team", None, "en-GB")
    for role in ROLES:
        for as_of in (date(2026, 4, 1), date(2026, 5, 8)):  # before, and after it was due
            steps = next_steps(role, item, as_of, english)
            french = next_steps(role, item, as_of, KINSHASA)
            assert steps and len(french) == len(steps), (role, as_of)
            for text in steps + french:
                assert not re.search(r"`|--\w|\bladder [a-z]|YOUR-ID|W0031", text), text
            assert set(french).isdisjoint(steps), (role, french)


def test_french_mail_elides_de_and_que_before_a_vowel() -> None:
    """'de Anaïs' reads 'd’Anaïs' once the name is in; names starting with a consonant and
    English mail are left alone."""
    from notifications import compose

    manager = Person(2, "W0002", "Jean Mbala", "jean@example.cd")
    item = replace(
        _renewal(date(2026, 5, 1), manager=manager),
        subject=Person(1, "W0031", "Anaïs Ngoyi", "anais@example.cd"),
    )
    message = compose.reminder(
        item,
        role="manager",
        person=manager,
        escalation=False,
        as_of=date(2026, 4, 1),
        voice=KINSHASA,
    )
    assert "d’Anaïs Ngoyi" in message.text and "de Anaïs" not in message.text
    assert "qu’Anaïs Ngoyi puisse" in message.text
    english = compose.reminder(
        item,
        role="manager",
        person=manager,
        escalation=False,
        as_of=date(2026, 4, 1),
        voice=Voice("Sample Borough", "the workforce team", None, "en-GB"),
    )
    assert "Anaïs Ngoyi" in english.text and "d’" not in english.text

"""Signed links: a mail that asks someone to record something (sign an outcome report,
mark an action of a deferral plan done, record a review's outcome) carries a link to a page
on Ladder's web app where that person, and only them, records it.

Links are made by storage/links.py. A token is refused when its signature does not match
(changed in any character), when it names another person or item than its row, once it
has been used, after its last day, and when the person is no longer active. Using one
marks it used in the same transaction as what it records, with a guarded UPDATE, so two
clicks record it once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from definitions.calendar import human_date
from definitions.errors import Refused
from definitions.language import gettext_for
from definitions.organisation import Organisation
from storage.links import Links
from storage.models import ActionLink, Candidacy, Enrolment, Obligation, Panel, Worker, utcnow
from storage.obligations import obligation_by_source
from tasks.programmes.decisions import open_reviews
from tasks.programmes.enrolled import programme_of


@dataclass(frozen=True)
class OpenLink:
    id: int
    person: Worker
    action: str
    target: int
    expires_on: date


class LinkRefused(Refused):
    """The link cannot be used; the message says why, for the person who clicked it."""


def read_link(
    session: Session, links: Links, token: str, *, today: date, locale: str = "en-GB"
) -> OpenLink:
    """The link a token names, if it may be used today; LinkRefused says why not, in the
    organisation's language."""
    _ = gettext_for(locale)
    try:
        fields = links.fields(token)
    except (ValueError, UnicodeDecodeError):
        raise LinkRefused(_("this link is not one Ladder made")) from None
    if fields is None:
        raise LinkRefused(
            _(
                "this link is not complete or has been changed; open the link from your email "
                "again, or ask the sender for a new one"
            )
        )
    try:
        named, person_id, action, target, expires = fields
        # A link made before 0014 names its row by id; since then, by its nonce.
        row = (
            session.get(ActionLink, int(named))
            if named.isdigit()
            else session.scalars(select(ActionLink).where(ActionLink.nonce == named)).first()
        )
    except (ValueError, UnicodeDecodeError):
        raise LinkRefused(_("this link is not one Ladder made")) from None
    if row is None or (str(row.worker_id), row.action, str(row.target), str(row.expires_on)) != (
        person_id,
        action,
        target,
        expires,
    ):
        raise LinkRefused(_("this link is not one Ladder made"))
    if row.used_at is not None:
        raise LinkRefused(
            _(
                "this link has already been used, so what it records is recorded; each link "
                "works once"
            )
        )
    if today > row.expires_on:
        raise LinkRefused(
            _("this link stopped working after {date}; ask the sender for a new one").format(
                date=human_date(row.expires_on, locale)
            )
        )
    person = session.get(Worker, row.worker_id)
    if person is None or person.status != "active":
        raise LinkRefused(_("this link was for someone who is no longer active in Ladder"))
    return OpenLink(row.id, person, row.action, row.target, row.expires_on)


def use_link(
    session: Session, links: Links, token: str, *, today: date, locale: str = "en-GB"
) -> OpenLink:
    """Read the link and mark it used, once: a second use (a double click, a replay) in any
    transaction is refused."""
    link = read_link(session, links, token, today=today, locale=locale)
    marked = session.execute(
        update(ActionLink)
        .where(ActionLink.id == link.id, ActionLink.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkRefused(
            gettext_for(locale)("this link has already been used; each link works once")
        )
    return link


@dataclass(frozen=True)
class LinkPage:
    """What a link's page says to its person, before and after they confirm."""

    heading: str
    about: str  # what they are about to record, as a sentence to them
    note: str  # what recording it means
    button: str
    done_heading: str
    done: str  # the thank-you, once it is recorded; {outcome} is the outcome's words
    choices: tuple[tuple[str, str], ...] = ()  # (outcome, its words) to pick one of


def outcome_words(outcome: str, _: Callable[[str], str]) -> str:
    """An outcome as its recorder reads it ("not_on_track" as "Not on track")."""
    known = {
        "on_track": _("On track"),
        "concerns": _("Concerns"),
        "not_on_track": _("Not on track"),
        "pass": _("Pass"),
        "fail": _("Fail"),
        "extend": _("Extend"),
        "submitted": _("Submitted"),
        "done": _("Done"),
        "received": _("Received"),
    }
    return known.get(outcome, outcome.replace("_", " ").capitalize())


def _gone(_: Callable[[str], str]) -> LinkRefused:
    return LinkRefused(_("what this link was for is no longer on record"))


def _panel_of(session: Session, source: str, _: Callable[[str], str]) -> Panel:
    """The panel an item of the form `panel:<candidacy>:<part>` came from."""
    candidacy = session.get(Candidacy, int(source.split(":")[1]))
    if candidacy is None:
        raise _gone(_)
    return session.get_one(Panel, candidacy.panel_id)


def link_page(session: Session, organisation: Organisation, link: OpenLink) -> LinkPage:
    """The page for this link, in words for its person ("Chloe Patel, you are about to sign
    the outcome report of Sam Walsh's progression panel on Monday 20 April 2026."). A link
    whose item is already recorded (by another link, or by the team) is refused in words for
    them, before they are asked to confirm anything."""
    locale = organisation.profile.locale
    _ = gettext_for(locale)
    name = link.person.name
    if link.action == "sign_outcome":
        candidacy = session.get(Candidacy, link.target)
        panel = session.get(Panel, candidacy.panel_id) if candidacy else None
        candidate = session.get(Worker, candidacy.worker_id) if candidacy else None
        if candidacy is None or panel is None or candidate is None:
            raise _gone(_)
        signer = "worker" if candidate.id == link.person.id else "manager"
        signature = obligation_by_source(session, f"panel:{candidacy.id}:sign:{signer}")
        if signature is None or signature.status != "open":
            raise LinkRefused(_("your signature on this report is already recorded"))
        day = human_date(panel.meets_on, locale)
        what = (
            _("the outcome report of your progression panel on {date}").format(date=day)
            if signer == "worker"
            else _("the outcome report of {name}'s progression panel on {date}").format(
                name=candidate.name, date=day
            )
        )
        return LinkPage(
            heading=_("Sign the outcome report"),
            about=_("{name}, you are about to sign {what}.").format(name=name, what=what),
            note=_(
                "Signing says you have read the report. It does not mean you agree with every "
                "word of it."
            ),
            button=_("Sign the report"),
            done_heading=_("Signed"),
            done=_(
                "Thank you, {name}. Your signature on {what} is recorded. You can close this page."
            ).format(name=name, what=what),
        )
    item = session.get(Obligation, link.target)
    subject = session.get(Worker, item.subject_id) if item else None
    if item is None or subject is None:
        raise _gone(_)
    title = item.title.strip()
    if item.status != "open":
        raise LinkRefused(
            _("“{title}” for {name} is already recorded, so there is nothing more to do").format(
                title=title, name=subject.name
            )
        )
    if link.action == "action_done":
        panel = _panel_of(session, item.source, _)
        return LinkPage(
            heading=_("Mark an action done"),
            about=_(
                "{name}, you are about to record that {subject} has done this action from "
                "their progression panel on {date}: “{title}”."
            ).format(
                name=name,
                subject=subject.name,
                date=human_date(panel.meets_on, locale),
                title=title,
            ),
            note=_("Record it once you have seen that it is done, for example in supervision."),
            button=_("Mark it done"),
            done_heading=_("Recorded"),
            done=_(
                "Thank you, {name}. The action “{title}” is recorded as done. You can close "
                "this page."
            ).format(name=name, title=title),
        )
    enrolment = session.get(Enrolment, item.enrolment_id) if item.enrolment_id else None
    if enrolment is None:
        raise _gone(_)
    rule = programme_of(organisation, enrolment.programme).milestone(item.milestone)
    if rule.kind == "recommendation" and open_reviews(session, enrolment):
        raise LinkRefused(
            _(
                "the reviews before the {title} are not all recorded yet; record them first, "
                "or ask {team} to record the recommendation without them"
            ).format(title=title, team=organisation.profile.team_name)
        )
    about = _(
        "{name}, you are recording the outcome of the {title} for {subject}, due by {date}."
    ).format(name=name, title=title, subject=subject.name, date=human_date(item.due_date, locale))
    return LinkPage(
        heading=_("Record the outcome"),
        about=about,
        note=(
            _("Choose the outcome. It is recorded once: to change it later, contact {team}.")
            if len(rule.outcomes) > 1
            else _("Record it once it is done. To change it later, contact {team}.")
        ).format(team=organisation.profile.team_name),
        button=_("Record it"),
        done_heading=_("Recorded"),
        done=_(
            "Thank you, {name}. The {title} for {subject} is recorded: {outcome}. You can close "
            "this page."
        ).format(name=name, title=title, subject=subject.name, outcome="{outcome}"),
        choices=tuple((o, outcome_words(o, _)) for o in rule.outcomes),
    )


def record_by_link(
    session: Session,
    organisation: Organisation,
    links: Links,
    token: str,
    *,
    today: date,
    outcome: str | None = None,
) -> LinkPage:
    """Use the link and record what it is for, as its person, in the caller's transaction:
    the same use case as the command, under the channel `link:<id>`; `outcome` is the one
    chosen on the page, where the step has several. The page to show once it is done."""
    from storage.history import channel
    from tasks.panels.follow_up import complete_action, sign_outcome
    from tasks.programmes.decisions import record_outcome

    locale = organisation.profile.locale
    _ = gettext_for(locale)
    link = use_link(session, links, token, today=today, locale=locale)
    page = link_page(session, organisation, link)  # refuses a link whose item is done or gone
    actor = link.person.external_id
    with channel(f"link:{link.id}"):
        if link.action == "sign_outcome":
            candidacy = session.get_one(Candidacy, link.target)
            worker = session.get_one(Worker, candidacy.worker_id).external_id
            sign_outcome(session, organisation, worker=worker, actor=actor, on=today, today=today)
            return page
        item = session.get_one(Obligation, link.target)
        worker = session.get_one(Worker, item.subject_id).external_id
        if link.action == "action_done":
            complete_action(
                session,
                organisation,
                worker=worker,
                item=int(item.milestone.removeprefix("action_")),
                actor=actor,
                on=today,
                today=today,
            )
            return page
        chosen = outcome if len(page.choices) > 1 else page.choices[0][0]
        if chosen not in {key for key, _words in page.choices}:
            raise LinkRefused(_("choose one of the outcomes, then record it"))
        enrolment = session.get_one(Enrolment, item.enrolment_id)
        record_outcome(
            session,
            organisation,
            worker=worker,
            milestone=item.milestone,
            outcome=chosen,
            actor=actor,
            occurred_on=today,
            today=today,
            programme=enrolment.programme,
        )
    return replace(page, done=page.done.replace("{outcome}", outcome_words(chosen, _)))

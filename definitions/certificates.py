"""Certificates: serials, what a credential says (Open Badges 3.0), and a certificate's status.

Pure. The credential is an OpenBadgeCredential (a W3C Verifiable Credential 2.0) sent as a
VC-JWT: the JSON below becomes the `vc` claim, with iss, jti, sub, nbf and exp beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Literal

from definitions.organisation import Organisation

CertificateStatus = Literal["current", "expired", "superseded", "revoked"]

OB_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]

KIND_LABELS = {
    "module": "Module",
    "pathway": "Training pathway",
    "asye": "Assessed and Supported Year in Employment",
    "progression": "Progression",
}


def award_status(organisation: Organisation, kind: str, key: str) -> str:
    """How an award starts: "waiting" for the next certificate batch, or "uncertified" when
    the organisation's YAML says this achievement earns no certificate (it is still
    recorded, and counts for pathways and panels)."""
    return "waiting" if certifies(organisation, kind, key) else "uncertified"


def certifies(organisation: Organisation, kind: str, key: str) -> bool:
    """Whether an achievement of `kind` (module, pathway, asye, progression) earns a
    certificate: training.yaml `certificates` and each module's or pathway's own
    `certificate`, asye.yaml and panels.yaml `certificate`."""
    training = organisation.training
    if kind == "module" and training:
        own = training.module(key).certificate
        return training.certificates.modules if own is None else own
    if kind == "pathway" and training:
        pathway = next((p for p in training.pathways if p.key == key), None)
        own = pathway.certificate if pathway else None
        return training.certificates.pathways if own is None else own
    if kind == "asye":
        return organisation.asye.certificate if organisation.asye else False
    if kind == "progression":
        return organisation.panels.certificate if organisation.panels else False
    return True


def _same(text: str) -> str:
    return text


def award_title(
    organisation: Organisation, kind: str, key: str, _: Callable[[str], str] = _same
) -> tuple[str, str]:
    """(title, description) of what an award certifies. Titles come from the YAML, in the
    organisation's own words; `_` puts Ladder's phrases into its language."""
    training = organisation.training
    if kind == "module" and training:
        module = training.module(key)
        return module.title, _("Learning outcomes: {outcomes}").format(
            outcomes="; ".join(module.outcomes)
        )
    if kind == "pathway" and training:
        pathway = next(p for p in training.pathways if p.key == key)
        return pathway.title, _("Completed every module set of the {title}.").format(
            title=pathway.title
        )
    if kind == "asye" and organisation.asye:
        return (
            organisation.asye.title,
            _("Passed the ASYE, assessed against the Professional Capabilities Framework."),
        )
    if kind == "progression":
        level = next((lv for lv in organisation.ladder.levels if lv.key == key), None)
        title = level.title if level else key.replace("_", " ").capitalize()
        route = organisation.panels.title if organisation.panels else _("progression panel")
        return title, _("Progressed to {title} by decision of the panel ({route}).").format(
            title=title, route=route
        )
    return key.replace("_", " ").capitalize(), key


def certificate_prefix(organisation: Organisation) -> str:
    return "LDR"


def serial_for(prefix: str, award_id: int, version: int, check: str) -> str:
    """LDR-000123-1-K7QX2MPA: the award, which issue of its certificate (a correction is -2),
    and a check code only the issuer can compute, so nobody can walk through serials on the
    verification page to list who holds which certificate."""
    return f"{prefix}-{award_id:06d}-{version}-{check}"


def status_of(*, state: str, expires_on: date | None, on: date) -> CertificateStatus:
    """What a verifier is told: revoked and superseded first, then whether it has expired."""
    if state == "revoked":
        return "revoked"
    if state == "superseded":
        return "superseded"
    if expires_on is not None and on > expires_on:
        return "expired"
    return "current"


@dataclass(frozen=True)
class CredentialFacts:
    serial: str
    worker_id: str  # the worker's id in the organisation (not their name)
    worker_name: str
    title: str
    description: str
    achievement_key: str
    issued_on: date
    expires_on: date | None
    issuer_name: str
    base_url: str  # the public verification site, e.g. https://verify.example.org


def _at_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def credential_claims(facts: CredentialFacts) -> dict[str, Any]:
    """The JWT claims of an Open Badges 3.0 credential for one certificate. Deterministic:
    the same facts give the same claims, so a batch run again signs the same bytes."""
    base = facts.base_url.rstrip("/")
    credential_id = f"{base}/credentials/{facts.serial}"
    issuer_id = f"{base}/issuer"
    valid_from = _at_midnight(facts.issued_on)
    vc: dict[str, Any] = {
        "@context": OB_CONTEXT,
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": facts.issuer_name},
        "validFrom": valid_from.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "name": facts.title,
        "credentialSubject": {
            "id": f"urn:ladder:worker:{facts.worker_id}",
            "type": ["AchievementSubject"],
            "name": facts.worker_name,
            "achievement": {
                "id": f"{base}/achievements/{facts.achievement_key}",
                "type": ["Achievement"],
                "name": facts.title,
                "description": facts.description,
                "criteria": {"narrative": facts.description},
            },
        },
    }
    claims: dict[str, Any] = {
        "iss": issuer_id,
        "jti": credential_id,
        "sub": vc["credentialSubject"]["id"],
        "nbf": int(valid_from.timestamp()),
        "iat": int(valid_from.timestamp()),
        "vc": vc,
    }
    if facts.expires_on is not None:
        # Valid through the expiry day: it stops at the end of it.
        until = datetime.combine(facts.expires_on, time(23, 59, 59), tzinfo=UTC)
        vc["validUntil"] = until.strftime("%Y-%m-%dT%H:%M:%SZ")
        claims["exp"] = int(until.timestamp())
    return claims

"""The human decisions a deployment can record, as pydantic models: each is the parameter of
its deployment, so the Prefect UI shows it as a form, and the run records it once, as the
CLI does. The panel decision lives with the panel rules (definitions/panels.PanelDecision).

The models check the shape of what was typed; the programme's rules (who may record, which
outcomes a milestone has, what a pack item needs) are checked when it is recorded, against
the organisation's files, and a breach fails the run with a message that says why."""

from __future__ import annotations

import os
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

_FORM = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _organisation() -> Any:
    """The organisation the deployments are registered for (LADDER_ORGANISATION), or None
    when it cannot be read: its closed choices become the forms' drop-downs."""
    from definitions.errors import LadderError
    from definitions.loader import SAMPLE_ORGANISATION, load_organisation

    try:
        return load_organisation(os.environ.get("LADDER_ORGANISATION") or SAMPLE_ORGANISATION)
    except LadderError:
        return None


def _choices(schema: dict[str, Any], **fields: list[str]) -> None:
    for name, values in fields.items():
        if values and name in schema.get("properties", {}):
            schema["properties"][name]["enum"] = values


def _asye_choices(schema: dict[str, Any]) -> None:
    """Drop-downs for the ASYE form: the milestones and outcomes of the organisation's
    asye.yaml. Without a readable organisation the fields stay free text; whatever is
    typed is checked against the programme when it is recorded."""
    organisation = _organisation()
    asye = organisation.asye if organisation else None
    if asye is not None:
        _choices(
            schema,
            milestone=[m.key for m in asye.milestones],
            outcome=list(dict.fromkeys(o for m in asye.milestones for o in m.outcomes)),
        )


def _evidence_choices(schema: dict[str, Any]) -> None:
    """A drop-down of the evidence pack's items (panels.yaml) for the evidence form."""
    organisation = _organisation()
    panels = organisation.panels if organisation else None
    if panels is not None:
        _choices(schema, item=[i.key for i in panels.evidence_pack if i.check != "pathway"])


class AsyeReview(BaseModel):
    """Record an ASYE review, the final recommendation or the assessor's report for one
    newly qualified social worker. Each is recorded once."""

    model_config = ConfigDict(**_FORM, json_schema_extra=_asye_choices)

    worker: str = Field(
        min_length=1, max_length=64, description="The worker's roster number, for example W0014"
    )
    milestone: str = Field(
        min_length=1,
        max_length=64,
        description="Which review or report you are recording",
    )
    outcome: str = Field(
        min_length=1,
        max_length=64,
        description=(
            "For a review: on track, concerns or not on track. For the final "
            "recommendation: pass, fail or extend. For the assessor's report: submitted"
        ),
    )
    recorded_by: str = Field(
        min_length=1,
        max_length=64,
        description=(
            "Your own roster number: you must be the worker's assessor or manager, or a "
            "workforce lead"
        ),
    )
    occurred_on: date | None = Field(
        default=None, description="The day the review took place. Leave empty for today"
    )
    notes: str = Field(
        default="", max_length=2000, description="A short note, kept in the worker's history"
    )


class CreditDecision(BaseModel):
    """Approve or reject a worker's request for credit for learning they did elsewhere. The
    worker is told the decision and the reason. A decision is final once recorded."""

    model_config = _FORM

    request: int = Field(ge=1, description="The credit request's number, from the request mail")
    approve: bool = Field(description="Tick to approve; leave unticked to reject")
    reason: str = Field(
        min_length=3,
        max_length=2000,
        description="Why you decided this. The worker reads it, so write it for them",
    )
    decided_by: str = Field(
        min_length=1,
        max_length=64,
        description="Your own roster number: you must be one of the people who approve credit",
    )


class EvidenceReceived(BaseModel):
    """Record a document for a progression panel candidate's evidence pack. Ladder keeps a
    copy, checks it against what the pack needs and ticks the item off."""

    model_config = ConfigDict(**_FORM, json_schema_extra=_evidence_choices)

    worker: str = Field(
        min_length=1, max_length=64, description="The candidate's roster number, e.g. W0019"
    )
    item: str = Field(
        min_length=1,
        max_length=64,
        description="Which item of the evidence pack this document is",
    )
    author: str = Field(
        min_length=1, max_length=64, description="The roster number of the person who wrote it"
    )
    dated: date = Field(description="The date written on the document")
    file: str = Field(
        min_length=1,
        description="Where the document is in the shared evidence folder",
    )
    observations: tuple[date, ...] = Field(
        default=(), description="For a direct observation report: the days of the observations"
    )
    capabilities: tuple[str, ...] = Field(
        default=(), description="The capabilities the report covers, or all"
    )
    recorded_by: str = Field(
        min_length=1,
        max_length=64,
        description="Your own roster number: the candidate, their manager or a workforce lead",
    )


ImportKind = Literal["workers", "completions", "sessions"]


class ImportRequest(BaseModel):
    """Import one CSV file (all-or-nothing): the roster, completions or refresher sessions."""

    model_config = _FORM

    kind: ImportKind = Field(description="workers (the roster), completions or sessions")
    path: str = Field(min_length=1, description="the file's path on the worker machines")
    imported_by: str = Field(
        default="workforce-team", min_length=1, max_length=64, description="kept in the history"
    )

"""The human decisions a deployment can record, as pydantic models: each is the parameter of
its deployment, so the Prefect UI shows it as a form, and the run records it once, as the
CLI does. The panel decision lives with the panel rules (definitions/panels.PanelDecision).

The models check the shape of what was typed; the programme's rules (who may record, which
outcomes a milestone has, what a pack item needs) are checked when it is recorded, against
the organisation's files, and a breach fails the run with a message that says why."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_FORM = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class AsyeReview(BaseModel):
    """An ASYE review outcome, the final recommendation or the assessor's report, for one
    NQSW. Recorded once: a second one for the same milestone is refused."""

    model_config = _FORM

    worker: str = Field(min_length=1, max_length=64, description="the NQSW's id, e.g. W0014")
    milestone: str = Field(
        min_length=1,
        max_length=64,
        description=(
            "review_3, review_6, review_9, final_recommendation or assessor_report "
            "(the keys in asye.yaml)"
        ),
    )
    outcome: str = Field(
        min_length=1,
        max_length=64,
        description=(
            "reviews: on_track, concerns or not_on_track; final recommendation: pass, fail "
            "or extend; assessor's report: submitted"
        ),
    )
    recorded_by: str = Field(
        min_length=1, max_length=64, description="the assessor's, manager's or lead's id"
    )
    occurred_on: date | None = Field(
        default=None, description="when the review took place (YYYY-MM-DD); default: today"
    )
    notes: str = Field(default="", max_length=2000, description="a short note for the history")


class CreditDecision(BaseModel):
    """Approve or reject a request for credit for prior learning (`ladder credit request`
    makes one). Decided once."""

    model_config = _FORM

    request: int = Field(ge=1, description="the credit request's number")
    approve: bool = Field(description="true to approve, false to reject")
    reason: str = Field(
        min_length=3, max_length=2000, description="why; a rejection's reason goes to the worker"
    )
    decided_by: str = Field(min_length=1, max_length=64, description="the approver's id")


class EvidenceReceived(BaseModel):
    """One item of a panel candidate's evidence pack, received: stored from `file` (a path
    the worker machines can read, e.g. the shared evidence drop) and ticked off."""

    model_config = _FORM

    worker: str = Field(min_length=1, max_length=64, description="the candidate's id")
    item: str = Field(
        min_length=1,
        max_length=64,
        description=(
            "the pack item's key in panels.yaml, e.g. direct_observation_report, "
            "social_worker_report, team_manager_report, external_report, pe1_evidence"
        ),
    )
    author: str = Field(min_length=1, max_length=64, description="the author's id")
    dated: date = Field(description="the date on the document (YYYY-MM-DD)")
    file: str = Field(min_length=1, description="the document's path on the worker machines")
    observations: tuple[date, ...] = Field(
        default=(), description="direct observation report: the dates of the observations"
    )
    capabilities: tuple[str, ...] = Field(
        default=(), description="the PCF capabilities a report covers (keys), or ['all']"
    )
    recorded_by: str = Field(min_length=1, max_length=64, description="who records it")


ImportKind = Literal["workers", "completions", "sessions"]


class ImportRequest(BaseModel):
    """Import one CSV file (all-or-nothing): the roster, completions or refresher sessions."""

    model_config = _FORM

    kind: ImportKind = Field(description="workers (the roster), completions or sessions")
    path: str = Field(min_length=1, description="the file's path on the worker machines")
    imported_by: str = Field(
        default="workforce-team", min_length=1, max_length=64, description="kept in the history"
    )

"""The decision forms as the Prefect UI shows them: the JSON schema Prefect registers for
each deployment's parameter. Closed choices are drop-downs from the organisation's own
files, and the text is written for the person filling the form in."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from prefect.utilities.callables import parameter_schema

from definitions.loader import SAMPLE_ORGANISATION
from flows.decisions import asye_review, credit_decision, evidence_received
from flows.panels import panel_decision


def form(flow: Any, model: str) -> dict[str, Any]:
    return dict(parameter_schema(flow.fn).model_dump()["definitions"][model])


def test_the_asye_form_offers_the_organisations_milestones_and_outcomes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LADDER_ORGANISATION", str(SAMPLE_ORGANISATION))
    fields = form(asye_review, "AsyeReview")["properties"]
    assert fields["milestone"]["enum"] == [
        "review_3",
        "review_6",
        "review_9",
        "final_recommendation",
        "assessor_report",
    ]
    assert {"on_track", "pass", "extend", "submitted"} <= set(fields["outcome"]["enum"])
    evidence = form(evidence_received, "EvidenceReceived")["properties"]["item"]["enum"]
    assert "direct_observation_report" in evidence and "pathway" not in evidence

    # Another organisation's year, with its own milestone: its form offers that one.
    other = tmp_path / "org"
    shutil.copytree(SAMPLE_ORGANISATION, other)
    asye = other / "asye.yaml"
    asye.write_text(asye.read_text().replace("review_9", "review_nine"))
    monkeypatch.setenv("LADDER_ORGANISATION", str(other))
    assert "review_nine" in form(asye_review, "AsyeReview")["properties"]["milestone"]["enum"]

    # An organisation that cannot be read leaves free text (checked when recorded).
    monkeypatch.setenv("LADDER_ORGANISATION", str(tmp_path / "missing"))
    assert "enum" not in form(asye_review, "AsyeReview")["properties"]["milestone"]


@pytest.mark.parametrize(
    ("flow", "model"),
    [
        (asye_review, "AsyeReview"),
        (credit_decision, "CreditDecision"),
        (evidence_received, "EvidenceReceived"),
        (panel_decision, "PanelDecision"),
    ],
)
def test_every_form_speaks_to_the_person_filling_it_in(flow: Any, model: str) -> None:
    schema = form(flow, model)
    texts = [schema.get("description", "")] + [
        f.get("description", "") for f in schema["properties"].values()
    ]
    assert all(texts), f"a field of {model} has no description"
    for text in texts:
        # No developer words: no code spans, deployment or parameter talk, YAML file names.
        assert not re.search(r"`|deployment|parameter|\.yaml|YYYY", text), text

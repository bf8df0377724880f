"""prefect.yaml: every deployment points at a real flow, on a Europe/London schedule, one run
at a time."""

from __future__ import annotations

import importlib
from pathlib import Path

import yaml
from prefect.flows import Flow

ROOT = Path(__file__).resolve().parent.parent


def test_every_deployment_names_a_flow_with_a_london_schedule() -> None:
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    names = []
    for deployment in spec["deployments"]:
        path, _, name = deployment["entrypoint"].partition(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert isinstance(getattr(module, name), Flow), deployment["entrypoint"]
        # A scheduled batch runs one at a time; a decision is guarded in the database.
        if deployment.get("schedules"):
            assert deployment["concurrency_limit"] == 1
        for schedule in deployment.get("schedules", []):
            assert schedule["timezone"] == "Europe/London"
        names.append(deployment["name"])
    assert names == ["daily", "certificate-batch", "panel-decision"]


def test_the_decision_deployment_takes_a_pydantic_model_the_ui_shows_as_a_form() -> None:
    from flows.panels import panel_decision

    schema = panel_decision.parameters.model_dump()
    decision = schema["properties"]["decision"]
    assert decision["$ref"].endswith("/PanelDecision") or "allOf" in decision
    model = schema["definitions"]["PanelDecision"]
    assert model["properties"]["outcome"]["enum"] == ["progress", "defer"]
    assert "ActionItem" in schema["definitions"]

"""prefect.yaml: every flow Ladder has is deployed; every deployment points at a real flow,
on a Europe/London schedule, one run at a time; every human decision is a form."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
import yaml
from prefect.flows import Flow

import flows

ROOT = Path(__file__).resolve().parent.parent
SPEC = yaml.safe_load((ROOT / "prefect.yaml").read_text())
FORMS = {
    "panel-decision": ("decision", "PanelDecision"),
    "asye-review": ("review", "AsyeReview"),
    "credit-decision": ("decision", "CreditDecision"),
    "evidence-received": ("evidence", "EvidenceReceived"),
    "import-file": ("request", "ImportRequest"),
}


def _flow(entrypoint: str) -> Flow:  # type: ignore[type-arg]
    path, _, name = entrypoint.partition(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    found = getattr(module, name)
    assert isinstance(found, Flow), entrypoint
    return found


def test_every_deployment_names_a_flow_with_a_london_schedule() -> None:
    names = []
    for deployment in SPEC["deployments"]:
        _flow(deployment["entrypoint"])
        # A scheduled batch runs one at a time (a second waits); decisions are guarded in
        # the database.
        if deployment.get("schedules"):
            assert deployment["concurrency_limit"] == {"limit": 1, "collision_strategy": "ENQUEUE"}
        for schedule in deployment.get("schedules", []):
            assert schedule["timezone"] == "Europe/London"
            assert schedule["cron"].count(" ") == 4
        assert deployment["work_pool"]["name"] == "ladder"
        names.append(deployment["name"])
    assert names == [
        "daily",
        "certificate-batch",
        "panel-decision",
        "panel-steps",
        "import-inbox",
        "import-file",
        "weekly-report",
        "asye-review",
        "credit-decision",
        "evidence-received",
    ]
    scheduled = {
        d["name"]: d["schedules"][0]["cron"] for d in SPEC["deployments"] if d.get("schedules")
    }
    # The inbox is read before the sweep that reminds from it.
    assert scheduled == {
        "daily": "0 7 * * *",
        "certificate-batch": "30 1 * * *",
        "panel-steps": "45 23 * * *",
        "import-inbox": "30 6 * * *",
        "weekly-report": "0 8 * * 1",
    }


def test_every_flow_in_flows_is_deployed() -> None:
    deployed = {_flow(d["entrypoint"]).name for d in SPEC["deployments"]}
    defined = set()
    for info in pkgutil.iter_modules(flows.__path__):
        module = importlib.import_module(f"flows.{info.name}")
        defined |= {v.name for v in vars(module).values() if isinstance(v, Flow)}
    assert defined == deployed


@pytest.mark.parametrize("deployment", sorted(FORMS))
def test_each_decision_takes_a_pydantic_model_the_ui_shows_as_a_form(deployment: str) -> None:
    parameter, model_name = FORMS[deployment]
    [spec] = [d for d in SPEC["deployments"] if d["name"] == deployment]
    assert not spec.get("schedules") and "parameters" not in spec  # the form supplies them
    schema = _flow(spec["entrypoint"]).parameters.model_dump()
    assert schema["required"] == [parameter]
    field = schema["properties"][parameter]
    assert field.get("$ref", "").endswith(f"/{model_name}") or "allOf" in field
    model = schema["definitions"][model_name]
    assert model["required"], model_name
    # Every field says what to type in it.
    assert all(p.get("description") for p in model["properties"].values()), model_name


def test_the_panel_decision_form_lists_its_outcomes_and_actions() -> None:
    from flows.panels import panel_decision

    schema = panel_decision.parameters.model_dump()
    model = schema["definitions"]["PanelDecision"]
    assert model["properties"]["outcome"]["enum"] == ["progress", "defer"]
    assert "ActionItem" in schema["definitions"]

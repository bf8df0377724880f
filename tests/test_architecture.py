"""Import direction: definitions, then storage and notifications, then tasks, then flows.

Only tasks/ and flows/ use prefect. The source is read with `ast`, never imported, so a
forbidden import anywhere in a module (at the top or inside a function) is found. Relative
imports are resolved to absolute names (they cannot leave their top-level package, so they
never cross a layer). The checker is tested on synthetic snippets too, so a checker that
could never fail would itself fail.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("definitions", "storage", "notifications", "tasks", "flows")

# layer -> top-level packages it must not import
FORBIDDEN: dict[str, frozenset[str]] = {
    "definitions": frozenset({"storage", "notifications", "tasks", "flows"}),
    "storage": frozenset({"notifications", "tasks", "flows"}),
    "notifications": frozenset({"storage", "tasks", "flows"}),
    "tasks": frozenset({"flows"}),
    "flows": frozenset(),
}
PREFECT_ALLOWED = frozenset({"tasks", "flows"})


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """Every module `source` imports, absolute; relative imports resolved against `module`."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join([*base, *([node.module] if node.module else [])])
                if node.module is None:  # `from . import x` imports submodules
                    found.extend(f"{target}.{alias.name}" for alias in node.names)
                    continue
            else:
                target = node.module or ""
            found.append(target)
    return found


def violations(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """The forbidden imports of one module, as 'module imports target (why)' lines."""
    layer = module.split(".")[0]
    problems = []
    for target in imported_modules(source, module, is_package=is_package):
        top = target.split(".")[0]
        if top in FORBIDDEN.get(layer, frozenset()):
            problems.append(f"{module} imports {target} ({layer}/ must not import {top}/)")
        if top == "prefect" and layer not in PREFECT_ALLOWED:
            problems.append(f"{module} imports {target} (only tasks/ and flows/ use prefect)")
    return problems


def source_files() -> list[Path]:
    return sorted(p for layer in LAYERS for p in (ROOT / layer).rglob("*.py"))


def test_every_layer_has_source_to_check() -> None:
    for layer in LAYERS:
        assert list((ROOT / layer).rglob("*.py")), f"no Python files under {layer}/"


def test_imports_point_down_the_layers_only() -> None:
    problems = []
    for path in source_files():
        problems += violations(
            path.read_text(encoding="utf-8"),
            module_name(path),
            is_package=path.name == "__init__.py",
        )
    assert problems == [], "\n".join(problems)


# --- the checker can fail ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("definitions.asye", "from storage.models import Worker"),
        ("definitions.asye", "import storage.db"),
        ("definitions.asye", "from notifications import render"),
        ("definitions.asye", "def f():\n    from tasks.asye import record_outcome\n"),
        ("definitions.asye", "import flows.cli as cli"),
        ("definitions.asye", "import prefect"),
        ("storage.models", "from notifications.render import render"),
        ("storage.models", "from tasks import asye"),
        ("storage.models", "from flows.explain import explain_worker"),
        ("storage.models", "from prefect import task"),
        ("notifications.render", "from storage.outbox import enqueue"),
        ("notifications.render", "from tasks.delivery import deliver"),
        ("notifications.render", "import flows"),
        ("notifications.render", "from prefect.logging import get_logger"),
        ("tasks.asye", "from flows.cli import app"),
        ("tasks.asye", "if True:\n    import flows.daily\n"),
        ("tasks.asye", "try:\n    import flows\nexcept ImportError:\n    pass\n"),
    ],
)
def test_checker_catches_a_forbidden_import(module: str, source: str) -> None:
    assert violations(source, module) != []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("definitions.asye", "from definitions.calendar import add_months"),
        ("definitions.asye", "from .calendar import add_months"),
        ("storage.roster", "from definitions.roster import RosterRow"),
        ("notifications.render", "from definitions.calendar import human_date"),
        ("tasks.asye", "from prefect import task\nfrom storage.history import record_event"),
        ("tasks.reminders", "from notifications.render import render"),
        ("flows.daily", "from prefect import flow\nfrom tasks.asye import enrol_nqsws"),
        ("flows.cli", "from flows.explain import explain_worker"),
        ("definitions.asye", "import prefecture  # a different package that starts alike"),
    ],
)
def test_checker_allows_imports_down_the_layers(module: str, source: str) -> None:
    assert violations(source, module) == []


def test_relative_imports_are_resolved() -> None:
    assert imported_modules("from .calendar import x", "definitions.asye") == [
        "definitions.calendar"
    ]
    assert imported_modules("from . import calendar", "definitions.asye") == [
        "definitions.calendar"
    ]
    assert imported_modules("from .versions import x", "storage.migrations", is_package=True) == [
        "storage.migrations.versions"
    ]
    assert imported_modules("from .. import db", "storage.migrations.env") == ["storage.db"]

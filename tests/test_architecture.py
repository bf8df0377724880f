"""Import direction: definitions, then storage and notifications, then tasks, then flows.

Only flows/ and the Prefect adapters in tasks/ (each package's `steps.py`, and
`tasks/secrets.py`) use prefect; the use cases in tasks/ import no prefect, typer or fastapi,
and no adapter. Nothing imports the CLI, and no module imports itself round a circle. The
source is read with `ast`, never imported, so a forbidden import anywhere in a module (at
the top or inside a function) is found. Relative imports are resolved to absolute names
(they cannot leave their top-level package, so they never cross a layer). The checkers are
tested on synthetic snippets too, so a checker that could never fail would itself fail.
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
# Frameworks a use case never touches: orchestration, the command line, the web.
FRAMEWORKS = frozenset({"prefect", "typer", "fastapi", "starlette", "uvicorn"})
CLI = "flows.cli"
# Wires the adapters in: the runtime reads the SMTP password from Prefect only when asked to.
WIRING = frozenset({"tasks.runtime"})


def is_adapter(module: str) -> bool:
    """The modules of tasks/ that may import Prefect: `steps.py` of a package, the Secret
    block reader."""
    return module.rsplit(".", 1)[-1] == "steps" or module == "tasks.secrets"


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
    targets = imported_modules(source, module, is_package=is_package)
    # `from tasks.panels import steps` imports the module tasks.panels.steps
    targets += [
        f"{node.module}.{alias.name}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module and not node.level
        for alias in node.names
        if alias.name == "steps"
    ]
    for target in targets:
        top = target.split(".")[0]
        if top in FORBIDDEN.get(layer, frozenset()):
            problems.append(f"{module} imports {target} ({layer}/ must not import {top}/)")
        if top == "prefect" and layer not in PREFECT_ALLOWED:
            problems.append(f"{module} imports {target} (only tasks/ and flows/ use prefect)")
        if layer == "tasks" and not is_adapter(module):
            if top in FRAMEWORKS:
                problems.append(f"{module} imports {target} (a use case imports no {top})")
            elif top == "tasks" and is_adapter(target) and module not in WIRING:
                problems.append(f"{module} imports {target} (a use case imports no adapter)")
        if (target == CLI or target.startswith(CLI + ".")) and not module.startswith(CLI):
            problems.append(f"{module} imports {target} (nothing imports the CLI)")
    return problems


def import_graph(sources: dict[str, tuple[str, bool]]) -> dict[str, set[str]]:
    """module -> the project modules it imports; `sources` maps a module to (its source,
    whether it is a package). `from a import b` counts as importing `a.b` when that is a
    module, else `a`."""
    graph: dict[str, set[str]] = {}
    for module, (source, is_package) in sources.items():
        edges = set()
        for target in imported_modules(source, module, is_package=is_package):
            while target and target not in sources:
                target = target.rpartition(".")[0]
            if target and target != module:
                edges.add(target)
        graph[module] = edges
    # `from a import b` where b is a submodule: imported_modules gives `a`; add `a.b` too.
    for module, (source, _) in sources.items():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    if sub in sources and sub != module:
                        graph[module].add(sub)
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every set of modules that import each other round a circle (Tarjan's strongly
    connected components of more than one module, or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


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


def test_no_module_imports_itself_round_a_circle() -> None:
    sources = {
        module_name(path): (path.read_text(encoding="utf-8"), path.name == "__init__.py")
        for path in source_files()
    }
    cycles = import_cycles(import_graph(sources))
    assert cycles == [], "\n".join(" -> ".join(c) for c in cycles)


def test_tasks_has_use_cases_and_adapters() -> None:
    """The rule above must have something to hold: use-case modules and steps.py adapters."""
    modules = [module_name(p) for p in (ROOT / "tasks").rglob("*.py")]
    assert any(is_adapter(m) for m in modules)
    assert sum(not is_adapter(m) for m in modules) > 10


# --- the checker can fail ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("definitions.programmes", "from storage.models import Worker"),
        ("definitions.programmes", "import storage.db"),
        ("definitions.programmes", "from notifications import render"),
        ("definitions.programmes", "def f():\n    from tasks.programmes import record_outcome\n"),
        ("definitions.programmes", "import flows.cli as cli"),
        ("definitions.programmes", "import prefect"),
        ("storage.models", "from notifications.render import render"),
        ("storage.models", "from tasks import asye"),
        ("storage.models", "from flows.explain import explain_worker"),
        ("storage.models", "from prefect import task"),
        ("notifications.render", "from storage.outbox import enqueue"),
        ("notifications.render", "from tasks.delivery import deliver"),
        ("notifications.render", "import flows"),
        ("notifications.render", "from prefect.logging import get_logger"),
        ("tasks.programmes", "from flows.cli import app"),
        ("tasks.programmes", "if True:\n    import flows.daily\n"),
        ("tasks.programmes", "try:\n    import flows\nexcept ImportError:\n    pass\n"),
        ("tasks.panels.decision", "from prefect import task"),
        ("tasks.panels.decision", "def f():\n    from prefect.logging import get_run_logger\n"),
        ("tasks.panels.decision", "import typer"),
        ("tasks.certificates.verification", "from fastapi import FastAPI"),
        ("tasks.panels.decision", "from tasks.delivery.steps import deliver_outbox"),
        ("tasks.panels.nomination", "from tasks.panels import steps"),
        ("flows.daily", "from flows.cli.common import runtime"),
        ("flows.web.app", "import flows.cli"),
    ],
)
def test_checker_catches_a_forbidden_import(module: str, source: str) -> None:
    assert violations(source, module) != []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("definitions.programmes", "from definitions.calendar import add_months"),
        ("definitions.programmes", "from .calendar import add_months"),
        ("storage.roster", "from definitions.roster import RosterRow"),
        ("notifications.render", "from definitions.calendar import human_date"),
        (
            "tasks.programmes.steps",
            "from prefect import task\nfrom storage.history import record_event",
        ),
        ("tasks.reminders", "from notifications.render import render"),
        ("flows.daily", "from prefect import flow\nfrom tasks.programmes import run_programmes"),
        ("flows.cli", "from flows.explain import explain_worker"),
        ("definitions.programmes", "import prefecture  # a different package that starts alike"),
        (
            "tasks.panels.steps",
            "from prefect import task\nfrom tasks.panels.decision import decide",
        ),
        ("tasks.secrets", "from prefect.blocks.system import Secret"),
        ("flows.cli.panels", "from flows.cli.common import runtime"),
        ("flows.cli", "from flows.cli import asye"),
        ("tasks.panels.decision", "from tasks.people import worker"),
    ],
)
def test_checker_allows_imports_down_the_layers(module: str, source: str) -> None:
    assert violations(source, module) == []


def test_relative_imports_are_resolved() -> None:
    assert imported_modules("from .calendar import x", "definitions.programmes") == [
        "definitions.calendar"
    ]
    assert imported_modules("from . import calendar", "definitions.programmes") == [
        "definitions.calendar"
    ]
    assert imported_modules("from .versions import x", "storage.migrations", is_package=True) == [
        "storage.migrations.versions"
    ]
    assert imported_modules("from .. import db", "storage.migrations.env") == ["storage.db"]


def _graph(**modules: str) -> dict[str, set[str]]:
    return import_graph({name.replace("_", "."): (src, False) for name, src in modules.items()})


def test_cycle_checker_finds_a_circle_of_two_and_of_three() -> None:
    two = _graph(a_x="import a.y", a_y="from a.x import f")
    assert import_cycles(two) == [["a.x", "a.y"]]
    three = _graph(a_x="import a.y", a_y="import a.z", a_z="def f():\n    import a.x\n")
    assert import_cycles(three) == [["a.x", "a.y", "a.z"]]


def test_cycle_checker_passes_a_chain_and_counts_submodule_imports() -> None:
    chain = _graph(a_x="import a.y", a_y="import a.z", a_z="import os")
    assert import_cycles(chain) == []
    graph = import_graph(
        {
            "p": ("from p import q", True),
            "p.q": ("import os", False),
            "r": ("from p import q", False),
        }
    )
    assert graph["r"] == {"p", "p.q"}

"""Imports as deployments. `import-file`: one CSV named in a form (ImportRequest).
`import-inbox`: every CSV dropped in the inbox folder (LADDER_DATA_DIR/inbox/<kind>/ by
default: workers/, completions/, sessions/), read each morning before the daily sweep.
Each file is all-or-nothing; an imported file moves to imported/, a refused one to
rejected/ with its problems beside it in NAME.errors.txt, and the run fails naming it."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from definitions.errors import Refused
from definitions.forms import ImportRequest
from definitions.roster import RosterError
from flows.forms import publish
from tasks.imports.files import KINDS
from tasks.imports.steps import import_csv
from tasks.runtime import current_runtime


class ImportRefused(Refused):
    """One or more inbox files could not be imported; each names its problems."""


def _file_name() -> str:
    request = flow_run.parameters.get("request") or {}
    if isinstance(request, ImportRequest):
        request = request.model_dump(mode="json")
    return f"import-{request.get('kind', '?')}-{Path(str(request.get('path', '?'))).name}"


@flow(name="import-file", flow_run_name=_file_name, validate_parameters=True)
def import_file(request: ImportRequest) -> dict[str, Any]:
    """Import one CSV file, all-or-nothing: the roster (workers), completions or sessions."""
    counts = import_csv(request.kind, request.path, request.imported_by)
    publish("import-file", f"Imported {request.kind} from {Path(request.path).name}", counts)
    return {"kind": request.kind, "file": Path(request.path).name, **counts}


def _move(file: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{file.name}"
    shutil.move(file, target)
    return target


@flow(name="import-inbox", flow_run_name="import-inbox")
def import_inbox(folder: str | None = None) -> dict[str, Any]:
    """Import every CSV waiting in the inbox (default LADDER_DATA_DIR/inbox): workers first,
    then completions, then sessions, oldest name first within each."""
    inbox = Path(folder) if folder else current_runtime().settings.data_dir / "inbox"
    logger = get_run_logger()
    imported: list[dict[str, Any]] = []
    refused: list[str] = []
    for kind in KINDS:
        (inbox / kind).mkdir(parents=True, exist_ok=True)
        for file in sorted((inbox / kind).glob("*.csv")):
            state = import_csv.with_options(task_run_name=f"import-{kind}-{file.name}")(
                kind, str(file), "inbox", return_state=True
            )
            if state.is_completed():
                counts = state.result()
                _move(file, inbox / kind / "imported")
                imported.append({"kind": kind, "file": file.name, **counts})
                continue
            try:
                state.result()
            except RosterError as exc:
                problem = str(exc)
            except Exception as exc:  # noqa: BLE001  (reported below, the run fails)
                problem = f"{type(exc).__name__}: {exc}"
            target = _move(file, inbox / kind / "rejected")
            target.with_name(target.name + ".errors.txt").write_text(problem + "\n")
            logger.error("%s %s was not imported; it is in %s", kind, file.name, target.parent)
            refused.append(f"{kind}/{file.name}: {problem}")
    publish(
        "import-inbox",
        f"Inbox {inbox}",
        {
            "files imported": len(imported),
            **{f"{i['kind']}/{i['file']}": i.get("rows", 0) for i in imported},
            "files refused": len(refused),
        },
    )
    if refused:
        raise ImportRefused(
            f"{len(refused)} file(s) refused, nothing of them written; fix and drop them in "
            "again (each is in rejected/ with its problems):\n" + "\n".join(refused)
        )
    return {"imported": len(imported), "files": imported}

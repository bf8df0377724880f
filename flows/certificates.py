"""The certificate batch: every award waiting for its certificate, issued in chunks."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from prefect import flow, unmapped
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    update_progress_artifact,
)
from prefect.futures import as_completed
from prefect.states import Failed, State

from definitions.errors import LadderError
from definitions.settings import public_verify_url
from flows.forms import dated_run_name
from flows.guard import exclusive
from flows.runners import configured_task_runner
from notifications.signing import load_key
from tasks.certificates.steps import issue_certificates, plan_certificates
from tasks.delivery.steps import deliver_for_this_run
from tasks.runtime import Runtime, current_runtime


@flow(
    name="certificate-batch",
    flow_run_name=dated_run_name("certificates"),
    task_runner=configured_task_runner(),
)
def certificate_batch(as_of: date | None = None) -> dict[str, Any] | State[Any]:
    """Issue every waiting award (module and pathway completions, ASYE passes, progression):
    a signed credential and a PDF each, mailed to the worker. Killed at any point and run
    again, it issues each award exactly once."""
    runtime = current_runtime()
    as_of = as_of or runtime.calendar.today()
    with exclusive(runtime, "certificate-batch"):
        return _batch(runtime, as_of)


def _batch(runtime: Runtime, as_of: date) -> dict[str, Any] | State[Any]:
    chunks = plan_certificates()
    if chunks:
        try:  # set-up that every certificate needs, checked once before any is made
            public_verify_url(runtime.settings)
            load_key(runtime.settings.signing_key)
        except LadderError as exc:
            return Failed(message=f"no certificate was issued: {exc}")
    progress: UUID = create_progress_artifact(  # type: ignore[assignment]  # sync here
        progress=0.0, key="certificate-batch-progress", description="Awards issued so far"
    )
    issued = 0
    if chunks:
        futures = issue_certificates.map(chunks, unmapped(as_of))
        for done, future in enumerate(as_completed(futures), start=1):
            issued += future.result()
            update_progress_artifact(progress, progress=100.0 * done / len(chunks))
    else:
        update_progress_artifact(progress, progress=100.0)
    delivery, delivered = deliver_for_this_run()
    create_markdown_artifact(
        key="certificate-batch-summary",
        markdown=(
            f"# Certificate batch {as_of}\n\n- chunks: {len(chunks)}\n"
            f"- certificates issued: {issued}\n- mail sent: {delivered.get('sent', 0)}, "
            f"failed: {delivered.get('failed', 0)}\n"
        ),
        description="What the certificate batch did",
    )
    delivery.result()  # a delivery that failed for good fails the batch, after its summary
    return {"as_of": as_of.isoformat(), "chunks": len(chunks), "issued": issued, **delivered}

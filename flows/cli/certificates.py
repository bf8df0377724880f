"""`ladder keys` and `ladder certificates`: the signing key, the certificate batch,
verification, revocation and re-issue."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, cast

import typer
from sqlalchemy.orm import Session

from flows.cli.common import (
    command_group,
    fail,
    out,
    parse_date,
    prefect_environment,
    runtime,
    settings,
)
from notifications.signing import create_key, load_key
from tasks.certificates.corrections import reissue, revoke
from tasks.certificates.verification import (
    describe,
    verify_credential,
    verify_pdf,
    verify_serial,
)

keys_app = command_group("The certificate signing key.")
app = command_group("Certificates: issue, verify, re-issue, revoke.")


@keys_app.command("init")
def keys_init() -> None:
    """Create the RS256 signing key (outside the repository, owner-only) and show its JWKS."""
    path = create_key(settings().signing_key)
    key = load_key(path)
    out.print(f"signing key created at {path} (mode 600); key id {key.kid}", soft_wrap=True)
    out.print("publish this JWKS (ladder web serves it at /.well-known/jwks.json):")
    sys.stdout.write(json.dumps(key.jwks(), indent=2) + "\n")


@keys_app.command("show")
def keys_show() -> None:
    """Print the public key set (JWKS) verifiers use."""
    key = load_key(settings().signing_key)
    sys.stdout.write(json.dumps(key.jwks(), indent=2) + "\n")


@app.command("issue")
def certificates_issue(
    as_of: str = typer.Option(None, help="YYYY-MM-DD; default today (organisation tz)"),
) -> None:
    """Run the certificate batch once: every waiting award is issued and mailed."""
    rt = runtime()
    load_key(rt.settings.signing_key)
    day = parse_date(as_of, "--as-of")
    with prefect_environment(rt.settings.data_dir):
        from flows.certificates import certificate_batch  # Prefect, after its environment

        state = certificate_batch(as_of=day, return_state=True)
    if not state.is_completed():
        fail(f"the certificate batch {(state.name or state.type.value).lower()}: {state.message}")
    result = cast(dict[str, Any], state.result())
    out.print(", ".join(f"{key}: {value}" for key, value in result.items()))


@app.command("verify")
def certificates_verify(
    what: str = typer.Argument(..., help="a serial, a certificate PDF, or a credential (.jwt)"),
) -> None:
    """Check a certificate: its signature, whether the file is the one issued, and its
    status (current, expired, superseded, revoked). Exit code 0 only for genuine+current."""
    rt = runtime()
    jwks = load_key(rt.settings.signing_key).jwks()
    path = Path(what)
    with Session(rt.engine) as session:
        if _is_file(path) and path.read_bytes()[:5] == b"%PDF-":
            result = verify_pdf(session, path.read_bytes(), jwks, rt.today())
        elif _is_file(path):
            result = verify_credential(session, path.read_text(), jwks, rt.today())
        elif what.count(".") == 2:
            result = verify_credential(session, what, jwks, rt.today())
        else:
            result = verify_serial(session, what, jwks, rt.today())
    for line in describe(result):
        out.print(line, highlight=False, markup=False, soft_wrap=True)
    if not (result.genuine and result.status == "current"):
        raise typer.Exit(1)


def _is_file(path: Path) -> bool:
    """Whether `path` names a regular file; a serial or a credential too long or odd for a
    file name is not one."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


@app.command("revoke")
def certificates_revoke(
    serial: str, reason: str = typer.Option(...), by: str = typer.Option(...)
) -> None:
    """Revoke a certificate; verification says so, with the reason."""
    rt = runtime()
    with rt.transaction() as session:
        done = revoke(
            session, rt.organisation, serial=serial, reason=reason, actor=by, today=rt.today()
        )
    out.print(f"{done.serial} revoked on {done.revoked_on}")


@app.command("reissue")
def certificates_reissue(
    serial: str, reason: str = typer.Option(...), by: str = typer.Option(...)
) -> None:
    """Issue a corrected certificate that supersedes this one (kept, marked superseded)."""
    rt = runtime()
    with rt.transaction() as session:
        new = reissue(session, rt, serial=serial, reason=reason, actor=by, today=rt.today())
    out.print(f"{new} issued; it supersedes {serial}. It goes out with `ladder mail send`.")

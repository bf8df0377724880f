"""The verification site: what the QR code on a certificate opens, and the issuer's JWKS.

GET /verify              a form to type a serial
GET /verify/{serial}     whether that certificate is genuine and current, in plain words
GET /credentials/{serial}  the signed credential (VC-JWT) itself
GET /.well-known/jwks.json the public key set verifiers check signatures with
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import FastAPI, Query
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.render import ENV
from notifications.signing import load_key
from storage.models import Certificate
from tasks.certificates.verification import verify_serial
from tasks.runtime import current_runtime

SERIAL_PATTERN = r"^[A-Za-z0-9-]{1,64}$"


def create_app(today: Any = None) -> FastAPI:
    """`today` fixes the verification date for tests; by default it is today in the
    organisation's time zone."""
    app = FastAPI(title="Ladder certificate verification", docs_url=None, redoc_url=None)

    def jwks() -> dict[str, Any]:
        return load_key(current_runtime().settings.signing_key).jwks()

    def on() -> date:
        return today() if today else current_runtime().calendar.today()

    @app.get("/.well-known/jwks.json")
    def well_known_jwks() -> JSONResponse:
        return JSONResponse(jwks(), headers={"Cache-Control": "public, max-age=3600"})

    @app.get("/verify", response_class=HTMLResponse)
    def form(serial: str | None = Query(default=None, max_length=64)) -> Any:
        if serial:
            return RedirectResponse(f"/verify/{serial.strip()}", status_code=303)
        page = ENV.get_template("verify.html").render(result=None, serial="", asked=False)
        return HTMLResponse(page)

    @app.get("/verify/{serial}", response_class=HTMLResponse)
    def verify(serial: str) -> HTMLResponse:
        runtime = current_runtime()
        with Session(runtime.engine) as session:
            result = verify_serial(session, serial[:64], jwks(), on())
        page = ENV.get_template("verify.html").render(result=result, serial=serial[:64], asked=True)
        return HTMLResponse(page, status_code=200 if result.genuine else 404)

    @app.get("/credentials/{serial}", response_class=PlainTextResponse)
    def credential(serial: str) -> PlainTextResponse:
        runtime = current_runtime()
        with Session(runtime.engine) as session:
            token = session.scalar(
                select(Certificate.credential).where(Certificate.serial == serial[:64])
            )
        if token is None:
            return PlainTextResponse("no such certificate", status_code=404)
        return PlainTextResponse(token, media_type="application/vc+jwt")

    return app

"""The verification site: what the QR code on a certificate opens, and the issuer's JWKS.

GET /verify              a form to type a serial
GET /verify/{serial}     whether that certificate is genuine and current, in plain words
                         (a serial typed in lower case or with spaces is read as printed)
GET /credentials/{serial}  the signed credential (VC-JWT) itself
GET /issuer              the issuer's Open Badges profile (the credentials' `iss`), as JSON
GET /achievements/{id}   what a certificate certifies (the credentials' achievement ids)
GET /.well-known/jwks.json the public key set verifiers check signatures with
GET /act/{token}         a signed link from a mail: what its person is about to record,
                         and a button to confirm (nothing is recorded by opening it)
POST /act/{token}        record it, once, as that person

The public key set is read from the signing key once and again only when the key file
changes (reading a 3,072-bit key costs about a quarter of a second). Every response carries
a Content-Security-Policy that allows nothing but the page's own style, and headers that
keep it out of frames and its address out of other sites' logs.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.orm import Session

from definitions.certificates import OB_CONTEXT, award_title
from definitions.errors import LadderError
from definitions.language import gettext_for
from definitions.settings import Settings
from notifications.render import ENV, environment
from notifications.signing import load_key
from storage.links import Links, link_secret
from storage.models import Certificate
from tasks.certificates.verification import normal_serial, verify_serial
from tasks.links import LinkPage, LinkRefused, link_page, read_link, record_by_link
from tasks.runtime import checked_organisation, current_runtime

SERIAL_PATTERN = r"^[A-Za-z0-9-]{1,64}$"
PAGES = ("verify.html", "act.html")  # the site's pages, whose inline style the CSP allows


class PublicKeySet:
    """The JWKS of the signing key at a path, loaded once and again when the file changes
    (its inode, size or modification time), so a rotated key is served at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: tuple[Path, int, int, int] | None = None
        self._jwks: dict[str, Any] = {}

    def get(self, path: Path) -> dict[str, Any]:
        try:
            info = path.stat()
            seen = (path, info.st_ino, info.st_size, info.st_mtime_ns)
        except OSError:
            seen = None  # load_key says what is wrong with the path
        with self._lock:
            if seen is None or seen != self._seen:
                self._jwks = load_key(path).jwks()
                self._seen = seen
            return self._jwks


def security_headers(env: Environment = ENV) -> dict[str, str]:
    """Headers for every response: the page's inline style is allowed by its hash, nothing
    else loads, no site may frame the page, and no other site learns which serial was
    checked."""
    styles = [
        style
        for page in PAGES
        for style in re.findall(
            r"<style>(.*?)</style>",
            env.loader.get_source(env, page)[0] if env.loader else "",
            flags=re.DOTALL,
        )
    ]
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in styles
    )
    style_src = hashes or "'none'"
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; style-src {style_src}; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    }


def create_app(today: Any = None) -> FastAPI:
    """`today` fixes the verification date for tests; by default it is today in the
    organisation's time zone."""
    app = FastAPI(
        title="Ladder certificate verification", docs_url=None, redoc_url=None, openapi_url=None
    )
    keys = PublicKeySet()
    # The organisation's own verify.html, if its templates/ folder has one, in its language.
    organisation = checked_organisation(Settings())
    env = environment(organisation.templates, organisation.profile.locale)
    headers = security_headers(env)

    @app.middleware("http")
    async def secure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Any:
        response = await call_next(request)
        response.headers.update(headers)
        return response

    def jwks() -> dict[str, Any]:
        return keys.get(current_runtime().settings.signing_key)

    def on() -> date:
        return today() if today else current_runtime().calendar.today()

    @app.get("/.well-known/jwks.json")
    def well_known_jwks() -> JSONResponse:
        return JSONResponse(jwks(), headers={"Cache-Control": "public, max-age=3600"})

    @app.get("/verify", response_class=HTMLResponse)
    def form(serial: str | None = Query(default=None, max_length=80)) -> Any:
        if serial and normal_serial(serial):
            return RedirectResponse(f"/verify/{normal_serial(serial)}", status_code=303)
        page = env.get_template("verify.html").render(
            result=None, serial="", asked=False, org_name=organisation.profile.name
        )
        return HTMLResponse(page)

    @app.get("/verify/{serial}", response_class=HTMLResponse)
    def verify(serial: str) -> Response:
        printed = normal_serial(serial)
        if printed != serial:  # typed in lower case, or with spaces: the printed address
            return RedirectResponse(f"/verify/{printed}", status_code=301)
        runtime = current_runtime()
        with Session(runtime.engine) as session:
            result = verify_serial(session, printed, jwks(), on())
        page = env.get_template("verify.html").render(
            result=result, serial=printed, asked=True, org_name=organisation.profile.name
        )
        return HTMLResponse(page, status_code=200 if result.genuine else 404)

    @app.get("/credentials/{serial}", response_class=PlainTextResponse)
    def credential(serial: str) -> PlainTextResponse:
        runtime = current_runtime()
        with Session(runtime.engine) as session:
            token = session.scalar(
                select(Certificate.credential).where(Certificate.serial == normal_serial(serial))
            )
        if token is None:
            return PlainTextResponse("no such certificate", status_code=404)
        return PlainTextResponse(token, media_type="application/vc+jwt")

    def base() -> str:
        return current_runtime().settings.verify_url.rstrip("/")

    @app.get("/issuer")
    def issuer() -> JSONResponse:
        """The issuer profile every credential names as its `iss` and `issuer.id`."""
        profile = {
            "@context": OB_CONTEXT,
            "id": f"{base()}/issuer",
            "type": ["Profile"],
            "name": organisation.name,
            "url": f"{base()}/verify",
            "email": organisation.profile.sender_address,
        }
        return JSONResponse(profile, headers={"Cache-Control": "public, max-age=3600"})

    @app.get("/achievements/{achievement}")
    def achievement(achievement: str) -> JSONResponse:
        """What a certificate certifies, as its credentials' `achievement.id` names it
        (`module-first_aid`, `asye-asye`): only achievements Ladder has certified."""
        kind, _, key = achievement.partition("-")
        runtime = current_runtime()
        with Session(runtime.engine) as session:
            issued = session.scalar(
                select(Certificate.id)
                .where(Certificate.kind == kind, Certificate.key == key)
                .limit(1)
            )
        if issued is None:
            return JSONResponse({"error": "no such achievement"}, status_code=404)
        title, description = award_title(
            organisation, kind, key, gettext_for(organisation.profile.locale)
        )
        body = {
            "@context": OB_CONTEXT,
            "id": f"{base()}/achievements/{achievement}",
            "type": ["Achievement"],
            "name": title,
            "description": description,
            "criteria": {"narrative": description},
            "creator": {"id": f"{base()}/issuer", "type": ["Profile"], "name": organisation.name},
        }
        return JSONResponse(body, headers={"Cache-Control": "public, max-age=3600"})

    def act_page(
        state: str, status: int, page: LinkPage | None = None, **values: Any
    ) -> HTMLResponse:
        _ = gettext_for(organisation.profile.locale)
        if page is None:
            heading = _("This link cannot be used")
        else:
            heading = page.heading if state == "confirm" else page.done_heading
        body = env.get_template("act.html").render(
            state=state,
            heading=heading,
            page=page,
            team_name=organisation.profile.team_name,
            **values,
        )
        headers = {"Cache-Control": "no-store"}  # the page names a person: keep no copy
        return HTMLResponse(body, status_code=status, headers=headers)

    made: dict[Path, Links] = {}

    def links() -> Links:
        """The links' key, read once per data folder (not on every request)."""
        settings = current_runtime().settings
        if settings.data_dir not in made:
            made[settings.data_dir] = Links(link_secret(settings.data_dir), settings.verify_url)
        return made[settings.data_dir]

    @app.get("/act/{token}", response_class=HTMLResponse)
    def act_form(token: str) -> HTMLResponse:
        runtime = current_runtime()
        locale = organisation.profile.locale
        with Session(runtime.engine) as session:
            try:
                link = read_link(session, links(), token, today=on(), locale=locale)
                page = link_page(session, organisation, link)
            except LinkRefused as exc:
                return act_page("refused", 410, reason=str(exc))
        return act_page("confirm", 200, page, action=f"/act/{token}")

    @app.post("/act/{token}", response_class=HTMLResponse)
    async def act(token: str, request: Request) -> HTMLResponse:
        # The page's one field, urlencoded (the outcome, where the step has several).
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        outcome = form["outcome"][0] if form.get("outcome") else None
        return await run_in_threadpool(record, token, outcome)

    def record(token: str, outcome: str | None) -> HTMLResponse:
        runtime = current_runtime()
        try:
            with runtime.transaction() as session:
                page = record_by_link(
                    session, runtime.organisation, links(), token, today=on(), outcome=outcome
                )
        except LadderError as exc:  # the link, or the use case's own refusal: nothing written
            return act_page("refused", 409, reason=str(exc).rstrip("."))
        return act_page("done", 200, page)

    return app

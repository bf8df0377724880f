"""The signing key and VC-JWTs, checked with an independent JOSE library (joserfc)."""

from __future__ import annotations

import base64
import json
import os
import stat
from datetime import date
from pathlib import Path

import pytest
from joserfc import jwt as jose_jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from definitions.certificates import CredentialFacts, credential_claims
from notifications.signing import (
    CredentialError,
    SigningKeyError,
    create_key,
    load_key,
    verify_jwt,
)

FACTS = CredentialFacts(
    serial="LDR-000007-1",
    worker_id="W0031",
    worker_name="Efa Bowen",
    title="Para social worker curriculum",
    description="Completed every module set.",
    achievement_key="pathway-para_social_worker_curriculum",
    issued_on=date(2026, 11, 23),
    expires_on=date(2028, 11, 22),
    issuer_name="Sample Borough Council",
    base_url="https://verify.sample-borough.example",
)


@pytest.fixture(scope="module")
def key_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_key(tmp_path_factory.mktemp("keys") / "ladder" / "signing-key.pem")


def test_a_key_in_a_shared_folder_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    key = create_key(shared / "keys" / "signing-key.pem")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755  # not Ladder's folder: untouched
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700  # made by Ladder: owner-only
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    beside = create_key(shared / "second-key.pem")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    assert stat.S_IMODE(beside.stat().st_mode) == 0o600


def test_the_key_is_owner_only_and_never_overwritten(key_path: Path) -> None:
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_path.parent.stat().st_mode) == 0o700
    with pytest.raises(SigningKeyError, match="already exists"):
        create_key(key_path)


def test_a_key_readable_by_others_is_refused(tmp_path: Path, key_path: Path) -> None:
    loose = tmp_path / "loose.pem"
    loose.write_bytes(key_path.read_bytes())
    os.chmod(loose, 0o644)
    with pytest.raises(SigningKeyError, match=r"can be read by others .*chmod 600"):
        load_key(loose)
    with pytest.raises(SigningKeyError, match="ladder keys init"):
        load_key(tmp_path / "missing.pem")


def test_joserfc_verifies_ladders_credential_against_the_published_jwks(key_path: Path) -> None:
    key = load_key(key_path)
    token = key.sign(credential_claims(FACTS))
    published = json.loads(json.dumps(key.jwks()))  # as a verifier downloads it
    keys = KeySet.import_key_set(published)
    decoded = jose_jwt.decode(token, keys, algorithms=["RS256"])
    assert decoded.header["alg"] == "RS256" and decoded.header["kid"] == key.kid
    claims = decoded.claims
    assert claims["jti"] == "https://verify.sample-borough.example/credentials/LDR-000007-1"
    vc = claims["vc"]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert vc["credentialSubject"]["achievement"]["name"] == "Para social worker curriculum"
    assert vc["validFrom"] == "2026-11-23T00:00:00Z"
    assert vc["validUntil"] == "2028-11-22T23:59:59Z"
    assert claims["exp"] > claims["nbf"]
    # The key id is the RFC 7638 thumbprint, as joserfc computes it too.
    assert keys.keys[0].thumbprint() == key.kid


def test_the_same_facts_sign_to_the_same_token(key_path: Path) -> None:
    key = load_key(key_path)
    assert key.sign(credential_claims(FACTS)) == key.sign(credential_claims(FACTS))


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["vc"]["credentialSubject"]["name"] = "Someone Else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_a_tampered_credential_is_rejected_by_ladder_and_by_joserfc(key_path: Path) -> None:
    key = load_key(key_path)
    forged = _tamper(key.sign(credential_claims(FACTS)))
    with pytest.raises(CredentialError, match="the credential was altered"):
        verify_jwt(forged, key.jwks())
    with pytest.raises(BadSignatureError):
        jose_jwt.decode(forged, KeySet.import_key_set(key.jwks()), algorithms=["RS256"])


def test_a_credential_signed_by_another_key_is_rejected(tmp_path: Path, key_path: Path) -> None:
    other = load_key(create_key(tmp_path / "other.pem"))
    token = other.sign(credential_claims(FACTS))
    with pytest.raises(CredentialError, match="a key this issuer does not publish"):
        verify_jwt(token, load_key(key_path).jwks())
    with pytest.raises(CredentialError, match="not a credential"):
        verify_jwt("not.a.jwt", load_key(key_path).jwks())


def test_a_check_code_is_stable_for_one_key_and_unguessable_without_it(
    tmp_path: Path, key_path: Path
) -> None:
    key, other = load_key(key_path), load_key(create_key(tmp_path / "other.pem"))
    code = key.check_code("certificate:123:1")
    assert len(code) == 8 and code.isalnum() and code.isupper()
    assert code == key.check_code("certificate:123:1")
    assert code != key.check_code("certificate:124:1")
    assert code != other.check_code("certificate:123:1")


def test_a_credential_dated_after_today_is_still_checked_not_refused(key_path: Path) -> None:
    """A certificate is judged on its dates by Ladder (current/expired), not by the JWT
    library's clock: one issued on a date still to come (a batch run with --as-of ahead, a
    verifier whose clock is behind) must still verify."""
    key = load_key(key_path)
    ahead = CredentialFacts(**{**FACTS.__dict__, "issued_on": date(2099, 1, 1), "expires_on": None})
    claims = verify_jwt(key.sign(credential_claims(ahead)), key.jwks())
    assert claims["vc"]["validFrom"] == "2099-01-01T00:00:00Z"

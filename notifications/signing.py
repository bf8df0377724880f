"""The certificate signing key and VC-JWTs signed with it (RS256).

RS256 because Open Badges 3.0 names it as the algorithm every verifier must accept; EdDSA
is faster but not every verifier takes it. The private key lives outside the repository
(default ~/.config/ladder/signing-key.pem), readable by its owner only; the public part is
published as a JWKS whose key id is the RFC 7638 thumbprint.
"""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from definitions.errors import BadInput, Misconfigured
from notifications.files import write_new_private

ALGORITHM = "RS256"
KEY_BITS = 3072  # NIST's choice for keys in use beyond 2030


class SigningKeyError(Misconfigured):
    """The signing key is missing, unreadable or too open; the message says what to do."""


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def create_key(path: Path) -> Path:
    """Create a new RSA key at `path` (0600; folders Ladder creates for it are 0700, folders
    already there keep their mode). Refuses to overwrite one: certificates signed with the
    old key could no longer be verified."""
    if path.exists():
        raise SigningKeyError(
            f"{path} already exists; certificates signed with it need it. Move it away first "
            "if you really mean to start again."
        )
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_new_private(path, pem)
    return path


@dataclass(frozen=True)
class SigningKey:
    private: rsa.RSAPrivateKey
    public_jwk: dict[str, str]

    @property
    def kid(self) -> str:
        return self.public_jwk["kid"]

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private, algorithm=ALGORITHM, headers={"kid": self.kid})

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk]}

    def check_code(self, text: str, length: int = 8) -> str:
        """A short code derived from `text` with the private key: the same text always gives
        the same code (RSA PKCS#1 v1.5 signatures are deterministic), and without the key
        nobody can compute it."""
        signature = self.private.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
        digest = hashlib.sha256(signature).digest()
        return base64.b32encode(digest).decode()[:length]


def public_jwk(public: rsa.RSAPublicKey) -> dict[str, str]:
    numbers = public.public_numbers()
    jwk = {"e": _b64(numbers.e), "kty": "RSA", "n": _b64(numbers.n)}
    # RFC 7638: the thumbprint of the required members, in lexical order, no whitespace.
    thumbprint = hashlib.sha256(json.dumps(jwk, separators=(",", ":")).encode()).digest()
    kid = base64.urlsafe_b64encode(thumbprint).rstrip(b"=").decode()
    return {**jwk, "kid": kid, "alg": ALGORITHM, "use": "sig"}


def load_key(path: Path) -> SigningKey:
    if not path.exists():
        raise SigningKeyError(
            f"no signing key at {path}; create one with `ladder keys init` (or point "
            "LADDER_SIGNING_KEY at yours)"
        )
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SigningKeyError(
            f"{path} can be read by others (mode {mode:o}); run `chmod 600 {path}`"
        )
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"{path} is not a PEM private key ({exc})") from None
    if not isinstance(private, rsa.RSAPrivateKey):
        raise SigningKeyError(f"{path} is not an RSA key; RS256 needs one")
    return SigningKey(private, public_jwk(private.public_key()))


class CredentialError(BadInput):
    """A credential whose signature or form does not check out."""


def verify_jwt(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """The claims of a VC-JWT whose RS256 signature checks against a key in `jwks`.
    Expiry is not judged here (an expired certificate is still genuine: the caller says
    'expired'); a bad signature, unknown key or malformed token raises CredentialError."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise CredentialError(f"not a credential (JWT): {exc}") from None
    if header.get("alg") != ALGORITHM:
        raise CredentialError(f"signed with {header.get('alg')!r}; Ladder signs with RS256")
    key = next((k for k in jwks.get("keys", []) if k.get("kid") == header.get("kid")), None)
    if key is None:
        raise CredentialError("signed with a key this issuer does not publish")
    try:
        public = jwt.PyJWK(key).key
        return jwt.decode(
            token,
            public,
            algorithms=[ALGORITHM],
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
            },
        )
    except jwt.InvalidSignatureError:
        raise CredentialError("the signature does not match: the credential was altered") from None
    except jwt.PyJWTError as exc:
        raise CredentialError(f"the credential cannot be read: {exc}") from None

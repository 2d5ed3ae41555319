"""Kraken's three signing schemes, each with the verify function the emulator uses.

Spot REST (protocol.md §2.1)::

    API-Sign = b64(HMAC-SHA512(b64decode(secret), path + SHA256(nonce + body)))

Futures REST (§3.2)::

    Authent = b64(HMAC-SHA512(b64decode(secret), SHA256(postData + nonce + path)))

with ``path`` stripped of ``/derivatives`` and ``nonce`` the optional ``Nonce`` header ("" when
absent). Futures WebSocket challenge (§7)::

    signed = b64(HMAC-SHA512(b64decode(secret), SHA256(challenge)))

Always sign exactly the bytes that are sent: the body is serialised once and the same text is
hashed and transmitted. The verify functions never raise on garbage input; they answer ``False``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote_plus

from krakenkit.protocol.errors import AuthenticationError

__all__ = [
    "Credentials",
    "extract_nonce",
    "futures_path",
    "sign_challenge",
    "sign_futures",
    "sign_spot",
    "verify_challenge",
    "verify_futures",
    "verify_spot",
]

_JSON_NONCE = re.compile(rb'"nonce"\s*:\s*"?(\d+)"?')


def _secret_bytes(secret_b64: str) -> bytes:
    return base64.b64decode(secret_b64, validate=True)


def _as_bytes(data: str | bytes) -> bytes:
    return data.encode() if isinstance(data, str) else data


def _hmac_b64(secret: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(secret, message, hashlib.sha512).digest()).decode()


def extract_nonce(body: str | bytes, content_type: str | None = None) -> str | None:
    """The ``nonce`` field of a form-encoded or JSON body, as its decimal text."""
    raw = _as_bytes(body)
    stripped = raw.lstrip()
    is_json = (content_type or "").split(";")[0].strip().lower() == "application/json"
    if is_json or stripped[:1] == b"{":
        match = _JSON_NONCE.search(raw)
        return match.group(1).decode() if match else None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key == "nonce":
            return value
    return None


def sign_spot(secret_b64: str, path: str, body: str | bytes, nonce: str | int | None = None) -> str:
    """``API-Sign`` for a private spot request whose exact body is ``body``."""
    raw = _as_bytes(body)
    if nonce is None:
        nonce = extract_nonce(raw)
        if nonce is None:
            raise ValueError("the body has no nonce to sign")
    digest = hashlib.sha256(str(nonce).encode() + raw).digest()
    return _hmac_b64(_secret_bytes(secret_b64), path.encode() + digest)


def verify_spot(
    secret_b64: str,
    path: str,
    body: str | bytes,
    signature: str,
    nonce: str | int | None = None,
) -> bool:
    """Whether ``signature`` is the spot ``API-Sign`` of this exact request."""
    try:
        expected = sign_spot(secret_b64, path, body, nonce)
    except (ValueError, binascii.Error, TypeError):
        return False
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def futures_path(endpoint_path: str) -> str:
    """The path futures signs: without ``/derivatives`` and without a query string."""
    path = endpoint_path.split("?", 1)[0]
    return path.removeprefix("/derivatives")


def sign_futures(secret_b64: str, endpoint_path: str, post_data: str, nonce: str = "") -> str:
    """``Authent`` for a futures request: ``post_data`` is the URL-encoded argument string."""
    digest = hashlib.sha256((post_data + nonce + futures_path(endpoint_path)).encode()).digest()
    return _hmac_b64(_secret_bytes(secret_b64), digest)


def verify_futures(
    secret_b64: str,
    endpoint_path: str,
    *,
    query: str,
    body: str,
    nonce: str | None,
    signature: str,
    strict: bool = False,
) -> bool:
    """Whether ``signature`` is a valid ``Authent`` for this request.

    ``strict`` accepts only the documented form (postData = query string followed by body, as
    sent). Otherwise every variant real clients sign verifies (protocol.md §3.3): postData in
    {query+body, body, query, ""} each raw or URL-decoded (the pre-2024 form).
    """
    try:
        secret = _secret_bytes(secret_b64)
    except (binascii.Error, ValueError):
        return False
    path = futures_path(endpoint_path)
    nonce_text = nonce or ""
    given = signature.encode("utf-8", "replace")

    def matches(post_data: str) -> bool:
        digest = hashlib.sha256((post_data + nonce_text + path).encode()).digest()
        return hmac.compare_digest(_hmac_b64(secret, digest).encode(), given)

    if strict:
        return matches(query + body)
    candidates = dict.fromkeys((query + body, body, query, ""))
    for raw in list(candidates):
        candidates.setdefault(unquote_plus(raw))
    return any(matches(candidate) for candidate in candidates)


def sign_challenge(secret_b64: str, challenge: str) -> str:
    """The ``signed_challenge`` for a futures WebSocket challenge UUID."""
    digest = hashlib.sha256(challenge.encode()).digest()
    return _hmac_b64(_secret_bytes(secret_b64), digest)


def verify_challenge(secret_b64: str, challenge: str, signed: str) -> bool:
    """Whether ``signed`` is the signature of ``challenge`` with this secret."""
    try:
        expected = sign_challenge(secret_b64, challenge)
    except (binascii.Error, ValueError, TypeError):
        return False
    return hmac.compare_digest(expected.encode(), signed.encode("utf-8", "replace"))


@dataclass(frozen=True, slots=True)
class Credentials:
    """An API key pair. The secret never appears in ``repr`` or ``str``."""

    key: str
    secret: str = field(repr=False)

    def __post_init__(self) -> None:
        try:
            decoded = _secret_bytes(self.secret)
        except (binascii.Error, ValueError):
            raise AuthenticationError("the API secret is not valid base64") from None
        if not decoded:
            raise AuthenticationError("the API secret is empty")
        if not self.key:
            raise AuthenticationError("the API key is empty")

    def __repr__(self) -> str:
        return f"Credentials(key={self.key[:4]!r}…, secret=<hidden>)"

    __str__ = __repr__

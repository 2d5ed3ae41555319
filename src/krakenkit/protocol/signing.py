"""Kraken's three signing schemes, each with the verify function the emulator uses.

Spot REST (protocol.md §2.1)::

    API-Sign = b64(HMAC-SHA512(b64decode(secret), path + SHA256(nonce + body)))

Futures REST (§3.2)::

    Authent = b64(HMAC-SHA512(b64decode(secret), SHA256(postData + nonce + path)))

with ``path`` stripped of ``/derivatives`` and ``nonce`` the optional ``Nonce`` header ("" when
absent). Futures WebSocket challenge (§7)::

    signed = b64(HMAC-SHA512(b64decode(secret), SHA256(challenge)))

Why sign and verify live together: the client signs and the emulator verifies with the same code,
so the two could agree on a mistake. The tests therefore pin every official vector and an
independent re-implementation of the documented algorithm, not just round trips.

Always sign exactly the bytes that are sent: the body is serialised once and the same bytes are
hashed and transmitted (re-serialising JSON changes spacing and breaks the signature). The verify
functions never raise on garbage input (bad base64, odd text, deep JSON); they answer ``False``.
Signing with a secret that is not base64 raises :class:`AuthenticationError`, whose message never
contains the secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote_plus

from krakenkit.protocol.errors import AuthenticationError, KrakenError

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

# What a verify function swallows: bad base64 (binascii.Error is a ValueError), text that cannot
# be encoded (UnicodeError is a ValueError), a body without a nonce, and wrong argument types.
_VERIFY_FAILURES = (ValueError, TypeError, KrakenError)


def _secret_bytes(secret_b64: str) -> bytes:
    try:
        return base64.b64decode(secret_b64.strip(), validate=True)
    except (binascii.Error, ValueError):
        # ``from None``: the original exception may quote part of the secret.
        raise AuthenticationError("the API secret is not valid base64") from None


def _hmac_b64(secret: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(secret, message, hashlib.sha512).digest()).decode()


def _same(expected: str, given: str) -> bool:
    # Constant-time; "replace" keeps odd text (lone surrogates) from raising.
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


# --- spot ------------------------------------------------------------------------------------


def _raw_number(text: str) -> str:
    return text


def _json_nonce(body: str | bytes) -> str | None:
    """The top-level ``nonce`` of a JSON object body, as it appears on the wire.

    Numbers keep their literal text (``parse_int``/``parse_float`` hooks): that text is what the
    client turned into a string when it signed. A ``nonce`` nested deeper is not the nonce.
    """
    try:
        decoded = json.loads(
            body, parse_int=_raw_number, parse_float=_raw_number, parse_constant=_raw_number
        )
    except (ValueError, RecursionError):
        return None
    if not isinstance(decoded, dict):
        return None
    value = decoded.get("nonce")
    return value if isinstance(value, str) else None


def _form_nonce(body: str | bytes) -> str | None:
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    try:
        fields = parse_qsl(body, keep_blank_values=True)
    except ValueError:
        return None
    return next((value for key, value in fields if key == "nonce"), None)


def extract_nonce(body: str | bytes, content_type: str | None = None) -> str | None:
    """The ``nonce`` field of a raw spot request body, as text; ``None`` if there is none.

    JSON (``application/json``, or a body that starts with ``{``): the top-level ``"nonce"``, a
    number (its literal text) or a string. Otherwise the first ``nonce=`` field of a form body.
    Never raises.
    """
    media_type = (content_type or "").split(";")[0].strip().lower()
    head = body.lstrip()[:1]
    if media_type == "application/json":
        return _json_nonce(body)
    if head in ("{", b"{"):
        found = _json_nonce(body)
        if found is not None:
            return found
    return _form_nonce(body)


def sign_spot(secret_b64: str, path: str, body: str | bytes, nonce: str | int | None = None) -> str:
    """``API-Sign`` for a private spot request whose exact body is ``body``.

    ``path`` is the URL path from ``/0/private`` on. Without ``nonce`` the body's own nonce field
    is used (:func:`extract_nonce`); a body without one raises :class:`ValueError`.
    """
    raw = body.encode() if isinstance(body, str) else body
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
    """Whether ``signature`` is the spot ``API-Sign`` of this exact request. Never raises."""
    try:
        return _same(sign_spot(secret_b64, path, body, nonce), signature)
    except _VERIFY_FAILURES:
        return False


# --- futures REST ----------------------------------------------------------------------------


def futures_path(endpoint_path: str) -> str:
    """The path futures signs: without a leading ``/derivatives`` and without a query string."""
    path = endpoint_path.split("?", 1)[0]
    if path == "/derivatives" or path.startswith("/derivatives/"):
        return path[len("/derivatives") :]
    return path


def sign_futures(secret_b64: str, endpoint_path: str, post_data: str, nonce: str = "") -> str:
    """``Authent`` for a futures request.

    ``post_data`` is the argument string exactly as sent (the query string followed by the body,
    URL-encoded); ``nonce`` is the ``Nonce`` header, or "" when none is sent.
    """
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
    """Whether ``signature`` is a valid ``Authent`` for this request. Never raises.

    ``query`` is the raw query string (without ``?``), ``body`` the raw body text and ``nonce``
    the ``Nonce`` header (``None`` when absent). ``strict`` accepts only the documented form:
    postData = query + body as sent. Otherwise every form real clients sign verifies
    (protocol.md §3.3): postData in {query+body, body, query, ""}, each raw or URL-decoded (the
    pre-2024 form), so python-kraken-sdk, ccxt, kraken-cli and the JJ-Cro Node SDK all pass.
    """
    try:
        secret = _secret_bytes(secret_b64)
        suffix = (nonce or "") + futures_path(endpoint_path)
        if strict:
            candidates: dict[str, None] = {query + body: None}
        else:
            candidates = dict.fromkeys((query + body, body, query, ""))
            for raw in list(candidates):
                candidates.setdefault(unquote_plus(raw))
        found = False
        for post_data in candidates:  # no early exit: the time spent does not say which matched
            digest = hashlib.sha256((post_data + suffix).encode()).digest()
            found |= _same(_hmac_b64(secret, digest), signature)
        return found
    except _VERIFY_FAILURES:
        return False


# --- futures WebSocket challenge -------------------------------------------------------------


def sign_challenge(secret_b64: str, challenge: str) -> str:
    """The ``signed_challenge`` for a futures WebSocket challenge (a UUID string)."""
    digest = hashlib.sha256(challenge.encode()).digest()
    return _hmac_b64(_secret_bytes(secret_b64), digest)


def verify_challenge(secret_b64: str, challenge: str, signed: str) -> bool:
    """Whether ``signed`` is the signature of ``challenge`` with this secret. Never raises."""
    try:
        return _same(sign_challenge(secret_b64, challenge), signed)
    except _VERIFY_FAILURES:
        return False


# --- credentials -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Credentials:
    """An API key and its base64 secret. ``repr`` and ``str`` show a key prefix, never the secret.

    Surrounding whitespace (a secret pasted from a file) is removed; a secret that is not base64
    raises :class:`AuthenticationError` at construction, not at the first signed request.
    """

    key: str
    secret: str

    def __post_init__(self) -> None:
        key, secret = self.key.strip(), self.secret.strip()
        if not key:
            raise AuthenticationError("the API key is empty")
        if not _secret_bytes(secret):
            raise AuthenticationError("the API secret is empty")
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "secret", secret)

    def __repr__(self) -> str:
        return f"Credentials(key={self.key[:4] + '…'!r}, secret=<hidden>)"

    __str__ = __repr__

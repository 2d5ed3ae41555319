"""The pure half of every spot REST call: parameters in, exact request bytes out, and back.

Shared by :class:`~krakenkit.client.SpotClient` and :class:`~krakenkit.client.AsyncSpotClient`,
which only add the send loop. Nothing here touches a socket or reads a clock; the nonce and the
current time are arguments.

Encoding (protocol.md §1.1, §2.1):

* public calls are ``GET /0/public/<Method>?<query>``; private calls ``POST /0/private/<Method>``
  with a form body, or a JSON body for the endpoints whose parameters nest
  (:attr:`Endpoint.json_body`: AddOrderBatch, CancelOrderBatch, Earn/Strategies);
* form bodies nest with brackets: ``close[ordertype]=limit``, ``orders[0][price]=1``;
* booleans go out as ``true``/``false``, :class:`~decimal.Decimal` in plain notation with exactly
  its own digits (``Decimal("1E+2")`` is ``100``, never ``1E+2``), never through ``float``;
* the nonce is the first field, and ``API-Sign`` is computed over the very bytes that are sent.

Decoding: a 200 JSON envelope gives its ``result`` (numbers with a fraction as ``Decimal``), an
error list raises :func:`~krakenkit.protocol.errors.api_error`, and anything that is not Kraken's
envelope -- a non-200 status, a Cloudflare HTML page -- raises
:class:`~krakenkit.protocol.errors.HTTPStatusError` with ``Retry-After`` in seconds.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

from krakenkit.protocol.endpoints import Endpoint
from krakenkit.protocol.errors import HTTPStatusError, ProtocolError, api_error
from krakenkit.protocol.signing import Credentials, sign_spot

__all__ = [
    "LIVE_URL",
    "PreparedRequest",
    "build_request",
    "decode_response",
    "encode_form",
    "encode_json",
    "parse_retry_after",
    "resolve_base_url",
    "wire_scalar",
]

LIVE_URL = "https://api.kraken.com"

log = logging.getLogger("krakenkit.client")

_SNIPPET = 120  # characters of a non-API answer kept in the exception message


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """One request, ready for any HTTP library: ``content`` is exactly what was signed."""

    method: str
    url: str
    path: str
    headers: Mapping[str, str]
    content: bytes | None
    nonce: int | None = None

    def __repr__(self) -> str:  # the headers carry the key and signature: keep them out
        return f"PreparedRequest({self.method} {self.path}, nonce={self.nonce})"


def resolve_base_url(base_url: str | None) -> str:
    """``None`` or ``"live"``: ``https://api.kraken.com``; any other URL minus a final ``/``."""
    if base_url is None or base_url == "live":
        return LIVE_URL
    return base_url.rstrip("/")


def wire_scalar(value: object) -> str:
    """One form or query value as text: ``true``/``false``, plain-notation decimals, ``str``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot send {value} to Kraken")
        return f"{value:f}"
    if isinstance(value, float):
        raise TypeError("floats are not sent to Kraken: use Decimal or str (never float money)")
    if isinstance(value, int | str):
        return str(value)
    raise TypeError(f"cannot encode a {type(value).__name__} in a form field")


def _flatten(prefix: str, value: object, out: list[tuple[str, str]]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten(f"{prefix}[{key}]", item, out)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _flatten(f"{prefix}[{index}]", item, out)
    elif value is not None:
        out.append((prefix, wire_scalar(value)))


def encode_form(params: Mapping[str, object]) -> str:
    """``application/x-www-form-urlencoded`` text with bracket nesting, in the given order.

    ``None`` values are left out; nested mappings and sequences become ``name[key]`` and
    ``name[0]`` fields (how ccxt sends ``close[...]`` and batch orders).
    """
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        _flatten(key, value, pairs)
    return urlencode(pairs)


def _jsonable(value: object) -> object:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return wire_scalar(value)  # a string: JSON numbers would go through float somewhere
    if isinstance(value, float):
        raise TypeError("floats are not sent to Kraken: use Decimal or str (never float money)")
    return value


def encode_json(params: Mapping[str, object]) -> str:
    """Compact JSON text; decimals as strings, booleans and integers as JSON values."""
    return json.dumps(_jsonable(params), separators=(",", ":"), ensure_ascii=False)


def build_request(
    base_url: str,
    endpoint: Endpoint,
    params: Mapping[str, object],
    *,
    credentials: Credentials | None = None,
    nonce: int | None = None,
    otp: str | None = None,
) -> PreparedRequest:
    """The request for one spot call. Private calls need ``credentials`` and ``nonce``.

    ``params`` are wire names and wire-ready values (see :func:`wire_scalar`); ``None`` values are
    dropped. The body is serialised once, and those bytes are both signed and returned.
    """
    url = base_url + endpoint.path
    if not endpoint.auth:
        query = encode_form(params)
        return PreparedRequest(
            method=endpoint.http_method,
            url=f"{url}?{query}" if query else url,
            path=endpoint.path,
            headers={},
            content=None,
        )
    if credentials is None or nonce is None:
        raise ValueError(f"{endpoint.name} is private: credentials and a nonce are required")
    fields: dict[str, object] = {"nonce": nonce}
    if otp is not None:
        fields["otp"] = otp
    fields.update((k, v) for k, v in params.items() if v is not None)
    if endpoint.json_body:
        text, content_type = encode_json(fields), "application/json"
    else:
        text, content_type = encode_form(fields), "application/x-www-form-urlencoded"
    body = text.encode()
    headers = {
        "API-Key": credentials.key,
        "API-Sign": sign_spot(credentials.secret, endpoint.path, body, nonce),
        "Content-Type": content_type,
    }
    return PreparedRequest(endpoint.http_method, url, endpoint.path, headers, body, nonce)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """A ``Retry-After`` header in seconds from ``now``: delta-seconds or an HTTP date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def _snippet(content: bytes) -> str:
    text = content[:_SNIPPET].decode("utf-8", "replace")
    return " ".join(text.split())


def decode_response(
    status_code: int,
    headers: Mapping[str, str],
    content: bytes,
    *,
    path: str,
    now: float,
    raw: bool = False,
) -> Any:
    """The ``result`` of one answer, or the exception it stands for.

    ``headers`` keys are matched case-insensitively. ``raw=True`` (RetrieveExport) returns the bytes
    of a 200 answer that is not JSON instead of refusing it.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    content_type = lowered.get("content-type", "").split(";")[0].strip().lower()
    retry_after = parse_retry_after(lowered.get("retry-after"), now)
    if status_code != 200:
        raise HTTPStatusError(
            f"HTTP {status_code} instead of a Kraken answer: {_snippet(content)!r}",
            status_code=status_code,
            path=path,
            retry_after=retry_after,
        )
    looks_json = content_type.endswith("json") or content.lstrip()[:1] == b"{"
    if raw and not looks_json:
        return content
    try:
        body = json.loads(content, parse_float=Decimal) if looks_json else None
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("error", []), list):
        raise HTTPStatusError(
            f"not a Kraken answer ({content_type or 'no content type'}): {_snippet(content)!r}",
            status_code=status_code,
            path=path,
            retry_after=retry_after,
        )
    errors: Sequence[object] = body.get("error") or []
    texts = [e for e in errors if isinstance(e, str)]
    if any(not e.startswith("W") for e in texts):
        raise api_error(texts, path=path)
    if texts:
        log.warning("Kraken warnings on %s: %s", path, ", ".join(texts))
    if "result" not in body:
        raise ProtocolError(f"Kraken answer without result: {_snippet(content)!r}", path=path)
    return body["result"]

"""Request parameters as real Kraken clients send them.

Clients disagree on encodings (protocol.md §2.4, §12): form bodies or JSON bodies, booleans as
``true``/``True``/JSON ``true``, numbers as strings or JSON numbers, nested close orders as
``close[ordertype]=...`` form keys or a JSON object, batch orders as ``orders[0][price]=...`` or a
JSON list. Everything is normalised here into one plain ``dict`` so handlers never care.

Parsing failures raise :class:`InvalidArguments` with Kraken's own error strings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl

import orjson

from krakenkit.protocol.errors import InvalidArguments

__all__ = [
    "Params",
    "as_bool",
    "as_decimal",
    "as_int",
    "as_list",
    "parse_body",
    "parse_form",
]

Params = dict[str, Any]

_BRACKETS = re.compile(r"\[([^\]]*)\]")
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})
MAX_BODY = 256 * 1024


def _listify(node: Any) -> Any:
    """Dicts keyed only by indices (``orders[0]``, ``orders[1]``) become lists, recursively."""
    if isinstance(node, dict):
        node = {k: _listify(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
    return node


def parse_form(text: str) -> Params:
    """Decode an ``application/x-www-form-urlencoded`` body or a query string.

    ``a=1&a=2`` and ``a[]=1&a[]=2`` give lists; ``close[price]=1`` a dict;
    ``orders[0][price]=1`` a list of dicts.
    """
    out: Params = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        head, bracket, rest = key.partition("[")
        if not bracket or rest == "]":  # plain key, or "name[]"
            existing = out.get(head)
            if existing is None:
                out[head] = [value] if bracket else value
            elif isinstance(existing, list):
                existing.append(value)
            else:
                out[head] = [existing, value]
            continue
        path = [head, *_BRACKETS.findall("[" + rest)]
        node = out
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[path[-1]] = value
    return {k: _listify(v) for k, v in out.items()}


def parse_body(raw: bytes, content_type: str | None) -> Params:
    """Decode a request body: JSON when it says so (or looks like it), form otherwise."""
    if len(raw) > MAX_BODY:
        raise InvalidArguments("EGeneral:Invalid arguments:body too large")
    if not raw.strip():
        return {}
    ctype = (content_type or "").split(";")[0].strip().lower()
    stripped = raw.lstrip()
    if ctype == "application/json" or (ctype == "" and stripped[:1] in (b"{", b"[")):
        try:
            decoded = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise InvalidArguments("EGeneral:Invalid arguments") from exc
        if not isinstance(decoded, dict):
            raise InvalidArguments("EGeneral:Invalid arguments")
        return decoded
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidArguments("EGeneral:Invalid arguments") from exc
    return parse_form(text)


def as_bool(value: object, *, name: str = "") -> bool:
    """Booleans as every client sends them: JSON bools, ``true``/``True``/``1``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise InvalidArguments(
        f"EGeneral:Invalid arguments:{name}" if name else "EGeneral:Invalid arguments"
    )


def as_int(value: object, *, name: str = "") -> int:
    """An integer sent as a JSON number or a string of digits."""
    if isinstance(value, bool):
        raise InvalidArguments(f"EGeneral:Invalid arguments:{name}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").isdigit() and len(text) <= 40:
            return int(text)
    raise InvalidArguments(
        f"EGeneral:Invalid arguments:{name}" if name else "EGeneral:Invalid arguments"
    )


def as_decimal(value: object, *, name: str = "") -> Decimal:
    """A finite decimal sent as a string or a JSON number (floats go through their repr)."""
    if isinstance(value, bool):
        raise InvalidArguments(f"EGeneral:Invalid arguments:{name}")
    try:
        if isinstance(value, (int, str)):
            text = str(value).strip()
            if len(text) > 64:
                raise InvalidArguments(f"EGeneral:Invalid arguments:{name}")
            number = Decimal(text)
        elif isinstance(value, float):
            number = Decimal(repr(value))
        elif isinstance(value, Decimal):
            number = value
        else:
            raise InvalidArguments(f"EGeneral:Invalid arguments:{name}")
    except InvalidOperation as exc:
        raise InvalidArguments(f"EGeneral:Invalid arguments:{name}") from exc
    if not number.is_finite():
        raise InvalidArguments(f"EGeneral:Invalid arguments:{name}")
    return number


def as_list(value: object) -> list[Any]:
    """A list sent as a JSON list, repeated form keys, or a comma-separated string."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, Mapping):
        # orders[0]..orders[n] decoded as a dict of indices
        return [value[k] for k in sorted(value, key=lambda k: int(k) if str(k).isdigit() else 0)]
    return [value]

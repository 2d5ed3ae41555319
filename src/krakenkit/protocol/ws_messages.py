"""What a Kraken spot WebSocket sends, typed: one set of message classes for v1 and v2.

The codecs (:mod:`.ws_v1`, :mod:`.ws_v2`) turn each decoded frame into one of these frozen
dataclasses, so code above them reads both protocol versions the same way::

    Status          system status: on connect and on every change (v1 systemStatus, v2 status)
    Heartbeat       the server is alive and has nothing to say
    Pong            the answer to a ping
    Response        the answer to a request (subscribe acks, trading results, errors)
    ChannelMessage  channel data: book, ticker, trade, ohlc, instrument, executions, ...

Numbers with a fraction are :class:`~decimal.Decimal` (frames are decoded with :func:`loads`),
integers stay ``int``. ``raw`` keeps the decoded frame as it came (the order book applies it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = [
    "ChannelMessage",
    "Heartbeat",
    "Message",
    "Pong",
    "Response",
    "Status",
    "dumps",
    "loads",
]

_MARK = "\x00"
_OPEN = '"\\u0000'
_CLOSE = '\\u0000"'


def loads(text: str | bytes) -> Any:
    """Decode one frame; numbers with a fraction become Decimal (Kraken's advice, §6.1)."""
    return json.loads(text, parse_float=Decimal)


def _mark_decimals(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{_MARK}{value:f}{_MARK}"
    if isinstance(value, dict):
        return {k: _mark_decimals(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mark_decimals(v) for v in value]
    return value


def dumps(payload: Any) -> str:
    """Encode one request; a Decimal becomes a JSON number with exactly its own digits.

    ``json`` cannot write a number it did not make itself, so each Decimal travels as a string
    wrapped in NUL markers and the quotes and markers are removed afterwards. Requests never
    contain a NUL character of their own.
    """
    text = json.dumps(_mark_decimals(payload), separators=(",", ":"))
    if _OPEN in text:
        text = text.replace(_OPEN, "").replace(_CLOSE, "")
    return text


@dataclass(frozen=True, slots=True)
class Status:
    """The exchange's system status: ``online``, ``maintenance``, ``cancel_only``, ``post_only``."""

    system: str
    version: str = ""
    connection_id: int | None = None
    api_version: str = ""


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """Sent about once a second while nothing else is (after the first subscription)."""


@dataclass(frozen=True, slots=True)
class Pong:
    req_id: int | None = None


@dataclass(frozen=True, slots=True)
class Response:
    """The answer to one request.

    ``method`` is the v2 method (``subscribe``, ``add_order``, ...) or the v1 event
    (``subscriptionStatus``, ``addOrderStatus``, ...); ``result`` the v2 result (an object, or a
    list for ``batch_add``) or, in v1, the whole reply; ``error`` is Kraken's error string when
    ``success`` is false. ``symbol`` names the pair a per-symbol answer is about.
    """

    method: str
    success: bool
    req_id: int | None = None
    result: Any = None
    error: str | None = None
    symbol: str | None = None
    time_in: str | None = None
    time_out: str | None = None


@dataclass(frozen=True, slots=True)
class ChannelMessage:
    """Channel data.

    ``channel`` is the channel's name without options (``book``, not v1's ``book-10``); ``type``
    is ``snapshot`` or ``update``; ``data`` the entries (v2: the ``data`` list, the instrument
    object as its only entry; v1: the payload parts between channelID and channelName, or the
    private payload list). ``symbol`` is v1's pair (v2 entries carry their own ``symbol``);
    ``sequence`` is set on private channels.
    """

    channel: str
    type: str
    data: tuple[Any, ...]
    symbol: str | None = None
    sequence: int | None = None
    raw: Any = field(default=None, repr=False, compare=False)


Message = Status | Heartbeat | Pong | Response | ChannelMessage

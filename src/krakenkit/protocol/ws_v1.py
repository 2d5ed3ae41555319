"""Spot WebSocket v1 as data: request builders and frame classification (protocol.md §4).

The same shape as :mod:`.ws_v2` so that one client drives both. v1 names pairs by their
``wsname`` (``XBT/USD``), sends decimal strings, lays public channel data out as
``[channelID, payload(, payload), channelName, pair]`` and private data as
``[payload, channelName, {"sequence": n}]``. Requests are ``{"event": ...}`` objects with an
optional ``reqid``; answers are ``<event>Status`` objects (``subscriptionStatus``,
``addOrderStatus``, ...) typed here as :class:`~.ws_messages.Response`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from krakenkit.protocol.errors import ProtocolError
from krakenkit.protocol.ws_messages import (
    ChannelMessage,
    Heartbeat,
    Message,
    Pong,
    Response,
    Status,
)

__all__ = ["AUTH_URL", "PRIVATE_CHANNELS", "URL", "V1Codec", "channel_base"]

URL = "wss://ws.kraken.com"
AUTH_URL = "wss://ws-auth.kraken.com"

PRIVATE_CHANNELS = frozenset({"ownTrades", "openOrders"})
_OK = frozenset({"ok", "subscribed", "unsubscribed"})


def channel_base(name: str) -> str:
    """``book-10`` -> ``book``, ``ohlc-5`` -> ``ohlc``, ``ticker`` -> ``ticker``."""
    head, sep, tail = name.rpartition("-")
    return head if sep and tail.isdigit() else name


def _strings(value: Any) -> Any:
    """v1 wants decimal strings: Decimals (and floats) are sent as text."""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {k: _strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strings(v) for v in value]
    return value


class V1Codec:
    """Builds v1 requests and types v1 frames."""

    version = "v1"
    private_channels = PRIVATE_CHANNELS

    def subscribe(
        self,
        channel: str,
        symbols: Sequence[str],
        options: Mapping[str, Any],
        req_id: int,
        *,
        token: str | None = None,
        unsubscribe: bool = False,
    ) -> tuple[dict[str, Any], int]:
        subscription: dict[str, Any] = {"name": channel, **options}
        if token is not None:
            subscription["token"] = token
        request: dict[str, Any] = {"event": "unsubscribe" if unsubscribe else "subscribe"}
        if symbols:
            request["pair"] = list(symbols)
        request["subscription"] = subscription
        request["reqid"] = req_id
        return request, max(1, len(symbols))

    def ping(self, req_id: int) -> dict[str, Any]:
        return {"event": "ping", "reqid": req_id}

    def request(
        self, method: str, params: Mapping[str, Any], req_id: int, *, token: str | None = None
    ) -> dict[str, Any]:
        """``{"event": method, **params, "token": .., "reqid": ..}`` (e.g. ``addOrder``)."""
        request: dict[str, Any] = {"event": method, **_strings(dict(params))}
        if token is not None:
            request["token"] = token
        request["reqid"] = req_id
        return request

    def parse(self, frame: Any) -> Message:
        """Type one decoded frame; :class:`ProtocolError` if it is not a v1 frame."""
        if isinstance(frame, list):
            return _channel(frame)
        if not isinstance(frame, dict):
            raise ProtocolError(f"v1 frame is neither list nor object: {str(frame)[:200]}")
        event = frame.get("event")
        if event == "heartbeat":
            return Heartbeat()
        if event == "pong":
            return Pong(frame.get("reqid"))
        if event == "systemStatus":
            return Status(
                system=str(frame.get("status", "")),
                version=str(frame.get("version", "")),
                connection_id=frame.get("connectionID"),
                api_version="v1",
            )
        error = frame.get("errorMessage", frame.get("Error"))
        status = frame.get("status")
        pair = frame.get("pair")
        return Response(
            method=event if isinstance(event, str) else "error",
            success=error is None and (status is None or status in _OK),
            req_id=frame.get("reqid"),
            result=frame,
            error=str(error) if error is not None else None,
            symbol=pair if isinstance(pair, str) else None,
        )


def _channel(frame: list[Any]) -> ChannelMessage:
    try:
        if len(frame) == 3 and isinstance(frame[2], dict) and isinstance(frame[1], str):
            # private: [payload, channelName, {"sequence": n}]
            payload = frame[0]
            return ChannelMessage(
                channel=frame[1],
                type="update",
                data=tuple(payload) if isinstance(payload, list) else (payload,),
                sequence=frame[2].get("sequence"),
                raw=frame,
            )
        name = frame[-2]
        pair = frame[-1]
        parts = tuple(frame[1:-2])
        if not isinstance(name, str) or not isinstance(pair, str) or not parts:
            raise ProtocolError(f"v1 channel frame not understood: {str(frame)[:200]}")
        channel = channel_base(name)
        first = parts[0]
        snapshot = (
            channel == "book" and isinstance(first, dict) and ("as" in first or "bs" in first)
        )
        return ChannelMessage(
            channel=channel,
            type="snapshot" if snapshot else "update",
            data=parts,
            symbol=pair,
            raw=frame,
        )
    except IndexError as exc:
        raise ProtocolError(f"v1 channel frame too short: {str(frame)[:200]}") from exc

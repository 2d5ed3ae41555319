"""Spot WebSocket v2 as data: request builders and frame classification (protocol.md §5).

Pure: dicts in, dicts and :mod:`.ws_messages` out. The client encodes requests with
:func:`~.ws_messages.dumps` (Decimals stay exact JSON numbers) and decodes frames with
:func:`~.ws_messages.loads` before handing them to :meth:`V2Codec.parse`.

::

    codec = V2Codec()
    request, answers = codec.subscribe("book", ["BTC/USD"], {"depth": 10}, req_id=7)
    # {"method": "subscribe", "params": {"channel": "book", "symbol": ["BTC/USD"], "depth": 10},
    #  "req_id": 7}, and 1 answer (one per symbol)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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

__all__ = [
    "AUTH_URL",
    "PRIVATE_CHANNELS",
    "PUBLIC_CHANNELS",
    "TRADING_METHODS",
    "URL",
    "V2Codec",
    "answers_expected",
]

URL = "wss://ws.kraken.com/v2"
AUTH_URL = "wss://ws-auth.kraken.com/v2"

PUBLIC_CHANNELS = frozenset({"book", "ticker", "trade", "ohlc", "instrument", "level3"})
PRIVATE_CHANNELS = frozenset({"executions", "balances", "level3"})
TRADING_METHODS = frozenset(
    {
        "add_order",
        "amend_order",
        "edit_order",
        "cancel_order",
        "cancel_all",
        "cancel_all_orders_after",
        "batch_add",
        "batch_cancel",
    }
)


def answers_expected(method: str, params: Mapping[str, Any]) -> int:
    """How many responses Kraken sends to one request.

    ``subscribe``/``unsubscribe`` with symbols: one per symbol; ``cancel_order``: one per order
    named (by ``order_id``, ``cl_ord_id`` and ``order_userref`` together); everything else one.
    """
    if method in ("subscribe", "unsubscribe"):
        symbols = params.get("symbol")
        return max(1, len(symbols)) if isinstance(symbols, list) else 1
    if method == "cancel_order":
        named = sum(
            len(v) for k in ("order_id", "cl_ord_id", "order_userref") if (v := params.get(k))
        )
        return max(1, named)
    return 1


class V2Codec:
    """Builds v2 requests and types v2 frames."""

    version = "v2"
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
        params: dict[str, Any] = {"channel": channel}
        if symbols:
            params["symbol"] = list(symbols)
        params.update(options)
        if token is not None:
            params["token"] = token
        method = "unsubscribe" if unsubscribe else "subscribe"
        return self.request(method, params, req_id), answers_expected(method, params)

    def ping(self, req_id: int) -> dict[str, Any]:
        return {"method": "ping", "req_id": req_id}

    def request(
        self, method: str, params: Mapping[str, Any], req_id: int, *, token: str | None = None
    ) -> dict[str, Any]:
        body = dict(params)
        if token is not None:
            body["token"] = token
        request: dict[str, Any] = {"method": method}
        if body:
            request["params"] = body
        request["req_id"] = req_id
        return request

    def parse(self, frame: Any) -> Message:
        """Type one decoded frame; :class:`ProtocolError` if it is not a v2 frame."""
        if not isinstance(frame, dict):
            raise ProtocolError(f"v2 frame is not an object: {str(frame)[:200]}")
        channel = frame.get("channel")
        if isinstance(channel, str):
            return _channel(channel, frame)
        method = frame.get("method")
        if method == "pong":
            return Pong(frame.get("req_id"))
        error = frame.get("error")
        result = frame.get("result")
        symbol = frame.get("symbol")
        if symbol is None and isinstance(result, dict):
            symbol = result.get("symbol")
        return Response(
            method=method if isinstance(method, str) else "",
            success=frame.get("success") is True,
            req_id=frame.get("req_id"),
            result=result,
            error=str(error) if error is not None else None,
            symbol=symbol if isinstance(symbol, str) else None,
            time_in=frame.get("time_in"),
            time_out=frame.get("time_out"),
        )


def _channel(channel: str, frame: dict[str, Any]) -> Message:
    if channel == "heartbeat":
        return Heartbeat()
    data = frame.get("data")
    if channel == "status":
        entry = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
        return Status(
            system=str(entry.get("system", "")),
            version=str(entry.get("version", "")),
            connection_id=entry.get("connection_id"),
            api_version=str(entry.get("api_version", "")),
        )
    if isinstance(data, list):
        entries: tuple[Any, ...] = tuple(data)
    elif data is None:
        entries = ()
    else:
        entries = (data,)  # instrument: one object with "assets" and "pairs"
    symbols = {e.get("symbol") for e in entries if isinstance(e, dict)}
    symbol = symbols.pop() if len(symbols) == 1 else None
    return ChannelMessage(
        channel=channel,
        type=str(frame.get("type", "update")),
        data=entries,
        symbol=symbol if isinstance(symbol, str) else None,
        sequence=frame.get("sequence"),
        raw=frame,
    )

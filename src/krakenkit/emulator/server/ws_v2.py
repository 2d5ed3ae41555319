"""Spot WebSocket v2 (``ws://H:P/v2``): methods in, responses and channels out (protocol.md §5)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from krakenkit.emulator.marketdata import INTERVALS
from krakenkit.emulator.server import ws_public as pub
from krakenkit.emulator.server import ws_trading
from krakenkit.emulator.server.auth import ApiKey
from krakenkit.emulator.server.ws_book import DEPTHS
from krakenkit.emulator.server.ws_conn import WsConnection
from krakenkit.emulator.server.ws_hub import FeedHub, Topic
from krakenkit.emulator.server.ws_level3 import L3_DEPTHS
from krakenkit.emulator.server.ws_private import PrivateFeeds
from krakenkit.emulator.server.ws_render import dumps, iso
from krakenkit.emulator.server.ws_session import session_key
from krakenkit.protocol.errors import APIError

__all__ = ["MAX_RATE_COUNT", "handle_v2"]

_PUBLIC = {"ticker", "book", "trade", "ohlc", "instrument"}
_PRIVATE = {"executions", "balances"}
_AUTHENTICATED = {"level3"}
MAX_RATE_COUNT = 125


class _Refused(Exception):
    def __init__(self, text: str, **extra: Any) -> None:
        super().__init__(text)
        self.text = text
        self.extra = extra


class _Request:
    """One request: answers carry its method, req_id and time_in."""

    def __init__(self, hub: FeedHub, conn: WsConnection, msg: dict[str, Any]) -> None:
        self.hub = hub
        self.conn = conn
        self.msg = msg
        self.method = str(msg.get("method"))
        self.time_in = iso(hub.engine.clock())
        params = msg.get("params", {})
        self.params: dict[str, Any] = params if isinstance(params, dict) else {}

    def _frame(self, body: dict[str, Any]) -> str:
        reply: dict[str, Any] = {"method": self.method}
        if "req_id" in self.msg:
            reply["req_id"] = self.msg["req_id"]
        reply.update(body)
        reply["time_in"] = self.time_in
        reply["time_out"] = iso(self.hub.engine.clock())
        return dumps(reply)

    def ok(self, result: Any, **extra: Any) -> None:
        self.conn.send(self._frame({"result": result, "success": True, **extra}))

    def error(self, text: str, **extra: Any) -> None:
        self.conn.send(self._frame({"error": text, "success": False, **extra}))


def handle_v2(hub: FeedHub, private: PrivateFeeds, conn: WsConnection, text: str) -> None:
    try:
        msg = orjson.loads(text)
    except orjson.JSONDecodeError:
        msg = None
    if not isinstance(msg, dict) or not isinstance(msg.get("method"), str):
        conn.send(dumps({"error": "Malformed request", "success": False}))
        return
    req = _Request(hub, conn, msg)
    if "params" in msg and not isinstance(msg["params"], dict):
        req.error("Invalid params: must be an object")
        return
    if req.method == "ping":
        req.method = "pong"
        conn.send(req._frame({}))
        return
    handler = _METHODS.get(req.method)
    if handler is None:
        req.error("Method not found")
        return
    try:
        handler(req, private)
    except _Refused as exc:
        req.error(exc.text, **exc.extra)
    except APIError as exc:
        req.error(exc.error)


# -- subscriptions ---------------------------------------------------------------------------


def _option(channel: str, params: dict[str, Any]) -> int:
    if channel in ("book", "level3"):
        depth = params.get("depth", 10)
        allowed = DEPTHS if channel == "book" else L3_DEPTHS
        if not isinstance(depth, int) or isinstance(depth, bool) or depth not in allowed:
            raise _Refused("Invalid depth")
        return depth
    if channel == "ohlc":
        interval = params.get("interval")
        if not isinstance(interval, int) or isinstance(interval, bool) or interval not in INTERVALS:
            raise _Refused("Invalid interval")
        return interval
    if channel == "ticker":
        trigger = params.get("event_trigger", "trades")
        if trigger not in ("trades", "bbo"):
            raise _Refused("Invalid event_trigger")
        return 1 if trigger == "bbo" else 0
    return 0


def _subscribe(req: _Request, private: PrivateFeeds, *, subscribe: bool = True) -> None:
    params = req.params
    channel = params.get("channel")
    if channel not in _PUBLIC and channel not in _PRIVATE and channel not in _AUTHENTICATED:
        raise _Refused("Channel not found" if channel is not None else "Missing channel")
    channel = str(channel)
    hub, conn = req.hub, req.conn
    snapshot = params.get("snapshot", channel != "trade")
    if not isinstance(snapshot, bool):
        raise _Refused("Invalid snapshot")
    if channel in _PRIVATE:
        _private(req, private, channel, subscribe=subscribe)
        return
    if channel in _AUTHENTICATED:
        _token_key(req)  # level3 needs a valid token, like Kraken's ws-l3 endpoint
    option = _option(channel, params)
    result: dict[str, Any] = {"channel": channel}
    if channel in ("book", "level3"):
        result["depth"] = option
    elif channel == "ohlc":
        result["interval"] = option
    elif channel == "ticker":
        result["event_trigger"] = "bbo" if option else "trades"
    if channel == "instrument":
        topic: Topic = ("v2", "instrument", "", 0)
        if not subscribe:
            if not hub.unsubscribe(topic, conn):
                raise _Refused("Subscription Not Found")
            req.ok(result)
            return
        if hub.is_subscribed(topic, conn):
            raise _Refused("Already subscribed")
        hub.subscribe(topic, conn)
        conn.subscribed = True
        req.ok({**result, "snapshot": snapshot})
        if snapshot:
            conn.send(pub.v2_instrument(hub.exchange.catalogue))
        return
    symbols = params.get("symbol")
    if not isinstance(symbols, list) or not symbols:
        raise _Refused("Missing symbol" if symbols is None else "Invalid symbol: must be a list")
    catalogue = hub.exchange.catalogue
    for symbol in symbols:
        pair = catalogue.pair_or_none(symbol) if isinstance(symbol, str) else None
        if pair is None or pair.symbol != symbol:
            req.error(f"Currency pair not supported {symbol}", symbol=symbol)
            continue
        topic = ("v2", channel, pair.id, option)
        if not subscribe:
            if hub.unsubscribe(topic, conn):
                req.ok({**result, "symbol": symbol})
            else:
                req.error("Subscription Not Found", symbol=symbol)
            continue
        if hub.is_subscribed(topic, conn):
            req.error("Already subscribed", symbol=symbol)
            continue
        hub.subscribe(topic, conn)
        conn.subscribed = True
        req.ok({**result, "snapshot": snapshot, "symbol": symbol})
        if not snapshot:
            continue
        now = hub.engine.clock()
        md = hub.exchange.marketdata
        if channel == "book":
            conn.send(pub.v2_book(hub.view(pair.id, option), now))
        elif channel == "level3":
            conn.send(hub.l3_view(pair.id, option).snapshot())
        elif channel == "ticker":
            conn.send(pub.v2_ticker(md, pair, "snapshot"))
        elif channel == "trade":
            tape = list(hub.engine.tape[pair.id])[-50:]
            conn.send(pub.v2_trade(pair, tape, "snapshot"))
        elif channel == "ohlc":
            candles = list(md.candles(pair.id, option))[-120:]
            conn.send(pub.v2_ohlc(pair, candles, option, now, "snapshot"))


def _unsubscribe(req: _Request, private: PrivateFeeds) -> None:
    _subscribe(req, private, subscribe=False)


def _token_key(req: _Request) -> ApiKey:
    key = session_key(req.hub, req.conn, req.params.get("token"))
    if key is None:
        raise _Refused("ESession:Invalid session")
    return key


def _private(req: _Request, private: PrivateFeeds, channel: str, *, subscribe: bool) -> None:
    key = _token_key(req)
    hub, conn = req.hub, req.conn
    topic: Topic = ("v2", channel, key.account_id, 0)
    if not subscribe:
        if not hub.unsubscribe(topic, conn):
            raise _Refused("Subscription Not Found")
        req.ok({"channel": channel})
        return
    if hub.is_subscribed(topic, conn):
        raise _Refused("Already subscribed")
    hub.subscribe(topic, conn)
    conn.subscribed = True
    params = req.params
    if channel == "executions":
        snap_orders = params.get("snap_orders", params.get("snapshot", True)) is not False
        snap_trades = bool(params.get("snap_trades", params.get("snapshot_trades", False)))
        result = {"channel": channel, "maxratecount": MAX_RATE_COUNT, "snapshot": snap_orders}
        req.ok(result)
        if snap_orders or snap_trades:
            private.v2_snapshot(
                conn, channel, key.account_id, snap_orders=snap_orders, snap_trades=snap_trades
            )
        return
    snapshot = params.get("snapshot", True) is not False
    req.ok({"channel": channel, "snapshot": snapshot})
    if snapshot:
        private.v2_snapshot(conn, channel, key.account_id)


# -- trading ---------------------------------------------------------------------------------


def _add_order(req: _Request, private: PrivateFeeds) -> None:
    key = _token_key(req)
    params = ws_trading.v2_order_params(req.params)
    result = ws_trading.call(req.hub.exchange, key, "AddOrder", params)
    req.ok(_order_result(req.params, result.get("txid", [None])[0]))


def _order_result(params: dict[str, Any], txid: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if txid is not None:
        out["order_id"] = txid
    if "cl_ord_id" in params:
        out["cl_ord_id"] = params["cl_ord_id"]
    if "order_userref" in params:
        out["order_userref"] = params["order_userref"]
    return out


def _amend_order(req: _Request, private: PrivateFeeds) -> None:
    key = _token_key(req)
    p = dict(req.params)
    p.pop("token", None)
    p.pop("symbol", None)
    if "order_id" in p:
        p["txid"] = p.pop("order_id")
    for name in ("limit_price_type", "trigger_price_type"):
        if p.pop(name, "static") != "static":
            raise _Refused(f"EGeneral:Invalid arguments:{name}")
    result = ws_trading.call(req.hub.exchange, key, "AmendOrder", p)
    out: dict[str, Any] = {"amend_id": result["amend_id"]}
    if "txid" in p:
        out["order_id"] = p["txid"]
    if "cl_ord_id" in p:
        out["cl_ord_id"] = p["cl_ord_id"]
    req.ok(out)


def _edit_order(req: _Request, private: PrivateFeeds) -> None:
    key = _token_key(req)
    result = ws_trading.call(
        req.hub.exchange, key, "EditOrder", ws_trading.v2_edit_params(req.params)
    )
    out = {"original_order_id": result["originaltxid"]}
    if "txid" in result:
        out["order_id"] = result["txid"]
    req.ok(out)


def _cancel_order(req: _Request, private: PrivateFeeds) -> None:
    key = _token_key(req)
    p = req.params
    refs: list[tuple[str, Any]] = []
    for field in ("order_id", "cl_ord_id", "order_userref"):
        values = p.get(field)
        if values is None:
            continue
        if not isinstance(values, list):
            raise _Refused(f"EGeneral:Invalid arguments:{field}")
        refs.extend((field, v) for v in values)
    if not refs:
        raise _Refused("EGeneral:Invalid arguments:order_id")
    for field, value in refs:
        params = {"cl_ord_id": value} if field == "cl_ord_id" else {"txid": value}
        try:
            ws_trading.call(req.hub.exchange, key, "CancelOrder", params)
        except APIError as exc:
            req.error(exc.error)
            continue
        req.ok({field: value})


def _cancel_all(req: _Request, private: PrivateFeeds) -> None:
    key = _token_key(req)
    result = ws_trading.call(req.hub.exchange, key, "CancelAll", {})
    req.ok({"count": result["count"]})


def _cancel_after(req: _Request, private: PrivateFeeds) -> None:
    key = _token_key(req)
    timeout = req.params.get("timeout")
    result = ws_trading.call(req.hub.exchange, key, "CancelAllOrdersAfter", {"timeout": timeout})
    req.ok(result)


def _batch_add(req: _Request, private: PrivateFeeds) -> None:
    key = _token_key(req)
    p = req.params
    orders = p.get("orders")
    if not isinstance(orders, list) or not all(isinstance(o, dict) for o in orders):
        raise _Refused("EGeneral:Invalid arguments:orders")
    items = []
    for order in orders:
        item = ws_trading.v2_order_params(order, symbol=p.get("symbol"))
        item.pop("pair", None)
        item.pop("validate", None)
        items.append(item)
    params: dict[str, Any] = {"pair": p.get("symbol"), "orders": items}
    for name in ("deadline", "validate"):
        if name in p:
            params[name] = p[name]
    result = ws_trading.call(req.hub.exchange, key, "AddOrderBatch", params)
    out = []
    for order, entry in zip(orders, result["orders"], strict=True):
        if "error" in entry:
            out.append({"error": entry["error"]})
        else:
            out.append(_order_result(order, entry.get("txid")))
    req.ok(out)


def _batch_cancel(req: _Request, private: PrivateFeeds) -> None:
    key = _token_key(req)
    p = req.params
    orders = p.get("orders", [])
    cl_ord_ids = p.get("cl_ord_id", [])
    if not isinstance(orders, list) or not isinstance(cl_ord_ids, list):
        raise _Refused("EGeneral:Invalid arguments:orders")
    if not 1 <= len(orders) + len(cl_ord_ids) <= 50:
        raise _Refused("EGeneral:Invalid arguments:orders")
    params = {"orders": [{"txid": o} for o in orders], "cl_ord_ids": cl_ord_ids}
    result = ws_trading.call(req.hub.exchange, key, "CancelOrderBatch", params)
    req.ok({"count": result["count"]})


_METHODS: dict[str, Callable[[_Request, PrivateFeeds], None]] = {
    "subscribe": _subscribe,
    "unsubscribe": _unsubscribe,
    "add_order": _add_order,
    "amend_order": _amend_order,
    "edit_order": _edit_order,
    "cancel_order": _cancel_order,
    "cancel_all": _cancel_all,
    "cancel_all_orders_after": _cancel_after,
    "batch_add": _batch_add,
    "batch_cancel": _batch_cancel,
}

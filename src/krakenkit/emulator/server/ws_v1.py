"""Spot WebSocket v1 (``ws://H:P/``): requests in, replies and channels out (protocol.md §4)."""

from __future__ import annotations

from typing import Any

import orjson

from krakenkit.emulator.marketdata import INTERVALS
from krakenkit.emulator.server import ws_public as pub
from krakenkit.emulator.server import ws_trading
from krakenkit.emulator.server.auth import ApiKey
from krakenkit.emulator.server.ws_book import DEPTHS
from krakenkit.emulator.server.ws_conn import WsConnection
from krakenkit.emulator.server.ws_hub import FeedHub, Topic
from krakenkit.emulator.server.ws_private import PrivateFeeds
from krakenkit.emulator.server.ws_render import dumps
from krakenkit.emulator.server.ws_session import session_key
from krakenkit.protocol.assets import PairInfo
from krakenkit.protocol.errors import APIError

__all__ = ["handle_v1"]

_PUBLIC = {"book", "ohlc", "spread", "ticker", "trade"}
_PRIVATE = {"ownTrades", "openOrders"}
_FIELDS = {
    "book": {"name", "depth"},
    "ohlc": {"name", "interval"},
    "ownTrades": {"name", "token", "snapshot", "consolidate_taker", "rebased"},
    "openOrders": {"name", "token", "ratecounter", "rebased"},
}


class _Refused(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _with_reqid(reply: dict[str, Any], msg: dict[str, Any]) -> dict[str, Any]:
    if "reqid" in msg:
        reply["reqid"] = msg["reqid"]
    return reply


def handle_v1(hub: FeedHub, private: PrivateFeeds, conn: WsConnection, text: str) -> None:
    """Answer one client message."""
    try:
        msg = orjson.loads(text)
    except orjson.JSONDecodeError:
        msg = None
    if not isinstance(msg, dict):
        conn.send(dumps({"errorMessage": "Malformed request", "event": "error"}))
        return
    event = msg.get("event")
    if event == "ping":
        conn.send(dumps(_with_reqid({"event": "pong"}, msg)))
    elif event in ("subscribe", "unsubscribe"):
        _subscription(hub, private, conn, msg, subscribe=event == "subscribe")
    elif event in _TRADING:
        _trade(hub, conn, msg, str(event))
    else:
        conn.send(dumps(_with_reqid({"errorMessage": "Event(s) not found", "event": "error"}, msg)))


# -- subscriptions ---------------------------------------------------------------------------


def _status(msg: dict[str, Any], **fields: Any) -> str:
    reply: dict[str, Any] = {}
    for key in ("channelID", "channelName", "errorMessage"):
        if key in fields:
            reply[key] = fields.pop(key)
    reply["event"] = "subscriptionStatus"
    if "pair" in fields:
        reply["pair"] = fields.pop("pair")
    if "reqid" in msg:
        reply["reqid"] = msg["reqid"]
    reply.update(fields)
    return dumps(reply)


def _parse_subscription(msg: dict[str, Any]) -> tuple[str, dict[str, Any], int]:
    sub = msg.get("subscription")
    if not isinstance(sub, dict):
        raise _Refused("Subscription field must be an object")
    name = sub.get("name")
    if name not in _PUBLIC and name not in _PRIVATE:
        raise _Refused("Subscription name invalid")
    if set(sub) - _FIELDS.get(str(name), {"name"}):
        raise _Refused("Subscription object unsupported field")
    option = 0
    if name == "book":
        depth = sub.get("depth", 10)
        if not isinstance(depth, int) or isinstance(depth, bool):
            raise _Refused("Subscription book depth must be an integer")
        if depth not in DEPTHS:
            raise _Refused("Subscription depth not supported")
        option = depth
    elif name == "ohlc":
        interval = sub.get("interval", 1)
        if not isinstance(interval, int) or isinstance(interval, bool):
            raise _Refused("Subscription ohlc interval must be an integer")
        if interval not in INTERVALS:
            raise _Refused("Subscription ohlc interval not supported")
        option = interval
    return str(name), sub, option


def _channel_name(name: str, option: int) -> str:
    return f"{name}-{option}" if name in ("book", "ohlc") else name


def _subscription(
    hub: FeedHub, private: PrivateFeeds, conn: WsConnection, msg: dict[str, Any], *, subscribe: bool
) -> None:
    sub_echo = msg.get("subscription") if isinstance(msg.get("subscription"), dict) else {}
    try:
        name, sub, option = _parse_subscription(msg)
    except _Refused as exc:
        conn.send(_status(msg, errorMessage=exc.text, status="error", subscription=sub_echo))
        return
    echo = {k: v for k, v in sub.items() if k != "token"}
    if name in _PRIVATE:
        _private_subscription(hub, private, conn, msg, name, sub, echo, subscribe=subscribe)
        return
    pairs = msg.get("pair")
    if not isinstance(pairs, list):
        text = "Pair field must be an array" if pairs is not None else "Pair(s) not found"
        conn.send(_status(msg, errorMessage=text, status="error", subscription=echo))
        return
    catalogue = hub.exchange.catalogue
    for raw in pairs:
        pair = catalogue.pair_or_none(raw) if isinstance(raw, str) else None
        if pair is None or pair.wsname != raw:
            text = (
                "Currency pair not in ISO 4217-A3 format"
                if not isinstance(raw, str) or "/" not in raw
                else "Pair(s) not found"
            )
            conn.send(_status(msg, errorMessage=text, pair=raw, status="error", subscription=echo))
            continue
        _one_pair(hub, conn, msg, name, option, pair, echo, subscribe=subscribe)


def _one_pair(
    hub: FeedHub,
    conn: WsConnection,
    msg: dict[str, Any],
    name: str,
    option: int,
    pair: PairInfo,
    echo: dict[str, Any],
    *,
    subscribe: bool,
) -> None:
    topic: Topic = ("v1", name, pair.id, option)
    channel = _channel_name(name, option)
    cid = hub.channel_id(channel, pair.id)
    wsname = pair.wsname
    if not subscribe:
        if not hub.unsubscribe(topic, conn):
            conn.send(
                _status(
                    msg,
                    errorMessage="Subscription Not Found",
                    pair=wsname,
                    status="error",
                    subscription=echo,
                )
            )
            return
        conn.send(
            _status(
                msg,
                channelID=cid,
                channelName=channel,
                pair=wsname,
                status="unsubscribed",
                subscription=echo,
            )
        )
        return
    if hub.is_subscribed(topic, conn):
        conn.send(
            _status(
                msg,
                errorMessage="Already subscribed",
                pair=wsname,
                status="error",
                subscription=echo,
            )
        )
        return
    hub.subscribe(topic, conn)
    conn.send(
        _status(
            msg,
            channelID=cid,
            channelName=channel,
            pair=wsname,
            status="subscribed",
            subscription=echo,
        )
    )
    now = hub.engine.clock()
    md = hub.exchange.marketdata
    if name == "book":
        conn.send(pub.v1_book_snapshot(hub.view(pair.id, option), cid, now))
    elif name == "ticker":
        conn.send(pub.v1_ticker(md, pair, cid))
    elif name == "ohlc":
        conn.send(pub.v1_ohlc(pair, md.candles(pair.id, option)[-1], option, cid, now))
    elif name == "spread":
        text = pub.v1_spread(md, pair, cid, now)
        if text is not None:
            conn.send(text)


def _private_subscription(
    hub: FeedHub,
    private: PrivateFeeds,
    conn: WsConnection,
    msg: dict[str, Any],
    name: str,
    sub: dict[str, Any],
    echo: dict[str, Any],
    *,
    subscribe: bool,
) -> None:
    if "pair" in msg:
        conn.send(
            _status(
                msg,
                errorMessage="Pair field unsupported for this subscription type",
                status="error",
                subscription=echo,
            )
        )
        return
    key = session_key(hub, conn, sub.get("token"))
    if key is None:
        conn.send(
            _status(msg, errorMessage="ESession:Invalid session", status="error", subscription=echo)
        )
        return
    topic: Topic = ("v1", name, key.account_id, 0)
    if not subscribe:
        if not hub.unsubscribe(topic, conn):
            conn.send(
                _status(
                    msg, errorMessage="Subscription Not Found", status="error", subscription=echo
                )
            )
            return
        conn.send(_status(msg, channelName=name, status="unsubscribed", subscription=echo))
        return
    if hub.is_subscribed(topic, conn):
        conn.send(
            _status(msg, errorMessage="Already subscribed", status="error", subscription=echo)
        )
        return
    hub.subscribe(topic, conn)
    conn.send(_status(msg, channelName=name, status="subscribed", subscription=echo))
    if sub.get("snapshot", True) is not False:
        private.v1_snapshot(conn, name, key.account_id)


# -- trading ---------------------------------------------------------------------------------

_TRADING = {"addOrder", "editOrder", "cancelOrder", "cancelAll", "cancelAllOrdersAfter"}
_SKIP = {"event", "token", "reqid"}


def _trade(hub: FeedHub, conn: WsConnection, msg: dict[str, Any], event: str) -> None:
    status_event = f"{event}Status"
    key: ApiKey | None = session_key(hub, conn, msg.get("token"))
    if key is None:
        error = {"errorMessage": "ESession:Invalid session", "event": status_event}
        conn.send(dumps(_with_reqid({**error, "status": "error"}, msg)))
        return
    params = {k: v for k, v in msg.items() if k not in _SKIP}
    exchange = hub.exchange
    try:
        if event == "addOrder":
            if "userref" in params:
                params["userref"] = str(params["userref"])
            result = ws_trading.call(exchange, key, "AddOrder", params)
            reply: dict[str, Any] = {
                "descr": result["descr"]["order"],
                "event": status_event,
                "status": "ok",
            }
            if "txid" in result:
                reply["txid"] = result["txid"][0]
        elif event == "editOrder":
            params["txid"] = params.pop("orderid", None)
            if "newuserref" in params:
                params["userref"] = params.pop("newuserref")
            result = ws_trading.call(exchange, key, "EditOrder", params)
            reply = {
                "descr": f"order edited price = {result['price']}",
                "event": status_event,
                "originaltxid": result["originaltxid"],
                "status": "ok",
            }
            if "txid" in result:
                reply["txid"] = result["txid"]
        elif event == "cancelOrder":
            txids = params.get("txid")
            if not isinstance(txids, list) or not txids:
                raise _Refused("EGeneral:Invalid arguments")
            for txid in txids:
                try:
                    ws_trading.call(exchange, key, "CancelOrder", {"txid": txid})
                    one: dict[str, Any] = {"event": status_event, "status": "ok"}
                except APIError as exc:
                    one = {"errorMessage": exc.error, "event": status_event, "status": "error"}
                conn.send(dumps(_with_reqid(one, msg)))
            return
        elif event == "cancelAll":
            result = ws_trading.call(exchange, key, "CancelAll", {})
            reply = {"count": result["count"], "event": status_event, "status": "ok"}
        else:
            result = ws_trading.call(exchange, key, "CancelAllOrdersAfter", params)
            reply = {"currentTime": result["currentTime"], "event": status_event, "status": "ok"}
            reply["triggerTime"] = result["triggerTime"]
    except (APIError, _Refused) as exc:
        text = exc.error if isinstance(exc, APIError) else exc.text
        reply = {"errorMessage": text, "event": status_event, "status": "error"}
    conn.send(dumps(_with_reqid(reply, msg)))

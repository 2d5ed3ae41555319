"""Private channels: v1 ownTrades / openOrders and v2 executions / balances.

Subscribers are kept per account in the hub's topics (``(version, channel, account, 0)``). Each
connection numbers its own messages (``sequence``), so these are encoded per connection; there
are few private subscribers and they must see every event, in engine order, as it happens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from krakenkit.emulator.accounts import LedgerEntry
from krakenkit.emulator.engine import Event, FillEvent, LedgerEvent, Order, OrderEvent
from krakenkit.emulator.engine.orders import Fill
from krakenkit.emulator.server.views import fixed, order_info
from krakenkit.emulator.server.ws_conn import WsConnection
from krakenkit.emulator.server.ws_render import dumps, iso, quantize, v1_time

if TYPE_CHECKING:
    from krakenkit.emulator.server.ws_hub import FeedHub

__all__ = ["PrivateFeeds"]

SNAPSHOT_TRADES = 50
_V2_STATUS = {
    "pending": "pending_new",
    "open": "new",
    "closed": "filled",
    "canceled": "canceled",
    "expired": "expired",
}
_V2_EXEC = {
    "pending": "pending_new",
    "new": "new",
    "triggered": "status",
    "amended": "amended",
    "closed": "filled",
    "canceled": "canceled",
    "expired": "expired",
}


def _next(conn: WsConnection, channel: str) -> int:
    key = f"seq:{channel}"
    seq = int(conn.state.get(key, 0)) + 1
    conn.state[key] = seq
    return seq


# -- v1 --------------------------------------------------------------------------------------


def v1_order(order: Order) -> dict[str, Any]:
    info = order_info(order)
    info["avg_price"] = info.pop("price")
    info["lastupdated"] = v1_time(order.closetm or order.opentm)
    info["descr"]["pair"] = order.pair.wsname
    return info


def v1_trade(fill: Fill, order: Order | None) -> dict[str, Any]:
    pair = fill.pair
    entry: dict[str, Any] = {
        "cost": fixed(fill.cost, pair.cost_decimals),
        "fee": fixed(fill.fee, pair.cost_decimals),
        "margin": fixed(0, pair.cost_decimals),
        "ordertxid": fill.ordertxid,
        "ordertype": fill.ordertype,
        "pair": pair.wsname,
        "postxid": fill.postxid,
        "price": fixed(fill.price, pair.pair_decimals),
        "time": v1_time(fill.time),
        "type": fill.side,
        "vol": fixed(fill.volume, pair.lot_decimals),
    }
    if order is not None:
        entry["userref"] = order.request.userref
        if order.request.cl_ord_id is not None:
            entry["cl_ord_id"] = order.request.cl_ord_id
    return {fill.txid: entry}


def _v1_order_update(order: Order, kind: str) -> dict[str, Any]:
    pair = order.pair
    if kind == "fill":
        return {
            "vol_exec": fixed(order.vol_exec, pair.lot_decimals),
            "cost": fixed(order.cost, pair.cost_decimals),
            "fee": fixed(order.fee, pair.cost_decimals),
            "avg_price": fixed(order.avg_price, pair.pair_decimals),
            "userref": order.request.userref,
        }
    if kind in ("closed", "canceled", "expired"):
        update: dict[str, Any] = {"status": kind, "userref": order.request.userref}
        if order.reason:
            update["cancel_reason" if kind == "canceled" else "reason"] = order.reason
        update["lastupdated"] = v1_time(order.closetm)
        return update
    return v1_order(order)  # pending, new, triggered, amended: the whole order again


# -- v2 --------------------------------------------------------------------------------------


def v2_order(order: Order, exec_type: str) -> dict[str, Any]:
    request, pair = order.request, order.pair
    pd, qd, cd = pair.pair_decimals, pair.lot_decimals, pair.cost_decimals
    status = _V2_STATUS.get(order.status, order.status)
    if status == "new" and order.vol_exec > 0:
        status = "partially_filled"
    report: dict[str, Any] = {
        "order_id": order.txid,
        "symbol": pair.symbol,
        "side": request.side,
        "order_type": request.ordertype,
        "order_qty": quantize(order.volume, qd),
        "order_userref": request.userref,
        "exec_type": exec_type,
        "order_status": status,
        "time_in_force": request.timeinforce.lower(),
        "cum_qty": quantize(order.vol_exec, qd),
        "cum_cost": quantize(order.cost, cd),
        "avg_price": quantize(order.avg_price, pd),
        "fee_ccy_pref": "fees_base_currency" if order.fee_in_base else "fees_quote_currency",
        "post_only": "post" in request.oflags,
        "reduce_only": request.reduce_only,
        "timestamp": iso(order.closetm or order.opentm),
    }
    if order.limit_price is not None and request.ordertype not in ("market",):
        report["limit_price"] = quantize(order.limit_price, pd)
    if order.trigger_price is not None:
        report["triggers"] = {
            "reference": request.trigger,
            "price": quantize(order.trigger_price, pd),
            "price_type": "static",
            "status": "triggered" if order.triggered else "untriggered",
        }
    if request.cl_ord_id is not None:
        report["cl_ord_id"] = request.cl_ord_id
    if request.displayvol is not None:
        report["display_qty"] = quantize(request.displayvol, qd)
    if order.reason and exec_type in ("canceled", "expired"):
        report["reason"] = order.reason
    return report


def v2_trade(fill: Fill, order: Order, asset_common: str) -> dict[str, Any]:
    report = v2_order(order, "trade")
    pair = fill.pair
    report.update(
        {
            "exec_id": fill.txid,
            "trade_id": fill.trade_id,
            "last_qty": quantize(fill.volume, pair.lot_decimals),
            "last_price": quantize(fill.price, pair.pair_decimals),
            "liquidity_ind": "m" if fill.maker else "t",
            "cost": quantize(fill.cost, pair.cost_decimals),
            "timestamp": iso(fill.time),
            "fees": [{"asset": asset_common, "qty": fill.fee_amount}],
        }
    )
    return report


class PrivateFeeds:
    """Pushes account events to the private subscribers of one hub."""

    def __init__(self, hub: FeedHub) -> None:
        self.hub = hub
        self.engine = hub.engine
        hub.private.append(self.on_event)

    def _common(self, asset_id: str) -> str:
        asset = self.hub.exchange.catalogue.assets.get(asset_id)
        return asset.common if asset is not None else asset_id

    def subscribers(self, version: str, channel: str, account_id: str) -> set[WsConnection]:
        return self.hub.topics.get((version, channel, account_id, 0), set())

    # -- snapshots -------------------------------------------------------------------------

    def v1_snapshot(self, conn: WsConnection, channel: str, account_id: str) -> None:
        if channel == "openOrders":
            orders = self.engine.open_orders.get(account_id, {}).values()
            payload: list[Any] = [{o.txid: v1_order(o)} for o in orders]
        else:
            fills = self.engine.account_fills.get(account_id, [])[-SNAPSHOT_TRADES:]
            payload = [v1_trade(f, self.engine.orders.get(f.ordertxid)) for f in fills]
        conn.send(dumps([payload, channel, {"sequence": _next(conn, channel)}]))

    def v2_snapshot(self, conn: WsConnection, channel: str, account_id: str, **opts: bool) -> None:
        if channel == "balances":
            account = self.engine.account(account_id)
            data: list[dict[str, Any]] = []
            for asset_id, amount in sorted(account.balances.items()):
                decimals = self.engine.asset_decimals.get(asset_id, 8)
                value = quantize(amount, decimals)
                data.append(
                    {
                        "asset": self._common(asset_id),
                        "asset_class": "currency",
                        "balance": value,
                        "wallets": [{"type": "spot", "id": "main", "balance": value}],
                    }
                )
        else:
            data = []
            if opts.get("snap_orders", True):
                orders = self.engine.open_orders.get(account_id, {}).values()
                data.extend(v2_order(o, "new") for o in orders)
            if opts.get("snap_trades", False):
                for fill in self.engine.account_fills.get(account_id, [])[-SNAPSHOT_TRADES:]:
                    order = self.engine.orders.get(fill.ordertxid)
                    if order is not None:
                        data.append(v2_trade(fill, order, self._common(fill.fee_asset)))
        self._v2_send({conn}, channel, data, "snapshot")

    # -- updates ---------------------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        if isinstance(event, OrderEvent):
            order = event.order
            if order.internal:
                return
            self._order(order, event.kind)
        elif isinstance(event, FillEvent):
            self._fill(event.fill)
        elif isinstance(event, LedgerEvent):
            self._ledger(event.entry)

    def _order(self, order: Order, kind: str) -> None:
        account = order.account_id
        subs = self.subscribers("v1", "openOrders", account)
        if subs:
            update = {order.txid: _v1_order_update(order, kind)}
            for conn in subs:
                seq = _next(conn, "openOrders")
                conn.send(dumps([[update], "openOrders", {"sequence": seq}]))
        subs = self.subscribers("v2", "executions", account)
        if subs and kind != "fill":
            report = v2_order(order, _V2_EXEC.get(kind, "status"))
            self._v2_send(subs, "executions", [report])

    def _fill(self, fill: Fill) -> None:
        order = self.engine.orders.get(fill.ordertxid)
        subs = self.subscribers("v1", "ownTrades", fill.account_id)
        if subs:
            trade = v1_trade(fill, order)
            for conn in subs:
                seq = _next(conn, "ownTrades")
                conn.send(dumps([[trade], "ownTrades", {"sequence": seq}]))
        subs = self.subscribers("v2", "executions", fill.account_id)
        if subs and order is not None:
            self._v2_send(subs, "executions", [v2_trade(fill, order, self._common(fill.fee_asset))])

    def _ledger(self, entry: LedgerEntry) -> None:
        subs = self.subscribers("v2", "balances", entry.account_id)
        if not subs:
            return
        decimals = self.engine.asset_decimals.get(entry.asset, 8)
        kind = entry.type
        data = {
            "ledger_id": entry.id,
            "ref_id": entry.refid,
            "timestamp": iso(entry.time),
            "type": kind,
            "asset": self._common(entry.asset),
            "asset_class": "currency",
            "category": entry.subtype or kind,
            "wallet_type": "spot",
            "wallet_id": "main",
            "amount": quantize(entry.amount, decimals),
            "fee": quantize(entry.fee, decimals),
            "balance": quantize(entry.balance, decimals),
        }
        self._v2_send(subs, "balances", [data])

    def _v2_send(
        self, subs: set[WsConnection], channel: str, data: list[Any], kind: str = "update"
    ) -> None:
        for conn in subs:
            message: dict[str, Any] = {"channel": channel, "type": kind, "data": data}
            message["sequence"] = _next(conn, channel)
            conn.send(dumps(message))

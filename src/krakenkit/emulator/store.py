"""Persistence: everything acknowledged to a client survives kill -9 and a restart.

:class:`SQLiteStore` keeps accounts, keys (with their nonce state), orders, fills, ledger entries,
funding records and a few scalars in one SQLite file in WAL mode. The servers call
:meth:`Store.commit` before they answer a private request and after every background step, so the
state on disk is never behind what a client has been told. ``synchronous=NORMAL`` is enough for
that: in WAL mode a committed transaction survives the death of the process (it is only a power
loss that could cost the last transactions).

Rows are JSON documents keyed by id; only what changed since the last commit is written (the
engine's dirty sets). Synthetic market orders are not stored (their accounts' balances are): on a
restart the market quotes afresh. :class:`MemoryStore` is the same interface for ``--memory``.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from krakenkit.emulator.accounts import Account, LedgerEntry
from krakenkit.emulator.engine import CloseSpec, Fill, Order, OrderRequest, PriceSpec
from krakenkit.emulator.server.auth import ApiKey, NonceTracker

if TYPE_CHECKING:
    from krakenkit.emulator.server.exchange import Exchange

__all__ = ["MemoryStore", "SQLiteStore", "Store"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS keys (key TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (txid TEXT PRIMARY KEY, seq INTEGER, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fills (n INTEGER PRIMARY KEY, txid TEXT UNIQUE, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger (n INTEGER PRIMARY KEY, id TEXT UNIQUE, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS funding (refid TEXT PRIMARY KEY, data TEXT NOT NULL);
"""


class Store(Protocol):
    def load(self, exchange: Exchange) -> None: ...
    def commit(self, exchange: Exchange) -> None: ...
    def close(self) -> None: ...


def _clear(exchange: Exchange) -> None:
    engine = exchange.engine
    engine.dirty_orders.clear()
    engine.dirty_accounts.clear()
    engine.new_fills.clear()
    engine.new_ledger.clear()
    exchange.dirty_keys.clear()
    exchange.dirty_funding.clear()


class MemoryStore:
    """No persistence: commit only forgets what changed."""

    def load(self, exchange: Exchange) -> None:
        return None

    def commit(self, exchange: Exchange) -> None:
        _clear(exchange)

    def close(self) -> None:
        return None


# --- encoding -----------------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def _d(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _spec(spec: PriceSpec | None) -> list[Any] | None:
    return None if spec is None else [spec.sign, str(spec.value), spec.percent]


def _unspec(data: Any) -> PriceSpec | None:
    return None if data is None else PriceSpec(data[0], Decimal(data[1]), bool(data[2]))


def encode_order(order: Order) -> dict[str, Any]:
    r = order.request
    close = None
    if r.close is not None:
        close = [r.close.ordertype, _spec(r.close.price), _spec(r.close.price2)]
    return {
        "txid": order.txid,
        "account": order.account_id,
        "pair": r.pair.id,
        "side": r.side,
        "ordertype": r.ordertype,
        "req_volume": str(r.volume),
        "price": _spec(r.price),
        "price2": _spec(r.price2),
        "displayvol": r.displayvol,
        "trigger": r.trigger,
        "oflags": sorted(r.oflags),
        "tif": r.timeinforce,
        "starttm": r.starttm,
        "expiretm": r.expiretm,
        "userref": r.userref,
        "cl_ord_id": r.cl_ord_id,
        "stptype": r.stptype,
        "close": close,
        "seq": order.seq,
        "opentm": order.opentm,
        "status": order.status,
        "limit_price": order.limit_price,
        "trigger_price": order.trigger_price,
        "watermark": order.watermark,
        "triggered": order.triggered,
        "volume": order.volume,
        "vol_exec": order.vol_exec,
        "cost": order.cost,
        "fee": order.fee,
        "quote_spent": order.quote_spent,
        "display_left": order.display_left,
        "fee_in_base": order.fee_in_base,
        "closetm": order.closetm,
        "reason": order.reason,
        "trades": order.trades,
        "amends": order.amends,
        "priority": order.priority,
        "parent": order.parent,
    }


def decode_order(data: dict[str, Any], exchange: Exchange) -> Order:
    pair = exchange.engine.pairs[data["pair"]]
    close = None
    if data["close"] is not None:
        kind, price, price2 = data["close"]
        close = CloseSpec(kind, _unspec(price), _unspec(price2))
    request = OrderRequest(
        pair=pair,
        side=data["side"],
        ordertype=data["ordertype"],
        volume=Decimal(data["req_volume"]),
        price=_unspec(data["price"]),
        price2=_unspec(data["price2"]),
        displayvol=_d(data["displayvol"]),
        trigger=data["trigger"],
        oflags=frozenset(data["oflags"]),
        timeinforce=data["tif"],
        starttm=data["starttm"],
        expiretm=data["expiretm"],
        userref=data["userref"],
        cl_ord_id=data["cl_ord_id"],
        stptype=data["stptype"],
        close=close,
    )
    return Order(
        txid=data["txid"],
        account_id=data["account"],
        request=request,
        seq=data["seq"],
        opentm=data["opentm"],
        status=data["status"],
        limit_price=_d(data["limit_price"]),
        trigger_price=_d(data["trigger_price"]),
        watermark=_d(data["watermark"]),
        triggered=data["triggered"],
        volume=Decimal(data["volume"]),
        vol_exec=Decimal(data["vol_exec"]),
        cost=Decimal(data["cost"]),
        fee=Decimal(data["fee"]),
        quote_spent=Decimal(data["quote_spent"]),
        display_left=Decimal(data["display_left"]),
        fee_in_base=data["fee_in_base"],
        closetm=data["closetm"],
        reason=data["reason"],
        trades=list(data["trades"]),
        amends=list(data["amends"]),
        priority=data["priority"],
        parent=data["parent"],
    )


def encode_fill(fill: Fill) -> dict[str, Any]:
    return {
        "txid": fill.txid,
        "account": fill.account_id,
        "ordertxid": fill.ordertxid,
        "postxid": fill.postxid,
        "pair": fill.pair.id,
        "time": fill.time,
        "side": fill.side,
        "ordertype": fill.ordertype,
        "price": fill.price,
        "volume": fill.volume,
        "cost": fill.cost,
        "fee": fill.fee,
        "fee_asset": fill.fee_asset,
        "fee_amount": fill.fee_amount,
        "maker": fill.maker,
        "trade_id": fill.trade_id,
        "ledgers": list(fill.ledgers),
    }


def decode_fill(data: dict[str, Any], exchange: Exchange) -> Fill:
    return Fill(
        txid=data["txid"],
        account_id=data["account"],
        ordertxid=data["ordertxid"],
        postxid=data["postxid"],
        pair=exchange.engine.pairs[data["pair"]],
        time=data["time"],
        side=data["side"],
        ordertype=data["ordertype"],
        price=Decimal(data["price"]),
        volume=Decimal(data["volume"]),
        cost=Decimal(data["cost"]),
        fee=Decimal(data["fee"]),
        fee_asset=data["fee_asset"],
        fee_amount=Decimal(data["fee_amount"]),
        maker=data["maker"],
        trade_id=data["trade_id"],
        ledgers=tuple(data["ledgers"]),
    )


def encode_ledger(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "account": entry.account_id,
        "refid": entry.refid,
        "time": entry.time,
        "type": entry.type,
        "subtype": entry.subtype,
        "asset": entry.asset,
        "amount": entry.amount,
        "fee": entry.fee,
        "balance": entry.balance,
    }


def decode_ledger(data: dict[str, Any]) -> LedgerEntry:
    return LedgerEntry(
        id=data["id"],
        account_id=data["account"],
        refid=data["refid"],
        time=data["time"],
        type=data["type"],
        subtype=data["subtype"],
        asset=data["asset"],
        amount=Decimal(data["amount"]),
        fee=Decimal(data["fee"]),
        balance=Decimal(data["balance"]),
    )


def encode_account(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "tier": account.tier,
        "rate_limits": account.rate_limits,
        "internal": account.internal,
        "balances": account.balances,
        "volume_30d": account.volume_30d,
        "rest_limits": account.rest_limits,
    }


def _limits(value: Any) -> tuple[float, float] | None:
    return None if not value else (float(value[0]), float(value[1]))


def decode_account(data: dict[str, Any]) -> Account:
    return Account(
        data["id"],
        tier=data["tier"],
        rate_limits=data["rate_limits"],
        internal=data["internal"],
        balances={k: Decimal(v) for k, v in data["balances"].items()},
        volume_30d=Decimal(data["volume_30d"]),
        rest_limits=_limits(data.get("rest_limits")),
    )


def encode_key(key: ApiKey) -> dict[str, Any]:
    return {
        "key": key.key,
        "secret": key.secret,
        "account": key.account_id,
        "permissions": sorted(key.permissions),
        "nonce": [key.nonce.window, key.nonce.highest, sorted(key.nonce.recent)],
        "otp": key.otp,
        "kind": key.kind,
    }


def decode_key(data: dict[str, Any]) -> ApiKey:
    window, highest, recent = data["nonce"]
    return ApiKey(
        key=data["key"],
        secret=data["secret"],
        account_id=data["account"],
        permissions=frozenset(data["permissions"]),
        nonce=NonceTracker(window=window, highest=highest, recent=set(recent)),
        otp=data["otp"],
        kind=data["kind"],
    )


def encode_funding(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}


# --- SQLite -------------------------------------------------------------------------------------


class SQLiteStore:
    """One SQLite file in WAL mode; see the module docstring."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)

    def load(self, exchange: Exchange) -> None:
        from krakenkit.emulator.server.exchange import FundingRecord

        db = self.db
        engine = exchange.engine
        meta = {k: orjson.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
        exchange.restore_meta(meta)
        for (data,) in db.execute("SELECT data FROM accounts"):
            account = decode_account(orjson.loads(data))
            engine.add_account(account)
        for (data,) in db.execute("SELECT data FROM ledger ORDER BY n"):
            entry = decode_ledger(orjson.loads(data))
            engine.accounts[entry.account_id].ledger.append(entry)
        for (data,) in db.execute("SELECT data FROM keys"):
            exchange.keys.add(decode_key(orjson.loads(data)))
        for (data,) in db.execute("SELECT data FROM orders ORDER BY seq"):
            engine.restore_order(decode_order(orjson.loads(data), exchange))
        for (data,) in db.execute("SELECT data FROM fills ORDER BY n"):
            fill = decode_fill(orjson.loads(data), exchange)
            engine.fills[fill.txid] = fill
            engine.account_fills[fill.account_id].append(fill)
        for (data,) in db.execute("SELECT data FROM funding"):
            raw = orjson.loads(data)
            raw["amount"], raw["fee"] = Decimal(raw["amount"]), Decimal(raw["fee"])
            record = FundingRecord(**raw)
            exchange.funding[record.refid] = record
        _clear(exchange)

    def commit(self, exchange: Exchange) -> None:
        engine = exchange.engine
        if not (
            engine.dirty_orders
            or engine.dirty_accounts
            or engine.new_fills
            or engine.new_ledger
            or exchange.dirty_keys
            or exchange.dirty_funding
        ):
            return
        db = self.db
        db.execute("BEGIN")
        try:
            db.executemany(
                "INSERT OR REPLACE INTO accounts (id, data) VALUES (?, ?)",
                [
                    (aid, _dumps(encode_account(engine.accounts[aid])))
                    for aid in engine.dirty_accounts
                ],
            )
            db.executemany(
                "INSERT OR REPLACE INTO orders (txid, seq, data) VALUES (?, ?, ?)",
                [(o.txid, o.seq, _dumps(encode_order(o))) for o in engine.dirty_orders.values()],
            )
            db.executemany(
                "INSERT INTO fills (txid, data) VALUES (?, ?)",
                [(f.txid, _dumps(encode_fill(f))) for f in engine.new_fills],
            )
            db.executemany(
                "INSERT INTO ledger (id, data) VALUES (?, ?)",
                [(e.id, _dumps(encode_ledger(e))) for e in engine.new_ledger],
            )
            db.executemany(
                "INSERT OR REPLACE INTO keys (key, data) VALUES (?, ?)",
                [
                    (k, _dumps(encode_key(key)))
                    for k in exchange.dirty_keys
                    if (key := exchange.keys.get(k)) is not None
                ],
            )
            db.executemany(
                "INSERT OR REPLACE INTO funding (refid, data) VALUES (?, ?)",
                [(r, _dumps(encode_funding(exchange.funding[r]))) for r in exchange.dirty_funding],
            )
            db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [(k, _dumps(v)) for k, v in exchange.snapshot_meta().items()],
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        _clear(exchange)

    def close(self) -> None:
        self.db.close()

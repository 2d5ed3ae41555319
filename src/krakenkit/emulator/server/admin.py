"""The emulator's own admin API under ``/_emulator/`` (no Kraken equivalent).

======  ===================================  ===============================================
POST    /_emulator/accounts                  new funded account with spot and futures keys
GET     /_emulator/accounts/{id}             balances, holds, open orders of one account
POST    /_emulator/accounts/{id}/deposit     ``{"asset": "XBT", "amount": "1.5"}``
POST    /_emulator/accounts/{id}/keys        another key pair (permissions, nonce window)
POST    /_emulator/price                     ``{"pair": "XBT/USD", "price": "95000"}``
POST    /_emulator/status                    ``{"status": "maintenance"}`` (SystemStatus)
POST    /_emulator/step                      run one background step now
GET     /_emulator/state                     totals: accounts, orders, prices, fees, deposits
GET     /_emulator/health                    ``{"ok": true}``
======  ===================================  ===============================================

Bodies and answers are JSON; failures are HTTP 400 with ``{"error": "..."}``. The admin API is for
the machine the emulator runs on: keep the emulator on 127.0.0.1 unless you mean otherwise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from aiohttp import web

from krakenkit.emulator.accounts import ZERO
from krakenkit.emulator.server.auth import ALL_PERMISSIONS
from krakenkit.emulator.server.exchange import Exchange
from krakenkit.protocol.errors import APIError

__all__ = ["add_admin_routes", "create_funded_account"]

_STATUSES = frozenset({"online", "maintenance", "cancel_only", "post_only"})


def _json(payload: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=orjson.dumps(payload, default=str), status=status, content_type="application/json"
    )


class AdminError(Exception):
    pass


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise AdminError("body is not JSON") from None
    if not isinstance(body, dict):
        raise AdminError("body must be a JSON object")
    return body


def _decimal(value: Any, name: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise AdminError(f"{name} is not a number: {value!r}") from None
    if not number.is_finite():
        raise AdminError(f"{name} is not a number: {value!r}")
    return number


def _permissions(value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    names = value.split(",") if isinstance(value, str) else list(value)
    permissions = frozenset(str(n).strip() for n in names if str(n).strip())
    unknown = permissions - ALL_PERMISSIONS
    if unknown:
        raise AdminError(f"unknown permissions {sorted(unknown)}; known: {sorted(ALL_PERMISSIONS)}")
    return permissions


def create_funded_account(exchange: Exchange, body: dict[str, Any]) -> dict[str, Any]:
    """Create an account from an admin body; the answer carries its keys."""
    balances = body.get("balances") or {}
    if not isinstance(balances, dict):
        raise AdminError("balances must be an object {asset: amount}")
    amounts = {str(a): _decimal(v, f"balance of {a}") for a, v in balances.items()}
    for asset in amounts:
        if exchange.catalogue.asset_or_none(asset) is None:
            raise AdminError(f"unknown asset {asset!r}")
    tier = str(body.get("tier") or exchange.config.default_tier)
    if tier not in ("starter", "intermediate", "pro"):
        raise AdminError("tier must be starter, intermediate or pro")
    permissions = _permissions(body.get("permissions"))
    rest = body.get("rest_limits")
    rest_limits = None
    if rest is not None:
        if not isinstance(rest, dict):
            raise AdminError("rest_limits must be {max_counter, decay_per_s}")
        rest_limits = (
            float(_decimal(rest.get("max_counter"), "max_counter")),
            float(_decimal(rest.get("decay_per_s"), "decay_per_s")),
        )
        if min(rest_limits) <= 0:
            raise AdminError("rest_limits must be positive")
    account_id = exchange.create_account(
        amounts,
        tier=tier,
        rate_limits=bool(body.get("rate_limits", True)),
        rest_limits=rest_limits,
    )
    spot = exchange.add_key(
        account_id,
        permissions=permissions,
        nonce_window=int(body.get("nonce_window") or 0),
        otp=body.get("otp"),
    )
    futures = exchange.add_key(account_id, permissions=permissions, kind="futures")
    return {
        "account_id": account_id,
        "api_key": spot.key,
        "api_secret": spot.secret,
        "futures_api_key": futures.key,
        "futures_api_secret": futures.secret,
    }


def _account_view(exchange: Exchange, account_id: str) -> dict[str, Any]:
    account = exchange.engine.accounts.get(account_id)
    if account is None or account.internal:
        raise AdminError(f"unknown account {account_id!r}")
    return {
        "account_id": account.id,
        "tier": account.tier,
        "rate_limits": account.rate_limits,
        "balances": {a: str(v) for a, v in sorted(account.balances.items())},
        "holds": {a: str(v) for a, v in sorted(account.holds.items())},
        "open_orders": sorted(exchange.engine.open_orders.get(account.id, {})),
        "volume_30d": str(account.volume_30d),
    }


def _state(exchange: Exchange) -> dict[str, Any]:
    engine = exchange.engine
    totals: dict[str, Decimal] = {}
    for account in engine.accounts.values():
        for asset, amount in account.balances.items():
            totals[asset] = totals.get(asset, ZERO) + amount
    return {
        "system_status": exchange.system_status,
        "accounts": sum(1 for a in engine.accounts.values() if not a.internal),
        "orders": len(engine.orders),
        "open_orders": sum(len(v) for v in engine.open_orders.values()),
        "fills": len(engine.fills),
        "last_price": {p: str(v) for p, v in sorted(engine.last_price.items())},
        "balances_total": {a: str(v) for a, v in sorted(totals.items())},
        "fees_collected": {a: str(v) for a, v in sorted(engine.fees_collected.items())},
        "deposited": {a: str(v) for a, v in sorted(exchange.deposited.items())},
    }


Route = Callable[[Exchange, web.Request, dict[str, Any]], Any]


def _route(
    exchange_key: web.AppKey[Exchange], fn: Route
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        exchange = request.app[exchange_key]
        try:
            body = await _body(request) if request.method == "POST" else {}
            result = fn(exchange, request, body)
        except (AdminError, APIError, KeyError) as exc:
            message = exc.error if isinstance(exc, APIError) else str(exc).strip("'\"")
            return _json({"error": message}, status=400)
        finally:
            exchange.commit()
        return _json(result)

    return handler


def _accounts(exchange: Exchange, request: web.Request, body: dict[str, Any]) -> Any:
    return create_funded_account(exchange, body)


def _account(exchange: Exchange, request: web.Request, body: dict[str, Any]) -> Any:
    return _account_view(exchange, request.match_info["account"])


def _deposit(exchange: Exchange, request: web.Request, body: dict[str, Any]) -> Any:
    account_id = request.match_info["account"]
    _account_view(exchange, account_id)
    asset = exchange.catalogue.asset_or_none(str(body.get("asset", "")))
    if asset is None:
        raise AdminError(f"unknown asset {body.get('asset')!r}")
    amount = _decimal(body.get("amount"), "amount")
    if amount <= 0:
        raise AdminError("amount must be positive")
    record = exchange.deposit(account_id, asset.id, amount, method="admin")
    return {"refid": record.refid, **_account_view(exchange, account_id)}


def _keys(exchange: Exchange, request: web.Request, body: dict[str, Any]) -> Any:
    account_id = request.match_info["account"]
    _account_view(exchange, account_id)
    kind = str(body.get("kind") or "spot")
    if kind not in ("spot", "futures"):
        raise AdminError("kind must be spot or futures")
    key = exchange.add_key(
        account_id,
        permissions=_permissions(body.get("permissions")),
        nonce_window=int(body.get("nonce_window") or 0),
        kind=kind,
        otp=body.get("otp"),
    )
    return {"api_key": key.key, "api_secret": key.secret, "kind": kind}


def _price(exchange: Exchange, request: web.Request, body: dict[str, Any]) -> Any:
    pair = exchange.catalogue.pair_or_none(str(body.get("pair", "")))
    if pair is None:
        raise AdminError(f"unknown pair {body.get('pair')!r}")
    price = _decimal(body.get("price"), "price")
    if price <= 0 or price % pair.tick_size:
        raise AdminError(f"price must be a positive multiple of {pair.tick_size}")
    exchange.set_price(pair.id, price)
    return {"pair": pair.id, "price": str(price)}


def _status(exchange: Exchange, request: web.Request, body: dict[str, Any]) -> Any:
    status = str(body.get("status", ""))
    if status not in _STATUSES:
        raise AdminError(f"status must be one of {sorted(_STATUSES)}")
    exchange.system_status = status
    for listener in exchange.status_listeners:
        listener(status)
    return {"status": status}


def _step(exchange: Exchange, request: web.Request, body: dict[str, Any]) -> Any:
    exchange.step(exchange.clock())
    return {"ok": True}


def _get_state(exchange: Exchange, request: web.Request, body: dict[str, Any]) -> Any:
    return _state(exchange)


def _churn(exchange: Exchange, request: web.Request, body: dict[str, Any]) -> Any:
    if request.method == "GET":
        return {"ops": exchange.churn.ops, "running": exchange.churn.running}
    rate = float(_decimal(body.get("rate", 100), "rate"))
    seconds = float(_decimal(body.get("seconds", 10), "seconds"))
    if not 0 < rate <= 100_000 or not 0 < seconds <= 86_400:
        raise AdminError("rate must be in (0, 100000] and seconds in (0, 86400]")
    names = body.get("pairs") or ["XBT/USD"]
    pairs = []
    for name in names if isinstance(names, list) else [names]:
        pair = exchange.catalogue.pair_or_none(str(name))
        if pair is None:
            raise AdminError(f"unknown pair {name!r}")
        pairs.append(pair)
    exchange.churn.start(rate, seconds, pairs, seed=int(body.get("seed") or 0))
    return {"started": True, "rate": rate, "seconds": seconds, "pairs": [p.id for p in pairs]}


def _health(exchange: Exchange, request: web.Request, body: dict[str, Any]) -> Any:
    return {"ok": True}


def add_admin_routes(app: web.Application, exchange_key: web.AppKey[Exchange]) -> None:
    def add(method: str, path: str, fn: Route) -> None:
        app.router.add_route(method, "/_emulator" + path, _route(exchange_key, fn))

    add("POST", "/accounts", _accounts)
    add("GET", "/accounts/{account}", _account)
    add("POST", "/accounts/{account}/deposit", _deposit)
    add("POST", "/accounts/{account}/keys", _keys)
    add("POST", "/price", _price)
    add("POST", "/status", _status)
    add("POST", "/step", _step)
    add("GET", "/state", _get_state)
    add("GET", "/health", _health)
    add("POST", "/churn", _churn)
    add("GET", "/churn", _churn)

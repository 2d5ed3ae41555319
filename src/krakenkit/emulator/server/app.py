"""The aiohttp application: routes decode, call the exchange, encode.

Every spot answer is HTTP 200 with Kraken's envelope ``{"error": [...], "result": ...}``; API
failures carry Kraken's exact error strings. Anything unexpected becomes
``EGeneral:Internal error`` and is logged here; a traceback never reaches a client.

A private request is answered only after what it changed is durable (``exchange.commit()``), so an
acknowledged order, fill or balance change survives a kill -9.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from aiohttp import web

from krakenkit.emulator.server import (  # noqa: F401  (importing registers the handlers)
    spot_account,
    spot_funding,
    spot_market,
    spot_system,
    spot_trading,
)
from krakenkit.emulator.server.admin import add_admin_routes
from krakenkit.emulator.server.exchange import Exchange
from krakenkit.emulator.server.params import Params, parse_body, parse_form
from krakenkit.emulator.server.registry import PRIVATE, PUBLIC, Context
from krakenkit.emulator.server.ws_hub import FeedHub
from krakenkit.emulator.server.ws_server import add_ws_routes
from krakenkit.protocol.errors import APIError

__all__ = ["EXCHANGE", "create_app", "json_response"]

log = logging.getLogger("krakenkit.emulator")

EXCHANGE = web.AppKey("exchange", Exchange)


def json_response(payload: Any, *, status: int = 200) -> web.Response:
    """Serialise with orjson (Decimal-free payloads: numbers are already Kraken strings)."""
    return web.Response(
        body=orjson.dumps(payload, default=str),
        status=status,
        content_type="application/json",
    )


def _error(text: str) -> web.Response:
    return json_response({"error": [text]})


def _ok(result: Any) -> web.Response:
    return json_response({"error": [], "result": result})


async def spot_public(request: web.Request) -> web.Response:
    exchange = request.app[EXCHANGE]
    name = request.match_info["method"]
    handler = PUBLIC.get(name)
    if handler is None:
        return _error("EGeneral:Unknown method")
    try:
        params: Params = parse_form(request.query_string)
        if request.method == "POST" and request.can_read_body:
            params.update(parse_body(await request.read(), request.content_type))
        ctx = Context(exchange=exchange, path=request.path, now=exchange.clock())
        return _ok(handler(ctx, params))
    except APIError as exc:
        return _error(exc.error)
    except Exception:
        log.exception("public %s failed", name)
        return _error("EGeneral:Internal error")


async def spot_private(request: web.Request) -> web.Response:
    exchange = request.app[EXCHANGE]
    name = request.match_info["method"]
    path = f"/0/private/{name}"
    handler = PRIVATE.get(name)
    if handler is None:
        return _error("EGeneral:Unknown method")
    raw = await request.read()
    api_key = request.headers.get("API-Key")
    try:
        if exchange.system_status == "maintenance":
            return _error("EService:Unavailable")
        bad_body: APIError | None = None
        try:
            params = parse_body(raw, request.content_type)
        except APIError as exc:  # reported after authentication, as Kraken orders its checks
            params, bad_body = {}, exc
        key = exchange.keys.authenticate_spot(
            path=path,
            method_name=name,
            api_key=api_key,
            api_sign=request.headers.get("API-Sign"),
            raw_body=raw,
            content_type=request.content_type,
            otp=params.get("otp"),
        )
        if bad_body is not None:
            raise bad_body
        now = exchange.clock()
        exchange.charge_rest(key, name, now)
        ctx = Context(exchange=exchange, path=path, now=now, key=key)
        return _ok(handler(ctx, params))
    except APIError as exc:
        return _error(exc.error)
    except Exception:
        log.exception("private %s failed", name)
        return _error("EGeneral:Internal error")
    finally:
        # the nonce moved even when the call then failed: persist it with everything else
        if api_key and exchange.keys.get(api_key) is not None:
            exchange.dirty_keys.add(api_key)
        exchange.commit()


def create_app(exchange: Exchange) -> web.Application:
    """The emulator's HTTP application for one exchange."""
    app = web.Application(client_max_size=512 * 1024)
    app[EXCHANGE] = exchange
    app.router.add_route("GET", "/0/public/{method:.+}", spot_public)
    app.router.add_route("POST", "/0/public/{method:.+}", spot_public)
    app.router.add_route("POST", "/0/private/{method:.+}", spot_private)
    add_admin_routes(app, EXCHANGE)
    add_ws_routes(app, FeedHub(exchange))
    return app

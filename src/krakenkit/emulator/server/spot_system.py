"""Spot endpoints that need no market: server time, system status, WebSocket tokens."""

from __future__ import annotations

import time
from typing import Any

from krakenkit.emulator.server.params import Params
from krakenkit.emulator.server.registry import Context, private, public

__all__: list[str] = []


def rfc1123(ts: float) -> str:
    """Kraken's ``rfc1123`` field: ``Thu, 14 Aug 25 21:16:20 +0000`` (two-digit year)."""
    return time.strftime("%a, %d %b %y %H:%M:%S +0000", time.gmtime(ts))


def iso_seconds(ts: float) -> str:
    """``2021-03-22T17:18:03Z``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


@public("Time")
def server_time(ctx: Context, params: Params) -> dict[str, Any]:
    return {"unixtime": int(ctx.now), "rfc1123": rfc1123(ctx.now)}


@public("SystemStatus")
def system_status(ctx: Context, params: Params) -> dict[str, Any]:
    return {"status": ctx.exchange.system_status, "timestamp": iso_seconds(ctx.now)}


@private("GetWebSocketsToken")
def websockets_token(ctx: Context, params: Params) -> dict[str, Any]:
    token = ctx.exchange.issue_ws_token(ctx.key, ctx.now) if ctx.key else ""
    return {"token": token, "expires": int(ctx.exchange.config.token_ttl)}

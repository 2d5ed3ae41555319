"""WebSocket routes: ``/`` speaks spot v1, ``/v2`` spot v2 (the URL map of ARCHITECTURE.md).

Each connection gets a :class:`~.ws_conn.WsConnection` (its outbox and writer task), the status
greeting of its protocol, and then every text frame goes to the protocol's handler. A plain HTTP
GET on ``/`` (no upgrade) gets a short pointer instead of an error page.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from aiohttp import WSMsgType, web

from krakenkit.emulator.server.ws_conn import WsConnection
from krakenkit.emulator.server.ws_hub import FeedHub
from krakenkit.emulator.server.ws_private import PrivateFeeds
from krakenkit.emulator.server.ws_public import v1_status, v2_status
from krakenkit.emulator.server.ws_v1 import handle_v1
from krakenkit.emulator.server.ws_v2 import handle_v2

__all__ = ["HUB", "add_ws_routes"]

log = logging.getLogger("krakenkit.emulator")

_INTERNAL = {
    "v1": '{"errorMessage":"EGeneral:Internal error","event":"error"}',
    "v2": '{"error":"EGeneral:Internal error","success":false}',
}

HUB = web.AppKey("ws_hub", FeedHub)
_PRIVATE = web.AppKey("ws_private", PrivateFeeds)

Handler = Callable[[FeedHub, PrivateFeeds, WsConnection, str], None]


async def _serve(request: web.Request, version: str) -> web.StreamResponse:
    ws = web.WebSocketResponse(heartbeat=None, max_msg_size=1 << 20, compress=False)
    if not ws.can_prepare(request).ok:
        return web.Response(
            text="krakenkit emulator: WebSocket v1 on /, v2 on /v2, futures on /ws/v1\n"
        )
    await ws.prepare(request)
    hub = request.app[HUB]
    private = request.app[_PRIVATE]
    conn = WsConnection(ws, version, transport=request.transport)
    hub.add(conn)
    writer = asyncio.create_task(conn.run_writer())
    status = hub.exchange.system_status
    handle: Handler
    if version == "v1":
        conn.send(v1_status(conn.connection_id, status))
        handle = handle_v1
    else:
        conn.send(v2_status(conn.connection_id, status))
        handle = handle_v2
    try:
        async for msg in ws:
            if msg.type == WSMsgType.ERROR:
                break
            if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                continue
            text = msg.data if msg.type == WSMsgType.TEXT else msg.data.decode("utf-8", "replace")
            try:
                handle(hub, private, conn, text)
            except Exception:  # a bug must not end the client's session
                log.exception("ws %s request failed: %.200s", version, text)
                conn.send(_INTERNAL[version])
            if conn.closed:
                break
    finally:
        hub.remove(conn)
        conn.close()
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(writer, timeout=2)
    return ws


async def ws_v1(request: web.Request) -> web.StreamResponse:
    return await _serve(request, "v1")


async def ws_v2(request: web.Request) -> web.StreamResponse:
    return await _serve(request, "v2")


def add_ws_routes(app: web.Application, hub: FeedHub) -> None:
    app[HUB] = hub
    app[_PRIVATE] = PrivateFeeds(hub)
    app.router.add_get("/", ws_v1)
    app.router.add_get("/v2", ws_v2)

    async def drop(request: web.Request) -> web.Response:
        """Admin: cut WebSocket connections (all, or ``{"version": "v1"|"v2"}``)."""
        body = await request.json() if request.can_read_body else {}
        version = body.get("version") if isinstance(body, dict) else None
        if version not in (None, "v1", "v2"):
            return web.json_response({"error": "version must be v1 or v2"}, status=400)
        return web.json_response({"dropped": hub.drop(version)})

    app.router.add_post("/_emulator/ws/drop", drop)

    async def start(app: web.Application) -> None:
        hub.start()

    async def stop(app: web.Application) -> None:
        await hub.stop()

    app.on_startup.append(start)
    app.on_shutdown.append(stop)

"""One WebSocket client of the emulator: an ordered outbox drained by its own writer task.

The feed hub encodes a message once and hands the same text to every subscriber, so sending is
just an append here; the writer task does the awaiting. A client that stops reading is cut off
when its outbox passes ``max_backlog`` messages (Kraken drops slow consumers too) instead of
letting the emulator's memory grow without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from typing import Any

from aiohttp import web

__all__ = ["WsConnection"]

log = logging.getLogger("krakenkit.emulator")

_ids = itertools.count(13834774380200032777)


class WsConnection:
    """The server side of one WebSocket: ``send`` queues text, ``run_writer`` writes it."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        version: str,
        *,
        transport: asyncio.BaseTransport | None = None,
        max_backlog: int = 50_000,
    ):
        self.ws = ws
        self.transport = transport  # to cut the connection without a closing handshake
        self.version = version  # "v1" | "v2"
        self.connection_id = next(_ids)
        self.max_backlog = max_backlog
        self.outbox: deque[str] = deque()
        self.wakeup = asyncio.Event()
        self.last_sent = time.monotonic()
        self.subscribed = False  # v2 heartbeats start with the first subscription
        self.closed = False
        self.account_id: str | None = None  # set by the first valid token
        self.state: dict[str, Any] = {}  # per-protocol bookkeeping (v1 channel sequences ...)

    def send(self, text: str) -> None:
        if self.closed:
            return
        self.outbox.append(text)
        if len(self.outbox) > self.max_backlog:
            log.warning("ws client %s too slow: disconnecting", self.connection_id)
            self.closed = True
            self.outbox.clear()
        self.wakeup.set()

    async def run_writer(self) -> None:
        ws = self.ws
        outbox = self.outbox
        try:
            while not self.closed or outbox:
                if not outbox:
                    self.wakeup.clear()
                    await self.wakeup.wait()
                    continue
                text = outbox.popleft()
                await ws.send_str(text)
                self.last_sent = time.monotonic()
        except (ConnectionError, RuntimeError, asyncio.CancelledError):
            pass
        finally:
            self.closed = True
            with contextlib.suppress(Exception):
                await ws.close()

    def close(self) -> None:
        """Stop after what is queued has been written."""
        self.closed = True
        self.wakeup.set()

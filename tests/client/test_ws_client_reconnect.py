"""SpotWebSocket reconnection: dropped and silent connections, restored subscriptions and books."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from krakenkit.client import BookStale, BookSynced, Connected, ConnectLimiter, Disconnected
from krakenkit.client._ws_backoff import backoff_delays
from krakenkit.emulator import Emulator
from krakenkit.protocol.ws_messages import ChannelMessage, Status
from tests.client.ws_helpers import (
    book_matches,
    change_book,
    client,
    drop_connections,
    eventually,
    next_of,
)


def fast() -> Iterator[float]:
    return backoff_delays(initial=0.05, cap=0.2)


async def test_drop_restores_subscriptions_and_resyncs_books(emulator: Emulator) -> None:
    change_book(emulator, 80, seed=11)
    seen: list[object] = []
    async with client(emulator, private=True, backoff=fast, on_message=seen.append) as ws:
        await ws.subscribe("book", ["BTC/USD"], depth=10)
        await ws.subscribe("book", ["ETH/USD"], depth=25)
        await ws.subscribe("ticker", ["BTC/USD"])
        await ws.subscribe("executions")
        await ws.wait_book("BTC/USD")
        await ws.wait_book("ETH/USD")
        seen.clear()
        assert await drop_connections(emulator) == 1
        await eventually(lambda: any(isinstance(i, Disconnected) for i in seen))
        change_book(emulator, 100, seed=12)  # the market moves while we are away
        await eventually(lambda: ws.connected and all(map(ws.book_synced, ["BTC/USD", "ETH/USD"])))
        kinds = [type(item) for item in seen]
        assert kinds.index(Disconnected) < kinds.index(BookStale) < kinds.index(Connected)
        lost = next(i for i in seen if isinstance(i, Disconnected))
        assert lost.reason.startswith("connection closed")
        stale = {i.symbol: i.reason for i in seen if isinstance(i, BookStale)}
        assert stale == {"BTC/USD": "disconnected", "ETH/USD": "disconnected"}
        synced = {i.symbol for i in seen if isinstance(i, BookSynced) and i.resync}
        assert synced == {"BTC/USD", "ETH/USD"}
        assert [i.reconnect for i in seen if isinstance(i, Connected)] == [True]
        await eventually(lambda: book_matches(ws, "BTC/USD", emulator, 10))
        change_book(emulator, 100, seed=13)
        await eventually(lambda: book_matches(ws, "BTC/USD", emulator, 10))
        # every subscription is back: a new ticker snapshot came, the private feed streams
        tickers = [i for i in seen if isinstance(i, ChannelMessage) and i.channel == "ticker"]
        assert tickers[0].type == "snapshot"
        added = await ws.add_order(
            order_type="limit", side="buy", order_qty=1, symbol="BTC/USD", limit_price=1000
        )
        report = await next_of(ws, ChannelMessage, channel="executions", type="update")
        assert report.data[0]["order_id"] == added.result["order_id"]


async def test_status_changes_are_streamed(emulator: Emulator) -> None:
    async with client(emulator) as ws, httpx.AsyncClient() as http:
        response = await http.post(
            f"{emulator.url}/_emulator/status", json={"status": "cancel_only"}
        )
        response.raise_for_status()
        status = await next_of(ws, Status, system="cancel_only")
        assert status.system == ws.system_status == "cancel_only"


class SilentProxy:
    """A TCP relay in front of the emulator that can go quiet, as a dead network path does.

    The emulator always answers (and sends heartbeats), so a connection that stays open while
    nothing arrives can only be made between the two.
    """

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path
        self.muted: set[asyncio.StreamWriter] = set()
        self.clients: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"ws://127.0.0.1:{port}{self.path}"

    def mute(self) -> None:
        """Stop relaying on every connection open now (new ones work)."""
        self.muted.update(self.clients)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        self.clients.append(writer)
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pump(source, sink, writer))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _pump(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, client: asyncio.StreamWriter
    ) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await source.read(65536):
                if client not in self.muted:
                    sink.write(data)
                    await sink.drain()
        with contextlib.suppress(Exception):
            sink.close()

    async def stop(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        for writer in self.clients:
            writer.close()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


@pytest.fixture
async def proxy(emulator: Emulator) -> AsyncIterator[SilentProxy]:
    relay = SilentProxy(emulator.ws_v2_url)
    yield relay
    await relay.stop()


async def test_silent_connection_is_replaced(emulator: Emulator, proxy: SilentProxy) -> None:
    change_book(emulator, 40, seed=14)
    url = await proxy.start()
    ws = client(emulator, backoff=fast, heartbeat_timeout=0.6)
    ws.url = url  # through the relay
    async with ws:
        await ws.subscribe("book", ["BTC/USD"])
        await ws.wait_book("BTC/USD")
        proxy.mute()
        lost = await next_of(ws, Disconnected)
        assert lost.reason.startswith("no message for")
        await next_of(ws, BookSynced, symbol="BTC/USD", resync=True)
        change_book(emulator, 30, seed=15)
        await eventually(lambda: book_matches(ws, "BTC/USD", emulator, 10))


async def test_connection_attempts_stay_within_the_limit(emulator: Emulator) -> None:
    limiter = ConnectLimiter(max_attempts=2, window=1.5)
    async with client(emulator, backoff=fast, limiter=limiter) as ws:
        started = time.monotonic()
        await drop_connections(emulator)
        await next_of(ws, Connected, reconnect=True)  # the second attempt: allowed at once
        assert time.monotonic() - started < 1.0
        await drop_connections(emulator)
        await next_of(ws, Connected, reconnect=True, timeout=5)  # the third waits for the window
        assert time.monotonic() - started >= 1.2
        assert limiter.attempts(time.monotonic()) <= 2

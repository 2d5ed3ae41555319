"""A real emulator (port 0) and small WebSocket helpers for the feed tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from krakenkit.emulator import Emulator, ExchangeConfig


@pytest.fixture
async def quiet() -> AsyncIterator[Emulator]:
    """An emulator without synthetic market: the test makes every change itself."""
    async with Emulator(config=ExchangeConfig(market=False)) as ex:
        yield ex


@pytest.fixture
async def busy() -> AsyncIterator[Emulator]:
    """An emulator whose synthetic market trades every 50 ms."""
    async with Emulator(config=ExchangeConfig(market_interval=0.05)) as ex:
        yield ex


class Feed:
    """One client connection: send JSON, receive decoded messages (Decimal for floats)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def send(self, message: Any) -> None:
        await self.ws.send_str(json.dumps(message))

    async def recv(self, timeout: float = 5.0) -> Any:
        msg = await self.ws.receive(timeout=timeout)
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        return json.loads(msg.data, parse_float=Decimal)

    async def raw(self, timeout: float = 5.0) -> str:
        msg = await self.ws.receive(timeout=timeout)
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        return str(msg.data)

    async def until(self, match: Callable[[Any], bool], timeout: float = 5.0) -> Any:
        """The first message ``match`` accepts (others are skipped)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            message = await self.recv(max(0.01, end - loop.time()))
            if match(message):
                return message

    async def drain(self, quiet_for: float = 0.3) -> list[Any]:
        """Everything that arrives until the connection is quiet for ``quiet_for`` seconds."""
        out = []
        while True:
            try:
                out.append(await self.recv(quiet_for))
            except TimeoutError:
                return out


@pytest.fixture
async def connect() -> AsyncIterator[Callable[[str], Any]]:
    session = aiohttp.ClientSession()

    async def open_feed(url: str) -> Feed:
        return Feed(await session.ws_connect(url))

    yield open_feed
    await session.close()

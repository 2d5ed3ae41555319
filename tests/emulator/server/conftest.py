"""A real emulator HTTP server on 127.0.0.1, port 0, for each test that asks for one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from aiohttp import web

from krakenkit.emulator.server.app import create_app
from krakenkit.emulator.server.exchange import Exchange, ExchangeConfig


@dataclass
class Server:
    exchange: Exchange
    url: str
    http: httpx.AsyncClient


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    exchange = Exchange.open(ExchangeConfig(market=False))
    runner = web.AppRunner(create_app(exchange), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=url) as http:
        yield Server(exchange, url, http)
    await runner.cleanup()

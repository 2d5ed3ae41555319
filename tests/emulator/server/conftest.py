"""A real emulator HTTP server on 127.0.0.1, port 0, for each test that asks for one."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
import pytest
from aiohttp import web

from krakenkit.emulator.server.app import create_app
from krakenkit.emulator.server.embedded import Emulator
from krakenkit.emulator.server.exchange import Exchange, ExchangeConfig
from krakenkit.protocol.signing import sign_spot


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


class Trader:
    """Signed spot calls for one account of a running emulator (form bodies unless told)."""

    def __init__(self, http: httpx.AsyncClient, key: str, secret: str) -> None:
        self.http = http
        self.key = key
        self.secret = secret
        self._nonce = 0

    def nonce(self) -> int:
        self._nonce = max(self._nonce + 1, time.time_ns() // 1000)
        return self._nonce

    async def raw(self, method: str, /, *, json: bool = False, **params: Any) -> dict[str, Any]:
        params = {"nonce": self.nonce(), **params}
        if json:
            body = orjson.dumps(params).decode()
            ctype = "application/json"
        else:
            body = urlencode(_flatten(params))
            ctype = "application/x-www-form-urlencoded"
        path = f"/0/private/{method}"
        response = await self.http.post(
            path,
            content=body,
            headers={
                "API-Key": self.key,
                "API-Sign": sign_spot(self.secret, path, body),
                "Content-Type": ctype,
            },
        )
        assert response.status_code == 200, response.text
        return orjson.loads(response.content)  # type: ignore[no-any-return]

    async def call(self, method: str, /, *, json: bool = False, **params: Any) -> Any:
        """The ``result``; fails the test on an error."""
        body = await self.raw(method, json=json, **params)
        assert body["error"] == [], body
        return body["result"]

    async def error(self, method: str, /, *, json: bool = False, **params: Any) -> str:
        """The first error string; fails the test when the call succeeds."""
        body = await self.raw(method, json=json, **params)
        assert body["error"], body
        return body["error"][0]  # type: ignore[no-any-return]


def _flatten(params: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Form encoding with brackets for nested values (``close[price]``, ``orders[0][volume]``)."""
    out: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, dict):
            out.extend(_flatten(value, name))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for i, item in enumerate(value):
                out.extend(_flatten(item, f"{name}[{i}]"))
        elif isinstance(value, list):
            out.extend((name, str(v)) for v in value)
        elif isinstance(value, bool):
            out.append((name, "true" if value else "false"))
        else:
            out.append((name, str(value)))
    return out


@dataclass
class Live:
    """An in-process emulator (no synthetic market unless asked) and an HTTP client to it."""

    emulator: Emulator
    http: httpx.AsyncClient

    @property
    def exchange(self) -> Exchange:
        assert self.emulator.exchange is not None
        return self.emulator.exchange

    def trader(self, balances: dict[str, Any] | None = None, **kwargs: Any) -> Trader:
        keys = self.emulator.add_account(balances or {}, **kwargs)
        return Trader(self.http, keys.api_key, keys.api_secret)


@pytest.fixture
async def live() -> AsyncIterator[Live]:
    async with (
        Emulator(config=ExchangeConfig(market=False)) as emulator,
        httpx.AsyncClient(base_url=emulator.url) as http,
    ):
        yield Live(emulator, http)


@pytest.fixture
async def market() -> AsyncIterator[Live]:
    """An emulator with its synthetic market running."""
    config = ExchangeConfig(market=True, market_interval=0.05, seed=3)
    async with (
        Emulator(config=config) as emulator,
        httpx.AsyncClient(base_url=emulator.url) as http,
    ):
        yield Live(emulator, http)

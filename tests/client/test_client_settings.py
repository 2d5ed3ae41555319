"""Construction and HTTP settings: base URL, keys, user agent, proxy, the pair cache."""

from __future__ import annotations

import importlib
from decimal import Decimal as D
from pathlib import Path

import httpx
import pytest

import krakenkit.client
from krakenkit import AsyncSpotClient, SpotClient
from krakenkit.client import Pacer
from krakenkit.emulator import Emulator
from krakenkit.protocol.errors import AuthenticationError, ConnectError, InvalidArguments
from tests.client.conftest import NO_RETRY, FaultAfterSend, keys

SECRET = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="


def test_defaults_and_keys() -> None:
    with SpotClient() as public:
        assert public.base_url == "https://api.kraken.com"
        assert public.credentials is None
        assert isinstance(public.pacer, Pacer)
    with SpotClient("key-1234", SECRET, base_url="http://127.0.0.1:9/", pacing=False) as kraken:
        assert kraken.base_url == "http://127.0.0.1:9"
        assert kraken.pacer is None
        assert SECRET not in repr(kraken)
        assert "key-" in repr(kraken)
    with pytest.raises(AuthenticationError, match="both"):
        SpotClient("key-only")
    with pytest.raises(AuthenticationError, match="base64"):
        SpotClient("key", "not base64!")


def test_user_agent_and_per_key_nonce_sources() -> None:
    agents: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        agents.append(request.headers["User-Agent"])
        return httpx.Response(200, json={"error": [], "result": {}})

    transport = httpx.MockTransport(handle)  # the emulator cannot tell us what it was sent
    with SpotClient(transport=transport, user_agent="my-bot/2") as custom:
        custom.time()
    with SpotClient("k", SECRET, transport=transport) as default, SpotClient("k", SECRET) as same:
        default.balance()
        assert default.nonce is same.nonce  # one nonce sequence per key in the process
    assert agents[0] == "my-bot/2"
    assert agents[1].startswith("krakenkit/")


def test_requests_go_through_the_proxy(background: Emulator) -> None:
    # a proxy on a port where nothing listens: the call fails to connect, although the
    # emulator itself is up, so the request really went to the proxy
    proxied = SpotClient(base_url=background.url, proxy="http://127.0.0.1:9", retry=NO_RETRY)
    with proxied, pytest.raises(ConnectError):
        proxied.time()
    with SpotClient(base_url=background.url) as direct:
        assert direct.time()


def test_pair_metadata_is_fetched_once_and_refreshed_after_its_ttl(background: Emulator) -> None:
    order = {"pair": "BTC/USD", "type": "buy", "ordertype": "limit", "volume": D("0.01")}
    key, secret = keys(background)
    transport = FaultAfterSend()
    with SpotClient(key, secret, base_url=background.url, transport=transport) as kraken:
        for price in (1000, 1001, 1002):
            kraken.add_order(**order, price=price)
        assert transport.paths().count("/0/public/AssetPairs") == 1
        sent = len(transport.sent)
        with pytest.raises(InvalidArguments, match="up to 1 decimals"):
            kraken.add_order(**order, price=D("1000.05"))
        assert len(transport.sent) == sent  # refused before anything was sent
        kraken.pairs_ttl = 0
        kraken.ticker(pair="ETH/USD")
        assert transport.paths()[-2:] == ["/0/public/AssetPairs", "/0/public/Ticker"]
        assert transport.sent[-1][0] == "/0/public/Ticker"


async def test_no_pair_resolution_sends_names_as_given(emulator: Emulator) -> None:
    key, secret = keys(emulator)
    async with AsyncSpotClient(key, secret, base_url=emulator.url, resolve_pairs=False) as kraken:
        await kraken.ticker(pair="XBTUSD")
        assert kraken.pairs is None


def test_client_modules_define_all() -> None:
    package = Path(krakenkit.client.__file__).parent
    for path in sorted(package.glob("*.py")):
        module = importlib.import_module(f"krakenkit.client.{path.stem}")
        assert hasattr(module, "__all__"), path.name
        for name in module.__all__:
            assert hasattr(module, name), f"{path.name}: {name}"

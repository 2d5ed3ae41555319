"""Public market data over HTTP: shapes, types and precision as Kraken's (protocol.md §1.2)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.server.conftest import Live
from tests.fixtures import asset_pairs_result

RICH = {"ZUSD": "1000000", "XXBT": "10"}


async def _get(live: Live, method: str, **params: Any) -> Any:
    body = (await live.http.get(f"/0/public/{method}", params=params)).json()
    assert body["error"] == [], body
    return body["result"]


async def _error(live: Live, method: str, **params: Any) -> str:
    body = (await live.http.get(f"/0/public/{method}", params=params)).json()
    assert body["error"], body
    return body["error"][0]  # type: ignore[no-any-return]


async def _trade(live: Live) -> None:
    maker = live.trader(RICH)
    taker = live.trader(RICH)
    await maker.call(
        "AddOrder", pair="XBTUSD", type="sell", ordertype="limit", volume="1", price="90000"
    )
    await maker.call(
        "AddOrder", pair="XBTUSD", type="buy", ordertype="limit", volume="2", price="89900"
    )
    await taker.call("AddOrder", pair="XBTUSD", type="buy", ordertype="market", volume="0.25")


async def test_asset_pairs_match_the_real_capture_and_every_spelling(live: Live) -> None:
    real = asset_pairs_result()["XXBTZUSD"]
    for name in ("XXBTZUSD", "XBTUSD", "XBT/USD", "BTC/USD", "btcusd"):
        result = await _get(live, "AssetPairs", pair=name)
        # BASE/QUOTE requests come back under the requested name (python-kraken-sdk's book
        # client relies on it against Kraken); other spellings under the pair id
        key = name if "/" in name else "XXBTZUSD"
        assert list(result) == [key]
        assert {k: result[key][k] for k in real} == real
    fees = await _get(live, "AssetPairs", pair="XBTUSD", info="fees")
    assert set(fees["XXBTZUSD"]) == {"fees", "fees_maker", "fee_volume_currency"}
    everything = await _get(live, "AssetPairs")
    assert {"XXBTZUSD", "XXBTZEUR", "XETHZUSD", "XETHXXBT", "SOLUSD", "XDGUSD", "USDTZUSD"} <= set(
        everything
    )
    assert await _error(live, "AssetPairs", pair="NOPE") == "EQuery:Unknown asset pair"


async def test_assets(live: Live) -> None:
    result = await _get(live, "Assets", asset="XBT,ZUSD")
    assert result["XXBT"]["altname"] == "XBT"
    assert result["XXBT"]["decimals"] == 10
    assert set(result) == {"XXBT", "ZUSD"}
    assert await _error(live, "Assets", asset="NOPE") == "EQuery:Unknown asset"


async def test_ticker_shapes(live: Live) -> None:
    await _trade(live)
    result = await _get(live, "Ticker", pair="XBTUSD")
    t = result["XXBTZUSD"]
    assert t["a"][0] == "90000.0"
    assert t["b"][0] == "89900.0"
    assert t["c"] == ["90000.0", "0.25000000"]
    assert isinstance(t["t"][0], int)
    assert all(isinstance(v, str) for v in (*t["v"], *t["p"], *t["l"], *t["h"], t["o"]))
    assert len(await _get(live, "Ticker")) == len(await _get(live, "AssetPairs"))


async def test_ohlc_trades_spread_depth(live: Live) -> None:
    await _trade(live)
    ohlc = await _get(live, "OHLC", pair="XBTUSD", interval=5)
    row = ohlc["XXBTZUSD"][-1]
    assert isinstance(row[0], int)
    assert isinstance(row[7], int)
    assert all(isinstance(v, str) for v in row[1:7])
    assert isinstance(ohlc["last"], int)
    assert await _error(live, "OHLC", pair="XBTUSD", interval=7) == (
        "EGeneral:Invalid arguments:interval"
    )
    trades = await _get(live, "Trades", pair="XBTUSD")
    assert isinstance(trades["last"], str)
    price, volume, when, side, kind, misc, trade_id = trades["XXBTZUSD"][-1]
    assert (price, volume, side, kind, misc) == ("90000.0", "0.25000000", "b", "m", "")
    assert isinstance(when, float)
    assert isinstance(trade_id, int)
    newer = await _get(live, "Trades", pair="XBTUSD", since=trades["last"])
    assert newer["XXBTZUSD"] == []
    spread = await _get(live, "Spread", pair="XBTUSD")
    assert isinstance(spread["last"], int)
    assert spread["XXBTZUSD"][-1][1:] == ["89900.0", "90000.0"]
    depth = await _get(live, "Depth", pair="XBT/USD", count=1)
    assert depth["XXBTZUSD"]["asks"][0][:2] == ["90000.0", "0.75000000"]
    assert depth["XXBTZUSD"]["bids"][0][:2] == ["89900.0", "2.00000000"]
    assert isinstance(depth["XXBTZUSD"]["asks"][0][2], int)
    assert await _error(live, "Depth", pair="XBTUSD", count=0) == (
        "EGeneral:Invalid arguments:count"
    )


async def test_grouped_book(live: Live) -> None:
    await _trade(live)
    book = await _get(live, "GroupedBook", pair="BTC/USD", depth=10, grouping=1000)
    assert book["grouping"] == 1000
    assert book["asks"][0] == {"price": "90000.0", "qty": "0.75000000"}
    assert book["bids"][0]["price"] == "89900.0"


@pytest.mark.parametrize("method", ["Ticker", "Depth", "OHLC", "Trades", "Spread"])
async def test_post_is_tolerated_for_public_calls(live: Live, method: str) -> None:
    response = await live.http.post(f"/0/public/{method}", data={"pair": "XBTUSD"})
    assert response.json()["error"] == []

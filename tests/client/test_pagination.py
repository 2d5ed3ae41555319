"""The iterators walk every page against a real emulator, paced like any other call."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal as D
from typing import Any

import pytest

from krakenkit.client import Candle, Order, PublicTrade
from krakenkit.emulator import Emulator, ExchangeConfig
from krakenkit.protocol.endpoints import SPOT_BY_NAME
from krakenkit.protocol.errors import InvalidArguments
from tests.client.conftest import Clock, async_client, sync_client

ORDER: dict[str, Any] = {"pair": "XBTUSD", "type": "buy", "ordertype": "limit", "volume": "0.01"}


def test_more_than_50_closed_orders_sync(background: Emulator) -> None:
    with sync_client(background) as kraken:  # rate limits and pacing on
        for i in range(55):
            kraken.add_order(**ORDER, price=20000 + i, userref=i)
        assert kraken.cancel_all()["count"] == 55
        first = kraken.closed_orders()
        assert (first["count"], len(first["closed"])) == (55, 50)
        assert len(kraken.closed_orders(ofs=50)["closed"]) == 5
        closed = list(kraken.iter_closed_orders())
        assert len(closed) == len({txid for txid, _ in closed}) == 55
        orders = [Order.from_kraken(txid, info) for txid, info in closed]
        assert {o.status for o in orders} == {"canceled"}
        assert sorted(o.userref or 0 for o in orders) == list(range(55))
        assert [t for t, _ in kraken.iter_closed_orders(userref=3)] == [
            o.txid for o in orders if o.userref == 3
        ]


async def test_more_than_50_closed_orders_async(emulator: Emulator) -> None:
    async with async_client(emulator) as kraken:
        for i in range(52):
            await kraken.add_order(**ORDER, price=20000 + i)
        await kraken.cancel_all()
        txids = [txid async for txid, _ in kraken.iter_closed_orders()]
        assert len(set(txids)) == 52


@pytest.fixture
async def clocked() -> AsyncIterator[tuple[Emulator, Clock]]:
    clock = Clock(start=1_700_000_000.0)
    async with Emulator(config=ExchangeConfig(market=False, clock=clock)) as ex:
        yield ex, clock


async def _trade_every_minute(ex: Emulator, clock: Clock, minutes: int) -> None:
    async with async_client(ex) as maker, async_client(ex) as taker:
        for i in range(minutes):
            await maker.add_order(
                pair="XBTUSD", type="sell", ordertype="limit", volume=1, price=90000 + i
            )
            await taker.add_order(pair="XBTUSD", type="buy", ordertype="market", volume=1)
            clock.advance(60)


async def test_trades_history_ledgers_ohlc_and_public_trades(
    clocked: tuple[Emulator, Clock],
) -> None:
    ex, clock = clocked
    await _trade_every_minute(ex, clock, 5)
    async with async_client(ex) as kraken:
        candles = [Candle.from_kraken(r) async for r in kraken.iter_ohlc(pair="BTC/USD")]
        assert len(candles) >= 4
        assert [c.time for c in candles] == sorted({c.time for c in candles})
        assert candles[-1].close == D(90003)  # the 5th minute's candle is still open
        last = (await kraken.ohlc(pair="XBTUSD"))["last"]
        assert candles[-1].time == last
        assert [r async for r in kraken.iter_ohlc(pair="XBTUSD", since=last)] == []

        trades = [
            PublicTrade.from_kraken(r)
            async for r in kraken.iter_trades(pair="XBTUSD", since=0, count=2)
        ]
        assert [t.price for t in trades] == [D(90000 + i) for i in range(5)]
        assert len({t.trade_id for t in trades}) == 5
        recent = [r async for r in kraken.iter_trades(pair="XBTUSD", count=2)]
        assert len(recent) == 2  # without since: Kraken's most recent page only

    await _trade_every_minute(ex, clock, 2)
    async with async_client(ex) as kraken:
        newer = [Candle.from_kraken(r) async for r in kraken.iter_ohlc(pair="XBTUSD", since=last)]
        assert [c.close for c in newer] == [D(90004), D(90000)]
        later = [r async for r in kraken.iter_trades(pair="XBTUSD", since=0, count=1000)]
        assert len(later) == 7


async def test_own_trades_and_ledgers_are_walked(clocked: tuple[Emulator, Clock]) -> None:
    ex, clock = clocked
    async with async_client(ex) as maker, async_client(ex) as taker:
        await maker.add_order(pair="XBTUSD", type="sell", ordertype="limit", volume=5, price=90000)
        for _ in range(53):
            await taker.add_order(pair="XBTUSD", type="buy", ordertype="market", volume=D("0.05"))
            clock.advance(1)
        fills = [trade async for trade in maker.iter_trades_history()]
        assert len({txid for txid, _ in fills}) == 53
        assert (await maker.trades_history())["count"] == 53
        ledger = [entry async for entry in taker.iter_ledgers(asset="XBT")]
        assert len(ledger) == 53 + 1  # each fill, and the deposit
        assert len([e async for e in taker.iter_ledgers(asset="XBT", type="deposit")]) == 1


async def test_iterators_validate_like_the_methods(emulator: Emulator) -> None:
    async with async_client(emulator) as kraken:
        with pytest.raises(InvalidArguments, match="EGeneral:Invalid arguments:pair"):
            async for _ in kraken.iter_ohlc(pair=""):
                pass
    assert SPOT_BY_NAME["OHLC"].required == ("pair",)

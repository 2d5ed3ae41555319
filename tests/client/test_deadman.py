"""The dead man's switch keeper against the emulator's real CancelAllOrdersAfter timer."""

from __future__ import annotations

import asyncio
import time

import pytest

from krakenkit import SpotClient
from krakenkit.emulator import Emulator
from tests.client.conftest import async_client, keys

ORDER = {"pair": "XBTUSD", "type": "buy", "ordertype": "limit", "volume": "0.01", "price": "50000"}


def test_keeper_holds_orders_past_the_timeout_and_a_silent_one_lets_them_go(
    background: Emulator,
) -> None:
    key, secret = keys(background)
    with SpotClient(key, secret, base_url=background.url) as kraken:
        kraken.add_order(**ORDER)
        with kraken.dead_mans_switch(timeout=2, every=0.5) as keeper:
            time.sleep(3.0)  # past the timeout: the heartbeats kept it armed
            assert len(kraken.open_orders()["open"]) == 1
            assert keeper.trigger_time is not None
            assert keeper.errors == []
        time.sleep(2.5)  # disarmed on exit: nothing is cancelled
        assert len(kraken.open_orders()["open"]) == 1
        txid = next(iter(kraken.open_orders()["open"]))
        armed_at = time.time()
        keeper = kraken.dead_mans_switch(timeout=2, every=0.5).start()
        keeper.stop(disarm=False)  # the process "dies": no more heartbeats, no disarm
        time.sleep(3.5)
        order = kraken.query_orders(txid=txid)[txid]
        assert order["status"] == "canceled"
        assert float(order["closetm"]) - armed_at <= 2 + 1  # cancelled within timeout + 1 s


async def test_async_keeper(emulator: Emulator) -> None:
    async with async_client(emulator) as kraken:
        await kraken.add_order(**ORDER)
        async with kraken.dead_mans_switch(timeout=2, every=0.5) as keeper:
            await asyncio.sleep(2.8)
            assert len((await kraken.open_orders())["open"]) == 1
        assert keeper.trigger_time is not None
        keeper = await kraken.dead_mans_switch(timeout=1, every=0.5).start()
        await keeper.stop(disarm=False)
        await asyncio.sleep(1.6)
        assert (await kraken.open_orders())["open"] == {}


def test_every_must_leave_room_for_a_missed_beat(background: Emulator) -> None:
    key, secret = keys(background)
    with SpotClient(key, secret, base_url=background.url) as kraken:
        with pytest.raises(ValueError, match="every"):
            kraken.dead_mans_switch(timeout=10, every=6)
        with pytest.raises(ValueError, match="timeout"):
            kraken.dead_mans_switch(timeout=0)

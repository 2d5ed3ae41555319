"""Client-side pacing: the same counters as the emulator, so a paced client is never refused."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import pytest

from krakenkit import AsyncSpotClient
from krakenkit.client import Pacer
from krakenkit.emulator import Emulator
from krakenkit.protocol.endpoints import SPOT_BY_NAME
from krakenkit.protocol.errors import RateLimitError
from krakenkit.protocol.ratelimit import SpotRestLimits, SpotTier
from tests.client.conftest import NO_RETRY, async_client

E = SPOT_BY_NAME


def _spend(pacer: Pacer, name: str, params: dict[str, object], now: float) -> float:
    """Reserve one call at ``now``; the wait it needed (0 = charged now)."""
    return pacer.reserve(pacer.charges(E[name], params, now), now)


def test_rest_counter_by_tier_and_cost() -> None:
    pacer = Pacer(SpotTier.STARTER, safety=0)
    for _ in range(15):
        assert _spend(pacer, "Balance", {}, 0.0) == 0
    assert _spend(pacer, "Balance", {}, 0.0) == pytest.approx(1 / 0.33)
    assert _spend(pacer, "Ledgers", {}, 0.0) == pytest.approx(2 / 0.33)  # costs 2
    assert _spend(pacer, "Balance", {}, 1 / 0.33) == 0  # decayed enough, charged now
    assert pacer.rest.value(1 / 0.33) == pytest.approx(15)


def test_public_calls_have_their_own_counter_and_order_calls_none_of_rest() -> None:
    pacer = Pacer(public=SpotRestLimits(2, 1.0))
    assert _spend(pacer, "Ticker", {}, 0) == 0
    assert _spend(pacer, "Depth", {}, 0) == 0
    assert _spend(pacer, "Time", {}, 0) == pytest.approx(1)
    assert Pacer(public=None).charges(E["Ticker"], {}, 0) == []
    assert pacer.charges(E["CancelOrder"], {"txid": "UNKNOWN"}, 0) == []  # pair unknown
    assert pacer.rest.value(0) == 0


def test_trading_counter_per_pair_with_order_ages() -> None:
    pacer = Pacer(SpotTier.STARTER, safety=0)  # threshold 60, decay 1/s
    add = {"pair": "XBTUSD"}
    assert _spend(pacer, "AddOrder", add, 0) == 0
    pacer.note_result(E["AddOrder"], {**add, "cl_ord_id": "c1"}, {"txid": ["O1"]}, 0)
    assert pacer.trading.value("XBTUSD", 0) == 1
    # cancelling a 2-second-old order: +8; by cl_ord_id as well as by txid
    [charge] = pacer.charges(E["CancelOrder"], {"cl_ord_id": "c1"}, 2)
    assert charge.cost == 8
    [late] = pacer.charges(E["CancelOrder"], {"txid": "O1"}, 400)
    assert late.cost == 0
    [amend] = pacer.charges(E["AmendOrder"], {"txid": "O1"}, 7)
    assert amend.cost == 1 + 2
    pacer.note_result(E["AmendOrder"], {"txid": "O1"}, {"amend_id": "A"}, 7)
    [again] = pacer.charges(E["AmendOrder"], {"txid": "O1"}, 8)  # the age restarts at an amend
    assert again.cost == 1 + 3
    [edit] = pacer.charges(E["EditOrder"], {"txid": "UNKNOWN", "pair": "ETHUSD"}, 8)
    assert edit.cost == 1 + 6  # an order we do not know is taken to be brand new
    pacer.note_result(E["CancelOrder"], {"txid": "O1"}, {"count": 1}, 9)
    assert pacer.charges(E["CancelOrder"], {"txid": "O1"}, 9) == []
    # the ETHUSD counter is untouched by XBTUSD traffic
    assert pacer.trading.value("ETHUSD", 9) == 0


def test_batches() -> None:
    pacer = Pacer(SpotTier.PRO, safety=0)
    batch = {"pair": "XBTUSD", "orders": [{"cl_ord_id": "a"}, {}, {}]}
    [charge] = pacer.charges(E["AddOrderBatch"], batch, 0)
    assert charge.cost == 1.5
    pacer.note_result(
        E["AddOrderBatch"], batch, {"orders": [{"txid": "A"}, {"error": "x"}, {"txid": "C"}]}, 0
    )
    [cancel] = pacer.charges(E["CancelOrderBatch"], {"orders": ["A", "C", "ZZZ"]}, 1)
    assert cancel.cost == 16
    [by_id] = pacer.charges(E["CancelOrderBatch"], {"cl_ord_ids": ["a"]}, 1)
    assert by_id.cost == 8
    pacer.note_result(E["CancelAll"], {}, {"count": 2}, 2)
    assert pacer.charges(E["CancelOrderBatch"], {"orders": ["A", "C"]}, 2) == []


async def _until_refused(calls: int, call: Callable[[], Awaitable[object]]) -> RateLimitError:
    for _ in range(calls):
        try:
            await call()
        except RateLimitError as exc:
            return exc
    pytest.fail(f"{calls} calls and no rate limit")


def test_safety_margin_keeps_below_each_ceiling() -> None:
    pacer = Pacer(SpotTier.PRO)
    assert pacer.rest.max_counter == 20 - 0.25
    assert pacer.trading.limits.threshold == 180 - 3.75 * 0.25
    assert Pacer(safety=0).rest.max_counter == SpotTier.INTERMEDIATE.rest.max_counter
    with pytest.raises(ValueError, match="safety"):
        Pacer(safety=-1)


async def test_a_paced_client_is_never_refused_by_the_rest_counter(emulator: Emulator) -> None:
    account = {"tier": "pro", "rate_limits": True}  # 20 calls, then one per second
    async with async_client(emulator, account=account, pacing=False, retry=NO_RETRY) as eager:
        refused = await _until_refused(22, eager.balance)
        assert refused.error == "EAPI:Rate limit exceeded"
    async with async_client(emulator, account=account, tier="pro", retry=NO_RETRY) as paced:
        started = time.monotonic()
        for _ in range(22):
            await paced.balance()
        assert time.monotonic() - started > 1.5


async def test_a_paced_client_is_never_refused_by_the_trading_counter(emulator: Emulator) -> None:
    order = {"pair": "XBTUSD", "type": "buy", "ordertype": "limit", "volume": "0.01"}
    account = {"tier": "starter", "rate_limits": True}  # threshold 60, decay 1/s

    async def add_and_cancel(kraken: AsyncSpotClient) -> None:
        placed = await kraken.add_order(**order, price=1000)
        await kraken.cancel_order(txid=placed["txid"][0])

    async with async_client(emulator, account=account, pacing=False, retry=NO_RETRY) as eager:
        # add (+1) and cancel at once (+8): the 7th pair crosses 60
        refused = await _until_refused(7, lambda: add_and_cancel(eager))
        assert refused.error == "EOrder:Rate limit exceeded"
    async with async_client(emulator, account=account, tier="starter", retry=NO_RETRY) as paced:
        started = time.monotonic()
        for _ in range(7):
            await add_and_cancel(paced)
        assert time.monotonic() - started > 2

"""SpotWebSocket trading and private channels against a real emulator (tokens over REST)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from krakenkit import SpotWebSocket
from krakenkit.client import Connected
from krakenkit.emulator import Emulator, ExchangeConfig
from krakenkit.protocol.errors import (
    AuthenticationError,
    InsufficientFunds,
    InvalidArguments,
    UnknownOrder,
)
from krakenkit.protocol.ws_messages import ChannelMessage
from tests.client.ws_helpers import client, drop_connections, next_of


def _order(**extra: Any) -> dict[str, Any]:
    return {
        "order_type": "limit",
        "side": "buy",
        "order_qty": Decimal("0.01"),
        "symbol": "BTC/USD",
        "limit_price": Decimal("20000.0"),
        **extra,
    }


def _open_orders(ex: Emulator, ws: SpotWebSocket) -> dict[str, Any]:
    assert ex.exchange is not None
    engine = ex.exchange.engine
    account = next(a for a, orders in engine.open_orders.items() if orders)
    return engine.open_orders[account]


@pytest.fixture
async def ws(emulator: Emulator) -> AsyncIterator[SpotWebSocket]:
    async with client(emulator, private=True) as connection:
        yield connection


async def test_add_amend_edit_cancel_round_trip(emulator: Emulator, ws: SpotWebSocket) -> None:
    added = await ws.add_order(**_order(cl_ord_id="ws-1"))
    assert added.method == "add_order"
    assert added.success
    order_id = added.result["order_id"]
    assert added.result["cl_ord_id"] == "ws-1"

    amended = await ws.amend_order(order_id=order_id, order_qty=Decimal("0.02"))
    assert amended.result["order_id"] == order_id
    assert "amend_id" in amended.result
    assert _open_orders(emulator, ws)[order_id].volume == Decimal("0.02")

    edited = await ws.edit_order(
        order_id=order_id, symbol="BTC/USD", limit_price=Decimal("21000.0")
    )
    assert edited.result["original_order_id"] == order_id
    new_id = edited.result["order_id"]

    cancelled = await ws.cancel_order(order_id=[new_id])
    assert [c.result["order_id"] for c in cancelled] == [new_id]
    assert not _open_orders_any(emulator)


def _open_orders_any(ex: Emulator) -> bool:
    assert ex.exchange is not None
    return any(orders for orders in ex.exchange.engine.open_orders.values())


async def test_cancel_order_answers_each_order(emulator: Emulator, ws: SpotWebSocket) -> None:
    ids = [(await ws.add_order(**_order())).result["order_id"] for _ in range(2)]
    answers = await ws.cancel_order(order_id=ids)
    assert sorted(a.result["order_id"] for a in answers) == sorted(ids)
    assert len({a.req_id for a in answers}) == 1


async def test_cancel_all_and_dead_mans_switch(ws: SpotWebSocket) -> None:
    for _ in range(3):
        await ws.add_order(**_order())
    assert (await ws.cancel_all()).result["count"] == 3
    armed = await ws.cancel_all_orders_after(60)
    assert armed.result["triggerTime"] != "0"
    disarmed = await ws.cancel_all_orders_after(0)
    assert disarmed.result["triggerTime"] == "0"


async def test_batch_add_and_batch_cancel(ws: SpotWebSocket) -> None:
    placed = await ws.batch_add(
        symbol="BTC/USD",
        orders=[
            {"order_type": "limit", "side": "buy", "order_qty": Decimal("0.01"),
             "limit_price": Decimal("20000.0"), "order_userref": 1},
            {"order_type": "limit", "side": "buy", "order_qty": Decimal("0.02"),
             "limit_price": Decimal("20001.0"), "order_userref": 2},
        ],
    )  # fmt: skip
    assert [o["order_userref"] for o in placed.result] == [1, 2]
    ids = [o["order_id"] for o in placed.result]
    assert (await ws.batch_cancel(orders=ids)).result["count"] == 2


async def test_errors_are_typed(ws: SpotWebSocket) -> None:
    with pytest.raises(UnknownOrder) as unknown:
        await ws.cancel_order(order_id=["OAAAAA-BBBBB-CCCCCC"])
    assert unknown.value.path == "cancel_order"
    with pytest.raises(InsufficientFunds):
        await ws.add_order(**_order(order_qty=Decimal(1000), limit_price=Decimal("50000.0")))
    with pytest.raises(InvalidArguments):
        await ws.amend_order(order_id="OAAAAA-BBBBB-CCCCCC", limit_price_type="pct")
    # the connection carries on after errors
    assert (await ws.cancel_all()).success


async def test_concurrent_requests_get_their_own_answers(ws: SpotWebSocket) -> None:
    answers = await asyncio.gather(*(ws.add_order(**_order(cl_ord_id=f"c-{i}")) for i in range(10)))
    assert [a.result["cl_ord_id"] for a in answers] == [f"c-{i}" for i in range(10)]


async def test_executions_and_balances(ws: SpotWebSocket) -> None:
    await ws.subscribe("executions", snap_orders=True)
    snapshot = await next_of(ws, ChannelMessage, channel="executions")
    assert (snapshot.type, snapshot.sequence) == ("snapshot", 1)
    await ws.subscribe("balances")
    balances = await next_of(ws, ChannelMessage, channel="balances")
    usd = next(b for b in balances.data if b["asset"] == "USD")
    assert usd["balance"] == Decimal(1_000_000)

    added = await ws.add_order(**_order())
    report = await next_of(ws, ChannelMessage, channel="executions", type="update")
    entry = report.data[0]
    assert (entry["order_id"], entry["exec_type"]) == (added.result["order_id"], "pending_new")
    assert entry["order_qty"] == Decimal("0.01")
    assert report.sequence == 2


async def test_private_needs_keys(emulator: Emulator) -> None:
    async with client(emulator) as ws:
        with pytest.raises(AuthenticationError):
            await ws.subscribe("executions")
        with pytest.raises(AuthenticationError):
            await ws.cancel_all()


async def test_expired_token_is_refreshed_for_a_new_connection() -> None:
    config = ExchangeConfig(market=False, token_ttl=1.0)
    async with Emulator(config=config) as ex, client(ex, private=True) as ws:
        await ws.subscribe("executions")
        assert ws.tokens_fetched == 1
        await asyncio.sleep(1.2)  # the token can no longer be used first
        # still valid on the connection that used it
        assert (await ws.cancel_all()).success
        assert ws.tokens_fetched == 1
        await drop_connections(ex)
        await next_of(ws, Connected, reconnect=True)  # executions restored: fresh token
        assert ws.tokens_fetched == 2
        added = await ws.add_order(**_order())
        report = await next_of(ws, ChannelMessage, channel="executions", type="update")
        assert report.data[0]["order_id"] == added.result["order_id"]

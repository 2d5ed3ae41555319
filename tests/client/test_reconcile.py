"""Lost answers of AddOrderBatch, EditOrder and AmendOrder, reconciled against a real emulator.

Every scenario runs on :class:`SpotClient` and on :class:`AsyncSpotClient`. The only fault is the
one a local server cannot produce: the answer (or the request) lost on the way, injected by the
transport; everything else, including what happens on the exchange meanwhile, is real.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from krakenkit import SpotClient
from krakenkit.client import RetryPolicy
from krakenkit.emulator import Emulator
from krakenkit.protocol.errors import (
    BatchPartiallyPlaced,
    OutcomeUnknown,
    RequestTimeout,
)
from tests.client.conftest import RICH, Driven

QUICK = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05)
KINDS = ["sync", "async"]


class Exchange:
    """Accounts on one emulator: the client under test, and others that act meanwhile."""

    def __init__(self, ex: Emulator) -> None:
        self.ex = ex
        self.helpers: list[SpotClient] = []
        self.drivens: list[Driven] = []

    def account(self, balances: dict[str, Any] | None = None) -> tuple[str, str, str]:
        keys = self.ex.add_account(RICH if balances is None else balances)
        return keys.account_id, keys.api_key, keys.api_secret

    def helper(self, account_id: str | None = None) -> SpotClient:
        """A plain client on a new account, or on another key of ``account_id``."""
        if account_id is None:
            _, key, secret = self.account()
        else:  # a second key of the same account, through the admin API
            made = httpx.post(f"{self.ex.url}/_emulator/accounts/{account_id}/keys", json={})
            key, secret = made.json()["api_key"], made.json()["api_secret"]
        client = SpotClient(key, secret, base_url=self.ex.url, retry=QUICK)
        self.helpers.append(client)
        return client

    def driven(self, kind: str, key: str, secret: str, **lose: Any) -> Driven:
        client = Driven(kind, self.ex, key, secret, lose=lose, retry=QUICK)
        self.drivens.append(client)
        return client

    def close(self) -> None:
        for client in self.helpers:
            client.close()
        for driven in self.drivens:
            driven.close()


@pytest.fixture
def exchange(background: Emulator) -> Iterator[Exchange]:
    state = Exchange(background)
    yield state
    state.close()


def _lost(path: str, *, deliver: bool = True, then: Callable[[], object] | None = None) -> Any:
    return {
        "path": f"/0/private/{path}",
        "fault": httpx.ReadTimeout("answer lost"),
        "deliver": deliver,
        "then": then,
    }


SELLS = [
    {"ordertype": "limit", "type": "sell", "volume": "1", "price": "4000"},
    {"ordertype": "limit", "type": "sell", "volume": "1", "price": "4001"},
]

# --- AddOrderBatch ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_lost_batch_is_found_and_answered_not_resent(exchange: Exchange, kind: str) -> None:
    _, key, secret = exchange.account()
    kraken = exchange.driven(kind, key, secret, **_lost("AddOrderBatch"))
    result = kraken.add_order_batch(pair="ETHUSD", orders=SELLS)
    assert len(kraken.sent("/0/private/AddOrderBatch")) == 1
    opened = kraken.open_orders()["open"]
    assert sorted(o["txid"] for o in result["orders"]) == sorted(opened)
    assert all(len(o["cl_ord_id"]) == 32 for o in opened.values())
    # the answer Kraken would have sent, order by order
    reference = exchange.helper().add_order_batch(pair="ETHUSD", orders=SELLS)
    assert [o["descr"] for o in result["orders"]] == [o["descr"] for o in reference["orders"]]
    assert set(result) == set(reference) == {"orders"}


@pytest.mark.parametrize("kind", KINDS)
def test_batch_that_never_arrived_is_sent_again_with_the_same_ids(
    exchange: Exchange, kind: str
) -> None:
    _, key, secret = exchange.account()
    kraken = exchange.driven(kind, key, secret, **_lost("AddOrderBatch", deliver=False))
    result = kraken.add_order_batch(pair="ETHUSD", orders=SELLS)
    first, again = kraken.sent("/0/private/AddOrderBatch")
    ids = [o["cl_ord_id"] for o in first["orders"]]
    assert ids == [o["cl_ord_id"] for o in again["orders"]]
    paths = kraken.paths()
    assert "/0/private/OpenOrders" in paths[paths.index("/0/private/AddOrderBatch") :]
    opened = kraken.open_orders()["open"]
    assert sorted(opened) == sorted(o["txid"] for o in result["orders"])
    assert sorted(o["cl_ord_id"] for o in opened.values()) == sorted(ids)


@pytest.mark.parametrize("kind", KINDS)
def test_lost_batch_that_filled_at_once_is_found_among_closed_orders(
    exchange: Exchange, kind: str
) -> None:
    exchange.helper().add_order(
        pair="ETHUSD", type="sell", ordertype="limit", volume="2", price="3000"
    )
    _, key, secret = exchange.account()
    kraken = exchange.driven(kind, key, secret, **_lost("AddOrderBatch"))
    buys = [{"ordertype": "limit", "type": "buy", "volume": "1", "price": "3000"}] * 2
    result = kraken.add_order_batch(pair="ETHUSD", orders=buys)
    assert kraken.open_orders()["open"] == {}
    closed = kraken.closed_orders()["closed"]
    assert sorted(closed) == sorted(o["txid"] for o in result["orders"])
    assert {o["status"] for o in closed.values()} == {"closed"}
    assert len(kraken.sent("/0/private/AddOrderBatch")) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_partly_placed_batch_is_a_typed_error_naming_what_was_found(
    exchange: Exchange, kind: str
) -> None:
    # funds for one order only: the emulator, like Kraken, places the first and refuses the second
    _, key, secret = exchange.account({"ZUSD": "1000"})
    kraken = exchange.driven(kind, key, secret, **_lost("AddOrderBatch"))
    buys = [{"ordertype": "limit", "type": "buy", "volume": "0.01", "price": "60000"}] * 2
    with pytest.raises(BatchPartiallyPlaced) as caught:
        kraken.add_order_batch(pair="XBTUSD", orders=buys)
    [sent] = kraken.sent("/0/private/AddOrderBatch")
    first, second = (o["cl_ord_id"] for o in sent["orders"])
    [txid] = kraken.open_orders()["open"]
    error = caught.value
    assert error.placed == {first: txid}
    assert error.missing == (second,)
    assert set(error.found) == {txid}
    assert isinstance(error.original, RequestTimeout)
    assert error.__cause__ is error.original
    assert f"{first} -> {txid}" in str(error)
    assert second in str(error)
    assert error.path == "/0/private/AddOrderBatch"


# --- EditOrder -------------------------------------------------------------------------------


def _resting(client: Any, price: str = "3000") -> str:
    placed = client.add_order(
        pair="ETHUSD", type="sell", ordertype="limit", volume="1", price=price, userref=77
    )
    return str(placed["txid"][0])


@pytest.mark.parametrize("kind", KINDS)
def test_lost_edit_is_found_and_answered_not_resent(exchange: Exchange, kind: str) -> None:
    _, key, secret = exchange.account()
    kraken = exchange.driven(kind, key, secret, **_lost("EditOrder"))
    txid = _resting(kraken)
    result = kraken.edit_order(txid=txid, pair="ETHUSD", price="3100", volume="2")
    assert len(kraken.sent("/0/private/EditOrder")) == 1
    [new] = kraken.open_orders()["open"]
    assert (result["txid"], result["originaltxid"]) == (new, txid)
    assert kraken.query_orders(txid=txid)[txid]["status"] == "canceled"
    # what Kraken answers to the same edit
    helper = exchange.helper()
    reference = helper.edit_order(txid=_resting(helper), pair="ETHUSD", price="3100", volume="2")
    different = {"txid", "originaltxid"}
    assert {k: v for k, v in result.items() if k not in different} == {
        k: v for k, v in reference.items() if k not in different
    }


@pytest.mark.parametrize("kind", KINDS)
def test_edit_that_never_arrived_is_sent_again(exchange: Exchange, kind: str) -> None:
    _, key, secret = exchange.account()
    kraken = exchange.driven(kind, key, secret, **_lost("EditOrder", deliver=False))
    txid = _resting(kraken)
    result = kraken.edit_order(txid=txid, pair="ETHUSD", price="3100")
    assert len(kraken.sent("/0/private/EditOrder")) == 2
    assert list(kraken.open_orders()["open"]) == [result["txid"]]
    assert result["descr"]["order"] == "sell 1.00000000 ETHUSD @ limit 3100.00"


@pytest.mark.parametrize("kind", KINDS)
def test_edit_of_an_order_cancelled_meanwhile_is_an_unknown_outcome(
    exchange: Exchange, kind: str
) -> None:
    account_id, key, secret = exchange.account()
    other_key = exchange.helper(account_id)
    orders: list[str] = []

    def cancel() -> None:
        other_key.cancel_order(txid=orders[0])

    kraken = exchange.driven(kind, key, secret, **_lost("EditOrder", deliver=False, then=cancel))
    orders.append(_resting(kraken))
    with pytest.raises(OutcomeUnknown) as caught:
        kraken.edit_order(txid=orders[0], pair="ETHUSD", price="3100")
    assert len(kraken.sent("/0/private/EditOrder")) == 1
    assert caught.value.found["original"][orders[0]]["status"] == "canceled"
    assert caught.value.found["candidates"] == {}
    assert isinstance(caught.value.__cause__, RequestTimeout)
    assert kraken.open_orders()["open"] == {}


# --- AmendOrder ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_lost_amend_is_found_in_order_amends_not_resent(exchange: Exchange, kind: str) -> None:
    _, key, secret = exchange.account()
    kraken = exchange.driven(kind, key, secret, **_lost("AmendOrder"))
    txid = _resting(kraken)
    result = kraken.amend_order(txid=txid, order_qty="0.5", limit_price="3050", pair="ETHUSD")
    assert len(kraken.sent("/0/private/AmendOrder")) == 1
    amends = kraken.order_amends(order_id=txid)["amends"]
    assert [a["amend_type"] for a in amends] == ["original", "user"]
    assert result == {"amend_id": amends[-1]["amend_id"]}
    assert kraken.query_orders(txid=txid)[txid]["vol"] == "0.50000000"


@pytest.mark.parametrize("kind", KINDS)
def test_amend_by_cl_ord_id_that_never_arrived_is_sent_again(exchange: Exchange, kind: str) -> None:
    _, key, secret = exchange.account()
    kraken = exchange.driven(kind, key, secret, **_lost("AmendOrder", deliver=False))
    txid = kraken.add_order(
        pair="ETHUSD", type="sell", ordertype="limit", volume="1", price="3000", cl_ord_id="am-1"
    )["txid"][0]
    result = kraken.amend_order(cl_ord_id="am-1", limit_price="3050", pair="ETHUSD")
    assert len(kraken.sent("/0/private/AmendOrder")) == 2
    amends = kraken.order_amends(order_id=txid)["amends"]
    assert [a["amend_type"] for a in amends] == ["original", "user"]
    assert result == {"amend_id": amends[-1]["amend_id"]}
    assert amends[-1]["limit_price"] == "3050.00"


@pytest.mark.parametrize("kind", KINDS)
def test_amend_of_an_order_filled_meanwhile_is_an_unknown_outcome(
    exchange: Exchange, kind: str
) -> None:
    taker = exchange.helper()

    def fill() -> None:
        taker.add_order(pair="ETHUSD", type="buy", ordertype="market", volume="1")

    _, key, secret = exchange.account()
    kraken = exchange.driven(kind, key, secret, **_lost("AmendOrder", deliver=False, then=fill))
    txid = _resting(kraken)
    with pytest.raises(OutcomeUnknown) as caught:
        kraken.amend_order(txid=txid, limit_price="3050", pair="ETHUSD")
    assert len(kraken.sent("/0/private/AmendOrder")) == 1
    assert caught.value.found[txid]["status"] == "closed"
    assert caught.value.found[txid]["amends"] == []
    assert "not re-sent" in str(caught.value)

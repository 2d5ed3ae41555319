"""SpotClient against an emulator on its own thread; every endpoint method; reconciliation."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import httpx
import pytest

from krakenkit import AsyncSpotClient, SpotClient
from krakenkit.client import SPOT_METHODS, Balance, Order, RetryPolicy, Ticker
from krakenkit.emulator import Emulator
from krakenkit.protocol.endpoints import SPOT_ENDPOINTS, Endpoint
from krakenkit.protocol.errors import APIError, UnknownMethod
from tests.client.conftest import NO_RETRY, FaultAfterSend, keys, sync_client

QUICK = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05)


def test_market_data_balances_and_the_order_lifecycle(background: Emulator) -> None:
    with sync_client(background, retry=NO_RETRY) as kraken:
        assert kraken.system_status()["status"] == "online"
        assert "XXBTZUSD" in kraken.ticker(pair=["BTC/USD", "ETH/USD"])
        balances = Balance.all(kraken.balance_ex())
        assert balances["XXBT"].available == D(10)
        txid = kraken.add_order(
            pair="ETH/USD", type="sell", ordertype="limit", volume="1.5", price=D("3000.1")
        )["txid"][0]
        order = Order.from_kraken(txid, kraken.query_orders(txid=txid)[txid])
        assert (order.pair, order.price, order.volume) == ("ETHUSD", "3000.10", D("1.5"))
        kraken.amend_order(txid=txid, order_qty=D(1), pair="ETHUSD")
        assert kraken.query_orders(txid=txid)[txid]["vol"] == "1.00000000"
        new = kraken.edit_order(txid=txid, pair="ETH/USD", price="3100")["txid"]
        batch = kraken.add_order_batch(
            pair="ETHUSD",
            orders=[
                {"ordertype": "limit", "type": "sell", "volume": 1, "price": 4000},
                {"ordertype": "limit", "type": "sell", "volume": 1, "price": 4001},
            ],
        )
        assert kraken.cancel_order_batch(orders=[o["txid"] for o in batch["orders"]]) == {
            "count": 2
        }
        assert kraken.cancel_order(txid=new)["count"] == 1
        assert kraken.cancel_all_orders_after(timeout=30)["triggerTime"] != "0"
        assert kraken.cancel_all_orders_after(timeout=0)["triggerTime"] == "0"
        assert kraken.cancel_all() == {"count": 0, "pending": False}


def test_generic_call_and_raw_request(background: Emulator) -> None:
    with sync_client(background) as kraken:
        assert kraken.call("Balance") == kraken.balance()
        assert "open" in kraken.call("OpenOrders", {"trades": True})
        assert "XXBTZUSD" in kraken.request("GET", "/0/public/Ticker", {"pair": "XBTUSD"})
        assert "ZUSD" in kraken.request("POST", "/0/private/Balance")
        with pytest.raises(UnknownMethod) as unknown:
            kraken.request("POST", "/0/private/NotYetInvented", {"x": 1})
        assert unknown.value.path == "/0/private/NotYetInvented"
        with pytest.raises(ValueError, match="not a spot REST path"):
            kraken.request("GET", "/derivatives/api/v3/tickers")
    with SpotClient(base_url=background.url) as public:
        assert "XXBTZUSD" in Ticker.all(public.ticker(pair="XBTUSD"))


# --- every endpoint has a method that reaches it ---------------------------------------------

_DUMMY: dict[str, Any] = {
    "pair": "XBTUSD",
    "txid": "OAAAAA-BBBBB-CCCCCC",
    "order_id": "OAAAAA-BBBBB-CCCCCC",
    "timeout": 0,
    "asset": "XBT",
    "amount": "0.001",
    "ordertype": "limit",
    "type": "buy",
    "volume": "0.01",
    "report": "trades",
    "from": "Spot Wallet",
    "to": "Futures Wallet",
}


def _arguments(endpoint: Endpoint) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for name in (*endpoint.required, *(group[0] for group in endpoint.one_of)):
        if name == "orders":
            value: Any = (
                [{"ordertype": "limit", "type": "buy", "volume": "0.01", "price": "1000"}] * 2
                if endpoint.name == "AddOrderBatch"
                else ["OAAAAA-BBBBB-CCCCCC"]
            )
        else:
            value = _DUMMY.get(name, "x")
        args[{"from": "from_"}.get(name, name.replace("-", "_"))] = value
    if endpoint.name == "AddOrder":
        args["price"] = "1000"
    return args


def test_every_spot_endpoint_has_a_method_on_both_clients() -> None:
    assert set(SPOT_METHODS) == {e.name for e in SPOT_ENDPOINTS}
    for method in SPOT_METHODS.values():
        assert callable(getattr(SpotClient, method))
        assert callable(getattr(AsyncSpotClient, method))


@pytest.mark.parametrize("endpoint", SPOT_ENDPOINTS, ids=lambda e: e.name)
def test_each_method_reaches_its_endpoint(background: Emulator, endpoint: Endpoint) -> None:
    transport = FaultAfterSend()
    key, secret = keys(background, rate_limits=False)
    with SpotClient(
        key, secret, base_url=background.url, transport=transport, retry=NO_RETRY
    ) as kraken:
        error: APIError | None = None
        try:
            getattr(kraken, SPOT_METHODS[endpoint.name])(**_arguments(endpoint))
        except APIError as exc:  # the emulator answered (perhaps: not emulated)
            error = exc
    assert error is None or error.path == endpoint.path
    assert transport.paths()[-1] == endpoint.path


# --- AddOrder is never sent twice blindly ----------------------------------------------------

_ORDER: dict[str, Any] = {
    "pair": "XBTUSD",
    "type": "buy",
    "ordertype": "limit",
    "volume": "0.01",
    "price": "50000",
}


def _client(ex: Emulator, transport: httpx.BaseTransport) -> SpotClient:
    key, secret = keys(ex)
    return SpotClient(key, secret, base_url=ex.url, transport=transport, retry=QUICK)


def test_lost_answer_without_reference_is_reconciled_by_a_generated_id(
    background: Emulator,
) -> None:
    transport = FaultAfterSend("/0/private/AddOrder", httpx.ReadTimeout("lost"), deliver=True)
    with _client(background, transport) as kraken:
        result = kraken.add_order(**_ORDER)
        # the emulator accepted it, the answer was lost: found by its cl_ord_id, not re-sent
        assert transport.paths().count("/0/private/AddOrder") == 1
        opened = kraken.open_orders()["open"]
        assert list(opened) == result["txid"]
        assert len(next(iter(opened.values()))["cl_ord_id"]) == 32


@pytest.mark.parametrize("reference", [{"cl_ord_id": "recon-1"}, {"userref": 4242}])
def test_lost_answer_with_reference_is_reconciled(
    background: Emulator, reference: dict[str, Any]
) -> None:
    transport = FaultAfterSend("/0/private/AddOrder", httpx.ReadTimeout("lost"), deliver=True)
    with _client(background, transport) as kraken:
        result = kraken.add_order(**_ORDER, **reference)
        opened = kraken.open_orders()["open"]
        assert list(opened) == result["txid"]
        assert result["descr"]["order"] == "buy 0.01000000 XBTUSD @ limit 50000.0"
        assert transport.paths().count("/0/private/AddOrder") == 1
        assert "/0/private/OpenOrders" in transport.paths()


def test_request_that_never_arrived_is_sent_again_after_reconciling(
    background: Emulator,
) -> None:
    transport = FaultAfterSend("/0/private/AddOrder", httpx.ReadTimeout("lost"), deliver=False)
    with _client(background, transport) as kraken:
        result = kraken.add_order(**_ORDER, cl_ord_id="recon-2")
        assert list(kraken.open_orders()["open"]) == result["txid"]
        paths = transport.paths()
        assert paths.count("/0/private/AddOrder") == 2
        first, second = (i for i, p in enumerate(paths) if p == "/0/private/AddOrder")
        assert {"/0/private/OpenOrders", "/0/private/ClosedOrders"} <= set(paths[first:second])


def test_refused_connection_is_retried_even_for_orders(background: Emulator) -> None:
    transport = FaultAfterSend("/0/private/AddOrder", httpx.ConnectError("refused"), deliver=False)
    with _client(background, transport) as kraken:
        kraken.add_order(**_ORDER)
        assert transport.paths().count("/0/private/AddOrder") == 2
        assert len(kraken.open_orders()["open"]) == 1

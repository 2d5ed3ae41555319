"""The retry policy, pure, and the send loops under faults the emulator cannot produce.

httpx.MockTransport stands in for Kraken only here, for what a local emulator cannot do: 5xx and
Cloudflare HTML pages, HTTP 429 with Retry-After, and timeouts.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from krakenkit import AsyncSpotClient, SpotClient
from krakenkit.client import RetryPolicy
from krakenkit.client._reconcile import match_reconciled
from krakenkit.client._retry import Decision, call_kind
from krakenkit.protocol.endpoints import SPOT_BY_NAME
from krakenkit.protocol.errors import (
    ConnectError,
    DeadlineElapsed,
    HTTPStatusError,
    InvalidArguments,
    InvalidNonce,
    KrakenError,
    MarketRestricted,
    RateLimitError,
    RequestTimeout,
    TransportError,
    api_error,
)

SECRET = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
POLICY = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.02)
ORDER: dict[str, Any] = {
    "pair": "XBTUSD",
    "type": "buy",
    "ordertype": "limit",
    "volume": "1",
    "price": "1000",
}
OK = {"error": [], "result": {"ok": True}}

# --- the pure policy -------------------------------------------------------------------------


def test_call_kinds() -> None:
    assert call_kind(SPOT_BY_NAME["Ticker"]) == "read"
    assert call_kind(SPOT_BY_NAME["Balance"]) == "read"
    assert call_kind(SPOT_BY_NAME["ClosedOrders"]) == "read"
    assert call_kind(SPOT_BY_NAME["CancelOrder"]) == "write"
    assert call_kind(SPOT_BY_NAME["Withdraw"]) == "write"
    assert call_kind(SPOT_BY_NAME["AddOrder"]) == "add"
    assert call_kind(SPOT_BY_NAME["AddOrderBatch"]) == "add"


TIMEOUT = RequestTimeout("t")
GATEWAY = HTTPStatusError("5xx", status_code=502)
TOO_MANY = HTTPStatusError("429", status_code=429)
UNAVAILABLE = api_error(["EService:Unavailable"])
ORDER_RATE = api_error(["EOrder:Rate limit exceeded"])
BAD = api_error(["EGeneral:Invalid arguments:volume"])
BATCH = {"orders": [{"cl_ord_id": "a"}, {"cl_ord_id": "b"}]}
TXID = "OQCLML-BW3P3-BUCMWZ"


@pytest.mark.parametrize(
    ("name", "params", "exc", "decision"),
    [
        ("Balance", {}, TIMEOUT, Decision.RETRY),
        ("Ticker", {}, GATEWAY, Decision.RETRY),
        ("Balance", {}, InvalidNonce("EAPI:Invalid nonce"), Decision.RETRY),
        ("Balance", {}, BAD, Decision.RAISE),
        ("Balance", {}, MarketRestricted("EService:Market in post_only mode"), Decision.RAISE),
        ("CancelOrder", {}, TIMEOUT, Decision.RAISE),
        ("CancelOrder", {}, GATEWAY, Decision.RAISE),
        ("CancelOrder", {}, TOO_MANY, Decision.RETRY),
        ("CancelOrder", {}, UNAVAILABLE, Decision.RETRY),
        ("CancelOrder", {}, DeadlineElapsed("EService:Deadline elapsed"), Decision.RAISE),
        ("AddOrder", ORDER, TIMEOUT, Decision.RAISE),
        ("AddOrder", ORDER, GATEWAY, Decision.RAISE),
        ("AddOrder", ORDER, UNAVAILABLE, Decision.RAISE),
        ("AddOrder", ORDER, TransportError("reset"), Decision.RAISE),
        ("AddOrder", ORDER, ConnectError("refused"), Decision.RETRY),
        ("AddOrder", ORDER, ORDER_RATE, Decision.RETRY),
        ("AddOrder", ORDER, InvalidNonce("EAPI:Invalid nonce"), Decision.RETRY),
        ("AddOrder", ORDER, BAD, Decision.RAISE),
        ("AddOrder", {**ORDER, "cl_ord_id": "a"}, TIMEOUT, Decision.RECONCILE),
        ("AddOrder", {**ORDER, "userref": 7}, GATEWAY, Decision.RECONCILE),
        ("AddOrder", {**ORDER, "userref": 7}, UNAVAILABLE, Decision.RECONCILE),
        ("AddOrderBatch", {"cl_ord_id": "a"}, TIMEOUT, Decision.RAISE),
        ("AddOrderBatch", BATCH, TIMEOUT, Decision.RECONCILE),
        ("AddOrderBatch", BATCH, UNAVAILABLE, Decision.RECONCILE),
        (
            "AddOrderBatch",
            {"orders": [{"cl_ord_id": "a"}, {"userref": 1}]},
            TIMEOUT,
            Decision.RAISE,
        ),
        ("EditOrder", {"txid": TXID}, TIMEOUT, Decision.RECONCILE),
        ("EditOrder", {"txid": TXID}, GATEWAY, Decision.RECONCILE),
        ("EditOrder", {"txid": TXID}, UNAVAILABLE, Decision.RETRY),
        ("EditOrder", {"txid": TXID}, TOO_MANY, Decision.RETRY),
        ("EditOrder", {"txid": "42"}, TIMEOUT, Decision.RAISE),  # a userref: cannot be looked up
        ("AmendOrder", {"txid": TXID}, TIMEOUT, Decision.RECONCILE),
        ("AmendOrder", {"cl_ord_id": "a"}, TransportError("reset"), Decision.RECONCILE),
        ("AmendOrder", {"cl_ord_id": "a"}, BAD, Decision.RAISE),
    ],
)
def test_decisions(name: str, params: dict[str, Any], exc: KrakenError, decision: Decision) -> None:
    assert POLICY.decide(SPOT_BY_NAME[name], params, exc, attempt=1) is decision


def test_reconciliation_can_be_turned_off() -> None:
    blind = RetryPolicy(reconcile_orders=False)
    assert blind.decide(SPOT_BY_NAME["AddOrderBatch"], BATCH, TIMEOUT, 1) is Decision.RAISE
    assert blind.decide(SPOT_BY_NAME["EditOrder"], {"txid": TXID}, TIMEOUT, 1) is Decision.RAISE


def test_attempts_run_out_and_long_server_waits_are_not_sat_out() -> None:
    balance = SPOT_BY_NAME["Balance"]
    assert POLICY.decide(balance, {}, TIMEOUT, attempt=4) is Decision.RAISE
    assert RetryPolicy(max_attempts=1).decide(balance, {}, TIMEOUT, attempt=1) is Decision.RAISE
    slow = HTTPStatusError("429", status_code=429, retry_after=3600)
    assert POLICY.decide(balance, {}, slow, attempt=1) is Decision.RAISE
    throttled = api_error(["EService: Throttled: 1700003600"])
    assert POLICY.decide(balance, {}, throttled, 1, now=1700000000) is Decision.RAISE
    assert POLICY.decide(balance, {}, throttled, 1, now=1700003590) is Decision.RETRY


def test_delays_back_off_with_bounded_jitter_and_honour_the_server() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=4, jitter=0.5)
    rng = random.Random(1)
    for attempt, base in ((1, 1), (2, 2), (3, 4), (4, 4), (9, 4)):
        delay = policy.delay(attempt, TIMEOUT, 0, rng)
        assert base <= delay <= base * 1.5
    assert policy.delay(1, HTTPStatusError("", status_code=429, retry_after=10), 0, rng) == 10
    throttled = api_error(["EService: Throttled: 1700000030"])
    assert policy.delay(1, throttled, 1700000000, rng) == 30


def test_reconciliation_matches_by_reference() -> None:
    found = {
        "open": {
            "OTHER-0": {"userref": 7, "vol": "2", "descr": {"type": "buy", "pair": "XBTUSD"}},
            "MINE-00": {
                "userref": 7,
                "vol": "1.00000000",
                "descr": {"type": "buy", "pair": "XBTUSD", "order": "buy 1 XBTUSD @ limit 1000"},
            },
        }
    }
    names = frozenset({"XBTUSD", "XXBTZUSD"})
    result = match_reconciled({**ORDER, "userref": 7}, found, pair_names=names)
    assert result == {"descr": {"order": "buy 1 XBTUSD @ limit 1000"}, "txid": ["MINE-00"]}
    assert match_reconciled({**ORDER, "userref": 8}, found, pair_names=names) is None
    by_id = {"closed": {"X": {"cl_ord_id": "c1", "descr": {"order": "o", "close": "c"}}}}
    assert match_reconciled({**ORDER, "cl_ord_id": "c1"}, by_id, pair_names=names) == {
        "descr": {"order": "o", "close": "c"},
        "txid": ["X"],
    }


# --- the send loops under injected faults ----------------------------------------------------


Handler = Callable[[httpx.Request], httpx.Response]


def _scripted(*answers: httpx.Response | Exception) -> tuple[httpx.MockTransport, list[str]]:
    """A transport answering in order (the last answer repeats); records request paths."""
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        answer = answers[min(len(seen), len(answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handle), seen


def _json(body: Any, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


HTML = httpx.Response(
    520, html="<html><title>Cloudflare</title>Web server is returning an unknown error</html>"
)


def _sync(transport: httpx.MockTransport, **options: Any) -> SpotClient:
    return SpotClient(
        "k",
        SECRET,
        base_url="http://kraken.test",
        transport=transport,
        resolve_pairs=False,
        pacing=False,
        **{"retry": POLICY, **options},
    )


def test_5xx_html_and_timeouts_are_retried_for_reads() -> None:
    transport, seen = _scripted(HTML, httpx.ReadTimeout("slow"), _json(OK))
    with _sync(transport) as kraken:
        assert kraken.balance() == {"ok": True}
    assert seen == ["/0/private/Balance"] * 3


def test_retries_run_out() -> None:
    transport, seen = _scripted(HTML)
    with _sync(transport) as kraken, pytest.raises(HTTPStatusError) as caught:
        kraken.ticker(pair="XBTUSD")
    assert caught.value.status_code == 520
    assert "Cloudflare" in str(caught.value)
    assert len(seen) == POLICY.max_attempts


def test_429_waits_for_retry_after() -> None:
    transport, seen = _scripted(_json({}, 429, **{"Retry-After": "1"}), _json(OK))
    started = time.monotonic()
    with _sync(transport) as kraken:
        assert kraken.ticker() == {"ok": True}
    assert time.monotonic() - started >= 1
    assert len(seen) == 2


@pytest.mark.parametrize(
    "fault",
    [
        httpx.ReadTimeout("slow"),
        _json({}, 502),
        HTML,
        _json({"error": ["EService:Busy"]}),
        httpx.RemoteProtocolError("reset"),
    ],
)
def test_add_order_without_reference_gets_an_id_and_is_reconciled_before_a_resend(
    fault: httpx.Response | Exception,
) -> None:
    bodies: list[bytes] = []
    answers = iter(
        [
            fault,
            _json({"error": [], "result": {"open": {}}}),
            _json({"error": [], "result": {"closed": {}, "count": 0}}),
            _json({"error": [], "result": {"txid": ["O"]}}),
        ]
    )

    def handle(request: httpx.Request) -> httpx.Response:
        bodies.append(request.url.path.encode() + b" " + request.read())
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    with _sync(httpx.MockTransport(handle)) as kraken:
        assert kraken.add_order(**ORDER) == {"txid": ["O"]}
    paths = [b.split(b" ")[0] for b in bodies]
    assert paths == [
        b"/0/private/AddOrder",
        b"/0/private/OpenOrders",
        b"/0/private/ClosedOrders",
        b"/0/private/AddOrder",
    ]
    first = dict(p.split(b"=") for p in bodies[0].split(b" ")[1].split(b"&"))
    again = dict(p.split(b"=") for p in bodies[3].split(b" ")[1].split(b"&"))
    assert len(first[b"cl_ord_id"]) == 32
    assert first[b"cl_ord_id"] == again[b"cl_ord_id"]  # the same order, never a second one


def test_add_order_with_reference_is_reconciled_not_resent() -> None:
    placed = {
        "open": {
            "OUF4EM-FRGI2-MQMWZD": {
                "cl_ord_id": "bot-1",
                "descr": {"order": "buy 1.00000000 XBTUSD @ limit 1000.0"},
            }
        }
    }
    transport, seen = _scripted(httpx.ReadTimeout("slow"), _json({"error": [], "result": placed}))
    with _sync(transport) as kraken:
        result = kraken.add_order(**ORDER, cl_ord_id="bot-1")
    assert result == {
        "descr": {"order": "buy 1.00000000 XBTUSD @ limit 1000.0"},
        "txid": ["OUF4EM-FRGI2-MQMWZD"],
    }
    assert seen == ["/0/private/AddOrder", "/0/private/OpenOrders"]


def test_failed_reconciliation_raises_the_original_error() -> None:
    transport, seen = _scripted(_json({}, 503), httpx.ConnectError("down"))
    with _sync(transport) as kraken, pytest.raises(HTTPStatusError) as caught:
        kraken.add_order(**ORDER, userref=5)
    assert isinstance(caught.value.__cause__, ConnectError)
    assert seen.count("/0/private/AddOrder") == 1


def test_invalid_nonce_is_signed_again_with_a_new_nonce() -> None:
    bodies: list[bytes] = []

    def handle(request: httpx.Request) -> httpx.Response:
        bodies.append(request.read())
        if len(bodies) == 1:
            return _json({"error": ["EAPI:Invalid nonce"]})
        return _json({"error": [], "result": {"txid": ["O"]}})

    with _sync(httpx.MockTransport(handle)) as kraken:
        assert kraken.add_order(**ORDER) == {"txid": ["O"]}
    first, second = (dict(p.split(b"=") for p in b.split(b"&")) for b in bodies)
    assert int(second[b"nonce"]) > int(first[b"nonce"])


def test_api_errors_are_not_retried() -> None:
    transport, seen = _scripted(_json({"error": ["EGeneral:Invalid arguments:volume"]}))
    with _sync(transport) as kraken, pytest.raises(InvalidArguments):
        kraken.balance()
    assert len(seen) == 1


def test_rate_limit_answers_are_retried() -> None:
    transport, seen = _scripted(_json({"error": ["EAPI:Rate limit exceeded"]}), _json(OK))
    with _sync(transport) as kraken:
        assert kraken.balance() == {"ok": True}
    assert len(seen) == 2
    transport, _ = _scripted(_json({"error": ["EAPI:Rate limit exceeded"]}))
    with (
        _sync(transport, retry=RetryPolicy(max_attempts=1)) as strict,
        pytest.raises(RateLimitError),
    ):
        strict.balance()


def _async(transport: httpx.MockTransport) -> AsyncSpotClient:
    return AsyncSpotClient(
        "k",
        SECRET,
        base_url="http://kraken.test",
        transport=transport,
        retry=POLICY,
        pacing=False,
        resolve_pairs=False,
    )


async def test_the_async_loop_follows_the_same_policy() -> None:
    transport, seen = _scripted(_json({}, 502), httpx.ConnectTimeout("no route"), _json(OK))
    async with _async(transport) as kraken:
        assert await kraken.balance() == {"ok": True}
    assert len(seen) == 3
    transport, seen = _scripted(httpx.ReadTimeout("slow"))
    async with _async(transport) as kraken:
        with pytest.raises(RequestTimeout):
            await kraken.add_order(**ORDER, userref=3)
    assert seen[0] == "/0/private/AddOrder"
    assert seen.count("/0/private/AddOrder") == 1  # the lookup failed: never re-sent blindly
    placed = {"closed": {"O1": {"cl_ord_id": "c", "descr": {"order": "filled at once"}}}}
    transport, seen = _scripted(
        httpx.ReadTimeout("slow"),
        _json({"error": [], "result": {"open": {}}}),
        _json({"error": [], "result": placed}),
    )
    async with _async(transport) as kraken:
        assert (await kraken.add_order(**ORDER, cl_ord_id="c"))["txid"] == ["O1"]
    assert seen == ["/0/private/AddOrder", "/0/private/OpenOrders", "/0/private/ClosedOrders"]

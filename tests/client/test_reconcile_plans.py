"""The reconciliation plans, pure: the branches a lost answer on the emulator does not reach.

Each plan is fed Kraken-shaped results by hand; the emulator tests (test_reconcile) cover the
common paths end to end.
"""

from __future__ import annotations

from typing import Any

import pytest

from krakenkit.client._reconcile import reconcile_plan, run_plan
from krakenkit.protocol.errors import OutcomeUnknown, RequestTimeout

LOST = RequestTimeout("no answer in time", path="/0/private/X")
TXID = "OQCLML-BW3P3-BUCMWZ"


def _run(name: str, params: dict[str, Any], answers: dict[str, list[Any]]) -> tuple[Any, list[Any]]:
    """Run a plan; ``answers`` per method, in order. Returns (outcome, look-ups made)."""
    asked: list[Any] = []

    def lookup(method: str, query: dict[str, Any]) -> Any:
        asked.append((method, query))
        return answers[method].pop(0)

    return run_plan(reconcile_plan(name, params, LOST), lookup, LOST), asked


def test_a_batch_beyond_the_first_closed_page_is_looked_up_per_order() -> None:
    params = {"orders": [{"cl_ord_id": "a"}, {"cl_ord_id": "b"}]}
    order = {"descr": {"order": "buy 1 XBTUSD @ limit 1"}}
    answers = {
        "OpenOrders": [{"open": {"T1": {**order, "cl_ord_id": "a"}}}],
        "ClosedOrders": [
            {"closed": {"OTHER": {"cl_ord_id": "z"}}, "count": 75},
            {"closed": {"T2": {**order, "cl_ord_id": "b"}}, "count": 1},
        ],
    }
    result, asked = _run("AddOrderBatch", params, answers)
    assert [o["txid"] for o in result["orders"]] == ["T1", "T2"]
    assert asked[-1] == ("ClosedOrders", {"cl_ord_id": "b"})


def test_a_batch_found_nowhere_is_sent_again() -> None:
    params = {"orders": [{"cl_ord_id": "a"}, {"cl_ord_id": "b"}]}
    answers = {"OpenOrders": [{"open": {}}], "ClosedOrders": [{"closed": {}, "count": 0}]}
    assert _run("AddOrderBatch", params, answers)[0] is None


def test_an_edit_with_two_possible_replacements_is_not_guessed() -> None:
    original = {
        "status": "canceled",
        "closetm": 100.0,
        "userref": 0,
        "descr": {"pair": "XBTUSD", "type": "buy", "ordertype": "limit"},
    }
    twin = {**original, "status": "open", "opentm": 100.0, "vol": "1"}
    answers = {
        "QueryOrders": [{TXID: original}],
        "OpenOrders": [{"open": {"N1": twin, "N2": twin}}],
        "ClosedOrders": [{"closed": {}, "count": 0}],
    }
    with pytest.raises(OutcomeUnknown) as caught:
        _run("EditOrder", {"txid": TXID, "pair": "XBTUSD"}, answers)
    assert set(caught.value.found["candidates"]) == {"N1", "N2"}
    assert caught.value.original is LOST


def test_an_amend_to_a_relative_price_cannot_be_compared() -> None:
    answers = {
        "QueryOrders": [{TXID: {"status": "open"}}],
        "OrderAmends": [
            {"amends": [{"amend_type": "user", "amend_id": "A1", "limit_price": "101.0"}]}
        ],
    }
    with pytest.raises(OutcomeUnknown, match="relative price"):
        _run("AmendOrder", {"txid": TXID, "limit_price": "+1"}, answers)


def test_an_open_order_never_amended_gets_a_relative_amend_again() -> None:
    answers = {
        "QueryOrders": [{TXID: {"status": "open"}}],
        "OrderAmends": [{"amends": [], "count": 0}],
    }
    assert _run("AmendOrder", {"txid": TXID, "limit_price": "+1"}, answers)[0] is None


def test_the_latest_matching_user_amend_is_the_answer() -> None:
    amends = [
        {"amend_type": "original", "amend_id": "A0", "order_qty": "1", "timestamp": 1},
        {"amend_type": "user", "amend_id": "A1", "order_qty": "2.0", "timestamp": 2},
    ]
    answers = {"QueryOrders": [{TXID: {"status": "closed"}}], "OrderAmends": [{"amends": amends}]}
    assert _run("AmendOrder", {"txid": TXID, "order_qty": "2"}, answers)[0] == {"amend_id": "A1"}

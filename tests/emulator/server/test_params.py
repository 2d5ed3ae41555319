"""Body decoding for every client quirk of protocol.md §2.4 and §12."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from krakenkit.emulator.server.params import (
    as_bool,
    as_decimal,
    as_int,
    as_list,
    parse_body,
    parse_form,
)
from krakenkit.protocol.errors import InvalidArguments

FORM = "application/x-www-form-urlencoded"


def test_plain_form() -> None:
    assert parse_form("nonce=1&pair=XBTUSD&price=37500") == {
        "nonce": "1",
        "pair": "XBTUSD",
        "price": "37500",
    }


def test_plus_encoded_as_percent_2b_survives() -> None:
    assert parse_form("starttm=%2b5")["starttm"] == "+5"


def test_ccxt_nested_close_order() -> None:
    params = parse_form("close%5Bordertype%5D=stop-loss&close%5Bprice%5D=22000&pair=XBTUSD")
    assert params["close"] == {"ordertype": "stop-loss", "price": "22000"}


def test_bracket_batch_orders_become_a_list() -> None:
    body = (
        "pair=XBTUSD&orders[0][ordertype]=limit&orders[0][price]=1&"
        "orders[1][ordertype]=limit&orders[1][price]=2&orders[1][close][price]=3"
    )
    params = parse_form(body)
    assert params["orders"] == [
        {"ordertype": "limit", "price": "1"},
        {"ordertype": "limit", "price": "2", "close": {"price": "3"}},
    ]


def test_repeated_and_empty_bracket_keys_are_lists() -> None:
    assert parse_form("txid=A&txid=B")["txid"] == ["A", "B"]
    assert parse_form("orders[]=A&orders[]=B")["orders"] == ["A", "B"]


def test_json_body() -> None:
    raw = b'{"nonce": 1695828490, "orders": ["OP5V2Y-RYKVL-ET3V3B", 42]}'
    assert parse_body(raw, "application/json") == {
        "nonce": 1695828490,
        "orders": ["OP5V2Y-RYKVL-ET3V3B", 42],
    }


def test_json_detected_without_content_type() -> None:
    assert parse_body(b'{"a": 1}', None) == {"a": 1}


def test_form_body() -> None:
    assert parse_body(b"nonce=5&validate=True", FORM) == {"nonce": "5", "validate": "True"}


def test_empty_body() -> None:
    assert parse_body(b"", FORM) == {}


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"\xff\xfe=1"])
def test_garbage_is_invalid_arguments(raw: bytes) -> None:
    with pytest.raises(InvalidArguments):
        parse_body(raw, "application/json" if raw.startswith((b"{", b"[")) else FORM)


def test_oversized_body_rejected() -> None:
    with pytest.raises(InvalidArguments):
        parse_body(b"a=" + b"x" * (300 * 1024), FORM)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("True", True), (True, True), ("1", True), ("false", False),
     ("False", False), (False, False), ("0", False), (0, False)],
)  # fmt: skip
def test_bool_spellings(value: object, expected: bool) -> None:
    assert as_bool(value) is expected


@pytest.mark.parametrize("value", ["maybe", 2, None, [1]])
def test_bad_bool(value: object) -> None:
    with pytest.raises(InvalidArguments, match="EGeneral:Invalid arguments:validate"):
        as_bool(value, name="validate")


def test_numbers() -> None:
    assert as_int("42") == 42
    assert as_int(42) == 42
    assert as_decimal("0.00100000") == Decimal("0.00100000")
    assert as_decimal(0.1) == Decimal("0.1")
    assert as_decimal(3) == Decimal(3)
    for bad in ("NaN", "inf", "1e", True, None, "9" * 100):
        with pytest.raises(InvalidArguments):
            as_decimal(bad, name="price")
    with pytest.raises(InvalidArguments):
        as_int("12a")


def test_as_list() -> None:
    assert as_list("A,B, C") == ["A", "B", "C"]
    assert as_list(["A"]) == ["A"]
    assert as_list(None) == []
    assert as_list(7) == [7]


@given(st.text(max_size=300))
def test_parse_form_never_crashes(text: str) -> None:
    assert isinstance(parse_form(text), dict)


@given(st.binary(max_size=300), st.sampled_from([None, FORM, "application/json"]))
def test_parse_body_raises_only_kraken_errors(raw: bytes, ctype: str | None) -> None:
    error = ""
    try:
        assert isinstance(parse_body(raw, ctype), dict)
    except InvalidArguments as exc:
        error = exc.error
    assert error in ("", "EGeneral:Invalid arguments") or error.startswith(
        "EGeneral:Invalid arguments:"
    )

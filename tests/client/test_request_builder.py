"""The pure request builder and response decoder: exact bytes, encodings, errors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import pytest

from krakenkit.client._request import (
    build_request,
    decode_response,
    encode_form,
    encode_json,
    parse_retry_after,
    resolve_base_url,
    wire_scalar,
)
from krakenkit.protocol.endpoints import SPOT_BY_NAME
from krakenkit.protocol.errors import (
    HTTPStatusError,
    InvalidArguments,
    InvalidNonce,
    ProtocolError,
    RateLimitError,
)
from krakenkit.protocol.signing import Credentials, verify_spot

# protocol.md §2.2, the official vector
SECRET = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
CREDS = Credentials("the-key", SECRET)
URL = "https://api.kraken.com"


def _independent_sign(secret: str, path: str, nonce: int, body: bytes) -> str:
    digest = hashlib.sha256(str(nonce).encode() + body).digest()
    mac = hmac.new(base64.b64decode(secret), path.encode() + digest, hashlib.sha512)
    return base64.b64encode(mac.digest()).decode()


def test_official_vector_bytes_and_signature() -> None:
    request = build_request(
        URL,
        SPOT_BY_NAME["AddOrder"],
        {"ordertype": "limit", "pair": "XBTUSD", "price": 37500, "type": "buy", "volume": "1.25"},
        credentials=CREDS,
        nonce=1616492376594,
    )
    assert request.content == (
        b"nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
    )
    assert request.headers["API-Sign"] == (
        "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
    )
    assert request.headers["API-Key"] == "the-key"
    assert request.url == "https://api.kraken.com/0/private/AddOrder"
    assert request.method == "POST"
    assert "the-key" not in repr(request)


@pytest.mark.parametrize("name", ["AddOrder", "CancelOrderBatch", "Balance", "AddOrderBatch"])
def test_the_bytes_signed_are_the_bytes_sent(name: str) -> None:
    params = {
        "AddOrder": {
            "pair": "XBTUSD",
            "type": "sell",
            "ordertype": "limit",
            "volume": "1",
            "price": "+5%",
            "close": {"ordertype": "limit", "price": Decimal("9E+4")},
        },
        "CancelOrderBatch": {"orders": ["OAAAAA-BBBBB-CCCCCC", 42]},
        "Balance": {},
        "AddOrderBatch": {
            "pair": "XBTUSD",
            "orders": [{"price": Decimal("1.50"), "validate": True}],
        },
    }[name]
    request = build_request(URL, SPOT_BY_NAME[name], params, credentials=CREDS, nonce=77)
    assert request.content is not None
    path = f"/0/private/{name}"
    assert request.headers["API-Sign"] == _independent_sign(SECRET, path, 77, request.content)
    assert verify_spot(SECRET, path, request.content, request.headers["API-Sign"])


def test_json_body_for_nested_endpoints_and_form_for_the_rest() -> None:
    batch = build_request(
        URL,
        SPOT_BY_NAME["CancelOrderBatch"],
        {"orders": ["OAAAAA-BBBBB-CCCCCC", 7]},
        credentials=CREDS,
        nonce=5,
    )
    assert batch.headers["Content-Type"] == "application/json"
    assert batch.content == b'{"nonce":5,"orders":["OAAAAA-BBBBB-CCCCCC",7]}'
    add = build_request(
        URL,
        SPOT_BY_NAME["AddOrderBatch"],
        {
            "pair": "XBTUSD",
            "orders": [{"volume": Decimal("0.10"), "reduce_only": False}],
            "validate": True,
        },
        credentials=CREDS,
        nonce=6,
    )
    assert json.loads(add.content or b"") == {
        "nonce": 6,
        "pair": "XBTUSD",
        "orders": [{"volume": "0.10", "reduce_only": False}],
        "validate": True,
    }
    form = build_request(URL, SPOT_BY_NAME["Balance"], {}, credentials=CREDS, nonce=8)
    assert form.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form.content == b"nonce=8"


def test_nested_close_and_batch_orders_use_brackets() -> None:
    text = encode_form(
        {
            "close": {"ordertype": "stop-loss-limit", "price": Decimal("95000"), "price2": "+1%"},
            "orders": [{"price": "1"}, {"price": "2", "cl_ord_id": "b-2"}],
        }
    )
    assert parse_qsl(text) == [
        ("close[ordertype]", "stop-loss-limit"),
        ("close[price]", "95000"),
        ("close[price2]", "+1%"),
        ("orders[0][price]", "1"),
        ("orders[1][price]", "2"),
        ("orders[1][cl_ord_id]", "b-2"),
    ]
    assert "%2B1%25" in text  # "+" must not arrive as a space


def test_booleans_and_none() -> None:
    assert encode_form({"validate": True, "reduce_only": False, "userref": None}) == (
        "validate=true&reduce_only=false"
    )
    assert encode_json({"validate": True, "skip": None}) == '{"validate":true}'


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1E+2"), "100"),
        (Decimal("0.00000001"), "0.00000001"),
        (Decimal("1.10"), "1.10"),
        (Decimal("-0"), "-0"),
        (Decimal("123456789.123456789123"), "123456789.123456789123"),
        (12, "12"),
        ("+5%", "+5%"),
    ],
)
def test_decimal_rendered_exactly(value: object, text: str) -> None:
    assert wire_scalar(value) == text


def test_floats_and_non_finite_decimals_are_refused() -> None:
    with pytest.raises(TypeError, match="float"):
        wire_scalar(0.1)
    with pytest.raises(TypeError, match="float"):
        encode_json({"price": 0.1})
    with pytest.raises(ValueError, match="NaN"):
        wire_scalar(Decimal("NaN"))


def test_public_requests_are_plain_gets() -> None:
    request = build_request(URL, SPOT_BY_NAME["Depth"], {"pair": "XBTUSD", "count": 10})
    assert request.method == "GET"
    assert request.url == "https://api.kraken.com/0/public/Depth?pair=XBTUSD&count=10"
    assert request.content is None
    assert request.headers == {}
    assert build_request(URL, SPOT_BY_NAME["Time"], {}).url == URL + "/0/public/Time"


def test_private_requests_need_credentials_and_otp_is_signed() -> None:
    with pytest.raises(ValueError, match="private"):
        build_request(URL, SPOT_BY_NAME["Balance"], {})
    request = build_request(
        URL, SPOT_BY_NAME["Balance"], {}, credentials=CREDS, nonce=9, otp="123456"
    )
    assert request.content == b"nonce=9&otp=123456"


def test_base_url() -> None:
    assert resolve_base_url("live") == "https://api.kraken.com"
    assert resolve_base_url(None) == "https://api.kraken.com"
    assert resolve_base_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"


# --- decoding --------------------------------------------------------------------------------

JSON = {"Content-Type": "application/json"}


def _decode(
    status: int, body: bytes, headers: dict[str, str] | None = None, *, raw: bool = False
) -> Any:
    return decode_response(status, headers or JSON, body, path="/0/private/X", now=1000.0, raw=raw)


def test_result_numbers_with_fractions_are_decimals() -> None:
    result = _decode(200, b'{"error":[],"result":{"t":1680712703.2524643,"n":3,"p":"1.10"}}')
    assert result == {"t": Decimal("1680712703.2524643"), "n": 3, "p": "1.10"}
    assert isinstance(result["t"], Decimal)


def test_api_errors_raise_the_tree_with_path() -> None:
    with pytest.raises(InvalidNonce) as caught:
        _decode(200, b'{"error":["EAPI:Invalid nonce"]}')
    assert caught.value.path == "/0/private/X"
    with pytest.raises(InvalidArguments) as bad:
        _decode(200, b'{"error":["EGeneral:Invalid arguments:ordertype"],"result":{}}')
    assert bad.value.error == "EGeneral:Invalid arguments:ordertype"
    with pytest.raises(RateLimitError) as throttled:
        _decode(200, b'{"error":["EService: Throttled: 1700000000"]}')
    assert throttled.value.retry_after == 1700000000


def test_warnings_alone_are_not_errors() -> None:
    assert _decode(200, b'{"error":["WGeneral:Deprecated"],"result":{"a":1}}') == {"a": 1}


def test_non_200_and_html_pages_are_http_status_errors() -> None:
    with pytest.raises(HTTPStatusError) as gateway:
        _decode(520, b"<html>cloudflare</html>", {"Content-Type": "text/html"})
    assert gateway.value.status_code == 520
    assert gateway.value.is_retry_safe
    with pytest.raises(HTTPStatusError) as limited:
        _decode(429, b"slow down", {"Retry-After": "7"})
    assert limited.value.retry_after == 7
    with pytest.raises(HTTPStatusError) as page:
        _decode(200, b"<!DOCTYPE html><p>maintenance</p>", {"Content-Type": "text/html"})
    assert page.value.status_code == 200
    assert "maintenance" in str(page.value)
    with pytest.raises(ProtocolError):
        _decode(200, b'{"error":[]}')


def test_retry_after_as_seconds_or_http_date() -> None:
    assert parse_retry_after("3", now=0) == 3
    assert parse_retry_after("Thu, 01 Jan 1970 00:00:10 GMT", now=4.0) == 6
    assert parse_retry_after("Thu, 01 Jan 1970 00:00:10 GMT", now=400.0) == 0
    assert parse_retry_after("soon", now=0) is None
    assert parse_retry_after(None, now=0) is None


def test_retrieve_export_answers_bytes() -> None:
    zipped = b"PK\x03\x04 not json"
    headers = {"Content-Type": "application/octet-stream"}
    assert _decode(200, zipped, headers, raw=True) == zipped
    with pytest.raises(HTTPStatusError):
        _decode(200, zipped, headers)

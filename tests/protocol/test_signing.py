"""Signing: the official vectors (protocol.md §2.2, §3.2, §7, §14), client variants, properties."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from krakenkit.protocol.errors import AuthenticationError
from krakenkit.protocol.signing import (
    Credentials,
    extract_nonce,
    sign_challenge,
    sign_futures,
    sign_spot,
    verify_challenge,
    verify_futures,
    verify_spot,
)

DOCS_SECRET = (
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
)
SDK_SECRET = base64.b64encode(b"python-kraken-sdk unit-test secret value").decode()
WS_SECRET = (
    "7zxMEF5p/Z8l2p2U7Ghv6x14Af+Fx+92tPgUdVQ748FOIrEoT9bgT+bTRfXc5pz8na+hL/QdrCVG7bh9KpT0eMTm"
)


# -- official vectors -------------------------------------------------------------------------


def test_spot_docs_vector() -> None:
    body = "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
    expected = (
        "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
    )
    assert sign_spot(DOCS_SECRET, "/0/private/AddOrder", body, "1616492376594") == expected
    # the nonce is read from the body when not given
    assert sign_spot(DOCS_SECRET, "/0/private/AddOrder", body) == expected
    assert verify_spot(DOCS_SECRET, "/0/private/AddOrder", body.encode(), expected)


def test_spot_sdk_vector() -> None:
    body = "nonce=1616492376594&ordertype=limit&pair=XBTUSD"
    expected = (
        "Fo+0Uhanvs3F1byZFCjVBMLsCcRE2xLQMDpoA3Q9hawoZ0ZL35AmbknAQBlOIs4baRx9UGhzQH+/CTl9qnyp1w=="
    )
    assert sign_spot(SDK_SECRET, "/0/private/AddOrder", body, 1616492376594) == expected


@pytest.mark.parametrize("endpoint", ["/derivatives/api/v3/sendorder", "/api/v3/sendorder"])
def test_futures_vector(endpoint: str) -> None:
    expected = (
        "Txi+gJVXe3EN1brXYQ46FuV6UVtEVSKhc6dYMhPb7a/HXZLGvO6m9UUg+KVKqhLxrbllOPI7qRkHYmPfJZZSGA=="
    )
    data = "orderType=lmt&symbol=PI_XBTUSD"
    assert sign_futures(SDK_SECRET, endpoint, data, "1616492376594") == expected
    assert verify_futures(
        SDK_SECRET, endpoint, query="", body=data, nonce="1616492376594", signature=expected
    )


def test_futures_ws_challenge_vector() -> None:
    expected = (
        "4JEpF3ix66GA2B+ooK128Ift4XQVtc137N9yeg4Kqsn9PI0Kpzbysl9M1IeCEdjg0zl00wkVqcsnG4bmnlMb3A=="
    )
    challenge = "c100b894-1729-464d-ace1-52dbce11db42"
    assert sign_challenge(WS_SECRET, challenge) == expected
    assert verify_challenge(WS_SECRET, challenge, expected)
    assert not verify_challenge(WS_SECRET, challenge[:-1] + "3", expected)


# -- bodies as clients send them -----------------------------------------------------------------


@pytest.mark.parametrize("nonce_json", ["1616492376594", '"1616492376594"'])
def test_spot_json_body_nonce_number_or_string(nonce_json: str) -> None:
    body = '{"nonce": ' + nonce_json + ', "orders": ["OP5V2Y-RYKVL-ET3V3B"]}'
    assert extract_nonce(body, "application/json") == "1616492376594"
    signature = sign_spot(SDK_SECRET, "/0/private/CancelOrderBatch", body)
    # what the docs' reference computes: str(nonce) + raw JSON text
    assert signature == sign_spot(
        SDK_SECRET, "/0/private/CancelOrderBatch", body, nonce="1616492376594"
    )
    assert verify_spot(SDK_SECRET, "/0/private/CancelOrderBatch", body, signature)


def test_extract_nonce_from_forms() -> None:
    assert extract_nonce(b"pair=XBTUSD&nonce=42") == "42"
    assert extract_nonce(b"pair=XBTUSD") is None
    assert extract_nonce(json.dumps({"a": 1}).encode(), "application/json") is None
    assert extract_nonce(b"\xff\xfe") is None


def test_sign_without_nonce_refuses() -> None:
    with pytest.raises(ValueError, match="nonce"):
        sign_spot(SDK_SECRET, "/0/private/Balance", "pair=XBTUSD")


def _futures_variants(
    query: str, body: str, nonce: str, path: str
) -> dict[str, tuple[str, str | None]]:
    """What each client of protocol.md §3.3 signs, and the Nonce header it sends."""
    return {
        "python-kraken-sdk": (sign_futures(SDK_SECRET, path, query + body, nonce), nonce),
        "ccxt (query only, no Nonce)": (sign_futures(SDK_SECRET, path, query), None),
        "JJ-Cro (query+body, empty nonce)": (sign_futures(SDK_SECRET, path, query + body), None),
        "kraken-cli GET (unsigned query)": (sign_futures(SDK_SECRET, path, "", nonce), nonce),
        "kraken-cli POST (body)": (sign_futures(SDK_SECRET, path, body, nonce), nonce),
        "pre-2024 decoded": (
            sign_futures(SDK_SECRET, path, "greeting=hello world&symbol=PF_XBTUSD", nonce),
            nonce,
        ),
    }


def test_futures_lenient_accepts_every_client_variant() -> None:
    path = "/derivatives/api/v3/sendorder"
    query = "greeting=hello%20world"
    body = "&symbol=PF_XBTUSD"
    for name, (signature, nonce) in _futures_variants(query, body, "1700", path).items():
        assert verify_futures(
            SDK_SECRET, path, query=query, body=body, nonce=nonce, signature=signature
        ), name


def test_futures_strict_accepts_only_the_documented_form() -> None:
    path = "/derivatives/api/v3/sendorder"
    query = "greeting=hello%20world"
    body = "&symbol=PF_XBTUSD"
    accepted = {
        name
        for name, (signature, nonce) in _futures_variants(query, body, "1700", path).items()
        if verify_futures(
            SDK_SECRET, path, query=query, body=body, nonce=nonce, signature=signature, strict=True
        )
    }
    assert accepted == {"python-kraken-sdk", "JJ-Cro (query+body, empty nonce)"}


def test_futures_wrong_secret_rejected() -> None:
    other = base64.b64encode(b"another secret").decode()
    signature = sign_futures(other, "/api/v3/accounts", "", "1")
    assert not verify_futures(
        SDK_SECRET, "/api/v3/accounts", query="", body="", nonce="1", signature=signature
    )


# -- credentials ---------------------------------------------------------------------------------


def test_credentials_never_show_the_secret() -> None:
    creds = Credentials("ABCDEFGHKEY", SDK_SECRET)
    for text in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert SDK_SECRET not in text
        assert "hidden" in text


def test_credentials_reject_bad_secret_without_echoing_it() -> None:
    with pytest.raises(AuthenticationError) as info:
        Credentials("key", "not base64 !!!")
    assert "not base64 !!!" not in str(info.value)
    assert "not base64 !!!" not in repr(info.value)
    with pytest.raises(AuthenticationError):
        Credentials("", SDK_SECRET)


# -- properties ----------------------------------------------------------------------------------

secrets = st.binary(min_size=1, max_size=96).map(lambda b: base64.b64encode(b).decode())
paths = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40
).map(lambda s: "/0/private/" + s)
nonces = st.integers(min_value=0, max_value=2**63 - 1)
bodies = st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=30), max_size=6).map(
    urlencode
)


@given(secrets, paths, nonces, bodies)
def test_spot_roundtrip(secret: str, path: str, nonce: int, extra: str) -> None:
    body = f"nonce={nonce}" + (f"&{extra}" if extra else "")
    signature = sign_spot(secret, path, body)
    assert verify_spot(secret, path, body, signature)


@given(secrets, paths, nonces, bodies, st.data())
def test_spot_any_altered_byte_fails(
    secret: str, path: str, nonce: int, extra: str, data: st.DataObject
) -> None:
    body = f"nonce={nonce}" + (f"&{extra}" if extra else "")
    signature = sign_spot(secret, path, body, nonce)
    raw = bytearray(body.encode())
    i = data.draw(st.integers(0, len(raw) - 1))
    raw[i] ^= data.draw(st.integers(1, 255))
    assert not verify_spot(secret, path, bytes(raw), signature, nonce)
    p = bytearray(path.encode())
    j = data.draw(st.integers(0, len(p) - 1))
    p[j] = (p[j] % 94) + 33 if (p[j] % 94) + 33 != p[j] else 34
    assert not verify_spot(secret, p.decode("latin-1"), body, signature, nonce)
    assert not verify_spot(secret, path, body, signature, nonce + 1)
    s = bytearray(signature.encode())
    k = data.draw(st.integers(0, len(s) - 1))
    s[k] = ord("A") if s[k] != ord("A") else ord("B")
    assert not verify_spot(secret, path, body, s.decode(), nonce)


@given(secrets, st.text(max_size=60), st.text(max_size=60), st.text(max_size=20))
def test_futures_roundtrip_strict(secret: str, query: str, body: str, nonce: str) -> None:
    q, b = quote(query, safe="=&"), quote(body, safe="=&")
    signature = sign_futures(secret, "/derivatives/api/v3/x", q + b, nonce)
    assert verify_futures(
        secret, "/api/v3/x", query=q, body=b, nonce=nonce, signature=signature, strict=True
    )


@given(secrets, st.uuids().map(str), st.data())
def test_challenge_altered_fails(secret: str, challenge: str, data: st.DataObject) -> None:
    signed = sign_challenge(secret, challenge)
    assert verify_challenge(secret, challenge, signed)
    i = data.draw(st.integers(0, len(challenge) - 1))
    altered = challenge[:i] + ("x" if challenge[i] != "x" else "y") + challenge[i + 1 :]
    assert not verify_challenge(secret, altered, signed)


@given(st.text(max_size=100), st.text(max_size=100), st.text(max_size=100), st.text(max_size=100))
def test_verify_never_raises(secret: str, path: str, body: str, signature: str) -> None:
    assert verify_spot(secret, path, body, signature) in (True, False)
    assert verify_challenge(secret, body, signature) in (True, False)
    assert verify_futures(secret, path, query=body, body=body, nonce=None, signature=signature) in (
        True,
        False,
    )

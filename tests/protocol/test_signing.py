"""Signing: the official vectors (protocol.md §2.2, §3.2, §7, §14), client variants, properties.

``_reference_*`` re-implement the documented algorithms (protocol.md §14) independently of the
module under test, so that sign and verify cannot agree with each other on a shared mistake.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import quote, urlencode

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from krakenkit.protocol.errors import AuthenticationError
from krakenkit.protocol.signing import (
    Credentials,
    extract_nonce,
    futures_path,
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
SDK_SECRET = "cHl0aG9uLWtyYWtlbi1zZGsgdW5pdC10ZXN0IHNlY3JldCB2YWx1ZQ=="
WS_SECRET = (
    "7zxMEF5p/Z8l2p2U7Ghv6x14Af+Fx+92tPgUdVQ748FOIrEoT9bgT+bTRfXc5pz8na+hL/QdrCVG7bh9KpT0eMTm"
)
NONCE = "1616492376594"


def _reference_spot(secret: str, path: str, nonce: str, data: bytes) -> str:
    message = path.encode() + hashlib.sha256(nonce.encode() + data).digest()
    mac = hmac.new(base64.b64decode(secret), message, hashlib.sha512)
    return base64.b64encode(mac.digest()).decode()


def _reference_futures(secret: str, endpoint: str, data: str, nonce: str = "") -> str:
    endpoint = endpoint.removeprefix("/derivatives")
    digest = hashlib.sha256((data + nonce + endpoint).encode()).digest()
    mac = hmac.new(base64.b64decode(secret), digest, hashlib.sha512)
    return base64.b64encode(mac.digest()).decode()


# -- official vectors -----------------------------------------------------------------------------


def test_sdk_secret_is_the_documented_encoding() -> None:
    assert base64.b64encode(b"python-kraken-sdk unit-test secret value").decode() == SDK_SECRET


def test_spot_docs_vector() -> None:
    body = "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
    expected = (
        "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
    )
    assert sign_spot(DOCS_SECRET, "/0/private/AddOrder", body, NONCE) == expected
    assert sign_spot(DOCS_SECRET, "/0/private/AddOrder", body, int(NONCE)) == expected
    assert sign_spot(DOCS_SECRET, "/0/private/AddOrder", body) == expected  # nonce read from body
    assert sign_spot(DOCS_SECRET, "/0/private/AddOrder", body.encode()) == expected
    assert verify_spot(DOCS_SECRET, "/0/private/AddOrder", body.encode(), expected)
    assert verify_spot(DOCS_SECRET, "/0/private/AddOrder", body, expected, NONCE)
    assert not verify_spot(DOCS_SECRET, "/0/private/AddOrders", body, expected)
    assert not verify_spot(SDK_SECRET, "/0/private/AddOrder", body, expected)


def test_spot_sdk_vector() -> None:
    body = "nonce=1616492376594&ordertype=limit&pair=XBTUSD"
    expected = (
        "Fo+0Uhanvs3F1byZFCjVBMLsCcRE2xLQMDpoA3Q9hawoZ0ZL35AmbknAQBlOIs4baRx9UGhzQH+/CTl9qnyp1w=="
    )
    assert sign_spot(SDK_SECRET, "/0/private/AddOrder", body, int(NONCE)) == expected
    assert sign_spot(SDK_SECRET, "/0/private/AddOrder", body) == expected
    assert verify_spot(SDK_SECRET, "/0/private/AddOrder", body, expected)


@pytest.mark.parametrize("endpoint", ["/derivatives/api/v3/sendorder", "/api/v3/sendorder"])
def test_futures_vector(endpoint: str) -> None:
    expected = (
        "Txi+gJVXe3EN1brXYQ46FuV6UVtEVSKhc6dYMhPb7a/HXZLGvO6m9UUg+KVKqhLxrbllOPI7qRkHYmPfJZZSGA=="
    )
    data = "orderType=lmt&symbol=PI_XBTUSD"
    assert sign_futures(SDK_SECRET, endpoint, data, NONCE) == expected
    for strict in (False, True):
        assert verify_futures(
            SDK_SECRET,
            endpoint,
            query="",
            body=data,
            nonce=NONCE,
            signature=expected,
            strict=strict,
        )
        assert verify_futures(
            SDK_SECRET,
            endpoint,
            query=data,
            body="",
            nonce=NONCE,
            signature=expected,
            strict=strict,
        )
    assert not verify_futures(
        SDK_SECRET, endpoint, query="", body=data, nonce=None, signature=expected
    )


def test_futures_ws_challenge_vector() -> None:
    expected = (
        "4JEpF3ix66GA2B+ooK128Ift4XQVtc137N9yeg4Kqsn9PI0Kpzbysl9M1IeCEdjg0zl00wkVqcsnG4bmnlMb3A=="
    )
    challenge = "c100b894-1729-464d-ace1-52dbce11db42"
    assert sign_challenge(WS_SECRET, challenge) == expected
    assert verify_challenge(WS_SECRET, challenge, expected)
    assert not verify_challenge(WS_SECRET, challenge[:-1] + "3", expected)
    assert not verify_challenge(SDK_SECRET, challenge, expected)


def test_reference_implementations_match_the_vectors() -> None:
    # guards the oracle used by the property tests below
    body = b"nonce=1616492376594&ordertype=limit&pair=XBTUSD"
    assert _reference_spot(SDK_SECRET, "/0/private/AddOrder", NONCE, body).startswith("Fo+0Uhan")
    data = "orderType=lmt&symbol=PI_XBTUSD"
    assert _reference_futures(SDK_SECRET, "/derivatives/api/v3/sendorder", data, NONCE).startswith(
        "Txi+gJVX"
    )


# -- spot bodies as clients send them -------------------------------------------------------------


@pytest.mark.parametrize("nonce_json", [NONCE, f'"{NONCE}"'])
@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", None]
)
def test_spot_json_body_nonce_number_or_string(nonce_json: str, content_type: str | None) -> None:
    body = '{"nonce": ' + nonce_json + ', "orders": ["OP5V2Y-RYKVL-ET3V3B"]}'
    assert extract_nonce(body, content_type) == NONCE
    assert extract_nonce(body.encode(), content_type) == NONCE
    path = "/0/private/CancelOrderBatch"
    expected = _reference_spot(SDK_SECRET, path, NONCE, body.encode())
    assert sign_spot(SDK_SECRET, path, body) == expected
    assert verify_spot(SDK_SECRET, path, body.encode(), expected)


def test_spot_json_nonce_keeps_its_literal_text() -> None:
    # what the client concatenated is the number as written on the wire
    assert extract_nonce('{"nonce":1616492376594.0}') == "1616492376594.0"
    assert extract_nonce('{"nonce":1.6e12}') == "1.6e12"
    assert extract_nonce('{"nonce":true}') is None
    assert extract_nonce('{"nonce":null}') is None
    assert extract_nonce('{"nonce":[1]}') is None


def test_spot_json_nested_nonce_is_not_the_nonce() -> None:
    body = '{"orders": [{"nonce": 1}], "meta": {"nonce": "2"}, "nonce": 3}'
    assert extract_nonce(body, "application/json") == "3"
    assert extract_nonce('{"orders": [{"nonce": 1}]}', "application/json") is None
    # a "nonce" inside a string value is not a field either
    assert extract_nonce('{"note": "\\"nonce\\": 7", "nonce": 8}') == "8"


def test_spot_form_body() -> None:
    body = "pair=XBTUSD&nonce=42&type=buy"
    assert extract_nonce(body) == "42"
    assert extract_nonce(body.encode(), "application/x-www-form-urlencoded") == "42"
    assert extract_nonce("otpnonce=9&nonce=4&nonce2=5") == "4"  # the field named exactly nonce
    assert extract_nonce("nonce=%31%32") == "12"  # form values are URL-decoded
    expected = _reference_spot(DOCS_SECRET, "/0/private/Balance", "42", body.encode())
    assert sign_spot(DOCS_SECRET, "/0/private/Balance", body) == expected
    assert verify_spot(DOCS_SECRET, "/0/private/Balance", body, expected)


def test_extract_nonce_without_a_nonce() -> None:
    assert extract_nonce(b"pair=XBTUSD") is None
    assert extract_nonce(b"") is None
    assert extract_nonce(json.dumps({"a": 1}).encode(), "application/json") is None
    assert extract_nonce(b"nonce=1", "application/json") is None  # says JSON, is not
    assert extract_nonce(b"[1, 2]") is None
    assert extract_nonce(b"\xff\xfe") is None
    assert extract_nonce(b'{"a":' + b"[" * 100_000) is None  # too deep for the JSON parser
    assert extract_nonce("nonce=\udc80") == "\udc80"  # lone surrogate: returned, not raised


def test_extract_nonce_falls_back_to_form_for_a_brace() -> None:
    assert extract_nonce("{weird=1&nonce=5") == "5"


def test_sign_without_nonce_refuses() -> None:
    with pytest.raises(ValueError, match="nonce"):
        sign_spot(SDK_SECRET, "/0/private/Balance", "pair=XBTUSD")


# "QUJDRA" lacks its padding, like the example secret printed on Kraken's futures page (§3.2)
@pytest.mark.parametrize("bad", ["not base64 !!!", "QUJDRA", "é" * 8, "QUJD RA=="])
def test_signing_with_a_bad_secret_raises_without_the_secret(bad: str) -> None:
    for call in (
        lambda: sign_spot(bad, "/0/private/Balance", "nonce=1"),
        lambda: sign_futures(bad, "/api/v3/accounts", ""),
        lambda: sign_challenge(bad, "c100b894-1729-464d-ace1-52dbce11db42"),
    ):
        with pytest.raises(AuthenticationError) as info:
            call()
        assert bad not in str(info.value)
        assert bad not in repr(info.value)
        assert info.value.__cause__ is None
        assert info.value.__suppress_context__


def test_secret_with_surrounding_whitespace_is_accepted() -> None:
    body = "nonce=1"
    assert sign_spot(f" {SDK_SECRET}\n", "/0/private/Balance", body) == sign_spot(
        SDK_SECRET, "/0/private/Balance", body
    )


# -- futures: paths and the client variants of §3.3 -----------------------------------------------


def test_futures_path() -> None:
    assert futures_path("/derivatives/api/v3/sendorder") == "/api/v3/sendorder"
    assert futures_path("/api/v3/sendorder") == "/api/v3/sendorder"
    assert futures_path("/derivatives/api/v3/fills?lastFillTime=1") == "/api/v3/fills"
    assert futures_path("/api/history/v2/executions") == "/api/history/v2/executions"
    assert futures_path("/derivativesX/api") == "/derivativesX/api"


QUERY = "greeting=hello%20world&note=a%2Bb"
DECODED_QUERY = "greeting=hello world&note=a+b"
BODY = "symbol=PF_XBTUSD&size=1"
BATCH = "json=" + '{"batchOrder":[{"order":"send","symbol":"PF_XBTUSD","size":1}]}'


def _variants(path: str, nonce: str) -> dict[str, tuple[str, str, str, str | None]]:
    """name -> (query sent, body sent, Authent, Nonce header) for each form of §3.3."""

    def authent(post_data: str, nonce: str = "") -> str:
        return _reference_futures(SDK_SECRET, path, post_data, nonce)

    q, b, n = QUERY, BODY, nonce
    return {
        # documented: postData = query + body as sent, Nonce header or ""
        "python-kraken-sdk GET (query)": (q, "", authent(q, n), n),
        "python-kraken-sdk POST (query+body)": (q, b, authent(q + b, n), n),
        "JJ-Cro (query+body, no Nonce)": (q, b, authent(q + b), None),
        "ccxt POST (all in query, no Nonce)": (q + "&" + b, "", authent(q + "&" + b), None),
        "ccxt batchorder (raw json= body)": ("", BATCH, authent(BATCH), None),
        "kraken-cli POST (body)": ("", b, authent(b, n), n),
        # non-standard, accepted by the lenient check only
        "kraken-cli GET (query not signed)": (q, "", authent("", n), n),
        "body signed, query not": (q, b, authent(b, n), n),
        "query signed, body not": (q, b, authent(q, n), n),
        "pre-2024 decoded query": (q, "", authent(DECODED_QUERY, n), n),
        "pre-2024 decoded query+body": (q, b, authent(DECODED_QUERY + b, n), n),
        "batchorder sent encoded, signed raw": (
            "",
            "json=" + quote(BATCH[5:]),
            authent(BATCH),
            None,
        ),
    }


DOCUMENTED = {
    "python-kraken-sdk GET (query)",
    "python-kraken-sdk POST (query+body)",
    "JJ-Cro (query+body, no Nonce)",
    "ccxt POST (all in query, no Nonce)",
    "ccxt batchorder (raw json= body)",
    "kraken-cli POST (body)",
}


@pytest.mark.parametrize("path", ["/derivatives/api/v3/sendorder", "/api/v3/sendorder"])
def test_futures_lenient_accepts_every_client_variant(path: str) -> None:
    for name, (query, body, signature, nonce) in _variants(path, "1700").items():
        assert verify_futures(
            SDK_SECRET, path, query=query, body=body, nonce=nonce, signature=signature
        ), name


def test_futures_strict_accepts_only_the_documented_form() -> None:
    path = "/derivatives/api/v3/sendorder"
    accepted = {
        name
        for name, (query, body, signature, nonce) in _variants(path, "1700").items()
        if verify_futures(
            SDK_SECRET, path, query=query, body=body, nonce=nonce, signature=signature, strict=True
        )
    }
    assert accepted == DOCUMENTED


def test_futures_lenient_still_checks_nonce_path_and_secret() -> None:
    path = "/derivatives/api/v3/sendorder"
    for name, (query, body, signature, nonce) in _variants(path, "1700").items():
        other_nonce = "1701" if nonce else "1"
        assert not verify_futures(
            SDK_SECRET, path, query=query, body=body, nonce=other_nonce, signature=signature
        ), name
        assert not verify_futures(
            SDK_SECRET, path + "s", query=query, body=body, nonce=nonce, signature=signature
        ), name
        assert not verify_futures(
            DOCS_SECRET, path, query=query, body=body, nonce=nonce, signature=signature
        ), name


def test_futures_lenient_rejects_a_changed_argument() -> None:
    path = "/api/v3/sendorder"
    signature = sign_futures(SDK_SECRET, path, QUERY + BODY, "1700")
    assert not verify_futures(
        SDK_SECRET,
        path,
        query=QUERY,
        body=BODY.replace("1", "2"),
        nonce="1700",
        signature=signature,
    )


# -- credentials ----------------------------------------------------------------------------------


def test_credentials_never_show_the_secret() -> None:
    creds = Credentials("ABCDEFGHKEY", SDK_SECRET)
    assert repr(creds) == "Credentials(key='ABCD…', secret=<hidden>)"
    for text in (repr(creds), str(creds), f"{creds}", f"{creds!r}", repr([creds]), str({1: creds})):
        assert SDK_SECRET not in text
        assert "<hidden>" in text
    assert creds.secret == SDK_SECRET  # still usable


def test_credentials_strip_whitespace() -> None:
    creds = Credentials(" KEY\n", f"{SDK_SECRET}\n")
    assert (creds.key, creds.secret) == ("KEY", SDK_SECRET)


@pytest.mark.parametrize("bad", ["not base64 !!!", "QUJDRA", "éééé", "QUJD RA=="])
def test_credentials_reject_bad_secret_without_echoing_it(bad: str) -> None:
    with pytest.raises(AuthenticationError, match="base64") as info:
        Credentials("key", bad)
    assert bad not in str(info.value)
    assert bad not in repr(info.value)


def test_credentials_reject_empty_secret() -> None:
    with pytest.raises(AuthenticationError, match="empty"):
        Credentials("key", " ")


def test_credentials_reject_empty_key() -> None:
    with pytest.raises(AuthenticationError, match="key"):
        Credentials("  ", SDK_SECRET)


def test_credentials_are_frozen() -> None:
    creds = Credentials("KEY", SDK_SECRET)
    with pytest.raises(AttributeError):
        creds.secret = "x"  # type: ignore[misc]


# -- properties -----------------------------------------------------------------------------------

secrets = st.binary(min_size=1, max_size=96).map(lambda b: base64.b64encode(b).decode())
paths = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40
).map(lambda s: "/0/private/" + s)
nonces = st.integers(min_value=0, max_value=2**64 - 1)
form_extras = st.dictionaries(
    st.text(min_size=1, max_size=10).filter(lambda k: k != "nonce"),
    st.text(max_size=30),
    max_size=6,
).map(urlencode)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)


def _flip_char(text: str, index: int, alphabet: str) -> str:
    """``text`` with the character at ``index`` replaced by a different one from ``alphabet``."""
    replacement = next(c for c in alphabet if c != text[index])
    return text[:index] + replacement + text[index + 1 :]


@given(secrets, paths, nonces, form_extras)
def test_spot_form_roundtrip_matches_reference(
    secret: str, path: str, nonce: int, extra: str
) -> None:
    body = f"nonce={nonce}" + (f"&{extra}" if extra else "")
    signature = sign_spot(secret, path, body)
    assert signature == _reference_spot(secret, path, str(nonce), body.encode())
    assert verify_spot(secret, path, body, signature)
    assert verify_spot(secret, path, body.encode(), signature, nonce)


@given(
    secrets,
    paths,
    nonces,
    st.booleans(),
    st.dictionaries(st.text(max_size=8).filter(lambda k: k != "nonce"), json_values, max_size=4),
    st.booleans(),
)
def test_spot_json_roundtrip_matches_reference(
    secret: str,
    path: str,
    nonce: int,
    nonce_as_string: bool,
    fields: dict[str, object],
    nonce_last: bool,
) -> None:
    value: object = str(nonce) if nonce_as_string else nonce
    document = {**fields, "nonce": value} if nonce_last else {"nonce": value, **fields}
    body = json.dumps(document, separators=(",", ":")).encode()
    signature = sign_spot(secret, path, body)
    assert signature == _reference_spot(secret, path, str(nonce), body)
    assert verify_spot(secret, path, body, signature)


@given(st.binary(max_size=200), secrets, paths, nonces)
def test_spot_arbitrary_bytes_with_explicit_nonce(
    body: bytes, secret: str, path: str, nonce: int
) -> None:
    signature = sign_spot(secret, path, body, nonce)
    assert signature == _reference_spot(secret, path, str(nonce), body)
    assert verify_spot(secret, path, body, signature, str(nonce))


@given(secrets, paths, nonces, form_extras, st.data())
def test_spot_any_altered_byte_fails(
    secret: str, path: str, nonce: int, extra: str, data: st.DataObject
) -> None:
    body = f"nonce={nonce}" + (f"&{extra}" if extra else "")
    nonce_text = str(nonce)
    signature = sign_spot(secret, path, body, nonce)
    assert verify_spot(secret, path, body, signature, nonce_text)
    raw = bytearray(body.encode())
    i = data.draw(st.integers(0, len(raw) - 1), label="body index")
    raw[i] ^= data.draw(st.integers(1, 255), label="body xor")
    assert not verify_spot(secret, path, bytes(raw), signature, nonce_text)
    j = data.draw(st.integers(0, len(path) - 1), label="path index")
    assert not verify_spot(secret, _flip_char(path, j, "/ab"), body, signature, nonce_text)
    k = data.draw(st.integers(0, len(nonce_text) - 1), label="nonce index")
    assert not verify_spot(secret, path, body, signature, _flip_char(nonce_text, k, "0123"))
    m = data.draw(st.integers(0, len(signature) - 1), label="signature index")
    assert not verify_spot(secret, path, body, _flip_char(signature, m, "AB="), nonce_text)


encoded = st.text(max_size=60).map(lambda s: quote(s, safe="=&"))


@given(secrets, encoded, encoded, st.text(alphabet="0123456789", max_size=20), st.booleans())
def test_futures_roundtrip(secret: str, query: str, body: str, nonce: str, strict: bool) -> None:
    signature = sign_futures(secret, "/derivatives/api/v3/x", query + body, nonce)
    assert signature == _reference_futures(secret, "/api/v3/x", query + body, nonce)
    assert verify_futures(
        secret, "/api/v3/x", query=query, body=body, nonce=nonce, signature=signature, strict=strict
    )


@given(
    secrets,
    encoded.filter(bool),
    encoded.filter(bool),
    st.text(alphabet="0123456789", min_size=1, max_size=20),
    st.booleans(),
    st.data(),
)
@example(SDK_SECRET, "a=%20", "&b=+", "5", False, None)
def test_futures_any_altered_byte_fails(
    secret: str,
    query: str,
    body: str,
    nonce: str,
    strict: bool,
    data: st.DataObject | None,
) -> None:
    path = "/api/v3/sendorder"
    signature = sign_futures(secret, path, query + body, nonce)

    def ok(
        q: str = query, b: str = body, n: str = nonce, p: str = path, s: str = signature
    ) -> bool:
        return verify_futures(secret, p, query=q, body=b, nonce=n, signature=s, strict=strict)

    assert ok()

    def pick(text: str, label: str) -> int:
        if data is None:
            return len(text) - 1
        return data.draw(st.integers(0, len(text) - 1), label=label)

    # any printable replacement, including "%", "+" and " " that URL-decoding treats specially
    printable = "%+ xA0"
    assert not ok(q=_flip_char(query, pick(query, "query index"), printable))
    assert not ok(b=_flip_char(body, pick(body, "body index"), printable))
    assert not ok(n=_flip_char(nonce, pick(nonce, "nonce index"), "0123456789"))
    assert not ok(p=_flip_char(path, pick(path, "path index"), "/ab"))
    assert not ok(s=_flip_char(signature, pick(signature, "signature index"), "AB="))


@given(secrets, st.uuids().map(str), st.data())
def test_challenge_roundtrip_and_altered_fails(
    secret: str, challenge: str, data: st.DataObject
) -> None:
    signed = sign_challenge(secret, challenge)
    assert verify_challenge(secret, challenge, signed)
    i = data.draw(st.integers(0, len(challenge) - 1))
    assert not verify_challenge(secret, _flip_char(challenge, i, "xy"), signed)
    j = data.draw(st.integers(0, len(signed) - 1))
    assert not verify_challenge(secret, challenge, _flip_char(signed, j, "AB="))


any_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=100)


@given(any_text, any_text, any_text | st.binary(max_size=100), any_text, any_text | st.none())
@example("QUJD", "/0/private/X", b'{"a":' + b"[" * 100_000, "x", None)
@example("\udc80", "\udc80", "nonce=\udc80", "\udc80", "\udc80")
def test_verify_never_raises(
    secret: str, path: str, body: str | bytes, signature: str, nonce: str | None
) -> None:
    assert verify_spot(secret, path, body, signature) is False
    assert verify_spot(secret, path, body, signature, nonce) is False
    text = body if isinstance(body, str) else body.decode("latin-1")
    assert verify_challenge(secret, text, signature) is False
    for strict in (False, True):
        assert (
            verify_futures(
                secret, path, query=text, body=text, nonce=nonce, signature=signature, strict=strict
            )
            is False
        )


@given(st.text(max_size=40).filter(str.strip), st.binary(min_size=16, max_size=64))
def test_credentials_repr_never_contains_the_secret(key: str, raw: bytes) -> None:
    secret = base64.b64encode(raw).decode()
    creds = Credentials(key, secret)
    for text in (repr(creds), str(creds), f"{creds}", repr((creds,))):
        assert secret not in text
        assert secret[:12] not in text

"""The error tree and the error-string table (protocol.md §2.5, §3.4)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import krakenkit
from krakenkit.protocol import errors as E

PROTOCOL = Path(__file__).resolve().parents[3] / "shared" / "kraken" / "protocol.md"


def _section(title_prefix: str) -> str:
    text = PROTOCOL.read_text(encoding="utf-8")
    start = text.index(title_prefix)
    end = text.index("\n### ", start + len(title_prefix))
    return text[start:end]


def _spot_strings() -> list[str]:
    """Every backticked ``E<Category>:...`` string in protocol.md §2.5, placeholders dropped."""
    found = []
    for raw in re.findall(r"`(E[A-Za-z]+:[^`]*)`", _section("### 2.5 Error strings")):
        text = raw.replace("[:<code>]", "").replace(": [UNIX timestamp]", "")
        found.append(text)
    return found


def _futures_strings() -> list[str]:
    envelope = _section("### 3.4 Envelope and errors")
    values = re.search(r"Documented error values: `([^`]+)`", envelope)
    assert values is not None
    names = [v.strip() for v in values.group(1).split(",")]
    names += ["insufficientPrivileges", "Bad Request"]
    orders = _section("### 3.5 Orders")
    statuses = re.search(r"sendStatus\.status values: `([^`]+)`", orders)
    assert statuses is not None
    names += [v.strip() for v in statuses.group(1).split(",")]
    names += ["invalidOrderType", "invalidSide", "clientOrderIdTooLong"]
    return names


SPOT = _spot_strings()
FUTURES = _futures_strings()


def test_protocol_lists_were_read() -> None:
    assert len(SPOT) > 60
    assert "EAPI:Invalid nonce" in SPOT
    assert "postWouldExecute" in FUTURES


@pytest.mark.parametrize("text", SPOT)
def test_every_documented_spot_string_is_in_the_table(text: str) -> None:
    # Exact key, or a documented key followed by detail ("EEarnings:Busy:Another ...").
    assert E.classify(text) is not E.APIError or text in E.SPOT_ERRORS, text
    assert any(text == key or text.startswith(key + ":") for key in E.SPOT_ERRORS), text


@pytest.mark.parametrize("text", FUTURES)
def test_every_documented_futures_value_is_classified(text: str) -> None:
    if text in E.FUTURES_OK_STATUSES:
        return
    assert text in E.FUTURES_ERRORS, text


@pytest.mark.parametrize(
    ("text", "cls"),
    [
        ("EAPI:Invalid nonce", E.InvalidNonce),
        ("EAPI:Invalid key", E.AuthenticationError),
        ("EAPI:Invalid signature", E.AuthenticationError),
        ("EAPI:Rate limit exceeded", E.RateLimitError),
        ("EOrder:Rate limit exceeded", E.RateLimitError),
        ("EService: Throttled: 1700000000", E.RateLimitError),
        ("EService:Unavailable", E.ServiceUnavailable),
        ("EService:Busy", E.ServiceUnavailable),
        ("EService:Market in cancel_only mode", E.MarketRestricted),
        ("EGeneral:Invalid arguments:ordertype", E.InvalidArguments),
        ("EGeneral:Unknown method", E.UnknownMethod),
        ("EGeneral:Permission denied", E.PermissionDenied),
        ("EGeneral:Internal error:1234", E.ServiceUnavailable),
        ("EOrder:Insufficient funds", E.InsufficientFunds),
        ("EOrder:Unknown order", E.UnknownOrder),
        ("EOrder:Reduce only:No position exists", E.OrderRejected),
        ("EFunding:Max fee exceeded", E.FundingError),
        ("EEarnings:Busy:Another (de)allocation for the same strategy is in progress", E.EarnError),
        ("EService:Deadline elapsed", E.DeadlineElapsed),
        # unlisted message in a known category falls back to the category's class
        ("EOrder:Something Kraken adds tomorrow", E.OrderError),
        ("EFunding:Something new", E.FundingError),
        # unknown category: plain APIError
        ("EMystery:Whatever", E.APIError),
    ],
)
def test_classify(text: str, cls: type[E.APIError]) -> None:
    assert E.classify(text) is cls


def test_prefix_match_needs_a_boundary() -> None:
    # "EAPI:Invalid keyboard" is not "EAPI:Invalid key" + detail: no substring guessing.
    assert E.classify("EAPI:Invalid keyboard") is E.APIError


def test_api_error_keeps_raw_text_path_and_all_errors() -> None:
    exc = E.api_error(
        ["WGeneral:Something", "EOrder:Insufficient funds", "EGeneral:Invalid arguments"],
        path="/0/private/AddOrder",
    )
    assert isinstance(exc, E.InsufficientFunds)
    assert exc.error == "EOrder:Insufficient funds"
    assert exc.errors == ("EOrder:Insufficient funds", "EGeneral:Invalid arguments")
    assert exc.path == "/0/private/AddOrder"
    assert "EOrder:Insufficient funds" in str(exc)
    assert "/0/private/AddOrder" in str(exc)


def test_unknown_string_keeps_raw_text() -> None:
    exc = E.api_error(["EBrandNew:Thing happened"])
    assert type(exc) is E.APIError
    assert exc.error == "EBrandNew:Thing happened"


def test_throttled_carries_retry_time() -> None:
    exc = E.api_error(["EService: Throttled: 1700000123"])
    assert isinstance(exc, E.RateLimitError)
    assert exc.retry_after == 1700000123.0


def test_futures_errors() -> None:
    assert isinstance(E.futures_error("apiLimitExceeded"), E.RateLimitError)
    assert isinstance(E.futures_error("nonceDuplicate"), E.InvalidNonce)
    assert isinstance(E.futures_error("postWouldExecute"), E.OrderRejected)
    assert type(E.futures_error("somethingNew")) is E.APIError


def test_retry_safety() -> None:
    assert E.RateLimitError.retry_safe
    assert E.ServiceUnavailable.retry_safe
    assert E.ConnectError.retry_safe
    assert not E.RequestTimeout.retry_safe  # the order may exist
    assert not E.InvalidNonce.retry_safe  # same bytes can never succeed
    assert not E.InvalidArguments.retry_safe
    assert not E.MarketRestricted.retry_safe
    assert not E.InsufficientFunds.retry_safe
    assert E.HTTPStatusError("x", status_code=429).is_retry_safe
    assert not E.HTTPStatusError("x", status_code=504).is_retry_safe


def test_single_root() -> None:
    classes = [getattr(E, name) for name in E.__all__ if isinstance(getattr(E, name), type)]
    assert len(classes) > 20
    for cls in classes:
        assert issubclass(cls, krakenkit.KrakenError), cls
    for cls in set(E.SPOT_ERRORS.values()) | set(E.FUTURES_ERRORS.values()):
        assert issubclass(cls, E.APIError)


def test_module_docstring_draws_every_class() -> None:
    doc = E.__doc__ or ""
    for name in E.__all__:
        obj = getattr(E, name)
        if isinstance(obj, type):
            assert name in doc, name


@given(st.text(max_size=200))
def test_classify_never_raises(text: str) -> None:
    cls = E.classify(text)
    assert issubclass(cls, E.APIError)
    E.api_error([text], path="/x")


def test_checksum_and_sequence_messages() -> None:
    exc = E.ChecksumMismatch(symbol="BTC/USD", expected=1, actual=2)
    assert "BTC/USD" in str(exc)
    assert exc.expected == 1
    gap = E.SequenceGap(feed="book PF_XBTUSD", expected=5, got=7)
    assert "expected 5" in str(gap)

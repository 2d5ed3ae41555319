"""Spot REST client benchmark: signed private calls per second against the emulator, and the
client-side cost of one signed call.

1. ``calls/s``: ``Balance`` against ``krakenkit emulator serve --memory --no-market`` (a separate
   process; rate limits off for the bench accounts) for a fixed time:
   krakenkit ``SpotClient`` (one thread, one call at a time), krakenkit ``AsyncSpotClient``
   (8 keys, one client and 4 tasks each: calls of one key are sent in nonce order, so
   concurrency comes from keys), and python-kraken-sdk's ``User.get_account_balance`` (one thread)
   -- the same emulator, the same run.
2. ``us/call``: no network. krakenkit: build the request (encode the AddOrder body, take a nonce,
   sign) and decode a canned answer (``build_request`` + ``decode_response``). python-kraken-sdk:
   its ``_prepare_request`` (urlencode + nonce + HMAC) and ``json.loads`` + ``ErrorHandler.check``
   of the same answer.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from typing import Any

from bench._report import Column, Row, Table

ANSWER = (
    b'{"error":[],"result":{"descr":{"order":"buy 1.25000000 XBTUSD @ limit 37500.0"},'
    b'"txid":["OUF4EM-FRGI2-MQMWZD"]}}'
)
ORDER = {
    "pair": "XBTUSD",
    "type": "buy",
    "ordertype": "limit",
    "volume": "1.25",
    "price": "37500.0",
}
SECRET = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="


def _serve() -> tuple[subprocess.Popen[bytes], str]:
    import orjson

    proc = subprocess.Popen(
        [sys.executable, "-m", "krakenkit.cli", "emulator", "serve", "--memory", "--no-market"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    return proc, orjson.loads(proc.stdout.readline())["url"]


def _account(url: str) -> tuple[str, str]:
    import httpx

    body = httpx.post(
        f"{url}/_emulator/accounts",
        json={"balances": {"ZUSD": "1000"}, "rate_limits": False},
    ).json()
    return body["api_key"], body["api_secret"]


def _timed(seconds: float, call: Any) -> float:
    done = 0
    stop = time.perf_counter() + seconds
    while time.perf_counter() < stop:
        call()
        done += 1
    return done / seconds


async def _async_rate(url: str, keys: list[tuple[str, str]], seconds: float) -> float:
    from krakenkit import AsyncSpotClient

    done = 0
    stop = time.perf_counter() + seconds

    async def task(client: AsyncSpotClient) -> None:
        nonlocal done
        while time.perf_counter() < stop:
            await client.balance()
            done += 1

    clients = [AsyncSpotClient(k, s, base_url=url, pacing=False) for k, s in keys]
    try:
        await asyncio.gather(*(task(c) for c in clients for _ in range(4)))
    finally:
        for client in clients:
            await client.aclose()
    return done / seconds


def _rate_row(name: str, rate: float | None, note: str = "") -> Row:
    if rate is None:
        return Row(name, note=note)
    return Row(name, {"calls_per_s": rate, "us_per_call": 1e6 / rate}, note)


def _network_table(seconds: float) -> Table:
    from krakenkit import SpotClient

    proc, url = _serve()
    rows: list[Row] = []
    try:
        key, secret = _account(url)
        with SpotClient(key, secret, base_url=url, pacing=False) as kraken:
            kraken.balance()
            rows.append(_rate_row("krakenkit", _timed(seconds, kraken.balance), "sync, 1 thread"))
        keys = [_account(url) for _ in range(8)]
        rate = asyncio.run(_async_rate(url, keys, seconds))
        rows.append(_rate_row("krakenkit async", rate, "8 keys x 4 tasks"))
        try:
            from kraken.spot import User

            sdk_key, sdk_secret = _account(url)  # its nonces are another scale: its own key
            user = User(key=sdk_key, secret=sdk_secret, url=url)
            user.get_account_balance()
            rows.append(
                _rate_row(
                    "python-kraken-sdk", _timed(seconds, user.get_account_balance), "sync, 1 thread"
                )
            )
        except ImportError:
            rows.append(_rate_row("python-kraken-sdk", None, "not installed"))
    finally:
        proc.terminate()
        proc.wait(10)
    return Table(
        title="signed Balance calls per second against the emulator (separate process)",
        columns=[
            Column("calls_per_s", "calls/s", "{:,.0f}"),
            Column("us_per_call", "us/call", "{:.0f}"),
        ],
        rows=rows,
        ratio_metric="us_per_call",
    )


def _cost_table(n: int) -> Table:
    from krakenkit.client._request import build_request, decode_response
    from krakenkit.protocol.endpoints import SPOT_BY_NAME
    from krakenkit.protocol.nonce import MonotonicNonce
    from krakenkit.protocol.signing import Credentials

    endpoint = SPOT_BY_NAME["AddOrder"]
    credentials = Credentials("key", SECRET)
    nonce = MonotonicNonce()
    headers = {"content-type": "application/json"}

    def ours() -> None:
        build_request("http://x", endpoint, ORDER, credentials=credentials, nonce=nonce.next())
        decode_response(200, headers, ANSWER, path=endpoint.path, now=0.0)

    rows = [Row("krakenkit", {"us_per_call": _per_call(ours, n)}, "build + sign + decode")]
    try:
        import json

        from kraken.base_api import ErrorHandler
        from kraken.spot import Trade

        trade = Trade(key="key", secret=SECRET)
        handler = ErrorHandler()

        def theirs() -> None:
            trade._prepare_request(method="POST", uri="/0/private/AddOrder", params=dict(ORDER))
            handler.check(json.loads(ANSWER))

        rows.append(
            Row(
                "python-kraken-sdk",
                {"us_per_call": _per_call(theirs, n)},
                "_prepare_request + json.loads + ErrorHandler.check",
            )
        )
    except (ImportError, AttributeError, TypeError) as exc:
        rows.append(Row("python-kraken-sdk", note=f"not measurable: {exc}"))
    return Table(
        title="client-side cost of one signed AddOrder (no network)",
        columns=[Column("us_per_call", "us/call", "{:.1f}")],
        rows=rows,
        ratio_metric="us_per_call",
    )


def _per_call(fn: Any, n: int) -> float:
    for _ in range(n // 10):
        fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1e6


def run(quick: bool = False) -> list[Table]:
    return [_network_table(2.0 if quick else 5.0), _cost_table(2_000 if quick else 20_000)]

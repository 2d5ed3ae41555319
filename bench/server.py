"""Emulator server benchmark: signed private requests per second on one core (target >= 2,000).

The emulator runs as ``krakenkit emulator serve --no-market`` in its own process, pinned to CPU 0;
the load generator (this process, pinned to CPU 1 when the machine has two) keeps 32 requests in
flight on 32 keys (one key per connection, nonce window 0, rate limits off for the test accounts)
with aiohttp, signing every request with Kraken's HMAC-SHA512. Every answer is checked for an
empty ``error`` list. Workloads:

* ``Balance``: authentication, nonce check, rate counter, the balance rendering;
* ``AddOrder validate=true``: the same plus parameter decoding and every engine check;
* both again with ``--state`` (SQLite WAL, one commit per private request: the nonce moved).

Peer row: ``aiohttp floor`` is a bare aiohttp server on the same core answering a fixed JSON body
to the same signed POSTs -- the cost of HTTP in this stack, the ceiling any aiohttp-based
emulator can reach. Ratios are ``us/request`` against krakenkit's ``Balance`` in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench._report import Column, Row, Table

CONCURRENCY = 32
_FLOOR_SERVER = """
import sys
from aiohttp import web
async def ok(request):
    await request.read()
    return web.Response(body=b'{"error":[],"result":{"ZUSD":"1.0000"}}',
                        content_type="application/json")
app = web.Application()
app.router.add_post("/0/private/{m}", ok)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def _pin(pid: int, cpu: int) -> None:
    with contextlib.suppress(AttributeError, OSError):
        if (os.cpu_count() or 1) > 1:
            os.sched_setaffinity(pid, {cpu})


def _start_emulator(state: str | None) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    import orjson

    args = [sys.executable, "-m", "krakenkit.cli", "emulator", "serve", "--no-market"]
    args += ["--state", state] if state else ["--memory"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    ready = orjson.loads(proc.stdout.readline())
    _pin(proc.pid, 0)
    return proc, ready


def _start_floor() -> tuple[subprocess.Popen[bytes], str]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", _FLOOR_SERVER, str(port)])
    _pin(proc.pid, 0)
    url = f"http://127.0.0.1:{port}"
    import httpx

    for _ in range(100):
        try:
            httpx.post(f"{url}/0/private/x", content=b"")
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    return proc, url


async def _load(
    url: str, keys: list[tuple[str, str]], method: str, params: dict[str, str], seconds: float
) -> tuple[int, int]:
    import aiohttp
    import orjson

    from krakenkit.protocol.signing import sign_spot

    path = f"/0/private/{method}"
    done = 0
    failed = 0
    stop = time.perf_counter() + seconds

    async def worker(session: aiohttp.ClientSession, key: str, secret: str) -> None:
        nonlocal done, failed
        nonce = time.time_ns() // 1000
        while time.perf_counter() < stop:
            nonce += 1
            body = urlencode({"nonce": nonce, **params})
            headers = {
                "API-Key": key,
                "API-Sign": sign_spot(secret, path, body),
                "Content-Type": "application/x-www-form-urlencoded",
            }
            async with session.post(url + path, data=body, headers=headers) as response:
                answer = orjson.loads(await response.read())
            if answer.get("error"):
                failed += 1
            else:
                done += 1

    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session, k, s) for k, s in keys))
    return done, failed


def _accounts(url: str, n: int) -> list[tuple[str, str]]:
    import httpx

    keys = []
    for _ in range(n):
        body = httpx.post(
            f"{url}/_emulator/accounts",
            json={"balances": {"ZUSD": "1000000", "XXBT": "10"}, "rate_limits": False},
        ).json()
        keys.append((body["api_key"], body["api_secret"]))
    return keys


def _row(name: str, done: int, failed: int, seconds: float, note: str = "") -> Row:
    rate = done / seconds
    return Row(
        name,
        {
            "requests": float(done),
            "req_per_s": rate,
            "us_per_req": 1e6 / rate if rate else 0.0,
            "x_target": rate / 2000,
            "failed": float(failed),
        },
        note,
    )


def run(quick: bool = False) -> list[Table]:
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        return [Table("emulator server", [], [Row("krakenkit", note="aiohttp not installed")])]
    seconds = 3.0 if quick else 10.0
    original = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    _pin(0, 1)
    try:
        return _measure(seconds)
    finally:
        if original is not None:
            os.sched_setaffinity(0, original)


def _measure(seconds: float) -> list[Table]:
    rows: list[Row] = []
    validate = {
        "pair": "XBTUSD",
        "type": "buy",
        "ordertype": "limit",
        "volume": "0.01",
        "price": "80000",
        "validate": "true",
    }
    with tempfile.TemporaryDirectory() as tmp:
        for state, label in ((None, "memory"), (str(Path(tmp) / "bench.db"), "SQLite WAL")):
            proc, ready = _start_emulator(state)
            try:
                keys = _accounts(ready["url"], CONCURRENCY)
                asyncio.run(_load(ready["url"], keys, "Balance", {}, 1.0))  # warm up
                for method, params, name in (
                    ("Balance", {}, "Balance"),
                    ("AddOrder", validate, "AddOrder validate"),
                ):
                    done, failed = asyncio.run(_load(ready["url"], keys, method, params, seconds))
                    suffix = "" if state is None else f" ({label})"
                    row_name = (
                        "krakenkit"
                        if (state, method) == (None, "Balance")
                        else (f"krakenkit {name}{suffix}")
                    )
                    rows.append(_row(row_name, done, failed, seconds, f"{name}, {label}"))
            finally:
                proc.terminate()
                proc.wait(10)
    proc, url = _start_floor()
    try:
        fake = [("k", "a2V5") for _ in range(CONCURRENCY)]
        asyncio.run(_load(url, fake, "Balance", {}, 1.0))
        done, failed = asyncio.run(_load(url, fake, "Balance", {}, seconds))
        rows.append(_row("aiohttp floor", done, failed, seconds, "fixed answer, no checks"))
    finally:
        proc.terminate()
        proc.wait(10)
    return [
        Table(
            title=f"emulator server, signed private requests, {CONCURRENCY} in flight, "
            "server pinned to one core",
            columns=[
                Column("requests", "requests", "{:.0f}"),
                Column("req_per_s", "req/s", "{:,.0f}"),
                Column("us_per_req", "us/req", "{:.0f}"),
                Column("x_target", "x 2k/s", "{:.2f}"),
                Column("failed", "errors", "{:.0f}"),
            ],
            rows=rows,
            ratio_metric="us_per_req",
            footnote="load generator in another process (aiohttp, HMAC signing per request), "
            "pinned to the other core",
        )
    ]

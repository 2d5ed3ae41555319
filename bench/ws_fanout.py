"""Emulator WebSocket fan-out: 100 v2 book subscribers while the books change 1,000 times/s.

The emulator runs as ``krakenkit emulator serve --no-market`` in its own process (pinned to CPU
0). Its load generator (``POST /_emulator/churn``) places and cancels resting orders on five pairs
at 1,000 level changes per second in total. This process (pinned to CPU 1) holds 100 WebSocket v2
connections, 20 per pair, each subscribed to ``book`` at depth 10, and applies every message to a
krakenkit ``OrderBook`` -- so every checksum is verified on every connection.

Reported: level changes/s generated, book messages/s delivered over all connections, the lag of
each update (receive time minus the update's ``timestamp``) at p50 / p99 / max, checksum failures
and connections lost. "Keeping up" means every connection received every update and the p99 lag
stays well under a second. There is no peer: no other offline Kraken feed exists, so the table
shows the ratio to the issue's target (100 connections x 1,000 updates/s).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from typing import Any

from bench._report import Column, Row, Table, percentile
from bench.server import _pin, _start_emulator

CONNECTIONS = 100
RATE = 1000
PAIRS = [("XBT/USD", "BTC/USD"), ("ETH/USD", "ETH/USD"), ("XBT/EUR", "BTC/EUR"),
         ("SOL/USD", "SOL/USD"), ("XDG/USD", "XDG/USD")]  # fmt: skip


def _ts(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


async def _subscriber(
    url: str, symbol: str, decimals: tuple[int, int], stop: asyncio.Event, out: dict[str, Any]
) -> None:
    import aiohttp
    import orjson

    from krakenkit import ChecksumMismatch, OrderBook

    lags: list[float] = out["lags"]
    book = OrderBook(symbol, 10, *decimals)
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        await ws.send_str(
            orjson.dumps(
                {"method": "subscribe", "params": {"channel": "book", "symbol": [symbol]}}
            ).decode()
        )
        out["ready"] += 1
        while not stop.is_set():
            try:
                msg = await ws.receive(timeout=0.5)
            except TimeoutError:
                continue
            if msg.type != aiohttp.WSMsgType.TEXT:
                out["lost"] += 1
                return
            data = orjson.loads(msg.data)  # floats are fine: OrderBook re-reads exact ticks
            if data.get("channel") != "book":
                continue
            try:
                book.apply_v2(data)
            except ChecksumMismatch:
                out["bad"] += 1
            if data["type"] == "update":
                out["messages"] += 1
                lags.append(time.time() - _ts(data["data"][0]["timestamp"]))


async def _measure(ready: dict[str, Any], seconds: float, rate: int) -> dict[str, Any]:
    import httpx

    async with httpx.AsyncClient(base_url=ready["url"]) as http:
        pairs = (await http.get("/0/public/AssetPairs")).json()["result"]
    decimals = {}
    for entry in pairs.values():
        decimals[entry.get("wsname")] = (entry["pair_decimals"], entry["lot_decimals"])
    out: dict[str, Any] = {"lags": [], "messages": 0, "bad": 0, "lost": 0, "ready": 0}
    stop = asyncio.Event()
    tasks = []
    for i in range(CONNECTIONS):
        wsname, symbol = PAIRS[i % len(PAIRS)]
        tasks.append(
            asyncio.create_task(
                _subscriber(ready["ws_v2_url"], symbol, decimals[wsname], stop, out)
            )
        )
    while out["ready"] < CONNECTIONS:
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)  # snapshots in
    async with httpx.AsyncClient(base_url=ready["url"]) as http:
        body = {"rate": rate, "seconds": seconds, "pairs": [p for p, _ in PAIRS]}
        (await http.post("/_emulator/churn", json=body)).raise_for_status()
        started = time.perf_counter()
        await asyncio.sleep(seconds)
        state = (await http.get("/_emulator/churn")).json()
        elapsed = time.perf_counter() - started
    await asyncio.sleep(1.0)  # let the last updates arrive
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    out["ops_per_s"] = state["ops"] / elapsed
    out["seconds"] = elapsed
    return out


def _row(out: dict[str, Any], rate: int) -> Row:
    lags = sorted(out["lags"])
    delivered = out["messages"] / out["seconds"]
    return Row(
        "krakenkit" if rate == RATE else f"krakenkit at {rate:,}/s",
        {
            "connections": float(CONNECTIONS),
            "changes_per_s": out["ops_per_s"],
            "msgs_per_s": delivered,
            "p50_ms": percentile(lags, 0.5) * 1e3 if lags else 0.0,
            "p99_ms": percentile(lags, 0.99) * 1e3 if lags else 0.0,
            "max_ms": lags[-1] * 1e3 if lags else 0.0,
            "bad_checksums": float(out["bad"]),
            "lost": float(out["lost"]),
            "x_target": out["ops_per_s"] / RATE,
        },
        f"{CONNECTIONS} v2 book-10 connections, 5 pairs, {out['seconds']:.0f} s",
    )


def run(quick: bool = False) -> list[Table]:
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        return [Table("emulator ws fan-out", [], [Row("krakenkit", note="aiohttp not installed")])]
    seconds = 4.0 if quick else 15.0
    rows = []
    for rate in (RATE,) if quick else (RATE, 4 * RATE):
        original = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
        _pin(0, 1)
        proc, ready = _start_emulator(None)
        try:
            out = asyncio.run(_measure(ready, seconds, rate))
        finally:
            proc.terminate()
            proc.wait(10)
            if original is not None:
                os.sched_setaffinity(0, original)
        rows.append(_row(out, rate))
    columns = [
        Column("connections", "conns", "{:.0f}"),
        Column("changes_per_s", "changes/s", "{:,.0f}"),
        Column("msgs_per_s", "msgs/s out", "{:,.0f}"),
        Column("p50_ms", "lag p50 ms", "{:.1f}"),
        Column("p99_ms", "lag p99 ms", "{:.1f}"),
        Column("max_ms", "lag max ms", "{:.1f}"),
        Column("bad_checksums", "bad crc", "{:.0f}"),
        Column("lost", "lost", "{:.0f}"),
        Column("x_target", "x target", "{:.2f}"),
    ]
    return [
        Table(
            "emulator WS fan-out (v2 book, every checksum verified by the receivers)",
            columns,
            rows,
            ratio_metric="msgs_per_s",
            footnote="target: 100 connections at 1,000 book updates/s in total, without lag",
        )
    ]

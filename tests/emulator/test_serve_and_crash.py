"""``krakenkit emulator serve`` as a real process: the ready line, add-key, clean stop, and
the crash test (kill -9 during a stream of orders, restart on the same state file)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
import pytest

from krakenkit.protocol.signing import sign_spot

pytestmark = pytest.mark.slow


class Server:
    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "krakenkit.cli", "emulator", "serve", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(self.proc.stderr.read().decode() if self.proc.stderr else "")
        self.ready: dict[str, Any] = orjson.loads(line)
        self.url: str = self.ready["url"]

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(10)


_CLIENTS: list[httpx.Client] = []


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        if server.proc.poll() is None:
            server.kill()
        for stream in (server.proc.stdout, server.proc.stderr):
            if stream is not None:
                stream.close()
    while _CLIENTS:
        _CLIENTS.pop().close()


class Signer:
    def __init__(self, url: str, key: str, secret: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=10)
        _CLIENTS.append(self.http)
        self.key, self.secret = key, secret
        self.nonce = time.time_ns() // 1000

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.nonce += 1
        body = urlencode({"nonce": self.nonce, **params})
        path = f"/0/private/{method}"
        response = self.http.post(
            path,
            content=body,
            headers={
                "API-Key": self.key,
                "API-Sign": sign_spot(self.secret, path, body),
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        return orjson.loads(response.content)  # type: ignore[no-any-return]


def test_serve_prints_a_ready_line_adds_keys_and_stops_cleanly(
    tmp_path: Path, servers: list[Server]
) -> None:
    server = Server("--port", "0", "--memory", "--no-market")
    servers.append(server)
    for field in (
        "url",
        "ws_url",
        "futures_ws_url",
        "api_key",
        "api_secret",
        "futures_api_key",
        "futures_api_secret",
    ):
        assert server.ready[field]
    demo = Signer(server.url, server.ready["api_key"], server.ready["api_secret"])
    assert demo.call("Balance")["result"]["ZUSD"] == "1000000.0000"
    added = subprocess.run(
        [
            sys.executable,
            "-m",
            "krakenkit.cli",
            "emulator",
            "add-key",
            "--url",
            server.url,
            "--balance",
            "XBT=2",
            "--balance",
            "ZUSD=100",
            "--tier",
            "pro",
        ],
        capture_output=True,
        check=True,
        timeout=30,
    )
    keys = orjson.loads(added.stdout)
    user = Signer(server.url, keys["api_key"], keys["api_secret"])
    assert user.call("Balance")["result"] == {"XXBT": "2.0000000000", "ZUSD": "100.0000"}
    assert server.stop() == 0


def _totals(state: dict[str, Any]) -> dict[str, Decimal]:
    out = {a: Decimal(v) for a, v in state["balances_total"].items()}
    for asset, fee in state["fees_collected"].items():
        out[asset] = out.get(asset, Decimal(0)) + Decimal(fee)
    return {a: v for a, v in out.items() if v}


def test_crash_during_a_stream_of_orders_loses_nothing(
    tmp_path: Path, servers: list[Server]
) -> None:
    state = str(tmp_path / "kraken.db")
    server = Server("--port", "0", "--state", state, "--seed", "5")
    servers.append(server)
    keys = httpx.post(
        f"{server.url}/_emulator/accounts",
        json={
            "balances": {"ZUSD": "10000000", "XXBT": "100"},
            "rate_limits": False,
        },
    ).json()
    acknowledged: dict[str, dict[str, str]] = {}
    errors: list[Any] = []
    stop = threading.Event()
    signer = Signer(server.url, keys["api_key"], keys["api_secret"])

    def trade() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            side = "buy" if i % 2 else "sell"
            kind = "market" if i % 5 == 0 else "limit"
            params = {"pair": "XBTUSD", "type": side, "ordertype": kind, "volume": "0.01"}
            if kind == "limit":
                params["price"] = "89000" if side == "buy" else "91000"
            try:
                body = signer.call("AddOrder", **params)
            except httpx.HTTPError:
                return  # the server died mid-request: that order was never acknowledged
            if body.get("error"):
                errors.append(body["error"])
                continue
            acknowledged[body["result"]["txid"][0]] = params

    thread = threading.Thread(target=trade)
    thread.start()
    deadline = time.monotonic() + 20
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(server.proc.pid, signal.SIGKILL)  # no chance to flush anything
    server.proc.wait(10)
    stop.set()
    thread.join(10)
    assert len(acknowledged) >= 150, errors[:3]

    again = Server("--port", "0", "--state", state, "--seed", "5")
    servers.append(again)
    after = Signer(again.url, keys["api_key"], keys["api_secret"])
    found: dict[str, Any] = {}
    txids = list(acknowledged)
    for start in range(0, len(txids), 50):
        body = after.call("QueryOrders", txid=",".join(txids[start : start + 50]))
        assert body["error"] == [], body
        found.update(body["result"])
    assert set(found) == set(acknowledged)
    for txid, params in acknowledged.items():
        assert found[txid]["descr"]["type"] == params["type"]
    # every fill has both of its ledger entries, and the ledger explains the balance
    history = after.call("TradesHistory")["result"]
    ledger_ids = set()
    ofs = 0
    while True:
        page = after.call("Ledgers", ofs=ofs)["result"]
        ledger_ids |= set(page["ledger"])
        ofs += 50
        if ofs >= page["count"]:
            break
    for trade in history["trades"].values():
        assert trade["ordertxid"] in found
    fills = after.call("TradesHistory", ledgers=True)["result"]["trades"]
    for fill in fills.values():
        assert set(fill["ledgers"]) <= ledger_ids
    state_after = httpx.get(f"{again.url}/_emulator/state").json()
    deposited = {a: Decimal(v) for a, v in state_after["deposited"].items() if Decimal(v)}
    assert _totals(state_after) == deposited

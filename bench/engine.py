"""Emulator engine benchmark: in-process operations per second (target >= 100,000).

Three workloads on XBT/USD with a real :class:`~krakenkit.emulator.engine.Engine` (fees, holds,
ledger entries, ids and events included; no listeners, rate limits off, as an emulator with
``--no-rate-limits`` runs them):

* ``add``: resting limit orders from 20 accounts at 200 price levels either side of the mid;
* ``cancel``: cancelling those orders in random order;
* ``match``: a crossing limit order that fills one resting maker order (two fills, four ledger
  entries) -- each match is preceded, untimed, by placing the maker it will hit.

A fourth row mixes the three (40 % add, 40 % cancel, 20 % match), the shape of a busy book.
There is no peer: no other Python Kraken matching engine exists to run offline, so the table
prints the ratio to the issue's target instead (``x target`` > 1 means faster than required).
"""

from __future__ import annotations

import gc
import random
import time
from decimal import Decimal

from bench._report import Column, Row, Table

TARGET = 100_000


def _engine():  # type: ignore[no-untyped-def]
    from krakenkit.emulator.accounts import Account
    from krakenkit.emulator.engine import Engine
    from krakenkit.emulator.ids import IdGenerator
    from krakenkit.emulator.instruments import default_catalogue

    catalogue = default_catalogue()
    engine = Engine(
        catalogue.pairs(),
        asset_decimals={a.id: a.decimals for a in catalogue.assets.values()},
        ids=IdGenerator(1),
        clock=time.time,
        last_prices=catalogue.initial_prices,
        rate_limits=False,
    )
    for i in range(20):
        account = engine.add_account(Account(f"A{i}", rate_limits=False))
        for asset, amount in (("ZUSD", "1e12"), ("XXBT", "1e7")):
            engine.post(
                account, refid="Q", now=0.0, type="deposit", asset=asset, amount=Decimal(amount)
            )
    return engine, catalogue.pair("XBT/USD")


def _request(pair, side: str, price: Decimal, volume: Decimal = Decimal("0.01")):  # type: ignore[no-untyped-def]
    from krakenkit.emulator.engine import OrderRequest, PriceSpec

    return OrderRequest(
        pair=pair, side=side, ordertype="limit", volume=volume, price=PriceSpec("", price)
    )


def _rate(n: int, seconds: float) -> dict[str, float]:
    return {
        "ops": float(n),
        "ops_per_s": n / seconds,
        "us_per_op": seconds / n * 1e6,
        "x_target": n / seconds / TARGET,
    }


def run(quick: bool = False) -> list[Table]:
    n = 20_000 if quick else 100_000
    rng = random.Random(7)
    mid = Decimal("90000.0")
    tick = Decimal("0.1")
    rows: list[Row] = []

    engine, pair = _engine()
    requests = []
    for i in range(n):
        side = "buy" if i % 2 else "sell"
        offset = tick * rng.randint(1, 200)
        price = mid - offset if side == "buy" else mid + offset
        requests.append((f"A{i % 20}", _request(pair, side, price)))
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        orders = [engine.place(acc, req, now=1.0, charge=False) for acc, req in requests]
        rows.append(Row("add (resting limit)", _rate(n, time.perf_counter() - start)))
        rng.shuffle(orders)
        start = time.perf_counter()
        for order in orders:
            engine.cancel(order.account_id, order.txid, now=2.0)
        rows.append(Row("cancel", _rate(n, time.perf_counter() - start)))

        engine, pair = _engine()
        m = n // 2
        elapsed = 0.0
        for i in range(m):
            engine.place("A1", _request(pair, "sell", mid), now=3.0, charge=False)
            taker = _request(pair, "buy", mid)
            start = time.perf_counter()
            engine.place("A2", taker, now=3.0, charge=False)
            elapsed += time.perf_counter() - start
            if i % 5000 == 0:  # keep the history structures from dominating memory
                engine.fills.clear()
        rows.append(Row("match (one maker)", _rate(m, elapsed)))

        engine, pair = _engine()
        resting: list = []  # type: ignore[type-arg]
        ops = 0
        start = time.perf_counter()
        for i in range(n):
            roll = rng.random()
            if roll < 0.4 or not resting:
                side = "buy" if rng.random() < 0.5 else "sell"
                offset = tick * rng.randint(1, 200)
                price = mid - offset if side == "buy" else mid + offset
                resting.append(
                    engine.place(f"A{i % 20}", _request(pair, side, price), now=4.0, charge=False)
                )
            elif roll < 0.8:
                order = resting.pop(rng.randrange(len(resting)))
                if order.is_open:
                    engine.cancel(order.account_id, order.txid, now=4.0)
            else:
                side = "buy" if rng.random() < 0.5 else "sell"
                price = mid + tick * 250 if side == "buy" else mid - tick * 250
                engine.place(f"A{i % 20}", _request(pair, side, price), now=4.0, charge=False)
            ops += 1
        rows.append(Row("mixed 40/40/20", _rate(ops, time.perf_counter() - start)))
    finally:
        gc.enable()
    return [
        Table(
            title="emulator engine, XBT/USD, in-process operations",
            columns=[
                Column("ops", "ops", "{:.0f}"),
                Column("ops_per_s", "ops/s", "{:,.0f}"),
                Column("us_per_op", "us/op", "{:.2f}"),
                Column("x_target", "x 100k/s", "{:.2f}"),
            ],
            rows=rows,
            baseline="add (resting limit)",
            ratio_metric="us_per_op",
            footnote="no peer: no other offline Kraken matching engine exists; "
            "'x 100k/s' is the ratio to the issue's target",
        )
    ]

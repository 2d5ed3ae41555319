"""Order book benchmark: cost per message of decode + apply + checksum validation.

Every implementation gets the same raw message text and must end each message with a validated
book. Measured per message with ``time.perf_counter_ns`` around one call of a small "step"
closure; the cost of the timer and of calling an empty step (calibrated at start) is subtracted.
Update messages only: snapshots are applied, untimed, before the timed run.

Implementations (peers are imported and driven offline, never copied):

* ``krakenkit``: ``orjson.loads`` + :meth:`OrderBook.apply_v1` / :meth:`OrderBook.apply_v2`.
* ``python-kraken-sdk``: ``orjson.loads`` + ``SpotOrderBookClient.on_message`` (its whole book
  path: float re-formatting, per-level sort, checksum), the coroutine driven without an event
  loop. Its per-pair state is pre-seeded with the decimals it would fetch from REST AssetPairs.
  Version 3 speaks WS v2 only.
* ``cryptofeed``: ``Kraken.message_handler`` with ``checksum_validation=True`` (decodes the text
  itself with ``json.loads(parse_float=Decimal)``); its symbol table is loaded from the captured
  AssetPairs answer instead of the network. It speaks WS v1 only.
* ``order-book (C)``: the ``order_book`` C extension as a minimal client would use it:
  ``orjson.loads``, ``Decimal`` keys, its ``checksum()`` (it has Kraken's format built in).

Streams: the real captures (replayed several times, fresh books each pass) and a deterministic
synthetic stream per depth (10, 100, 1000), the same events rendered as v1 and v2. In the
synthetic stream half of the updates hit one of the ten best levels and half a level drawn
uniformly from the whole depth; a quarter delete a level (v1 republishes one with ``"r"``), a
quarter insert one, half change a quantity. Peers run a prefix of each synthetic stream (a message
cap and a time budget), which is representative because the stream is stationary.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import random
import time
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson

from bench._fixtures import iter_lines, load_json, rest_answer
from bench._report import Column, Row, Table, summarize_ns
from krakenkit.protocol.book import OrderBook, format_ticks

Step = Callable[[Any], None]

COLUMNS = (
    Column("messages", "messages", "{:.0f}"),
    Column("median_us", "median us"),
    Column("p99_us", "p99 us"),
    Column("mean_us", "mean us"),
)


class Unsupported(Exception):
    """This implementation cannot run this stream; the message says why."""


@dataclass
class Stream:
    """What a driver needs to know about a stream."""

    version: int
    depth: int
    #: wire symbol -> (price_decimals, qty_decimals) as the instrument defines them (v2 / REST)
    pairs: dict[str, tuple[int, int]]


def drive(coroutine: Any) -> None:
    """Run a coroutine that never really waits, without an event loop."""
    try:
        coroutine.send(None)
    except StopIteration:
        return
    coroutine.close()
    raise RuntimeError("the peer tried to wait for I/O")


# --- drivers: each returns (prime, step) for a fresh book, or raises Unsupported -------------


def krakenkit_driver(stream: Stream) -> tuple[Step, Step]:
    books = {s: OrderBook(s, stream.depth, pd, qd) for s, (pd, qd) in stream.pairs.items()}
    loads = orjson.loads
    if stream.version == 1:

        def step(raw: Any) -> None:
            message = loads(raw)
            books[message[-1]].apply_v1(message)

    else:

        def step(raw: Any) -> None:
            message = loads(raw)
            books[message["data"][0]["symbol"]].apply_v2(message)

    return step, step


def pks_driver(stream: Stream) -> tuple[Step, Step]:
    if stream.version != 2:
        raise Unsupported("python-kraken-sdk 3.x keeps books for WS v2 only")
    try:
        from kraken.spot import SpotOrderBookClient
    except ImportError as exc:
        raise Unsupported(f"not installed ({exc})") from exc

    def on_update(pair: str, message: dict[str, Any]) -> None:
        if "error" in message:  # its way of reporting a checksum mismatch
            raise RuntimeError(f"python-kraken-sdk: {message['error']}")

    async def make() -> Any:
        return SpotOrderBookClient(depth=stream.depth, callback=on_update)

    loop = asyncio.new_event_loop()
    client = loop.run_until_complete(make())  # its HTTP session wants a running loop
    _PKS_CLEANUP.append((loop, client))
    books = client._SpotOrderBookClient__book  # what it would fill from REST AssetPairs
    for symbol, (pd, qd) in stream.pairs.items():
        books[symbol] = {
            "bid": {},
            "ask": {},
            "valid": True,
            "price_decimals": pd,
            "qty_decimals": qd,
        }
    loads = orjson.loads
    on_message = client.on_message

    def step(raw: Any) -> None:
        drive(on_message(loads(raw)))

    return step, step


_PKS_CLEANUP: list[tuple[asyncio.AbstractEventLoop, Any]] = []


def _pks_close() -> None:
    while _PKS_CLEANUP:
        loop, client = _PKS_CLEANUP.pop()
        loop.run_until_complete(client.close())
        loop.close()


_CF_STATE = {"symbols_loaded": False}


def cryptofeed_driver(stream: Stream) -> tuple[Step, Step]:
    if stream.version != 1:
        raise Unsupported("cryptofeed's Kraken feed speaks WS v1 only")
    try:
        from cryptofeed.defines import L2_BOOK
        from cryptofeed.exchanges import Kraken
        from cryptofeed.symbols import Symbols
    except ImportError as exc:
        raise Unsupported(f"not installed ({exc})") from exc
    if not _CF_STATE["symbols_loaded"]:  # what it would download from REST AssetPairs
        answer = rest_answer("rest-assetpairs.capture", "/0/public/AssetPairs")
        Symbols.set(Kraken.id, *Kraken._parse_symbol_data(answer))
        _CF_STATE["symbols_loaded"] = True

    async def on_book(book: Any, receipt: float) -> None:
        return None

    to_std = {wire: std for std, wire in Symbols.get(Kraken.id)[0].items()}
    symbols = [to_std[s] for s in stream.pairs]
    feed = Kraken(
        symbols=symbols,
        channels=[L2_BOOK],
        callbacks={L2_BOOK: on_book},
        checksum_validation=True,
        max_depth=stream.depth,
    )
    handler = feed.message_handler

    def step(raw: Any) -> None:
        drive(handler(raw, None, 0.0))

    return step, step


def order_book_driver(stream: Stream) -> tuple[Step, Step]:
    try:
        import order_book
    except ImportError as exc:
        raise Unsupported(f"not installed ({exc})") from exc
    # Its ``max_depth`` only hides levels (they come back when a better one is deleted), so the
    # driver truncates after each message itself, as Kraken's book rules require.
    books = {s: order_book.OrderBook(checksum_format="KRAKEN") for s in stream.pairs}
    depth = stream.depth
    loads = orjson.loads

    def trim(side: Any) -> None:
        while len(side) > depth:
            del side[side.index(len(side) - 1)[0]]

    def put(side: Any, price: Decimal, qty: Decimal) -> None:
        if qty:
            side[price] = qty
        else:
            with contextlib.suppress(KeyError):
                del side[price]

    if stream.version == 1:

        def prime(raw: Any) -> None:
            message = loads(raw)
            book = books[message[-1]]
            for key, side in (("as", book.asks), ("bs", book.bids)):
                for level in message[1][key]:
                    put(side, Decimal(level[0]), Decimal(level[1]))
                trim(side)

        def step(raw: Any) -> None:
            message = loads(raw)
            book = books[message[-1]]
            expected = None
            for part in message[1:-2]:
                for key, side in (("a", book.asks), ("b", book.bids)):
                    for level in part.get(key, ()):
                        put(side, Decimal(level[0]), Decimal(level[1]))
                    trim(side)
                expected = part.get("c", expected)
            if expected is not None and book.checksum() != int(expected):
                raise RuntimeError("order-book: checksum mismatch")

        return prime, step

    decimals = stream.pairs

    def step2(raw: Any) -> None:
        message = loads(raw)
        entry = message["data"][0]
        book = books[entry["symbol"]]
        pd, qd = decimals[entry["symbol"]]
        for key, side in (("asks", book.asks), ("bids", book.bids)):
            for level in entry[key]:
                put(side, Decimal(f"{level['price']:.{pd}f}"), Decimal(f"{level['qty']:.{qd}f}"))
            trim(side)
        if book.checksum() != entry["checksum"]:
            raise RuntimeError("order-book: checksum mismatch")

    return step2, step2


DRIVERS: list[tuple[str, Callable[[Stream], tuple[Step, Step]]]] = [
    ("krakenkit", krakenkit_driver),
    ("python-kraken-sdk", pks_driver),
    ("cryptofeed", cryptofeed_driver),
    ("order-book (C)", order_book_driver),
]


# --- timing ----------------------------------------------------------------------------------


def calibrate() -> float:
    """Median cost of timing one call of an empty step (subtracted from every sample)."""

    def empty(raw: Any) -> None:
        return None

    pc = time.perf_counter_ns
    samples = array("q")
    for _ in range(5):
        for raw in range(20_000):
            t0 = pc()
            empty(raw)
            samples.append(pc() - t0)
    ordered = sorted(samples)
    return float(ordered[len(ordered) // 2])


def reference_ns() -> float:
    """Median cost of a fixed micro-operation, to show how fast the machine is right now.

    On the reference VM the host's load makes the same code run up to ~50 % slower for tens of
    seconds; each table's footnote carries this figure from before and after its measurement.
    """
    text = "27119.90000"
    runs = []
    for _ in range(5):
        t0 = time.perf_counter_ns()
        for _ in range(20_000):
            int(text.replace(".", ""))
        runs.append((time.perf_counter_ns() - t0) / 20_000)
    return sorted(runs)[2]


def timed(step: Step, raws: list[Any], out: array[int], budget_ns: int) -> int:
    """Append per-message times to ``out``; return the time spent, stopping past ``budget_ns``."""
    pc = time.perf_counter_ns
    append = out.append
    spent = 0
    for raw in raws:
        t0 = pc()
        step(raw)
        dt = pc() - t0
        append(dt)
        spent += dt
        if spent > budget_ns:
            break
    return spent


@dataclass
class Run:
    name: str
    samples: array[int]
    note: str = ""
    step: Step | None = None
    budget_ns: int = 0
    spent_ns: int = 0
    cap: int = 0


def measure_replay(
    title: str, stream: Stream, primes: list[Any], updates: list[Any], passes: int, overhead: float
) -> Table:
    """Replay ``updates`` ``passes`` times per implementation (fresh books each pass).

    Implementations take turns in blocks of up to five timed passes, each block after one untimed
    pass: a slow spell of the machine then hits all of them alike, while none is timed right after
    another library has flushed the caches (a 500-message pass is too short to recover).
    """
    samples: dict[str, array[int]] = {name: array("q") for name, _ in DRIVERS}
    notes: dict[str, str] = {}
    done = 0
    while done < passes:
        block = min(5, passes - done)
        for name, factory in DRIVERS:
            if name in notes:
                continue
            try:
                for timed_pass in range(-1, block):
                    prime, step = factory(stream)
                    for raw in primes:
                        prime(raw)
                    gc.collect()
                    sink = samples[name] if timed_pass >= 0 else array("q")
                    timed(step, updates, sink, 1 << 62)
            except Unsupported as exc:
                notes[name] = f"not measured: {exc}"
            except Exception as exc:
                notes[name] = f"failed: {type(exc).__name__}: {exc}"[:160]
            finally:
                _pks_close()
        done += block
    table = Table(title, COLUMNS)
    for name, _ in DRIVERS:
        got = samples[name]
        metrics = summarize_ns(got, overhead) if got and name not in notes else {}
        table.rows.append(Row(name, metrics, notes.get(name, "")))
    return table


# --- the synthetic stream ----------------------------------------------------------------------


class Synthetic:
    """A seeded random book (BTC/USD-like: 0.1 price tick, 8 qty decimals) and its update stream.

    The generator keeps its own book and computes each checksum with protocol.md's reference
    algorithm on the rendered strings (strip the dot and leading zeros, CRC32), independently of
    krakenkit's book -- so every implementation that accepts the stream agrees with Kraken's rule.
    v1 prices are rendered with 5 decimals as Kraken does for XBT/USD, v2 as JSON numbers.
    """

    V1_PAIR = "XBT/USD"
    V2_SYMBOL = "BTC/USD"

    def __init__(self, depth: int, seed: int) -> None:
        self.depth = depth
        self.rng = random.Random(seed)
        self.channel = f"book-{depth}"
        self.now = 1_700_000_000.0
        # per side: signed keys ascending (best last), key -> (qty, v1 text, v2 text)
        self.keys: dict[str, list[int]] = {"a": [], "b": []}
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {"a": {}, "b": {}}
        rng = self.rng
        price = 300_000  # 30000.0
        for i in range(depth):
            price -= rng.randint(1, 3) if i else 0
            self._set("b", price, self._qty())
        price = 300_005
        for i in range(depth):
            price += rng.randint(1, 3) if i else 0
            self._set("a", price, self._qty())

    def _qty(self) -> int:
        return self.rng.randint(1, 500_000_000)

    @staticmethod
    def _strip(text: str) -> str:
        return text.replace(".", "").lstrip("0")

    def _set(self, side: str, price: int, qty: int) -> None:
        key = price if side == "b" else -price
        keys = self.keys[side]
        if key not in self.levels[side]:
            keys.insert(bisect_left(keys, key), key)
        q = format_ticks(qty, 8)
        self.levels[side][key] = (
            qty,
            self._strip(format_ticks(price * 10_000, 5)) + self._strip(q),
            self._strip(format_ticks(price, 1)) + self._strip(q),
        )

    def _delete(self, side: str, key: int) -> None:
        keys = self.keys[side]
        del keys[bisect_left(keys, key)]
        del self.levels[side][key]

    def _checksums(self) -> tuple[int, int]:
        top_a = [self.levels["a"][k] for k in self.keys["a"][:-11:-1]]
        top_b = [self.levels["b"][k] for k in self.keys["b"][:-11:-1]]
        v1 = zlib.crc32("".join([t[1] for t in top_a] + [t[1] for t in top_b]).encode())
        v2 = zlib.crc32("".join([t[2] for t in top_a] + [t[2] for t in top_b]).encode())
        return v1, v2

    def _stamp(self) -> str:
        self.now += 0.000731
        return f"{self.now:.6f}"

    def snapshots(self) -> tuple[bytes, bytes]:
        stamp = self._stamp()
        v1: dict[str, list[list[str]]] = {"as": [], "bs": []}
        v2: dict[str, Any] = {"symbol": self.V2_SYMBOL, "bids": [], "asks": []}
        for side, name1, name2 in (("a", "as", "asks"), ("b", "bs", "bids")):
            for key in self.keys[side][::-1]:
                price, qty = abs(key), self.levels[side][key][0]
                v1[name1].append([format_ticks(price * 10_000, 5), format_ticks(qty, 8), stamp])
                v2[name2].append({"price": price / 10, "qty": qty / 1e8})
        v1_sum, v2_sum = self._checksums()
        v2["checksum"] = v2_sum
        del v1_sum  # v1 snapshots carry no checksum
        return (
            orjson.dumps([336, v1, self.channel, self.V1_PAIR]),
            orjson.dumps({"channel": "book", "type": "snapshot", "data": [v2]}),
        )

    def _event(self) -> tuple[str, list[tuple[int, int, bool]]]:
        """Change the book; return the side and its ``(price, qty, republished)`` levels."""
        rng = self.rng
        side = "a" if rng.random() < 0.5 else "b"
        keys = self.keys[side]
        n = len(keys)
        rank = rng.randrange(min(10, n)) if rng.random() < 0.5 else rng.randrange(n)
        key = keys[n - 1 - rank]
        op = rng.random()
        if op < 0.25:  # delete, and republish a level beyond the worst to stay at full depth
            self._delete(side, key)
            worst = keys[0]
            new_key = worst - rng.randint(1, 3)
            qty = self._qty()
            self._set(side, abs(new_key), qty)
            return side, [(abs(key), 0, False), (abs(new_key), qty, True)]
        if op < 0.5:  # insert a level just better than this one (inside the spread for rank 0)
            if rank:
                better = keys[n - rank]
            else:  # the other side's best, as a key of this side
                other = self.keys["b" if side == "a" else "a"]
                better = -other[-1]
            if better - key > 1:
                new_key = rng.randint(key + 1, better - 1)
                qty = self._qty()
                self._set(side, abs(new_key), qty)
                dropped = keys[0]  # the book is one too deep now: the worst level falls out
                self._delete(side, dropped)
                return side, [(abs(new_key), qty, False)]
        qty = self._qty()
        self._set(side, abs(key), qty)
        return side, [(abs(key), qty, False)]

    def messages(self, count: int) -> tuple[list[bytes], list[bytes]]:
        """The next ``count`` updates, as (v1 raw texts, v2 raw texts)."""
        v1_out: list[bytes] = []
        v2_out: list[bytes] = []
        dumps = orjson.dumps
        for _ in range(count):
            side, levels = self._event()
            v1_sum, v2_sum = self._checksums()
            stamp = self._stamp()
            v1_levels: list[list[str]] = []
            v2_levels: list[dict[str, float]] = []
            for price, qty, republished in levels:
                level = [format_ticks(price * 10_000, 5), format_ticks(qty, 8), stamp]
                if republished:
                    level.append("r")
                v1_levels.append(level)
                v2_levels.append({"price": price / 10, "qty": qty / 1e8})
            v1_out.append(
                dumps([336, {side: v1_levels, "c": str(v1_sum)}, self.channel, self.V1_PAIR])
            )
            asks = v2_levels if side == "a" else []
            bids = v2_levels if side == "b" else []
            v2_out.append(
                dumps(
                    {
                        "channel": "book",
                        "type": "update",
                        "data": [
                            {
                                "symbol": self.V2_SYMBOL,
                                "bids": bids,
                                "asks": asks,
                                "checksum": v2_sum,
                                "timestamp": "2023-07-30T15:29:58.343415Z",
                            }
                        ],
                    }
                )
            )
        return v1_out, v2_out


def measure_synthetic(
    depth: int, total: int, peer_cap: int, peer_budget_s: float, overhead: float
) -> list[Table]:
    generator = Synthetic(depth, seed=20_240_000 + depth)
    snapshot_v1, snapshot_v2 = generator.snapshots()
    streams = {
        1: Stream(1, depth, {Synthetic.V1_PAIR: (5, 8)}),
        2: Stream(2, depth, {Synthetic.V2_SYMBOL: (1, 8)}),
    }
    runs: dict[int, list[Run]] = {1: [], 2: []}
    for version, stream in streams.items():
        for name, factory in DRIVERS:
            run = Run(name, array("q"))
            try:
                prime, step = factory(stream)
                prime(snapshot_v1 if version == 1 else snapshot_v2)
                run.step = step
                run.cap = total if name == "krakenkit" else min(total, peer_cap)
                run.budget_ns = (1 << 62) if name == "krakenkit" else int(peer_budget_s * 1e9)
            except Unsupported as exc:
                run.note = f"not measured: {exc}"
            except Exception as exc:
                run.note = f"failed: {type(exc).__name__}: {exc}"[:160]
            runs[version].append(run)
    chunk = 5_000
    done = 0
    while done < total:
        v1_raws, v2_raws = generator.messages(min(chunk, total - done))
        done += len(v1_raws)
        for version, raws in ((1, v1_raws), (2, v2_raws)):
            for run in runs[version]:
                if run.step is None:
                    continue
                remaining = run.cap - len(run.samples)
                try:
                    run.spent_ns += timed(
                        run.step, raws[:remaining], run.samples, run.budget_ns - run.spent_ns
                    )
                except Exception as exc:
                    run.note = f"failed: {type(exc).__name__}: {exc}"[:160]
                    run.step = None
                    continue
                if run.spent_ns > run.budget_ns or len(run.samples) >= run.cap:
                    if run.name != "krakenkit":
                        run.note = run.note or f"first {len(run.samples):,} messages (budget)"
                    run.step = None
    _pks_close()
    tables = []
    for version in (1, 2):
        table = Table(f"synthetic v{version}, depth {depth} ({total:,} updates)", COLUMNS)
        for run in runs[version]:
            metrics = summarize_ns(run.samples, overhead) if run.samples else {}
            table.rows.append(Row(run.name, metrics, run.note))
        tables.append(table)
    return tables


# --- the real captures -----------------------------------------------------------------------


def _replay_v1_btcusd() -> tuple[Stream, list[Any], list[Any]]:
    data = load_json("ws-v1-book-btcusd.json")
    snapshot = next(m for m in data["init"] if isinstance(m, list))
    updates = [orjson.dumps(m) for m in data["updates"] if isinstance(m, list)]
    return Stream(1, 10, {"XBT/USD": (1, 8)}), [orjson.dumps(snapshot)], updates


def _replay_v2_btcusd() -> tuple[Stream, list[Any], list[Any]]:
    data = load_json("ws-v2-book-btcusd.json")
    updates = [orjson.dumps(m) for m in data["updates"]]
    return Stream(2, 10, {"BTC/USD": (1, 8)}), [orjson.dumps(data["init"])], updates


def _replay_book1000() -> tuple[Stream, list[Any], list[Any]]:
    answer = rest_answer("rest-assetpairs.capture", "/0/public/AssetPairs")["result"]
    by_wsname = {
        v["wsname"]: (v["pair_decimals"], v["lot_decimals"])
        for v in answer.values()
        if "wsname" in v
    }
    primes: list[Any] = []
    updates: list[Any] = []
    pairs: dict[str, tuple[int, int]] = {}
    for line in iter_lines("ws-v1-book1000.capture"):
        if line.kind != "received" or not line.raw.startswith("["):
            continue
        message = orjson.loads(line.raw)
        pairs[message[-1]] = by_wsname[message[-1]]
        (primes if "as" in message[1] else updates).append(line.raw)
    return Stream(1, 1000, pairs), primes, updates


def run(quick: bool = False) -> list[Table]:
    total = int(os.environ.get("BENCH_BOOK_MESSAGES", "") or (50_000 if quick else 1_000_000))
    peer_cap = 20_000 if quick else 100_000
    peer_budget = 1.5 if quick else 4.0
    passes = 3 if quick else 20
    overhead = calibrate()
    tables: list[Table] = []
    for title, loader, n in (
        ("replay ws-v1-book-btcusd.json (v1, depth 10)", _replay_v1_btcusd, passes),
        ("replay ws-v2-book-btcusd.json (v2, depth 10)", _replay_v2_btcusd, passes),
        (
            "replay ws-v1-book1000.capture (v1, depth 1000, 10 pairs)",
            _replay_book1000,
            max(1, passes // 4),
        ),
    ):
        stream, primes, updates = loader()
        before = reference_ns()
        table = measure_replay(title, stream, primes, updates, n, overhead)
        after = reference_ns()
        table.footnote = (
            f"{len(updates)} updates x {n} passes; reference op {before:.0f}/{after:.0f} ns"
        )
        tables.append(table)
    for depth in (10, 100, 1000):
        before = reference_ns()
        pair = measure_synthetic(depth, total, peer_cap, peer_budget, overhead)
        after = reference_ns()
        for table in pair:
            table.footnote = f"reference op {before:.0f}/{after:.0f} ns"
        tables.extend(pair)
    for table in tables:
        table.footnote += f"; timer overhead {overhead:.0f} ns subtracted"
    return tables

"""Nonce sources: threads, processes, and clocks that stall or go backwards."""

from __future__ import annotations

import itertools
import multiprocessing
import threading
from pathlib import Path

import pytest

from krakenkit.protocol.nonce import FileNonce, MonotonicNonce, NonceSource, wall_clock_us


def _is_strictly_increasing(values: list[int]) -> bool:
    return all(a < b for a, b in itertools.pairwise(values))


def test_sources_satisfy_the_protocol(tmp_path: Path) -> None:
    assert isinstance(MonotonicNonce(), NonceSource)
    assert isinstance(FileNonce(tmp_path / "n"), NonceSource)


def test_microsecond_scale() -> None:
    before = wall_clock_us()
    value = MonotonicNonce().next()
    assert before <= value <= wall_clock_us() + 1
    assert 10**15 < value < 2**63


def test_sixteen_threads_ten_thousand_each() -> None:
    source = MonotonicNonce()
    per_thread: list[list[int]] = [[] for _ in range(16)]
    global_order: list[int] = []
    order_lock = threading.Lock()
    barrier = threading.Barrier(16)

    def work(out: list[int]) -> None:
        barrier.wait()
        for _ in range(10_000):
            out.append(source.next())

    threads = [threading.Thread(target=work, args=(out,)) for out in per_thread]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [n for out in per_thread for n in out]
    assert len(everything) == 160_000
    assert len(set(everything)) == 160_000
    for out in per_thread:
        assert _is_strictly_increasing(out)
    # the order in which the lock handed them out is the sorted order
    with order_lock:
        global_order = sorted(everything)
    assert _is_strictly_increasing(global_order)
    assert source.last == global_order[-1]


def test_clock_stepping_back_an_hour() -> None:
    ticks = iter([5_000_000_000, 5_000_000_001, 5_000_000_001 - 3_600_000_000] + [1] * 100)
    source = MonotonicNonce(clock=lambda: next(ticks))
    values = [source.next() for _ in range(50)]
    assert _is_strictly_increasing(values)
    assert values[0] == 5_000_000_000


def test_stalled_clock() -> None:
    source = MonotonicNonce(clock=lambda: 1_000)
    assert [source.next() for _ in range(5)] == [1_000, 1_001, 1_002, 1_003, 1_004]


def test_reserve_blocks_are_disjoint_and_increasing() -> None:
    source = MonotonicNonce(clock=lambda: 10)
    a = source.reserve(5)
    b = source.next()
    c = source.reserve(3)
    assert list(a) == [10, 11, 12, 13, 14]
    assert b == 15
    assert list(c) == [16, 17, 18]
    with pytest.raises(ValueError, match="at least one"):
        source.reserve(0)


def _take(path: str, count: int, queue: multiprocessing.Queue[list[int]]) -> None:
    source = FileNonce(path)
    queue.put([source.next() for _ in range(count)])


def test_four_processes_share_a_file_nonce(tmp_path: Path) -> None:
    path = str(tmp_path / "key.nonce")
    ctx = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[list[int]] = ctx.Queue()
    procs = [ctx.Process(target=_take, args=(path, 2_000, queue)) for _ in range(4)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    everything = [n for r in results for n in r]
    assert len(everything) == 8_000
    assert len(set(everything)) == 8_000
    for r in results:
        assert _is_strictly_increasing(r)
    assert int(Path(path).read_text()) == max(everything)


def test_file_nonce_restart_with_clock_behind_continues_above(tmp_path: Path) -> None:
    path = tmp_path / "key.nonce"
    first = FileNonce(path, clock=lambda: 9_000_000)
    issued = [first.next() for _ in range(3)]
    restarted = FileNonce(path, clock=lambda: 1)  # the clock went far back
    assert restarted.next() == issued[-1] + 1
    assert list(restarted.reserve(2)) == [issued[-1] + 2, issued[-1] + 3]


def test_file_nonce_creates_missing_file_and_directory(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "n"
    source = FileNonce(path, clock=lambda: 7)
    assert source.next() == 7
    assert path.read_text() == "7"
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_file_nonce_threads(tmp_path: Path) -> None:
    source = FileNonce(tmp_path / "n")
    out: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(300):
            value = source.next()
            with lock:
                out.append(value)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(out)) == 1_200

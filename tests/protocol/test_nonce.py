"""Nonce sources: threads, processes, and clocks that stall or go backwards."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from krakenkit.protocol.nonce import FileNonce, MonotonicNonce, NonceSource, wall_clock_us

HOUR_US = 3_600_000_000


def _strictly_increasing(values: list[int]) -> bool:
    return all(a < b for a, b in itertools.pairwise(values))


def _scripted_clock(readings: list[int]) -> Callable[[], int]:
    """A clock that returns ``readings`` in turn, then keeps returning the last one."""
    it: Iterator[int] = iter(readings)
    last = [readings[0]]

    def clock() -> int:
        last[0] = next(it, last[0])
        return last[0]

    return clock


def test_sources_satisfy_the_protocol(tmp_path: Path) -> None:
    assert isinstance(MonotonicNonce(), NonceSource)
    assert isinstance(FileNonce(tmp_path / "n"), NonceSource)
    assert not isinstance(object(), NonceSource)


def test_microsecond_wall_clock_scale(tmp_path: Path) -> None:
    for source in (MonotonicNonce(), FileNonce(tmp_path / "n")):
        before = wall_clock_us()
        value = source.next()
        after = wall_clock_us()
        assert before <= value <= after
        assert 10**15 < value < 2**63


# -- MonotonicNonce -------------------------------------------------------------------------------


def test_sixteen_threads_ten_thousand_each() -> None:
    # The clock is read under the source's lock, so a clock that records ``source.last`` sees the
    # values in the order the lock handed them out: that order must be strictly increasing.
    handed_out: list[int] = []

    def recording_clock() -> int:
        handed_out.append(source.last)
        return wall_clock_us()

    source = MonotonicNonce(recording_clock)
    per_thread: list[list[int]] = [[] for _ in range(16)]
    barrier = threading.Barrier(16)

    def work(out: list[int]) -> None:
        take = source.next
        barrier.wait()
        for _ in range(10_000):
            out.append(take())

    threads = [threading.Thread(target=work, args=(out,)) for out in per_thread]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [n for out in per_thread for n in out]
    assert len(everything) == 160_000
    assert len(set(everything)) == 160_000
    for out in per_thread:
        assert _strictly_increasing(out)
    global_order = [*handed_out[1:], source.last]
    assert _strictly_increasing(global_order)
    assert sorted(everything) == global_order


def test_threads_with_a_stalled_clock_get_consecutive_values() -> None:
    # every value then comes from ``last + 1``: only the lock keeps them unique
    source = MonotonicNonce(lambda: 1_000)
    results: list[list[int]] = [[] for _ in range(8)]

    def work(out: list[int]) -> None:
        for _ in range(2_000):
            out.append(source.next())

    threads = [threading.Thread(target=work, args=(out,)) for out in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(n for out in results for n in out) == list(range(1_000, 17_000))
    assert all(_strictly_increasing(out) for out in results)


def test_clock_stepping_back_an_hour() -> None:
    t0 = 1_700_000_000_000_000
    source = MonotonicNonce(_scripted_clock([t0, t0 + 5, t0 + 5 - HOUR_US, t0 - HOUR_US + 10]))
    assert [source.next() for _ in range(4)] == [t0, t0 + 5, t0 + 6, t0 + 7]
    # the clock stays an hour behind: still strictly increasing, one by one
    assert [source.next() for _ in range(3)] == [t0 + 8, t0 + 9, t0 + 10]


def test_clock_catching_up_is_followed_again() -> None:
    t0 = 1_700_000_000_000_000
    source = MonotonicNonce(_scripted_clock([t0, t0 - HOUR_US, t0 + 1_000]))
    assert [source.next() for _ in range(3)] == [t0, t0 + 1, t0 + 1_000]


def test_stalled_clock() -> None:
    source = MonotonicNonce(lambda: 1_000)
    assert [source.next() for _ in range(5)] == [1_000, 1_001, 1_002, 1_003, 1_004]
    assert source.last == 1_004


def test_start_seeds_the_sequence() -> None:
    source = MonotonicNonce(lambda: 5, start=100)
    assert source.last == 100
    assert source.next() == 101


def test_reserve_blocks_are_disjoint_and_increasing() -> None:
    source = MonotonicNonce(lambda: 10)
    assert list(source.reserve(5)) == [10, 11, 12, 13, 14]
    assert source.next() == 15
    assert list(source.reserve(3)) == [16, 17, 18]
    assert source.last == 18
    with pytest.raises(ValueError, match="at least one"):
        source.reserve(0)
    assert source.next() == 19  # a refused reservation uses nothing up


@given(
    st.lists(st.integers(1, 2**60), min_size=1, max_size=40),
    st.lists(st.integers(1, 5), min_size=1, max_size=40),
)
def test_any_clock_any_mix_of_next_and_reserve(readings: list[int], blocks: list[int]) -> None:
    source = MonotonicNonce(_scripted_clock(readings))
    issued: list[int] = []
    for n in blocks:
        issued.extend([source.next()] if n == 1 else source.reserve(n))
    assert _strictly_increasing(issued)
    assert issued[0] == readings[0]
    assert source.last == issued[-1]


# -- FileNonce ------------------------------------------------------------------------------------


def _stalled_clock() -> int:
    return 1_000


def _take(path: str, count: int, barrier: Barrier, queue: Queue[list[int]]) -> None:
    source = FileNonce(path, clock=_stalled_clock)
    barrier.wait(timeout=30)
    queue.put([source.next() for _ in range(count)])


def test_four_processes_share_a_file_nonce(tmp_path: Path) -> None:
    # A stalled clock makes every value come from the file: without the lock, two processes
    # would read the same stored value and hand out the same nonce.
    path = str(tmp_path / "key.nonce")
    ctx = multiprocessing.get_context("fork")
    queue: Queue[list[int]] = ctx.Queue()
    barrier = ctx.Barrier(4)
    procs = [ctx.Process(target=_take, args=(path, 2_000, barrier, queue)) for _ in range(4)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    everything = [n for r in results for n in r]
    assert sorted(everything) == list(range(1_000, 9_000))
    for r in results:
        assert _strictly_increasing(r)
    assert Path(path).read_text() == "8999"


def test_file_nonce_threads(tmp_path: Path) -> None:
    source = FileNonce(tmp_path / "n", clock=_stalled_clock)
    other = FileNonce(tmp_path / "n", clock=_stalled_clock)  # a second object, same file
    results: list[list[int]] = [[] for _ in range(4)]

    def work(src: FileNonce, out: list[int]) -> None:
        for _ in range(250):
            out.append(src.next())

    threads = [
        threading.Thread(target=work, args=(source if i % 2 else other, out))
        for i, out in enumerate(results)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(n for out in results for n in out) == list(range(1_000, 2_000))
    assert all(_strictly_increasing(out) for out in results)


def test_file_nonce_restart_with_clock_behind_continues_above(tmp_path: Path) -> None:
    path = tmp_path / "key.nonce"
    first = FileNonce(path, clock=lambda: 9_000_000)
    issued = [first.next() for _ in range(3)]
    assert issued == [9_000_000, 9_000_001, 9_000_002]
    del first
    restarted = FileNonce(path, clock=lambda: 9_000_000 - HOUR_US)  # the clock went back
    assert restarted.next() == 9_000_003
    assert list(restarted.reserve(2)) == [9_000_004, 9_000_005]
    assert path.read_text() == "9000005"


def test_file_nonce_follows_the_clock_when_it_is_ahead(tmp_path: Path) -> None:
    path = tmp_path / "n"
    path.write_text("500\n")  # an edited file with a newline is still read
    assert FileNonce(path, clock=lambda: 10).next() == 501
    assert FileNonce(path, clock=lambda: 10_000).next() == 10_000


def test_file_nonce_creates_missing_file_and_directory(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "n"
    source = FileNonce(path, clock=lambda: 7)
    assert not path.exists()
    assert source.path == path
    assert source.next() == 7
    assert path.read_text() == "7"
    assert path.stat().st_mode & 0o777 == 0o600


def test_file_nonce_empty_file_means_nothing_issued(tmp_path: Path) -> None:
    path = tmp_path / "n"
    path.write_bytes(b"")
    assert FileNonce(path, clock=lambda: 7, fsync=True).next() == 7


@pytest.mark.parametrize("content", [b"garbage", b"-5", b"12 34", b"9" * 40])
def test_file_nonce_refuses_a_corrupt_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "n"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="does not hold a nonce"):
        FileNonce(path, clock=lambda: 7).next()
    assert path.read_bytes() == content  # left as found


def test_file_nonce_reserve(tmp_path: Path) -> None:
    source = FileNonce(tmp_path / "n", clock=lambda: 100)
    assert list(source.reserve(4)) == [100, 101, 102, 103]
    assert source.next() == 104
    with pytest.raises(ValueError, match="at least one"):
        source.reserve(0)
    assert source.next() == 105


def test_file_nonce_does_not_leak_descriptors(tmp_path: Path) -> None:
    before = len(os.listdir("/proc/self/fd"))
    source = FileNonce(tmp_path / "n")
    for _ in range(200):
        source.next()
    assert len(os.listdir("/proc/self/fd")) == before

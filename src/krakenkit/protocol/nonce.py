"""Nonce sources: strictly increasing integers, one sequence per API key.

Kraken rejects a private call whose nonce is not greater than the last one it saw for the key
(``EAPI:Invalid nonce``; with a nonce window, within the window). Every source here returns
wall-clock *microseconds*, bumped by one whenever the clock has not moved on (or stepped back), so:

* values are strictly increasing even if the clock stalls or jumps backwards;
* a restarted process starts above what it issued before, as long as the clock has not gone back
  by more than the time since the last nonce (``FileNonce`` persists the last value, so it is safe
  even then);
* they stay far below 2**63. Kraken keeps one last nonce per key, so keep one scale per key:
  python-kraken-sdk's nonces (10 ns units) are 100 times ours and ccxt's (ms) 1000 times smaller,
  so a key moved from python-kraken-sdk to krakenkit needs a new key or a nonce window.

Sources:

``MonotonicNonce``  one process, any number of threads (a lock).
``FileNonce``       any number of processes on one host: an exclusive ``flock`` on a file that
                    stores the last value issued.
``RedisNonce``      any number of hosts (comes with the Redis scale-out work).

Strict increase of the *values* does not by itself make Kraken see them in order: two threads may
take nonces 1 and 2 and send them in the order 2, 1. The clients therefore take the nonce and send
the request under one per-key lock; see ``krakenkit.client``.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

__all__ = ["FileNonce", "MonotonicNonce", "NonceSource", "wall_clock_us"]


def wall_clock_us() -> int:
    """The wall clock in integer microseconds."""
    return time.time_ns() // 1000


@runtime_checkable
class NonceSource(Protocol):
    """Hands out strictly increasing nonces for one API key."""

    def next(self) -> int:
        """The next nonce: greater than every nonce this source returned before."""
        ...

    def reserve(self, n: int) -> range:
        """``n`` consecutive nonces at once, all greater than any returned before."""
        ...


class MonotonicNonce:
    """Thread-safe nonces for one process: ``max(clock_us, last + 1)``."""

    __slots__ = ("_clock", "_last", "_lock")

    def __init__(self, clock: Callable[[], int] = wall_clock_us, *, start: int = 0) -> None:
        self._clock = clock
        self._last = start
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            value = max(self._clock(), self._last + 1)
            self._last = value
            return value

    def reserve(self, n: int) -> range:
        if n < 1:
            raise ValueError("reserve at least one nonce")
        with self._lock:
            first = max(self._clock(), self._last + 1)
            self._last = first + n - 1
            return range(first, first + n)

    @property
    def last(self) -> int:
        """The last nonce handed out (0 before the first)."""
        return self._last


class FileNonce:
    """Nonces strictly increasing across every process on one host sharing ``path``.

    Each call takes an exclusive ``flock`` on the file, reads the last value issued, writes the new
    one and unlocks. The write is not fsynced: a power cut could lose the last value, but the wall
    clock has moved on by then; a process crash loses nothing because the page cache survives it.
    """

    __slots__ = ("_clock", "_lock", "_path")

    def __init__(self, path: str | os.PathLike[str], clock: Callable[[], int] = wall_clock_us):
        self._path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()
        self._path.parent.mkdir(parents=True, exist_ok=True)

    @property
    def path(self) -> Path:
        return self._path

    def next(self) -> int:
        return self.reserve(1).start

    def reserve(self, n: int) -> range:
        if n < 1:
            raise ValueError("reserve at least one nonce")
        with self._lock:
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    raw = os.pread(fd, 64, 0).strip()
                    last = int(raw) if raw.isdigit() else 0
                    first = max(self._clock(), last + 1)
                    end = first + n - 1
                    text = str(end).encode()
                    os.pwrite(fd, text, 0)
                    os.ftruncate(fd, len(text))
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
            return range(first, end + 1)

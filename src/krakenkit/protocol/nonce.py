"""Nonce sources: strictly increasing integers, one sequence per API key.

Kraken rejects a private call whose nonce is not greater than the last one it saw for the key
(``EAPI:Invalid nonce``; with a nonce window, within the window). The contract of every source:

* ``next()`` returns an integer greater than every value the source returned before, and
  ``reserve(n)`` a block of ``n`` consecutive such integers (for batches);
* values are wall-clock *microseconds*, bumped to ``last + 1`` whenever the clock has not moved on
  (two calls in one microsecond) or has stepped back (NTP), so they stay strictly increasing;
* because they come from the wall clock, a restarted process starts above what it issued before,
  as long as the clock has not gone back by more than the time since the last nonce. ``FileNonce``
  persists the last value, so it is safe even then;
* they stay far below 2**63. Kraken keeps one last nonce per key, so keep one scale per key:
  python-kraken-sdk's nonces (10 ns units) are 100 times ours and ccxt's (ms) 1000 times smaller,
  so a key moved from python-kraken-sdk to krakenkit needs a new key or a nonce window.

Sources:

``MonotonicNonce``  one process, any number of threads (a lock).
``FileNonce``       any number of processes on one host: an exclusive ``flock`` on a file that
                    stores the last value issued.
``RedisNonce``      any number of hosts (comes with the Redis scale-out work).

The clock is injectable (a callable returning integer microseconds) so tests can stall it or step
it back; the default reads the wall clock, the one place in ``protocol/`` that does, because a
nonce source is tied to time by definition.

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

# The stored value is at most 20 decimal digits (2**64); anything longer is not ours.
_MAX_STORED = 32


def wall_clock_us() -> int:
    """The wall clock in integer microseconds."""
    return time.time_ns() // 1000


def _check_count(n: int) -> None:
    if n < 1:
        raise ValueError("reserve at least one nonce")


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
    """Thread-safe nonces for one process: ``max(clock_us(), last + 1)``.

    The clock is read under the lock, so the order in which values are handed out is their
    numeric order.
    """

    __slots__ = ("_clock", "_last", "_lock")

    def __init__(self, clock: Callable[[], int] = wall_clock_us, *, start: int = 0) -> None:
        self._clock = clock
        self._last = start
        self._lock = threading.Lock()

    def next(self) -> int:
        return self.reserve(1).start

    def reserve(self, n: int) -> range:
        _check_count(n)
        with self._lock:
            first = max(self._clock(), self._last + 1)
            self._last = first + n - 1
        return range(first, first + n)

    @property
    def last(self) -> int:
        """The last nonce handed out (``start``, 0 by default, before the first)."""
        return self._last


class FileNonce:
    """Nonces strictly increasing across every process on one host that shares ``path``.

    Each call opens the file, takes an exclusive ``flock``, reads the last value issued, writes
    ``max(clock_us(), last + 1)`` (the end of the block for ``reserve``) and unlocks. A missing
    file (or an empty one) means nothing was issued yet; a file holding anything but a decimal
    number raises :class:`ValueError` rather than silently starting over.

    The file is opened per call, not once: ``flock`` belongs to the open file description, which a
    forked child would share with its parent, and the two would then not exclude each other.

    Durability: by default the value is not fsynced. A process crash loses nothing (the page cache
    survives it); only a power cut can lose the last value, and by the time the host is back the
    wall clock has moved far past it. Pass ``fsync=True`` to pay a disk flush per nonce anyway.
    """

    __slots__ = ("_clock", "_fsync", "_lock", "_path")

    def __init__(
        self,
        path: str | os.PathLike[str],
        clock: Callable[[], int] = wall_clock_us,
        *,
        fsync: bool = False,
    ) -> None:
        self._path = Path(path)
        self._clock = clock
        self._fsync = fsync
        # flock already excludes other open descriptions in this process; the lock spares the
        # threads of one process from queueing on the kernel lock and reopening the file.
        self._lock = threading.Lock()
        self._path.parent.mkdir(parents=True, exist_ok=True)

    @property
    def path(self) -> Path:
        return self._path

    def next(self) -> int:
        return self.reserve(1).start

    def reserve(self, n: int) -> range:
        _check_count(n)
        with self._lock:
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    first = max(self._clock(), self._read_last(fd) + 1)
                    end = first + n - 1
                    text = str(end).encode()
                    os.pwrite(fd, text, 0)
                    os.ftruncate(fd, len(text))
                    if self._fsync:
                        os.fsync(fd)
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        return range(first, end + 1)

    def _read_last(self, fd: int) -> int:
        raw = os.pread(fd, _MAX_STORED + 1, 0).strip()
        if not raw:
            return 0
        if len(raw) > _MAX_STORED or not raw.isdigit():
            raise ValueError(f"nonce file {self._path} does not hold a nonce")
        return int(raw)

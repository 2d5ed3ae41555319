"""When to try connecting again: full-jitter backoff, and Kraken's limit on connection attempts.

Both are pure (time is an argument) so tests drive them without sleeping:

* :func:`backoff_delays` yields ``uniform(0, min(cap, initial * factor**n))`` -- "full jitter",
  which spreads a crowd of clients cut off at the same moment instead of having them retry in
  lockstep.
* :class:`ConnectLimiter` keeps the attempts of the last ``window`` seconds and says how long to
  wait before the next one is allowed. Cloudflare in front of Kraken bans an IP for ten minutes
  after ~150 connection attempts in a rolling ten minutes (protocol.md §8.4). The limit is per IP,
  so every client of this process shares :data:`CONNECT_LIMITER` unless given its own.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Iterator

__all__ = ["CONNECT_LIMITER", "ConnectLimiter", "backoff_delays"]


def backoff_delays(
    *,
    initial: float = 0.5,
    factor: float = 2.0,
    cap: float = 30.0,
    rng: random.Random | None = None,
) -> Iterator[float]:
    """Endless full-jitter delays: attempt n waits ``uniform(0, min(cap, initial*factor**n))``."""
    if initial <= 0 or factor < 1 or cap < initial:
        raise ValueError("need initial > 0, factor >= 1 and cap >= initial")
    draw = (rng or random.Random()).uniform
    ceiling = initial
    while True:
        yield draw(0.0, ceiling)
        ceiling = min(cap, ceiling * factor)


class ConnectLimiter:
    """At most ``max_attempts`` connection attempts in any ``window`` seconds (thread safe)."""

    def __init__(self, max_attempts: int = 150, window: float = 600.0) -> None:
        if max_attempts < 1 or window <= 0:
            raise ValueError("need max_attempts >= 1 and window > 0")
        self.max_attempts = max_attempts
        self.window = window
        self._attempts: deque[float] = deque()
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        attempts = self._attempts
        while attempts and attempts[0] <= now - self.window:
            attempts.popleft()

    def wait_time(self, now: float) -> float:
        """Seconds until an attempt is allowed (0 when it is allowed now)."""
        with self._lock:
            self._expire(now)
            if len(self._attempts) < self.max_attempts:
                return 0.0
            return self._attempts[0] + self.window - now

    def try_acquire(self, now: float) -> float:
        """Record an attempt at ``now`` and return 0, or return the wait and record nothing."""
        with self._lock:
            self._expire(now)
            if len(self._attempts) < self.max_attempts:
                self._attempts.append(now)
                return 0.0
            return self._attempts[0] + self.window - now

    def attempts(self, now: float) -> int:
        """Attempts within the window ending at ``now``."""
        with self._lock:
            self._expire(now)
            return len(self._attempts)


#: Shared by every client of this process (the limit is per IP address).
CONNECT_LIMITER = ConnectLimiter()

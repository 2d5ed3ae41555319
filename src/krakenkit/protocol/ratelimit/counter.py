"""The one machine behind every Kraken limit: a counter that decays towards zero.

Each call raises the counter by its cost; the counter falls continuously at ``decay_per_s`` and
never below zero; a call of cost ``c`` is allowed at ``now`` while ``value(now) + c <= max_counter``
(reaching the ceiling exactly is allowed, going above it is not). A token bucket is the same thing
seen from the other side (tokens = ``max_counter - value``), so the futures budgets use it too.

The state is two numbers, :class:`CounterState` (value, updated_at), and the arithmetic is three
pure functions -- :func:`counter_value`, :func:`counter_wait`, :func:`counter_add` -- so that a
Redis/Lua port can keep one hash per key and mirror them line for line.

Floating point: a client that waits exactly :func:`counter_wait` seconds lands within a rounding
error of the moment the call becomes allowed, on either side of it. Admission therefore tolerates
:data:`TOLERANCE_S` seconds of decay (1 µs: at most ``decay_per_s * 1e-6`` over the ceiling),
which makes "wait, then send" always admitted for any clock in seconds below ~1e10 (Unix time
included), yet is far below anything Kraken could measure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from krakenkit.protocol.errors import RateLimitError

__all__ = [
    "TOLERANCE_S",
    "CounterState",
    "DecayingCounter",
    "counter_add",
    "counter_value",
    "counter_wait",
]

#: Seconds of decay that admission forgives, to absorb float rounding of ``now + wait``.
TOLERANCE_S = 1e-6


@dataclass(frozen=True, slots=True)
class CounterState:
    """All a counter remembers: its value at ``updated_at`` (seconds, caller's clock)."""

    value: float = 0.0
    updated_at: float = 0.0


def counter_value(state: CounterState, now: float, *, decay_per_s: float) -> float:
    """The counter at ``now``: decayed since ``updated_at``, floored at zero.

    A clock that goes backwards (requests handled out of order) sees no decay, never a rise.
    """
    elapsed = now - state.updated_at
    if elapsed <= 0:
        return state.value
    return max(0.0, state.value - elapsed * decay_per_s)


def counter_wait(
    state: CounterState, cost: float, now: float, *, max_counter: float, decay_per_s: float
) -> float:
    """Seconds from ``now`` until a call of ``cost`` is allowed: 0 = now, ``inf`` = never.

    A cost of zero (public calls) is always allowed; a cost above the ceiling never is.
    """
    if cost <= 0:
        return 0.0
    if cost > max_counter:
        return math.inf
    excess = counter_value(state, now, decay_per_s=decay_per_s) + cost - max_counter
    if excess <= decay_per_s * TOLERANCE_S:
        return 0.0
    return excess / decay_per_s


def counter_add(
    state: CounterState, cost: float, now: float, *, decay_per_s: float
) -> CounterState:
    """The state after charging ``cost`` at ``now`` (unconditionally; the caller decided)."""
    value = counter_value(state, now, decay_per_s=decay_per_s)
    return CounterState(value + cost, max(now, state.updated_at))


class DecayingCounter:
    """One counter with its ceiling and decay; every method takes ``now`` in seconds.

    The client paces itself with :meth:`wait_time` then :meth:`record`; the emulator enforces with
    :meth:`try_acquire` (or :meth:`acquire`, which raises Kraken's error). A refused call charges
    nothing.
    """

    #: Kraken's error string when this limit refuses a call.
    rejection: ClassVar[str] = "EAPI:Rate limit exceeded"

    __slots__ = ("decay_per_s", "max_counter", "state")

    def __init__(
        self, max_counter: float, decay_per_s: float, *, state: CounterState | None = None
    ) -> None:
        if max_counter <= 0 or decay_per_s <= 0:
            raise ValueError("max_counter and decay_per_s must be positive")
        self.max_counter = max_counter
        self.decay_per_s = decay_per_s
        self.state = state or CounterState()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(max_counter={self.max_counter}, "
            f"decay_per_s={self.decay_per_s}, state={self.state})"
        )

    def value(self, now: float) -> float:
        return counter_value(self.state, now, decay_per_s=self.decay_per_s)

    def wait_time(self, cost: float, now: float) -> float:
        """Seconds to wait before a call of ``cost`` may be sent (0 = now, ``inf`` = never)."""
        return counter_wait(
            self.state, cost, now, max_counter=self.max_counter, decay_per_s=self.decay_per_s
        )

    def record(self, cost: float, now: float) -> None:
        """Charge a call that was sent (client side: unconditionally, it is out already)."""
        if cost < 0:
            raise ValueError("cost must not be negative")
        if cost:
            self.state = counter_add(self.state, cost, now, decay_per_s=self.decay_per_s)

    def try_acquire(self, cost: float, now: float) -> bool:
        """Charge the call if it is allowed now and say whether it was (emulator side)."""
        if self.wait_time(cost, now) > 0:
            return False
        self.record(cost, now)
        return True

    def acquire(self, cost: float, now: float) -> None:
        """:meth:`try_acquire`, raising :class:`RateLimitError` with Kraken's string if refused.

        ``retry_after`` is the absolute time (same clock as ``now``) when the call would pass.
        """
        wait = self.wait_time(cost, now)
        if wait > 0:
            retry_after = now + wait if math.isfinite(wait) else None
            raise RateLimitError(self.rejection, retry_after=retry_after)
        self.record(cost, now)

    def snapshot(self) -> CounterState:
        """The state to persist (immutable, safe to keep)."""
        return self.state

    def restore(self, state: CounterState) -> None:
        self.state = state

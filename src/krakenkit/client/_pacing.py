"""Client-side pacing: wait before Kraken would refuse, using Kraken's own counter models.

The same :mod:`krakenkit.protocol.ratelimit` counters the emulator enforces with, so a client that
paces itself with the right tier is never refused by them:

* the per-key REST call counter (§8.1), charged ``endpoint.cost`` for every ``spot_rest`` call;
* the per-pair trading-engine counter (§8.2) for AddOrder, AddOrderBatch, AmendOrder, EditOrder,
  CancelOrder and CancelOrderBatch. Amend, edit and cancel cost more the younger the order, so
  the pacer remembers the pair and the time of each order this client placed (by txid and
  ``cl_ord_id``). An order it does not know is taken to be brand new (the dearest case); a cancel
  of an order it does not know (or by ``userref``) cannot be put on any pair and is not paced;
* public calls, which Kraken limits per IP (about one per second), on a counter of their own.

Usage by the send loops: ``charges = pacer.charges(endpoint, params, now)``, then repeat
``wait = pacer.reserve(charges, now)`` and sleep ``wait`` until it answers 0 (``reserve`` records
the charges only when it answers 0, atomically, so threads and tasks never over-commit), then
after the answer ``pacer.note_result(...)``. The clock is the caller's (monotonic seconds).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from krakenkit.protocol.endpoints import Endpoint
from krakenkit.protocol.ratelimit import (
    DecayingCounter,
    SpotRestCounter,
    SpotRestLimits,
    SpotTier,
    TradingKind,
    TradingLimiter,
    TradingLimits,
    transaction_cost,
)

__all__ = ["DEFAULT_SAFETY_S", "PUBLIC_LIMITS", "Charge", "Pacer"]

#: Seconds of decay kept in reserve below every ceiling (see :class:`Pacer`).
DEFAULT_SAFETY_S = 0.25

#: Public calls: a burst of 15, then one per second (Kraken limits them per IP, ~1/s).
PUBLIC_LIMITS = SpotRestLimits(15, 1.0)

_MAX_TRACKED = 10_000


@dataclass(frozen=True, slots=True)
class Charge:
    """``cost`` on one counter."""

    counter: DecayingCounter
    cost: float


@dataclass(slots=True)
class _Placed:
    pair: str
    since: float  # created or last amended, on the pacer's clock
    cl_ord_id: str | None


class Pacer:
    """The counters of one API key: REST by tier, trading per pair, public per client.

    ``rest``/``trading`` override the tier's limits. Kraken charges a call when it arrives and
    we when we send it, so the two counters drift apart by the latency jitter; ``safety``
    seconds of decay are kept below every ceiling to absorb that (0.25 s: a quarter of a call
    on a Pro key).
    """

    def __init__(
        self,
        tier: SpotTier | str = SpotTier.INTERMEDIATE,
        *,
        rest: SpotRestLimits | None = None,
        trading: TradingLimits | None = None,
        public: SpotRestLimits | None = PUBLIC_LIMITS,
        safety: float = DEFAULT_SAFETY_S,
    ) -> None:
        tier = SpotTier(tier)
        rest, trading = rest or tier.rest, trading or tier.trading
        if safety < 0:
            raise ValueError("safety must not be negative")
        # Kraken charges a call when it arrives, we when we send it: keep ``safety`` seconds of
        # decay below each ceiling, so latency jitter cannot take Kraken's counter above ours.
        self.rest = SpotRestCounter(
            SpotRestLimits(rest.max_counter - rest.decay_per_s * safety, rest.decay_per_s)
        )
        self.trading = TradingLimiter(
            TradingLimits(
                trading.threshold - trading.decay_per_s * safety,
                trading.decay_per_s,
                trading.max_open_orders,
            )
        )
        self.public = (
            None if public is None else DecayingCounter(public.max_counter, public.decay_per_s)
        )
        self._orders: dict[str, _Placed] = {}
        self._by_cl_ord_id: dict[str, str] = {}
        self._lock = threading.Lock()

    # -- what a call costs -------------------------------------------------------------------

    def charges(self, endpoint: Endpoint, params: Mapping[str, Any], now: float) -> list[Charge]:
        """The charges of one call with these (wire) parameters."""
        if not endpoint.auth:
            return [] if self.public is None else [Charge(self.public, 1)]
        if endpoint.pool == "spot_rest":
            return [Charge(self.rest, endpoint.cost)] if endpoint.cost else []
        with self._lock:
            return self._trading_charges(endpoint.name, params, now)

    def _trading_charges(self, name: str, params: Mapping[str, Any], now: float) -> list[Charge]:
        pair = str(params.get("pair") or "")
        if name == "AddOrder" and pair:
            return [Charge(self.trading.counter(pair), transaction_cost("add"))]
        if name == "AddOrderBatch" and pair:
            size = len(params.get("orders") or ()) or 1
            return [
                Charge(self.trading.counter(pair), transaction_cost("batch_add", batch_size=size))
            ]
        if name in ("AmendOrder", "EditOrder"):
            placed = self._find(params.get("txid"), params.get("cl_ord_id"))
            pair = placed.pair if placed is not None else pair
            if not pair:
                return []
            age = now - placed.since if placed is not None else 0.0
            kind: TradingKind = "amend" if name == "AmendOrder" else "edit"
            return [Charge(self.trading.counter(pair), transaction_cost(kind, [age]))]
        if name == "CancelOrder":
            placed = self._find(params.get("txid"), params.get("cl_ord_id"))
            if placed is None:
                return []
            cost = transaction_cost("cancel", [now - placed.since])
            return [Charge(self.trading.counter(placed.pair), cost)]
        if name == "CancelOrderBatch":
            ages: dict[str, list[float]] = {}
            refs = [(t, None) for t in _listed(params.get("orders"))]
            refs += [(None, c) for c in _listed(params.get("cl_ord_ids"))]
            for txid, cl_ord_id in refs:
                placed = self._find(txid, cl_ord_id)
                if placed is not None:
                    ages.setdefault(placed.pair, []).append(now - placed.since)
            return [
                Charge(self.trading.counter(p), transaction_cost("batch_cancel", a))
                for p, a in ages.items()
            ]
        return []

    def _find(self, txid: object, cl_ord_id: object) -> _Placed | None:
        if isinstance(txid, str) and txid in self._orders:
            return self._orders[txid]
        if cl_ord_id not in (None, ""):
            known = self._by_cl_ord_id.get(str(cl_ord_id))
            if known is not None:
                return self._orders.get(known)
        return None

    # -- waiting and charging ----------------------------------------------------------------

    @staticmethod
    def wait_time(charges: Sequence[Charge], now: float) -> float:
        """Seconds until every charge fits (0 = now)."""
        return max((c.counter.wait_time(c.cost, now) for c in charges), default=0.0)

    def reserve(self, charges: Sequence[Charge], now: float) -> float:
        """Record the charges and answer 0 if they fit now; else the wait, recording nothing.

        A cost above a counter's ceiling can never fit; it is recorded at once rather than wait
        forever (Kraken will refuse it, and says so).
        """
        with self._lock:
            wait = self.wait_time(charges, now)
            if wait == float("inf") or wait <= 0:
                for charge in charges:
                    charge.counter.record(charge.cost, now)
                return 0.0
            return wait

    # -- what the answers tell -----------------------------------------------------------------

    def note_result(
        self, endpoint: Endpoint, params: Mapping[str, Any], result: Any, now: float
    ) -> None:
        """Remember placed orders (pair, time) and forget cancelled ones."""
        if endpoint.pool != "spot_trading" and endpoint.name != "CancelAll":
            return
        with self._lock:
            self._note(endpoint.name, params, result, now)

    def _note(self, name: str, params: Mapping[str, Any], result: Any, now: float) -> None:
        pair = str(params.get("pair") or "")
        if not isinstance(result, Mapping):
            return
        if name == "AddOrder" and pair:
            for txid in result.get("txid") or ():
                self._track(str(txid), pair, now, params.get("cl_ord_id"))
        elif name == "AddOrderBatch" and pair:
            sent_orders, answers = params.get("orders") or (), result.get("orders") or ()
            for sent, answer in zip(sent_orders, answers, strict=False):
                if isinstance(answer, Mapping) and answer.get("txid"):
                    cl_ord_id = sent.get("cl_ord_id") if isinstance(sent, Mapping) else None
                    self._track(str(answer["txid"]), pair, now, cl_ord_id)
        elif name == "AmendOrder":
            placed = self._find(params.get("txid"), params.get("cl_ord_id"))
            if placed is not None:
                placed.since = now
        elif name == "EditOrder":
            old = self._orders.pop(str(params.get("txid")), None)
            if result.get("txid") and (old is not None or pair):
                self._track(str(result["txid"]), old.pair if old else pair, now, None)
        elif name == "CancelOrder":
            placed = self._find(params.get("txid"), params.get("cl_ord_id"))
            if placed is not None:
                self._forget(placed)
        elif name == "CancelOrderBatch":
            for txid in _listed(params.get("orders")):
                self._orders.pop(str(txid), None)
        elif name == "CancelAll":
            self._orders.clear()
            self._by_cl_ord_id.clear()

    def _track(self, txid: str, pair: str, now: float, cl_ord_id: object) -> None:
        if len(self._orders) >= _MAX_TRACKED:
            self._forget(self._orders[next(iter(self._orders))])
        ref = None if cl_ord_id in (None, "") else str(cl_ord_id)
        self._orders[txid] = _Placed(pair, now, ref)
        if ref is not None:
            self._by_cl_ord_id[ref] = txid

    def _forget(self, placed: _Placed) -> None:
        for txid, other in list(self._orders.items()):
            if other is placed:
                del self._orders[txid]
        if placed.cl_ord_id is not None:
            self._by_cl_ord_id.pop(placed.cl_ord_id, None)


def _listed(value: object) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [part for part in str(value).split(",") if part]

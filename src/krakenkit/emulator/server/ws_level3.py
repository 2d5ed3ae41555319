"""v2 ``level3``: individual orders of the top price levels, with Kraken's order-level checksum.

A :class:`Level3View` holds the orders subscribers see: every displayed order in the best
``depth`` price levels of each side. After the engine changed a pair, :meth:`Level3View.update`
diffs the engine's orders against the view and returns ``add`` / ``modify`` / ``delete`` events.
The checksum iterates the orders of the ten best levels of each side in queue order (asks first),
each contributing its price and quantity digits as in protocol.md §6.
"""

from __future__ import annotations

import zlib
from decimal import Decimal
from typing import Any

from krakenkit.emulator.engine.book import BookSide, PairBook
from krakenkit.emulator.server.ws_render import dumps, iso, quantize
from krakenkit.protocol.assets import PairInfo
from krakenkit.protocol.book import CHECKSUM_LEVELS

__all__ = ["L3_DEPTHS", "Level3View"]

L3_DEPTHS = (10, 100, 1000)

#: order id -> (price, displayed qty, time of its queue position)
Orders = dict[str, tuple[Decimal, Decimal, float]]


def _orders(side: BookSide, depth: int) -> Orders:
    out: Orders = {}
    levels = 0
    for price in side.prices():
        shown = [(o.txid, o.visible, o.priority or o.opentm) for o in side.levels[price]]
        shown = [s for s in shown if s[1] > 0]
        if not shown:
            continue
        for txid, qty, when in shown:
            out[txid] = (price, qty, when)
        levels += 1
        if levels >= depth:
            break
    return out


class Level3View:
    """The orders level3 subscribers of one ``(pair, depth)`` hold."""

    def __init__(self, pair: PairInfo, depth: int, book: PairBook) -> None:
        self.pair = pair
        self.depth = depth
        self.bids = _orders(book.bids, depth)
        self.asks = _orders(book.asks, depth)
        self._book = book

    def _entry(self, txid: str, order: tuple[Decimal, Decimal, float]) -> dict[str, Any]:
        price, qty, when = order
        return {
            "order_id": txid,
            "limit_price": quantize(price, self.pair.pair_decimals),
            "order_qty": quantize(qty, self.pair.lot_decimals),
            "timestamp": iso(when),
        }

    def checksum(self) -> int:
        pd, qd = self.pair.pair_decimals, self.pair.lot_decimals
        pscale, qscale = Decimal(10) ** pd, Decimal(10) ** qd
        parts: list[str] = []
        for side, orders in ((self._book.asks, self.asks), (self._book.bids, self.bids)):
            levels = 0
            for price in side.prices():
                queue = [o for o in side.levels[price] if o.txid in orders]
                if not queue:
                    continue
                parts.extend(
                    f"{int(price * pscale)}{int(orders[o.txid][1] * qscale)}" for o in queue
                )
                levels += 1
                if levels >= CHECKSUM_LEVELS:
                    break
        return zlib.crc32("".join(parts).encode("ascii"))

    def snapshot(self) -> str:
        entry = {
            "symbol": self.pair.symbol,
            "bids": [self._entry(t, o) for t, o in self.bids.items()],  # best first, queue order
            "asks": [self._entry(t, o) for t, o in self.asks.items()],
            "checksum": self.checksum(),
        }
        return dumps({"channel": "level3", "type": "snapshot", "data": [entry]})

    def update(self, now: float) -> str | None:
        """Diff against the engine; the update message, or None when nothing visible changed."""
        new_bids = _orders(self._book.bids, self.depth)
        new_asks = _orders(self._book.asks, self.depth)
        bids = self._diff(self.bids, new_bids, now)
        asks = self._diff(self.asks, new_asks, now)
        self.bids, self.asks = new_bids, new_asks
        if not bids and not asks:
            return None
        entry = {
            "symbol": self.pair.symbol,
            "bids": bids,
            "asks": asks,
            "checksum": self.checksum(),
            "timestamp": iso(now),
        }
        return dumps({"channel": "level3", "type": "update", "data": [entry]})

    def _diff(self, old: Orders, new: Orders, now: float) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for txid, order in old.items():
            if txid not in new:
                events.append({"event": "delete", **self._entry(txid, order)})
        for txid, order in new.items():
            before = old.get(txid)
            if before is not None and before[2] != order[2]:  # lost its queue position
                events.append({"event": "delete", **self._entry(txid, before)})
                before = None
            if before is None:
                events.append({"event": "add", **self._entry(txid, order)})
            elif before[:2] != order[:2]:
                events.append({"event": "modify", **self._entry(txid, order)})
        return events

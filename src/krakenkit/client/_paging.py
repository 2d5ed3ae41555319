"""Page cursors for the iterators, pure: what to ask for next, what is new, when to stop.

Both clients drive them the same way (``while not pages.done: feed(call(params()))``); each call
goes through the client's pacer, so iterating never outruns the rate limits.

* :class:`OffsetPages` -- ClosedOrders, TradesHistory, Ledgers: 50 entries per page from ``ofs``,
  newest first, and ``count`` of all. Entries that close while we iterate shift the pages, so an
  entry already yielded is skipped when it shows up again; iteration stops at ``count`` or at an
  empty page.
* :class:`SincePages` -- OHLC and Trades: ``since`` -> rows and ``last``. OHLC always ends with the
  still-open candle, which is not yielded (it changes); iteration stops when a page brings
  nothing new. Trades stop when a page is shorter than ``count`` (caught up).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

__all__ = ["OffsetPages", "SincePages"]


class OffsetPages:
    """Cursor over ``{key: {id: entry}, "count": n}`` pages."""

    __slots__ = ("_seen", "done", "key", "ofs")

    def __init__(self, key: Literal["closed", "trades", "ledger"]) -> None:
        self.key = key
        self.ofs = 0
        self.done = False
        self._seen: set[str] = set()

    def params(self) -> dict[str, Any]:
        return {"ofs": self.ofs}

    def feed(self, result: Mapping[str, Any]) -> list[tuple[str, Any]]:
        """The new entries of one page, in Kraken's order; advances the cursor."""
        page: Mapping[str, Any] = result.get(self.key) or {}
        count = int(result.get("count") or 0)
        self.ofs += len(page)
        if not page or self.ofs >= count:
            self.done = True
        fresh = [(k, v) for k, v in page.items() if k not in self._seen]
        self._seen.update(page)
        return fresh


def _rows(result: Mapping[str, Any]) -> list[Any]:
    """The rows of a single-pair answer, whatever the pair key (id, altname or wsname)."""
    for key, value in result.items():
        if key != "last" and isinstance(value, list):
            return value
    return []


class SincePages:
    """Cursor over ``{pair: rows, "last": ...}`` pages (OHLC or Trades)."""

    __slots__ = ("_seen", "count", "done", "kind", "since")

    def __init__(
        self, kind: Literal["ohlc", "trades"], since: int | str | None, count: int | None = None
    ) -> None:
        self.kind = kind
        self.since = since
        self.count = count
        self.done = False
        self._seen: set[Any] = set()

    def params(self) -> dict[str, Any]:
        return {} if self.since is None else {"since": self.since}

    def feed(self, result: Mapping[str, Any]) -> list[Any]:
        rows = _rows(result)
        last = result.get("last")
        if self.kind == "ohlc":
            committed = rows[:-1]  # the last row is the open candle
            fresh = [r for r in committed if r[0] not in self._seen]
            self._seen.update(r[0] for r in committed)
        else:
            fresh = [r for r in rows if _trade_key(r) not in self._seen]
            self._seen.update(_trade_key(r) for r in rows)
        limit = self.count or 1000
        caught_up = self.kind == "trades" and len(rows) < limit
        if not fresh or caught_up or last is None or str(last) == str(self.since):
            self.done = True
        self.since = last if last is not None else self.since
        return fresh


def _trade_key(row: Any) -> Any:
    # [price, volume, time, side, type, misc, trade_id]; older answers had no trade_id
    return row[6] if len(row) > 6 else tuple(str(v) for v in row)

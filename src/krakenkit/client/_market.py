"""Public market-data methods, written once for both clients (``R`` is the result or its awaitable).

Every method takes keyword-only arguments named as Kraken names them, plus ``extra`` for fields
Kraken adds tomorrow, and passes its ``locals()`` to :meth:`Calls._call`, which renames, checks
and sends them. Results are Kraken's ``result`` object, numbers with a fraction as ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from krakenkit.client._base import Calls, R

__all__ = ["Extra", "MarketMethods", "Names"]

Extra = Mapping[str, Any] | None
#: One name or several (sent as Kraken's comma list).
Names = str | Sequence[str]
Interval = Literal[1, 5, 15, 30, 60, 240, 1440, 10080, 21600]


class MarketMethods(Calls[R]):
    """``/0/public/*``: no key needed."""

    def time(self, *, extra: Extra = None) -> R:
        """The server's time: ``{"unixtime": ..., "rfc1123": ...}`` (Time)."""
        return self._call("Time", locals())

    def system_status(self, *, extra: Extra = None) -> R:
        """``online``, ``maintenance``, ``cancel_only`` or ``post_only`` (SystemStatus)."""
        return self._call("SystemStatus", locals())

    def assets(
        self, *, asset: Names | None = None, aclass: str | None = None, extra: Extra = None
    ) -> R:
        """Asset ids, altnames and decimals (Assets)."""
        return self._call("Assets", locals())

    def asset_pairs(
        self,
        *,
        pair: Names | None = None,
        info: Literal["info", "leverage", "fees", "margin"] | None = None,
        aclass_base: str | None = None,
        country_code: str | None = None,
        execution_venue: str | None = None,
        extra: Extra = None,
    ) -> R:
        """Pairs with their names, precision, minimums and fee tiers (AssetPairs)."""
        return self._call("AssetPairs", locals())

    def ticker(
        self, *, pair: Names | None = None, asset_class: str | None = None, extra: Extra = None
    ) -> R:
        """Tickers keyed by pair id, of the pairs named or of all (Ticker)."""
        return self._call("Ticker", locals())

    def ohlc(
        self,
        *,
        pair: str,
        interval: Interval | None = None,
        since: int | str | None = None,
        asset_class: str | None = None,
        extra: Extra = None,
    ) -> R:
        """Up to 720 candles and ``last`` (OHLC); the final row is the still-open candle."""
        return self._call("OHLC", locals())

    def depth(
        self,
        *,
        pair: str,
        count: int | None = None,
        asset_class: str | None = None,
        extra: Extra = None,
    ) -> R:
        """The order book, up to 500 levels a side (Depth)."""
        return self._call("Depth", locals())

    def trades(
        self,
        *,
        pair: str,
        since: int | str | None = None,
        count: int | None = None,
        asset_class: str | None = None,
        extra: Extra = None,
    ) -> R:
        """Recent public trades and ``last``, the id to pass as ``since`` next (Trades)."""
        return self._call("Trades", locals())

    def spread(
        self,
        *,
        pair: str,
        since: int | str | None = None,
        asset_class: str | None = None,
        extra: Extra = None,
    ) -> R:
        """Recent best bid and ask (Spread)."""
        return self._call("Spread", locals())

    def grouped_book(
        self,
        *,
        pair: str,
        depth: int | None = None,
        grouping: int | None = None,
        extra: Extra = None,
    ) -> R:
        """The book grouped by ``grouping`` ticks per level (GroupedBook)."""
        return self._call("GroupedBook", locals())

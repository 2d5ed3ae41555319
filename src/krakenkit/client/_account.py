"""Private account-data methods (balances, orders, trades, ledgers), for both clients."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from krakenkit.client._base import Calls, R
from krakenkit.client._market import Extra, Names

__all__ = ["AccountMethods", "Time"]

#: A unix time (seconds) or, where Kraken allows it, a txid / ledger id to start or end at.
Time = int | Decimal | str


class AccountMethods(Calls[R]):
    """``/0/private/*`` reads of the account."""

    def balance(self, *, extra: Extra = None) -> R:
        """Balances by asset id, net of pending withdrawals (Balance)."""
        return self._call("Balance", locals())

    def balance_ex(self, *, extra: Extra = None) -> R:
        """Balances with the amounts held by open orders (BalanceEx)."""
        return self._call("BalanceEx", locals())

    def trade_balance(self, *, asset: str | None = None, extra: Extra = None) -> R:
        """The margin account summary in ``asset`` (TradeBalance)."""
        return self._call("TradeBalance", locals())

    def open_orders(
        self,
        *,
        trades: bool | None = None,
        userref: int | None = None,
        cl_ord_id: str | None = None,
        extra: Extra = None,
    ) -> R:
        """``{"open": {txid: order}}`` (OpenOrders)."""
        return self._call("OpenOrders", locals())

    def closed_orders(
        self,
        *,
        trades: bool | None = None,
        userref: int | None = None,
        cl_ord_id: str | None = None,
        start: Time | None = None,
        end: Time | None = None,
        ofs: int | None = None,
        closetime: Literal["open", "close", "both"] | None = None,
        consolidate_taker: bool | None = None,
        extra: Extra = None,
    ) -> R:
        """``{"closed": {txid: order}, "count": n}``, 50 per page from ``ofs`` (ClosedOrders)."""
        return self._call("ClosedOrders", locals())

    def query_orders(
        self,
        *,
        txid: Names,
        trades: bool | None = None,
        userref: int | None = None,
        consolidate_taker: bool | None = None,
        extra: Extra = None,
    ) -> R:
        """Orders by txid, ``{txid: order}`` (QueryOrders)."""
        return self._call("QueryOrders", locals())

    def order_amends(self, *, order_id: str, extra: Extra = None) -> R:
        """An order's amend history (OrderAmends)."""
        return self._call("OrderAmends", locals())

    def trades_history(
        self,
        *,
        type: str | None = None,
        trades: bool | None = None,
        start: Time | None = None,
        end: Time | None = None,
        ofs: int | None = None,
        consolidate_taker: bool | None = None,
        ledgers: bool | None = None,
        extra: Extra = None,
    ) -> R:
        """``{"trades": {txid: trade}, "count": n}``, 50 per page (TradesHistory)."""
        return self._call("TradesHistory", locals())

    def query_trades(self, *, txid: Names, trades: bool | None = None, extra: Extra = None) -> R:
        """Trades by txid, up to 20 (QueryTrades)."""
        return self._call("QueryTrades", locals())

    def open_positions(
        self,
        *,
        txid: Names | None = None,
        docalcs: bool | None = None,
        consolidation: Literal["market"] | None = None,
        extra: Extra = None,
    ) -> R:
        """Open margin positions (OpenPositions); a list with ``consolidation="market"``."""
        return self._call("OpenPositions", locals())

    def ledgers(
        self,
        *,
        asset: Names | None = None,
        aclass: str | None = None,
        type: str | None = None,
        start: Time | None = None,
        end: Time | None = None,
        ofs: int | None = None,
        extra: Extra = None,
    ) -> R:
        """``{"ledger": {id: entry}, "count": n}``, 50 per page (Ledgers)."""
        return self._call("Ledgers", locals())

    def query_ledgers(self, *, id: Names, trades: bool | None = None, extra: Extra = None) -> R:
        """Ledger entries by id, up to 20 (QueryLedgers)."""
        return self._call("QueryLedgers", locals())

    def trade_volume(
        self, *, pair: Names | None = None, fee_info: bool | None = None, extra: Extra = None
    ) -> R:
        """30-day volume and fee tiers of ``pair`` (TradeVolume; ``fee_info`` is ``fee-info``)."""
        return self._call("TradeVolume", locals())

    # -- exports -----------------------------------------------------------------------------

    def add_export(
        self,
        *,
        report: Literal["trades", "ledgers"],
        description: str,
        format: Literal["CSV", "TSV"] | None = None,
        fields: str | None = None,
        starttm: int | None = None,
        endtm: int | None = None,
        extra: Extra = None,
    ) -> R:
        """Request a trades or ledgers report (AddExport)."""
        return self._call("AddExport", locals())

    def export_status(self, *, report: Literal["trades", "ledgers"], extra: Extra = None) -> R:
        """Status of requested reports (ExportStatus)."""
        return self._call("ExportStatus", locals())

    def retrieve_export(self, *, id: str, extra: Extra = None) -> R:
        """A finished report: the zip file's bytes (RetrieveExport)."""
        return self._call("RetrieveExport", locals())

    def remove_export(
        self, *, id: str, type: Literal["cancel", "delete"], extra: Extra = None
    ) -> R:
        """Cancel or delete a report (RemoveExport)."""
        return self._call("RemoveExport", locals())

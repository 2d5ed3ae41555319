"""Every Kraken REST endpoint, spot and futures, declared once as data.

The clients generate their methods, the CLI its commands and the emulator its routes from these
tables, so an endpoint exists everywhere or nowhere, with one path, one rate cost and one parameter
list. An :class:`Endpoint` holds only facts about Kraken (protocol.md §1.2-1.3, §3.1, §3.5, §8);
how a client encodes a request or the emulator answers it lives with them.

Conventions:

* ``params`` are Kraken's wire names (``fee-info``, ``close[ordertype]``, ``cliOrdId``), path
  placeholders included. Spot private bodies also carry ``nonce`` and optionally ``otp``
  (:data:`SPOT_AUTH_PARAMS`); the signer adds them, so no endpoint lists them.
* ``one_of`` lists groups of which at least one parameter is required (``txid`` or
  ``cl_ord_id``).
* ``cost`` is the fixed part of the call's rate cost and ``pool`` the limiter that charges it.
  ``spot_rest`` is the per-key call counter (§8.1: +1, +2 for Ledgers, QueryLedgers and
  TradesHistory). Order calls go to ``spot_trading``, the per-pair trading-engine counter (§8.2),
  and cost 0 here. ``futures_derivatives`` is the 500-per-10-s budget and ``futures_history`` the
  100-token history pool (§8.3). Public endpoints have no pool and cost 0 (Kraken limits them by
  IP). :func:`request_cost` adds what depends on the request (futures ``fills`` with
  ``lastFillTime``, ``batchorder`` by batch size, ``account-log`` by ``count``). §8.3 does not
  price every futures call: the unlisted private ones cost 2 for reads and 10 for writes here,
  the price of their nearest listed neighbours.
* ``json_body`` marks the spot calls clients send as JSON because their parameters nest
  (AddOrderBatch, CancelOrderBatch, Earn/Strategies). Futures ``batchorder`` is a form field
  ``json`` holding JSON text, so it is not a JSON body.
* Futures paths are full paths on ``futures.kraken.com`` (``/derivatives/api/v3/...``,
  ``/api/history/v2/...``, ``/api/charts/v1/...``) with ``{name}`` placeholders; a futures ``name``
  is the path after its version (``tickers/{symbol}``; ``history/...`` and ``charts/...`` for those
  APIs). GET and PUT share some paths, so futures names are unique per HTTP method only.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal
from urllib.parse import quote

from krakenkit.protocol.errors import InvalidArguments, UnknownMethod

__all__ = [
    "FUTURES_BY_PATH",
    "FUTURES_ENDPOINTS",
    "SPOT_AUTH_PARAMS",
    "SPOT_BY_NAME",
    "SPOT_ENDPOINTS",
    "Api",
    "Endpoint",
    "HttpMethod",
    "Pool",
    "futures_endpoint",
    "request_cost",
    "spot_endpoint",
]

Api = Literal["spot", "futures"]
HttpMethod = Literal["GET", "POST", "PUT"]
Pool = Literal["spot_rest", "spot_trading", "futures_derivatives", "futures_history"]

#: Fields every spot private body carries besides the endpoint's own ``params``.
SPOT_AUTH_PARAMS: tuple[str, ...] = ("nonce", "otp")

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_SPOT_CATEGORIES = frozenset(
    {"market", "account", "trading", "funding", "subaccounts", "earn", "export"}
)
_FUTURES_CATEGORIES = frozenset({"market", "account", "trading", "funding", "history"})


def _path_regex(path: str) -> re.Pattern[str]:
    """``/tickers/{symbol}`` -> ``^/tickers/(?P<symbol>[^/]+)$``."""
    pieces: list[str] = []
    last = 0
    for match in _PLACEHOLDER.finditer(path):
        pieces += [re.escape(path[last : match.start()]), f"(?P<{match[1]}>[^/]+)"]
        last = match.end()
    pieces.append(re.escape(path[last:]))
    return re.compile("^" + "".join(pieces) + "$")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One REST endpoint; see the module docstring for the meaning of each field."""

    name: str
    api: Api
    http_method: HttpMethod
    path: str
    auth: bool
    cost: int
    pool: Pool | None
    params: tuple[str, ...]
    required: tuple[str, ...]
    json_body: bool
    python_name: str
    category: str
    doc: str
    one_of: tuple[tuple[str, ...], ...] = ()
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        known = set(self.params)
        problems = [f"required {p!r} not in params" for p in self.required if p not in known]
        problems += [f"path {p!r} not required" for p in self.path_params if p not in self.required]
        problems += [
            f"one_of {p!r} not in params" for group in self.one_of for p in group if p not in known
        ]
        if len(known) != len(self.params):
            problems.append("duplicate params")
        if not _SNAKE.match(self.python_name) or keyword.iskeyword(self.python_name):
            problems.append(f"python_name {self.python_name!r} is not a snake_case identifier")
        categories = _SPOT_CATEGORIES if self.api == "spot" else _FUTURES_CATEGORIES
        if self.category not in categories:
            problems.append(f"unknown category {self.category!r}")
        if self.auth != (self.pool is not None):
            problems.append("private endpoints have a pool, public ones none")
        if problems:
            raise ValueError(f"endpoint {self.api} {self.name}: {'; '.join(problems)}")
        object.__setattr__(self, "_pattern", _path_regex(self.path))

    @property
    def path_params(self) -> tuple[str, ...]:
        """The ``{placeholders}`` of the path, in order."""
        return tuple(_PLACEHOLDER.findall(self.path))

    def format_path(self, **values: str) -> str:
        """The concrete path: ``tickers/{symbol}`` with ``symbol="PF_XBTUSD"``, URL-quoted."""
        missing = [name for name in self.path_params if not values.get(name)]
        if missing:
            raise InvalidArguments(f"requiredArgumentMissing: {', '.join(missing)}")
        return _PLACEHOLDER.sub(lambda m: quote(str(values[m[1]]), safe=""), self.path)

    def match_path(self, path: str) -> dict[str, str] | None:
        """The path parameters if ``path`` is a concrete form of this endpoint's path, else None."""
        match = self._pattern.match(path)
        return None if match is None else match.groupdict()

    def missing(self, params: Mapping[str, object]) -> tuple[str, ...]:
        """Required parameters absent from ``params``; an unmet group reads ``"txid|cl_ord_id"``."""
        absent = [name for name in self.required if params.get(name) in (None, "")]
        absent += [
            "|".join(group)
            for group in self.one_of
            if all(params.get(name) in (None, "") for name in group)
        ]
        return tuple(absent)


def _spec(spec: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``"pair* interval since"`` -> (all names, required names); ``*`` marks a required one."""
    words = spec.split()
    params = tuple(w.rstrip("*") for w in words)
    required = tuple(w.rstrip("*") for w in words if w.endswith("*"))
    return params, required


# --- spot ------------------------------------------------------------------------------------

# Rows: (Kraken name, python name, category, doc, params). Category "market" is public (GET
# /0/public/<name>); every other row is private (POST /0/private/<name>). A "*" marks a required
# parameter.
_ADD_ORDER = (
    "ordertype* type* volume* pair* userref cl_ord_id displayvol asset_class price price2 "
    "trigger leverage reduce_only stptype oflags timeinforce starttm expiretm close[ordertype] "
    "close[price] close[price2] deadline validate broker"
)
_FUNDING_STATUS = "asset aclass method start end cursor limit"

# fmt: off
_SPOT_ROWS: tuple[tuple[str, str, str, str, str], ...] = (
    # market data (§1.2)
    ("Time", "get_server_time", "market", "The server's time.", ""),
    ("SystemStatus", "get_system_status", "market", "online, maintenance or a limited mode.",
     ""),
    ("Assets", "get_assets", "market", "Asset ids, altnames and decimals.", "asset aclass"),
    ("AssetPairs", "get_asset_pairs", "market", "Pairs: names, precision, minimums, fee tiers.",
     "pair info aclass_base country_code execution_venue"),
    ("Ticker", "get_ticker", "market", "Ticker of one, several or all pairs.", "pair asset_class"),
    ("OHLC", "get_ohlc", "market", "Up to 720 candles.", "pair* interval since asset_class"),
    ("Depth", "get_order_book", "market", "Order book, up to 500 levels.",
     "pair* count asset_class"),
    ("Trades", "get_recent_trades", "market", "Up to 1000 recent trades.",
     "pair* since count asset_class"),
    ("Spread", "get_recent_spreads", "market", "Recent best bid/ask.", "pair* since asset_class"),
    ("GroupedBook", "get_grouped_book", "market", "Order book grouped by ticks.",
     "pair* depth grouping"),
    # account data (§1.3)
    ("Balance", "get_balance", "account", "Balances net of pending withdrawals.", ""),
    ("BalanceEx", "get_extended_balance", "account", "Balances with amounts held.", ""),
    ("TradeBalance", "get_trade_balance", "account", "Margin account summary.", "asset"),
    ("OpenOrders", "get_open_orders", "account", "Open orders.", "trades userref cl_ord_id"),
    ("ClosedOrders", "get_closed_orders", "account", "Closed orders, 50 per page.",
     "trades userref cl_ord_id start end ofs closetime consolidate_taker"),
    ("QueryOrders", "query_orders", "account", "Orders by txid.",
     "txid* trades userref consolidate_taker"),
    ("OrderAmends", "get_order_amends", "account", "An order's amend history.", "order_id*"),
    ("TradesHistory", "get_trades_history", "account", "Own trades, 50 per page.",
     "type trades start end ofs consolidate_taker ledgers"),
    ("QueryTrades", "query_trades", "account", "Trades by txid (up to 20).", "txid* trades"),
    ("OpenPositions", "get_open_positions", "account", "Open margin positions.",
     "txid docalcs consolidation"),
    ("Ledgers", "get_ledgers", "account", "Ledger entries, 50 per page.",
     "asset aclass type start end ofs"),
    ("QueryLedgers", "query_ledgers", "account", "Ledger entries by id (up to 20).", "id* trades"),
    ("TradeVolume", "get_trade_volume", "account", "30-day volume and fee tiers.", "pair fee-info"),
    # exports (§1.3)
    ("AddExport", "add_export", "export", "Request a trades or ledgers report.",
     "report* format description* fields starttm endtm"),
    ("ExportStatus", "get_export_status", "export", "Status of requested reports.", "report*"),
    ("RetrieveExport", "retrieve_export", "export", "Download a report (zip).", "id*"),
    ("RemoveExport", "remove_export", "export", "Cancel or delete a report.", "id* type*"),
    # trading (§1.3)
    ("AddOrder", "add_order", "trading", "Place an order.", _ADD_ORDER),
    ("AddOrderBatch", "add_order_batch", "trading", "Place 2 to 15 orders on one pair.",
     "orders* pair* deadline validate asset_class"),
    ("AmendOrder", "amend_order", "trading", "Change an order in place, keeping its priority.",
     "txid cl_ord_id order_qty display_qty limit_price trigger_price pair post_only deadline"),
    ("EditOrder", "edit_order", "trading", "Cancel and replace an order (new txid).",
     "txid* pair* volume displayvol price price2 oflags deadline cancel_response validate "
     "userref asset_class"),
    ("CancelOrder", "cancel_order", "trading", "Cancel orders by txid, userref or cl_ord_id.",
     "txid cl_ord_id"),
    ("CancelAll", "cancel_all_orders", "trading", "Cancel every open order.", ""),
    ("CancelAllOrdersAfter", "cancel_all_orders_after", "trading",
     "Dead man's switch: cancel everything after a timeout (0 disables).", "timeout*"),
    ("CancelOrderBatch", "cancel_order_batch", "trading", "Cancel up to 50 orders.",
     "orders cl_ord_ids"),
    ("GetWebSocketsToken", "get_websockets_token", "trading", "A token for private WS feeds.", ""),
    # funding (§1.3)
    ("DepositMethods", "get_deposit_methods", "funding", "Deposit methods.", "asset* aclass"),
    ("DepositAddresses", "get_deposit_addresses", "funding", "Deposit addresses, or a new one.",
     "asset* method* new amount"),
    ("DepositStatus", "get_deposit_status", "funding", "Recent deposits.", _FUNDING_STATUS),
    ("WithdrawMethods", "get_withdraw_methods", "funding", "Withdrawal methods.",
     "asset aclass network"),
    ("WithdrawAddresses", "get_withdraw_addresses", "funding", "Withdrawal addresses.",
     "asset aclass method key verified"),
    ("WithdrawInfo", "get_withdraw_info", "funding", "Fee and limit of a withdrawal.",
     "asset* key* amount*"),
    ("Withdraw", "withdraw", "funding", "Withdraw funds.", "asset* key* amount* address max_fee"),
    ("WithdrawStatus", "get_withdraw_status", "funding", "Recent withdrawals.", _FUNDING_STATUS),
    ("WithdrawCancel", "cancel_withdraw", "funding", "Cancel a withdrawal.", "asset* refid*"),
    ("WalletTransfer", "wallet_transfer", "funding", "Move funds from spot to futures wallet.",
     "asset* from* to* amount*"),
    # subaccounts (§1.3)
    ("CreateSubaccount", "create_subaccount", "subaccounts", "Create a subaccount.",
     "username* email*"),
    ("AccountTransfer", "account_transfer", "subaccounts", "Move funds between accounts.",
     "asset* amount* from* to*"),
    # earn (§1.3)
    ("Earn/Allocate", "allocate_earn_funds", "earn", "Allocate to a strategy.",
     "strategy_id* amount*"),
    ("Earn/Deallocate", "deallocate_earn_funds", "earn", "Deallocate from a strategy.",
     "strategy_id* amount*"),
    ("Earn/AllocateStatus", "get_allocation_status", "earn", "Is an allocation pending.",
     "strategy_id*"),
    ("Earn/DeallocateStatus", "get_deallocation_status", "earn", "Is a deallocation pending.",
     "strategy_id*"),
    ("Earn/Strategies", "list_earn_strategies", "earn", "Earn strategies available.",
     "asset lock_type cursor limit ascending"),
    ("Earn/Allocations", "list_earn_allocations", "earn", "Current allocations.",
     "ascending converted_asset hide_zero_allocations"),
)
# fmt: on

#: Counted by the per-pair trading-engine limiter (§8.2), not the call counter.
_SPOT_TRADING_ENGINE = frozenset(
    {"AddOrder", "AddOrderBatch", "AmendOrder", "EditOrder", "CancelOrder", "CancelOrderBatch"}
)
_SPOT_COST_2 = frozenset({"Ledgers", "QueryLedgers", "TradesHistory"})  # §8.1
_SPOT_JSON_BODY = frozenset({"AddOrderBatch", "CancelOrderBatch", "Earn/Strategies"})
_SPOT_ONE_OF: dict[str, tuple[tuple[str, ...], ...]] = {
    "AmendOrder": (("txid", "cl_ord_id"),),
    "CancelOrder": (("txid", "cl_ord_id"),),
    "CancelOrderBatch": (("orders", "cl_ord_ids"),),
}


def _spot(name: str, python_name: str, category: str, doc: str, spec: str) -> Endpoint:
    params, required = _spec(spec)
    private = category != "market"
    pool: Pool | None = None
    cost = 0
    if private:
        pool = "spot_trading" if name in _SPOT_TRADING_ENGINE else "spot_rest"
        cost = 0 if name in _SPOT_TRADING_ENGINE else 2 if name in _SPOT_COST_2 else 1
    return Endpoint(
        name=name,
        api="spot",
        http_method="POST" if private else "GET",
        path=f"/0/{'private' if private else 'public'}/{name}",
        auth=private,
        cost=cost,
        pool=pool,
        params=params,
        required=required,
        json_body=name in _SPOT_JSON_BODY,
        python_name=python_name,
        category=category,
        doc=doc,
        one_of=_SPOT_ONE_OF.get(name, ()),
    )


SPOT_ENDPOINTS: tuple[Endpoint, ...] = tuple(_spot(*row) for row in _SPOT_ROWS)

#: Spot endpoints by Kraken method name (``AddOrder``, ``Earn/Allocate``).
SPOT_BY_NAME: Mapping[str, Endpoint] = MappingProxyType({e.name: e for e in SPOT_ENDPOINTS})


def spot_endpoint(name: str, *, private: bool | None = None) -> Endpoint:
    """The spot endpoint for a method name, as ``/0/public/<name>`` or ``/0/private/<name>``.

    Raises ``UnknownMethod("EGeneral:Unknown method")`` for an unknown name, or when ``private`` is
    given and the endpoint is on the other side (``/0/public/Balance`` does not exist).
    """
    endpoint = SPOT_BY_NAME.get(name)
    if endpoint is None or (private is not None and endpoint.auth != private):
        raise UnknownMethod("EGeneral:Unknown method")
    return endpoint


# --- futures ---------------------------------------------------------------------------------

_V3 = "/derivatives/api/v3"
_V4 = "/derivatives/api/v4"
_HISTORY = "/api/history/v2"
_CHARTS = "/api/charts/v1"
_MARKET_EVENTS = "symbol* since before sort continuation_token count"
_ORDER_EVENTS = "since before sort continuation_token count tradeable opened closed"
_SEND_ORDER = (
    "orderType* symbol* side* size* limitPrice stopPrice cliOrdId triggerSignal reduceOnly "
    "trailingStopMaxDeviation trailingStopDeviationUnit limitPriceOffsetValue "
    "limitPriceOffsetUnit processBefore broker"
)
_EDIT_ORDER = (
    "orderId cliOrdId size limitPrice stopPrice trailingStopMaxDeviation "
    "trailingStopDeviationUnit qtyMode processBefore"
)
_ASSIGNMENT = (
    "contractType* contract maxSize maxPosition acceptLong* acceptShort* timeFrame* enabled*"
)

# Rows: (HTTP method, path, python name, category, cost, doc, params). A cost of None marks a
# public endpoint; private /api/history/v2 rows are charged to the history pool (§8.3).
# fmt: off
_FUTURES_ROWS: tuple[tuple[HttpMethod, str, str, str, int | None, str, str], ...] = (
    # public market data (§3.1)
    ("GET", f"{_V3}/tickers", "get_tickers", "market", None, "Tickers of all contracts.", ""),
    ("GET", f"{_V3}/tickers/{{symbol}}", "get_ticker", "market", None, "Ticker of a contract.",
     "symbol*"),
    ("GET", f"{_V3}/orderbook", "get_orderbook", "market", None, "A contract's order book.",
     "symbol*"),
    ("GET", f"{_V3}/instruments", "get_instruments", "market", None, "Contract specs.", ""),
    ("GET", f"{_V3}/instruments/status", "get_instruments_status", "market", None,
     "Status of every contract.", ""),
    ("GET", f"{_V3}/instruments/{{symbol}}/status", "get_instrument_status", "market", None,
     "Status of one contract.", "symbol*"),
    ("GET", f"{_V3}/history", "get_trade_history", "market", None, "Last 100 trades.",
     "symbol* lastTime"),
    ("GET", f"{_V3}/feeschedules", "get_fee_schedules", "market", None, "Fee schedules.", ""),
    ("GET", f"{_V4}/historicalfundingrates", "get_historical_funding_rates", "market", None,
     "Funding rates of a perpetual.", "symbol*"),
    ("GET", f"{_CHARTS}/{{tick_type}}", "get_chart_symbols", "market", None,
     "Symbols with candles.", "tick_type*"),
    ("GET", f"{_CHARTS}/{{tick_type}}/{{symbol}}", "get_chart_resolutions", "market", None,
     "Candle resolutions of a symbol.", "tick_type* symbol*"),
    ("GET", f"{_CHARTS}/{{tick_type}}/{{symbol}}/{{resolution}}", "get_ohlc", "market", None,
     "Candles of trade, mark or spot prices.", "tick_type* symbol* resolution* from to"),
    ("GET", f"{_HISTORY}/market/{{symbol}}/executions", "get_public_executions", "history", None,
     "A market's trades.", _MARKET_EVENTS),
    ("GET", f"{_HISTORY}/market/{{symbol}}/orders", "get_public_order_events", "history", None,
     "A market's order events.", _MARKET_EVENTS),
    ("GET", f"{_HISTORY}/market/{{symbol}}/price", "get_public_price_events", "history", None,
     "A market's price events.", _MARKET_EVENTS),
    # account (§3.1; costs §8.3, unlisted ones 2 for reads and 10 for writes)
    ("GET", f"{_V3}/accounts", "get_accounts", "account", 2, "Wallets and margin.", ""),
    ("GET", f"{_V3}/openpositions", "get_open_positions", "account", 2, "Open positions.", ""),
    ("GET", f"{_V3}/notifications", "get_notifications", "account", 2, "Notices.", ""),
    ("GET", f"{_V3}/leveragepreferences", "get_leverage_preferences", "account", 2,
     "Max leverage per contract.", ""),
    ("PUT", f"{_V3}/leveragepreferences", "set_leverage_preferences", "account", 10,
     "Set a contract's max leverage, or cross margin.", "symbol* maxLeverage"),
    ("GET", f"{_V3}/pnlpreferences", "get_pnl_preferences", "account", 2, "PnL currencies.", ""),
    ("PUT", f"{_V3}/pnlpreferences", "set_pnl_preferences", "account", 10,
     "Set a contract's PnL currency.", "symbol* pnlPreference*"),
    ("GET", f"{_V3}/unwindqueue", "get_unwind_queue", "account", 200, "Unwind queue place.", ""),
    ("GET", f"{_V3}/subaccounts", "get_subaccounts", "account", 2, "Subaccounts.", ""),
    ("GET", f"{_V3}/subaccount/{{subaccountUid}}/trading-enabled",
     "get_subaccount_trading_status", "account", 2, "May a subaccount trade.", "subaccountUid*"),
    ("PUT", f"{_V3}/subaccount/{{subaccountUid}}/trading-enabled",
     "set_subaccount_trading_status", "account", 2, "Allow or forbid a subaccount to trade.",
     "subaccountUid* tradingEnabled*"),
    ("GET", f"{_V3}/feeschedules/volumes", "get_fee_schedule_volumes", "account", 2,
     "30-day volume per fee schedule.", ""),
    ("GET", f"{_V3}/assignmentprogram/current", "get_assignment_preferences", "account", 2,
     "Active assignment program preferences.", ""),
    ("GET", f"{_V3}/assignmentprogram/history", "get_assignment_preference_history", "account",
     2, "Assignment program preference changes.", ""),
    ("POST", f"{_V3}/assignmentprogram/add", "add_assignment_preference", "account", 10,
     "Join the assignment program for a scope.", _ASSIGNMENT),
    ("POST", f"{_V3}/assignmentprogram/delete", "delete_assignment_preference", "account", 10,
     "Remove an assignment program preference.", "id*"),
    ("GET", f"{_V3}/self-trade-strategy", "get_self_trade_strategy", "account", 2,
     "Account-wide self-trade behaviour.", ""),
    ("PUT", f"{_V3}/self-trade-strategy", "set_self_trade_strategy", "account", 2,
     "Set the self-trade behaviour.", "strategy*"),
    # trading (§3.5)
    ("POST", f"{_V3}/sendorder", "send_order", "trading", 10, "Place an order.", _SEND_ORDER),
    ("POST", f"{_V3}/editorder", "edit_order", "trading", 10, "Change an open order.",
     _EDIT_ORDER),
    ("POST", f"{_V3}/cancelorder", "cancel_order", "trading", 10, "Cancel an order.",
     "order_id cliOrdId processBefore"),
    ("POST", f"{_V3}/cancelallorders", "cancel_all_orders", "trading", 25,
     "Cancel all orders, or a contract's.", "symbol"),
    ("POST", f"{_V3}/cancelallordersafter", "cancel_all_orders_after", "trading", 25,
     "Dead man's switch: cancel everything after a timeout (0 disables).", "timeout*"),
    ("POST", f"{_V3}/batchorder", "batch_order", "trading", 9,
     "Send, edit and cancel orders at once (JSON text in form field json).",
     "json* ProcessBefore"),
    ("POST", f"{_V3}/orders/status", "get_orders_status", "trading", 1, "Orders by id.",
     "orderIds cliOrdIds"),
    ("GET", f"{_V3}/openorders", "get_open_orders", "trading", 2, "Open orders.", ""),
    ("GET", f"{_V3}/fills", "get_fills", "trading", 2, "100 fills before lastFillTime.",
     "lastFillTime"),
    ("GET", f"{_V3}/recentorders", "get_recent_orders", "trading", 2, "Recent orders.", "symbol"),
    # funding (§3.6)
    ("POST", f"{_V3}/transfer", "transfer", "funding", 10, "Move funds between wallets.",
     "fromAccount* toAccount* unit* amount*"),
    ("POST", f"{_V3}/transfer/subaccount", "transfer_subaccount", "funding", 10,
     "Move funds between master and subaccount.",
     "fromUser* toUser* fromAccount* toAccount* unit* amount*"),
    ("POST", f"{_V3}/withdrawal", "withdraw_to_spot_wallet", "funding", 100,
     "Move funds to the spot wallet.", "currency* amount* sourceWallet"),
    ("GET", f"{_V3}/transfers", "get_transfers", "funding", 2, "Recent transfers.", ""),
    # account history (§3.1; history pool §8.3)
    ("GET", f"{_HISTORY}/orders", "get_order_events", "history", 1, "Own order events.",
     _ORDER_EVENTS),
    ("GET", f"{_HISTORY}/executions", "get_execution_events", "history", 1, "Own executions.",
     "since before sort continuation_token count tradeable"),
    ("GET", f"{_HISTORY}/triggers", "get_trigger_events", "history", 1, "Own trigger events.",
     _ORDER_EVENTS),
    ("GET", f"{_HISTORY}/account-log", "get_account_log", "history", 1,
     "Balance and position changes.", "since before from to sort info count conversion_details"),
    ("GET", f"{_HISTORY}/accountlogcsv", "get_account_log_csv", "history", 6,
     "Recent account log as CSV.", "conversion_details"),
)
# fmt: on

_FUTURES_ONE_OF: dict[str, tuple[tuple[str, ...], ...]] = {
    "edit_order": (("orderId", "cliOrdId"),),
    "cancel_order": (("order_id", "cliOrdId"),),
    "get_orders_status": (("orderIds", "cliOrdIds"),),
}


def _futures_name(path: str) -> str:
    for prefix, name_prefix in ((_V3, ""), (_V4, ""), (_HISTORY, "history/"), (_CHARTS, "charts/")):
        if path.startswith(prefix + "/"):
            return name_prefix + path[len(prefix) + 1 :]
    raise ValueError(f"not a futures path: {path}")


def _futures(
    row: tuple[HttpMethod, str, str, str, int | None, str, str],
) -> Endpoint:
    http_method, path, python_name, category, cost, doc, spec = row
    params, required = _spec(spec)
    pool: Pool | None = None
    if cost is not None:
        pool = "futures_history" if path.startswith(_HISTORY) else "futures_derivatives"
    return Endpoint(
        name=_futures_name(path),
        api="futures",
        http_method=http_method,
        path=path,
        auth=cost is not None,
        cost=cost or 0,
        pool=pool,
        params=params,
        required=required,
        json_body=False,
        python_name=python_name,
        category=category,
        doc=doc,
        one_of=_FUTURES_ONE_OF.get(python_name, ()),
    )


FUTURES_ENDPOINTS: tuple[Endpoint, ...] = tuple(_futures(row) for row in _FUTURES_ROWS)

#: Futures endpoints by ``(http_method, templated path)``.
FUTURES_BY_PATH: Mapping[tuple[str, str], Endpoint] = MappingProxyType(
    {(e.http_method, e.path): e for e in FUTURES_ENDPOINTS}
)

_TEMPLATED = tuple(e for e in FUTURES_ENDPOINTS if e.path_params)


def futures_endpoint(http_method: str, path: str) -> Endpoint | None:
    """The futures endpoint a request goes to, or None.

    ``path`` is concrete (``/derivatives/api/v3/tickers/PF_XBTUSD``) or templated; a query string
    is ignored, and ``/api/v3/...`` (the signed form, without ``/derivatives``) is accepted.
    Fixed paths win over templates (``instruments/status`` is not ``instruments/{symbol}``).
    """
    method = http_method.upper()
    concrete = path.split("?", 1)[0].rstrip("/") or "/"
    if concrete.startswith(("/api/v3/", "/api/v4/")):
        concrete = "/derivatives" + concrete
    exact = FUTURES_BY_PATH.get((method, concrete))
    if exact is not None:
        return exact
    for endpoint in _TEMPLATED:
        if endpoint.http_method == method and endpoint.match_path(concrete) is not None:
            return endpoint
    return None


# --- request-dependent costs (§8.3) ----------------------------------------------------------

_ACCOUNT_LOG_COST = ((25, 1), (50, 2), (1000, 3), (5000, 6), (100_000, 10))
_ACCOUNT_LOG_DEFAULT_COUNT = 500


def _batch_size(params: Mapping[str, object]) -> int:
    body = params.get("json")
    if isinstance(body, str | bytes):
        try:
            body = json.loads(body)
        except ValueError:
            return 0
    orders = body.get("batchOrder") if isinstance(body, Mapping) else None
    return len(orders) if isinstance(orders, list) else 0


def request_cost(endpoint: Endpoint, params: Mapping[str, object] | None = None) -> int:
    """The rate cost of one call with these parameters (the fixed ``cost`` plus §8.3's extras).

    Futures ``fills`` with ``lastFillTime`` costs 25; ``batchorder`` 9 plus one per item of its
    ``json`` field (text or already decoded); ``account-log`` by ``count`` (1-25: 1, 26-50: 2,
    51-1000: 3, 1001-5000: 6, more: 10; an absent count is taken as Kraken's default 500).
    """
    params = params or {}
    if endpoint.api == "futures" and endpoint.auth:
        if endpoint.name == "fills" and params.get("lastFillTime") not in (None, ""):
            return 25
        if endpoint.name == "batchorder":
            return endpoint.cost + _batch_size(params)
        if endpoint.name == "history/account-log":
            raw = params.get("count", _ACCOUNT_LOG_DEFAULT_COUNT)
            try:
                count = int(str(raw))
            except ValueError:
                count = _ACCOUNT_LOG_DEFAULT_COUNT
            return next((c for limit, c in _ACCOUNT_LOG_COST if count <= limit), 10)
    return endpoint.cost

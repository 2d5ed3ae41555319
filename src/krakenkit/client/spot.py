"""The spot REST clients: :class:`SpotClient` (sync) and :class:`AsyncSpotClient` (asyncio).

Both are the same client with a different send loop. Every endpoint method, the request builder,
the pair and precision handling, the retry policy and the pacer are shared (``_base``,
``_market``, ``_account``, ``_trading``, ``_funding``, ``_request``, ``_retry``, ``_pacing``);
this module holds the synchronous loop and ``_async`` the asyncio one. They differ only in how
they wait (``time.sleep``/``asyncio.sleep``) and lock (``threading``/``asyncio``), and neither
subclasses the other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from types import MappingProxyType, TracebackType
from typing import Any, Literal, Unpack

import httpx

from krakenkit.client._account import AccountMethods, Time
from krakenkit.client._async import AsyncSpotClient
from krakenkit.client._base import (
    CLIENT_DOC,
    SpotBase,
    SpotOptions,
    http_settings,
    key_lock,
    translate_httpx,
)
from krakenkit.client._funding import FundingMethods
from krakenkit.client._market import Interval, MarketMethods
from krakenkit.client._paging import OffsetPages, SincePages
from krakenkit.client._reconcile import reconcile_plan, run_plan
from krakenkit.client._retry import Decision
from krakenkit.client._trading import TradingMethods
from krakenkit.client.deadman import DeadMansSwitch
from krakenkit.protocol.endpoints import SPOT_BY_NAME, Endpoint
from krakenkit.protocol.errors import KrakenError

__all__ = ["SPOT_METHODS", "AsyncSpotClient", "SpotClient"]

#: Kraken's method name -> the client method that calls it (both clients), for every endpoint.
SPOT_METHODS: Mapping[str, str] = MappingProxyType(
    {
        "Time": "time",
        "SystemStatus": "system_status",
        "Assets": "assets",
        "AssetPairs": "asset_pairs",
        "Ticker": "ticker",
        "OHLC": "ohlc",
        "Depth": "depth",
        "Trades": "trades",
        "Spread": "spread",
        "GroupedBook": "grouped_book",
        "Balance": "balance",
        "BalanceEx": "balance_ex",
        "TradeBalance": "trade_balance",
        "OpenOrders": "open_orders",
        "ClosedOrders": "closed_orders",
        "QueryOrders": "query_orders",
        "OrderAmends": "order_amends",
        "TradesHistory": "trades_history",
        "QueryTrades": "query_trades",
        "OpenPositions": "open_positions",
        "Ledgers": "ledgers",
        "QueryLedgers": "query_ledgers",
        "TradeVolume": "trade_volume",
        "AddExport": "add_export",
        "ExportStatus": "export_status",
        "RetrieveExport": "retrieve_export",
        "RemoveExport": "remove_export",
        "AddOrder": "add_order",
        "AddOrderBatch": "add_order_batch",
        "AmendOrder": "amend_order",
        "EditOrder": "edit_order",
        "CancelOrder": "cancel_order",
        "CancelAll": "cancel_all",
        "CancelAllOrdersAfter": "cancel_all_orders_after",
        "CancelOrderBatch": "cancel_order_batch",
        "GetWebSocketsToken": "get_websockets_token",
        "DepositMethods": "deposit_methods",
        "DepositAddresses": "deposit_addresses",
        "DepositStatus": "deposit_status",
        "WithdrawMethods": "withdraw_methods",
        "WithdrawAddresses": "withdraw_addresses",
        "WithdrawInfo": "withdraw_info",
        "Withdraw": "withdraw",
        "WithdrawStatus": "withdraw_status",
        "WithdrawCancel": "withdraw_cancel",
        "WalletTransfer": "wallet_transfer",
        "CreateSubaccount": "create_subaccount",
        "AccountTransfer": "account_transfer",
        "Earn/Allocate": "earn_allocate",
        "Earn/Deallocate": "earn_deallocate",
        "Earn/AllocateStatus": "earn_allocate_status",
        "Earn/DeallocateStatus": "earn_deallocate_status",
        "Earn/Strategies": "earn_strategies",
        "Earn/Allocations": "earn_allocations",
    }
)


class SpotClient(
    SpotBase,
    MarketMethods[Any],
    AccountMethods[Any],
    TradingMethods[Any],
    FundingMethods[Any],
):
    __doc__ = "A synchronous Kraken spot REST client (thread-safe).\n" + CLIENT_DOC

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        *,
        timeout: float | httpx.Timeout = 10.0,
        proxy: str | None = None,
        max_connections: int = 20,
        keepalive: int = 10,
        transport: httpx.BaseTransport | None = None,
        **options: Unpack[SpotOptions],
    ) -> None:
        super().__init__(api_key, api_secret, **options)
        settings = http_settings(
            timeout=timeout,
            proxy=proxy,
            max_connections=max_connections,
            keepalive=keepalive,
            user_agent=self.user_agent,
        )
        self._http = httpx.Client(transport=transport, **settings)
        self._pairs_lock = threading.Lock()
        self._nonce_lock = key_lock(self.credentials.key if self.credentials else "")

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SpotClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- generic entry points ----------------------------------------------------------------

    def call(self, name: str, params: Mapping[str, Any] | None = None, /, **kwargs: Any) -> Any:
        """Any spot endpoint by Kraken's name (``"AddOrder"``, ``"Earn/Strategies"``)."""
        return self._call(name, {**(params or {}), **kwargs})

    def request(
        self, method: str, path: str, params: Mapping[str, Any] | None = None, *, json: bool = False
    ) -> Any:
        """Escape hatch: ``request("POST", "/0/private/NewThing", {...})``, signed if private."""
        endpoint = self._raw_endpoint(method, path, json=json)
        return self._run(endpoint, dict(params or {}))

    def dead_mans_switch(self, *, timeout: int = 60, every: float = 15) -> DeadMansSwitch:
        """A keeper of CancelAllOrdersAfter: ``with client.dead_mans_switch(timeout=60): ...``."""
        return DeadMansSwitch(self, timeout=timeout, every=every)

    # -- the send loop -----------------------------------------------------------------------

    def _call(self, name: str, args: Mapping[str, Any]) -> Any:
        endpoint, params = self._prepare(name, args)
        return self._run(endpoint, params)

    def _run(self, endpoint: Endpoint, params: dict[str, Any]) -> Any:
        if self._wants_pairs(endpoint, params, time.monotonic()):
            self._load_pairs()
        params = self._render(endpoint, params)
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._send(endpoint, params)
            except KrakenError as exc:
                decision = self.retry.decide(endpoint, params, exc, attempt, time.time())
                if decision is Decision.RAISE:
                    raise
                time.sleep(self.retry.delay(attempt, exc, time.time(), self._rng))
                if decision is Decision.RECONCILE:
                    found = self._reconcile(endpoint, params, exc)
                    if found is not None:
                        return found

    def _reconcile(
        self, endpoint: Endpoint, params: Mapping[str, Any], original: KrakenError
    ) -> Any:
        names = self._pair_names(str(params.get("pair", "")))
        plan = reconcile_plan(endpoint.name, params, original, pair_names=names)
        return run_plan(plan, lambda name, query: self._run(SPOT_BY_NAME[name], query), original)

    def _send(self, endpoint: Endpoint, params: Mapping[str, Any]) -> Any:
        if endpoint.auth and self.nonce_window == 0:
            with self._nonce_lock:
                return self._send_now(endpoint, params)
        return self._send_now(endpoint, params)

    def _send_now(self, endpoint: Endpoint, params: Mapping[str, Any]) -> Any:
        if self.pacer is not None:
            charges = self.pacer.charges(endpoint, params, time.monotonic())
            while (wait := self.pacer.reserve(charges, time.monotonic())) > 0:
                time.sleep(wait)
        request = self._build(endpoint, params, self._next_nonce() if endpoint.auth else None)
        try:
            response = self._http.request(
                request.method, request.url, content=request.content, headers=request.headers
            )
        except httpx.HTTPError as exc:
            raise translate_httpx(exc, endpoint.path) from exc
        result = self._decode(endpoint, response, time.time())
        if self.pacer is not None:
            self.pacer.note_result(endpoint, params, result, time.monotonic())
        return result

    def _load_pairs(self) -> None:
        with self._pairs_lock:
            now = time.monotonic()
            if not self._pairs_due(now):
                return
            self._store_pairs(self._run(SPOT_BY_NAME["AssetPairs"], {}), now)

    # -- pagination --------------------------------------------------------------------------

    def iter_closed_orders(
        self,
        *,
        trades: bool | None = None,
        userref: int | None = None,
        cl_ord_id: str | None = None,
        start: Time | None = None,
        end: Time | None = None,
        closetime: Literal["open", "close", "both"] | None = None,
    ) -> Iterator[tuple[str, Any]]:
        """Every closed order as ``(txid, order)``, newest first, page by page."""
        yield from self._offset_pages("ClosedOrders", "closed", locals())

    def iter_trades_history(
        self,
        *,
        type: str | None = None,
        trades: bool | None = None,
        start: Time | None = None,
        end: Time | None = None,
        ledgers: bool | None = None,
    ) -> Iterator[tuple[str, Any]]:
        """Every own trade as ``(txid, trade)``, newest first."""
        yield from self._offset_pages("TradesHistory", "trades", locals())

    def iter_ledgers(
        self,
        *,
        asset: str | None = None,
        aclass: str | None = None,
        type: str | None = None,
        start: Time | None = None,
        end: Time | None = None,
    ) -> Iterator[tuple[str, Any]]:
        """Every ledger entry as ``(id, entry)``, newest first."""
        yield from self._offset_pages("Ledgers", "ledger", locals())

    def iter_ohlc(
        self, *, pair: str, interval: Interval | None = None, since: int | str | None = None
    ) -> Iterator[list[Any]]:
        """Committed candles after ``since`` (the open candle excluded), oldest first."""
        endpoint, params = self._prepare("OHLC", {"pair": pair, "interval": interval})
        pages = SincePages("ohlc", since)
        while not pages.done:
            yield from pages.feed(self._run(endpoint, {**params, **pages.params()}))

    def iter_trades(
        self, *, pair: str, since: int | str | None = None, count: int | None = None
    ) -> Iterator[list[Any]]:
        """Public trades after ``since``, oldest first, until caught up."""
        endpoint, params = self._prepare("Trades", {"pair": pair, "count": count})
        pages = SincePages("trades", since, count)
        while not pages.done:
            yield from pages.feed(self._run(endpoint, {**params, **pages.params()}))

    def _offset_pages(
        self, name: str, key: Literal["closed", "trades", "ledger"], args: Mapping[str, Any]
    ) -> Iterator[tuple[str, Any]]:
        endpoint, params = self._prepare(name, args)
        pages = OffsetPages(key)
        while not pages.done:
            yield from pages.feed(self._run(endpoint, {**params, **pages.params()}))

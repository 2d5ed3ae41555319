"""The state behind the emulator's servers: engine, keys, limits, timers and persistence.

One :class:`Exchange` per emulator. It runs on the server's event loop thread only, so nothing in it
needs a lock: handlers call it synchronously between awaits. Background work (the synthetic market,
order start/expiry, dead man's switch timers) are asyncio tasks on the same loop, and each step is
committed to the store before the loop yields again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from krakenkit.emulator.accounts import ZERO, Account
from krakenkit.emulator.churn import Churn
from krakenkit.emulator.engine import Engine, reject
from krakenkit.emulator.ids import IdGenerator
from krakenkit.emulator.instruments import Catalogue, default_catalogue
from krakenkit.emulator.market import MarketConfig, SyntheticMarket
from krakenkit.emulator.marketdata import MarketData
from krakenkit.emulator.server.auth import ALL_PERMISSIONS, ApiKey, KeyStore, NonceTracker
from krakenkit.emulator.store import MemoryStore, SQLiteStore, Store
from krakenkit.protocol.endpoints import SPOT_BY_NAME
from krakenkit.protocol.errors import RateLimitError
from krakenkit.protocol.ratelimit import DecayingCounter, SpotRestLimits, spot_rest_counter

__all__ = ["Exchange", "ExchangeConfig", "FundingRecord"]

log = logging.getLogger("krakenkit.emulator")


@dataclass(slots=True)
class ExchangeConfig:
    """How an emulator is set up; every field has a sensible default for tests."""

    state: str | None = None  # SQLite file; None keeps everything in memory
    seed: int = 0
    pairs: tuple[str, ...] | None = None  # None: the whole default catalogue
    market: bool = True  # synthetic liquidity providers and takers
    market_interval: float = 0.2  # seconds between synthetic market steps
    volatility: float = 0.0005
    activity: float = 1.0
    rate_limits: bool = True
    default_tier: str = "intermediate"
    strict_futures_auth: bool = False
    token_ttl: float = 900.0
    clock: Callable[[], float] = field(default=time.time)


@dataclass(slots=True)
class FundingRecord:
    """A simulated deposit, withdrawal or wallet transfer (DepositStatus / WithdrawStatus)."""

    refid: str
    account_id: str
    kind: str  # deposit | withdrawal | transfer
    asset: str
    method: str
    amount: Decimal
    fee: Decimal
    time: float
    status: str
    address: str = ""
    txid: str = ""


class Exchange:
    """The emulator's state. Create with :meth:`open`, which loads a state file if given."""

    def __init__(self, config: ExchangeConfig, catalogue: Catalogue, store: Store) -> None:
        self.config = config
        self.clock = config.clock
        self.catalogue = catalogue
        self.store = store
        self.ids = IdGenerator(config.seed)
        self.engine = Engine(
            catalogue.pairs(),
            asset_decimals={a.id: a.decimals for a in catalogue.assets.values()},
            ids=self.ids,
            clock=self.clock,
            last_prices=catalogue.initial_prices,
            rate_limits=config.rate_limits,
        )
        self.marketdata = MarketData(self.engine)
        self.marketdata.attach()
        self.market: SyntheticMarket | None = None
        self.keys = KeyStore()
        self.funding: dict[str, FundingRecord] = {}
        self.deposited: dict[str, Decimal] = {}  # net external inflow per asset
        self.dms: dict[str, float] = {}  # account -> CancelAllOrdersAfter trigger time
        self.system_status = "online"
        #: called with the new status when the admin API changes it (WS feeds announce it)
        self.status_listeners: list[Callable[[str], None]] = []
        self.churn = Churn(self)  # load generator for feed benchmarks (admin /churn)
        self._rest: dict[str, DecayingCounter] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._demo: tuple[str, str, str, str, str] | None = None
        self._ws_tokens: dict[str, tuple[str, float]] = {}  # token -> (API key, expiry)
        self.next_account = 1
        self.dirty_keys: set[str] = set()
        self.dirty_funding: set[str] = set()

    @classmethod
    def open(cls, config: ExchangeConfig) -> Exchange:
        catalogue = default_catalogue(config.pairs)
        store: Store = SQLiteStore(config.state) if config.state else MemoryStore()
        exchange = cls(config, catalogue, store)
        store.load(exchange)
        now = exchange.clock()
        for pair in catalogue.pairs():
            price = exchange.engine.last_price.get(pair.id) or catalogue.initial_prices[pair.id]
            exchange.marketdata.seed(pair.id, price, now)
        if config.market:
            before = set(exchange.engine.accounts)
            exchange.market = SyntheticMarket(
                exchange.engine,
                catalogue.pairs(),
                MarketConfig(
                    seed=config.seed, volatility=config.volatility, activity=config.activity
                ),
                start_prices={
                    p.id: exchange.engine.last_price.get(p.id) or catalogue.initial_prices[p.id]
                    for p in catalogue.pairs()
                },
            )
            for account_id in set(exchange.engine.accounts) - before:  # the market's own funds
                for asset, amount in exchange.engine.accounts[account_id].balances.items():
                    exchange.deposited[asset] = exchange.deposited.get(asset, ZERO) + amount
            exchange.market.step(now)
        exchange.commit()
        return exchange

    # -- accounts and keys -------------------------------------------------------------------

    def create_account(
        self,
        balances: Mapping[str, Decimal | int | str],
        *,
        tier: str | None = None,
        rate_limits: bool = True,
        rest_limits: tuple[float, float] | None = None,
    ) -> str:
        account_id = f"AA{self.next_account:08d}"
        self.next_account += 1
        self.engine.add_account(
            Account(
                account_id,
                tier=tier or self.config.default_tier,
                rate_limits=rate_limits,
                rest_limits=rest_limits,
            )
        )
        for asset, amount in balances.items():
            self.deposit(account_id, asset, Decimal(str(amount)), method="admin")
        return account_id

    def deposit(
        self, account_id: str, asset: str, amount: Decimal, *, method: str = "admin"
    ) -> FundingRecord:
        """Credit ``amount`` of ``asset`` (any spelling) as a settled deposit."""
        asset_id = self.catalogue.asset(asset).id
        account = self.engine.account(account_id)
        now = self.clock()
        refid = self.ids.funding("Q")
        record = FundingRecord(
            refid,
            account_id,
            "deposit",
            asset_id,
            method,
            amount,
            ZERO,
            now,
            "Success",
            txid=secrets.token_hex(32),
        )
        self.engine.post(
            account, refid=refid, now=now, type="deposit", asset=asset_id, amount=amount
        )
        self.deposited[asset_id] = self.deposited.get(asset_id, ZERO) + amount
        self.funding[refid] = record
        self.dirty_funding.add(refid)
        return record

    def withdraw(
        self,
        account_id: str,
        asset: str,
        amount: Decimal,
        fee: Decimal,
        *,
        method: str,
        address: str,
    ) -> FundingRecord:
        asset_id = self.catalogue.asset(asset).id
        account = self.engine.account(account_id)
        if amount <= 0:
            raise reject("EFunding:Invalid amount")
        if account.available(asset_id) < amount:
            raise reject("EFunding:Insufficient funds")
        now = self.clock()
        refid = self.ids.funding("A")
        self.engine.post(
            account,
            refid=refid,
            now=now,
            type="withdrawal",
            asset=asset_id,
            amount=-(amount - fee),
            fee=fee,
        )
        self.deposited[asset_id] = self.deposited.get(asset_id, ZERO) - amount
        record = FundingRecord(
            refid,
            account_id,
            "withdrawal",
            asset_id,
            method,
            amount - fee,
            fee,
            now,
            "Success",
            address=address,
            txid=secrets.token_hex(32),
        )
        self.funding[refid] = record
        self.dirty_funding.add(refid)
        return record

    def add_key(
        self,
        account_id: str,
        *,
        permissions: frozenset[str] | None = None,
        nonce_window: int = 0,
        kind: str = "spot",
        key: str | None = None,
        secret: str | None = None,
        otp: str | None = None,
    ) -> ApiKey:
        from krakenkit.emulator.server.auth import new_key_pair

        if account_id not in self.engine.accounts:
            raise KeyError(account_id)
        if key is None or secret is None:
            key, secret = new_key_pair()
        record = self.keys.add(
            ApiKey(
                key=key,
                secret=secret,
                account_id=account_id,
                permissions=ALL_PERMISSIONS if permissions is None else permissions,
                nonce=NonceTracker(window=nonce_window),
                kind=kind,
                otp=otp,
            )
        )
        self.dirty_keys.add(record.key)
        return record

    def demo_keys(self) -> tuple[str, str, str, str, str] | None:
        return self._demo

    def set_demo_keys(self, keys: tuple[str, str, str, str, str]) -> None:
        self._demo = keys

    def account_of(self, key: ApiKey) -> Account:
        return self.engine.account(key.account_id)

    # -- WebSocket tokens --------------------------------------------------------------------

    def issue_ws_token(self, key: ApiKey, now: float) -> str:
        """A GetWebSocketsToken token for ``key``.

        As on Kraken, a token must be used within ``token_ttl`` seconds (15 minutes); a
        subscription made with it then lasts as long as its connection.
        """
        token = secrets.token_urlsafe(30)
        self._ws_tokens[token] = (key.key, now + self.config.token_ttl)
        for stale in [t for t, (_, expiry) in self._ws_tokens.items() if expiry < now]:
            del self._ws_tokens[stale]
        return token

    def ws_token_key(self, token: object, now: float) -> ApiKey | None:
        """The API key a token was issued for, or None when unknown or expired."""
        entry = self._ws_tokens.get(token) if isinstance(token, str) else None
        if entry is None or entry[1] < now:
            return None
        return self.keys.get(entry[0])

    # -- limits ------------------------------------------------------------------------------

    def charge_rest(self, key: ApiKey, method_name: str, now: float) -> None:
        """Charge the per-key REST call counter (§8.1) or raise ``EAPI:Rate limit exceeded``."""
        account = self.engine.account(key.account_id)
        if not (self.config.rate_limits and account.rate_limits):
            return
        endpoint = SPOT_BY_NAME.get(method_name)
        if endpoint is None or endpoint.pool != "spot_rest" or endpoint.cost <= 0:
            return
        counter = self._rest.get(key.key)
        if counter is None:
            limits = SpotRestLimits(*account.rest_limits) if account.rest_limits else account.tier
            counter = self._rest[key.key] = spot_rest_counter(limits)
        if not counter.try_acquire(endpoint.cost, now):
            raise RateLimitError("EAPI:Rate limit exceeded")

    def set_price(self, pair_id: str, price: Decimal) -> None:
        """Move a pair's market to ``price`` (admin API): last price and the synthetic mid."""
        self.engine.last_price[pair_id] = price
        if self.market is not None:
            self.market.set_mid(pair_id, price)
            self.market.step(self.clock())

    # -- dead man's switch -------------------------------------------------------------------

    def arm_dms(self, account_id: str, timeout: int, now: float) -> float:
        """CancelAllOrdersAfter: arm (or with 0 disarm) the account's timer; the trigger time."""
        if timeout <= 0:
            self.dms.pop(account_id, None)
            return 0.0
        self.dms[account_id] = now + timeout
        return now + timeout

    def fire_due_dms(self, now: float) -> int:
        """Cancel every order of accounts whose timer ran out; the number of orders cancelled."""
        due = [acc for acc, when in self.dms.items() if when <= now]
        cancelled = 0
        for account_id in due:
            del self.dms[account_id]
            cancelled += self.engine.cancel_all(account_id, now=now)
        return cancelled

    # -- background --------------------------------------------------------------------------

    def step(self, now: float) -> None:
        """One tick of the world: timers, scheduled orders, the synthetic market; then commit."""
        try:
            self.fire_due_dms(now)
            self.engine.tick(now)
            if self.market is not None:
                self.market.step(now)
        finally:
            self.commit()

    async def _run(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                self.step(self.clock())
            except Exception:
                log.exception("emulator background step failed")

    async def start_background_tasks(self) -> None:
        """Start the loop that runs timers, order expiry and the synthetic market."""
        interval = min(self.config.market_interval, 0.1) if self.market else 0.1
        self._tasks.append(asyncio.create_task(self._run(interval)))

    async def stop_background_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    # -- persistence -------------------------------------------------------------------------

    def commit(self) -> None:
        """Make everything acknowledged so far durable (a no-op in memory)."""
        self.store.commit(self)

    def close(self) -> None:
        self.commit()
        self.store.close()

    def snapshot_meta(self) -> dict[str, Any]:
        """The small scalars the store keeps beside its tables."""
        return {
            "ids": self.ids.counter,
            "seq": self.engine.seq,
            "trade_seq": self.engine.trade_seq,
            "next_account": self.next_account,
            "demo": list(self._demo) if self._demo else None,
            "fees": {k: str(v) for k, v in self.engine.fees_collected.items()},
            "deposited": {k: str(v) for k, v in self.deposited.items()},
            "last_price": {k: str(v) for k, v in self.engine.last_price.items()},
            "dms": self.dms,
        }

    def restore_meta(self, meta: Mapping[str, Any]) -> None:
        self.ids.counter = int(meta.get("ids", 0))
        self.engine.seq = int(meta.get("seq", 0))
        self.engine.trade_seq = int(meta.get("trade_seq", 0))
        self.next_account = int(meta.get("next_account", 1))
        demo = meta.get("demo")
        self._demo = (demo[0], demo[1], demo[2], demo[3], demo[4]) if demo else None
        self.engine.fees_collected = {k: Decimal(v) for k, v in meta.get("fees", {}).items()}
        self.deposited = {k: Decimal(v) for k, v in meta.get("deposited", {}).items()}
        for pair_id, price in meta.get("last_price", {}).items():
            if pair_id in self.engine.pairs:
                self.engine.last_price[pair_id] = Decimal(price)
        self.dms = {k: float(v) for k, v in meta.get("dms", {}).items()}

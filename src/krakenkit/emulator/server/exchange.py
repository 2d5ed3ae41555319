"""The state behind the emulator's servers: engine, keys, limits, timers and persistence.

One :class:`Exchange` per emulator. It runs on the server's event loop thread only, so nothing in it
needs a lock: handlers call it synchronously between awaits. Background work (the synthetic market,
order expiry, dead man's switch timers) are asyncio tasks on the same loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from krakenkit.emulator.server.auth import ALL_PERMISSIONS, ApiKey, KeyStore, NonceTracker
from krakenkit.protocol.endpoints import SPOT_BY_NAME
from krakenkit.protocol.errors import RateLimitError
from krakenkit.protocol.ratelimit import DecayingCounter, spot_rest_counter

__all__ = ["AccountMeta", "Exchange", "ExchangeConfig"]


@dataclass(slots=True)
class ExchangeConfig:
    """How an emulator is set up; every field has a sensible default for tests."""

    state: str | None = None  # SQLite file; None keeps everything in memory
    seed: int = 0
    pairs: tuple[str, ...] | None = None  # None: the whole default catalogue
    market: bool = True  # synthetic liquidity providers and takers
    market_interval: float = 0.2  # seconds between synthetic market steps
    rate_limits: bool = True
    default_tier: str = "intermediate"
    strict_futures_auth: bool = False
    token_ttl: float = 900.0
    clock: Callable[[], float] = field(default=time.time)


@dataclass(slots=True)
class AccountMeta:
    """What the server keeps per account besides the engine's balances and orders."""

    account_id: str
    tier: str = "intermediate"
    rate_limits: bool = True
    dms_deadline: float = 0.0  # CancelAllOrdersAfter trigger time, 0 = disarmed


class Exchange:
    """The emulator's state. Create with :meth:`open`."""

    def __init__(self, config: ExchangeConfig) -> None:
        self.config = config
        self.clock = config.clock
        self.keys = KeyStore()
        self.accounts: dict[str, AccountMeta] = {}
        self._rest: dict[str, DecayingCounter] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._demo: tuple[str, str, str, str, str] | None = None
        self._next_account = 1
        self.system_status = "online"
        self._ws_tokens: dict[str, tuple[str, float]] = {}  # token -> (account, expiry)

    @classmethod
    def open(cls, config: ExchangeConfig) -> Exchange:
        return cls(config)

    # -- accounts and keys -------------------------------------------------------------------

    def create_account(
        self, balances: Mapping[str, Decimal | int | str], *, tier: str | None = None
    ) -> str:
        account_id = f"AA{self._next_account:08d}"
        self._next_account += 1
        self.accounts[account_id] = AccountMeta(account_id, tier=tier or self.config.default_tier)
        for asset, amount in balances.items():
            self.deposit(account_id, asset, Decimal(str(amount)))
        return account_id

    def deposit(self, account_id: str, asset: str, amount: Decimal) -> None:
        raise NotImplementedError

    def add_key(
        self,
        account_id: str,
        *,
        permissions: frozenset[str] | None = None,
        nonce_window: int = 0,
        kind: str = "spot",
        key: str | None = None,
        secret: str | None = None,
    ) -> ApiKey:
        from krakenkit.emulator.server.auth import new_key_pair

        if account_id not in self.accounts:
            raise KeyError(account_id)
        if key is None or secret is None:
            key, secret = new_key_pair()
        return self.keys.add(
            ApiKey(
                key=key,
                secret=secret,
                account_id=account_id,
                permissions=ALL_PERMISSIONS if permissions is None else permissions,
                nonce=NonceTracker(window=nonce_window),
                kind=kind,
            )
        )

    def demo_keys(self) -> tuple[str, str, str, str, str] | None:
        return self._demo

    def set_demo_keys(self, keys: tuple[str, str, str, str, str]) -> None:
        self._demo = keys

    # -- WebSocket tokens --------------------------------------------------------------------

    def issue_ws_token(self, account_id: str, now: float) -> str:
        """A GetWebSocketsToken token: valid ``token_ttl`` seconds unless kept alive by a feed."""
        token = secrets.token_urlsafe(30)
        self._ws_tokens[token] = (account_id, now + self.config.token_ttl)
        return token

    def ws_token_account(self, token: str, now: float) -> str | None:
        """The account a token belongs to, or None when unknown or expired."""
        entry = self._ws_tokens.get(token)
        if entry is None or entry[1] < now:
            return None
        return entry[0]

    # -- limits ------------------------------------------------------------------------------

    def charge_rest(self, key: ApiKey, method_name: str, now: float) -> None:
        """Charge the per-key REST call counter (§8.1) or raise ``EAPI:Rate limit exceeded``."""
        meta = self.accounts[key.account_id]
        if not (self.config.rate_limits and meta.rate_limits):
            return
        endpoint = SPOT_BY_NAME.get(method_name)
        if endpoint is None or endpoint.pool != "spot_rest" or endpoint.cost <= 0:
            return
        counter = self._rest.get(key.key)
        if counter is None:
            counter = self._rest[key.key] = spot_rest_counter(meta.tier)
        if not counter.try_acquire(endpoint.cost, now):
            raise RateLimitError("EAPI:Rate limit exceeded")

    # -- persistence and lifecycle -----------------------------------------------------------

    def commit(self) -> None:
        """Make everything acknowledged so far durable (no-op without a state file)."""

    async def start_background_tasks(self) -> None:
        """Start the market, expiry and dead man's switch loops."""

    async def stop_background_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    def close(self) -> None:
        self.commit()

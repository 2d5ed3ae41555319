"""Accounts: balances, holds for open orders, 30-day volume, and the ledger of every change.

Every balance change goes through :meth:`Account.post`, which writes a ledger entry in the same
step, so the ledger always explains the balances: for each asset, the sum of ``amount - fee`` over
an account's entries is its balance. ``hold`` is the part of a balance reserved by open orders;
``available = balance - hold``. Balances are :class:`~decimal.Decimal` in asset units, rounded to
the asset's decimals by the caller (the engine rounds costs and fees before posting).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from krakenkit.protocol.errors import InsufficientFunds

__all__ = ["ZERO", "Account", "LedgerEntry"]

ZERO = Decimal(0)


@dataclass(slots=True)
class LedgerEntry:
    """One line of Kraken's Ledgers answer, plus the account it belongs to."""

    id: str
    account_id: str
    refid: str
    time: float
    type: str  # trade, deposit, withdrawal, transfer, ...
    subtype: str
    asset: str
    amount: Decimal
    fee: Decimal
    balance: Decimal


@dataclass(slots=True, eq=False)
class Account:
    """One emulator account. ``ledger`` holds every entry, oldest first."""

    id: str
    tier: str = "intermediate"
    rate_limits: bool = True
    balances: dict[str, Decimal] = field(default_factory=dict)
    holds: dict[str, Decimal] = field(default_factory=dict)
    volume_30d: Decimal = ZERO  # in the fee volume currency (USD)
    ledger: list[LedgerEntry] = field(default_factory=list)
    internal: bool = False  # synthetic market participants: kept out of listings
    #: custom REST call counter (max_counter, decay per second) instead of the tier's
    rest_limits: tuple[float, float] | None = None

    def balance(self, asset: str) -> Decimal:
        return self.balances.get(asset, ZERO)

    def hold(self, asset: str) -> Decimal:
        return self.holds.get(asset, ZERO)

    def available(self, asset: str) -> Decimal:
        return self.balances.get(asset, ZERO) - self.holds.get(asset, ZERO)

    def add_hold(self, asset: str, amount: Decimal) -> None:
        """Change the hold on ``asset`` by ``amount`` (negative releases)."""
        value = self.holds.get(asset, ZERO) + amount
        if value:
            self.holds[asset] = value
        else:
            self.holds.pop(asset, None)

    def post(
        self,
        entry_id: str,
        refid: str,
        time: float,
        type: str,
        asset: str,
        amount: Decimal,
        fee: Decimal = ZERO,
        subtype: str = "",
        allow_negative: bool = False,
    ) -> LedgerEntry:
        """Apply ``amount - fee`` to ``asset`` and record the ledger entry explaining it."""
        balance = self.balances.get(asset, ZERO) + amount - fee
        if balance < ZERO and not allow_negative:
            raise InsufficientFunds("EOrder:Insufficient funds")
        self.balances[asset] = balance
        # positional: a dataclass built with keywords costs twice as much (hot path)
        entry = LedgerEntry(
            entry_id, self.id, refid, time, type, subtype, asset, amount, fee, balance
        )
        self.ledger.append(entry)
        return entry

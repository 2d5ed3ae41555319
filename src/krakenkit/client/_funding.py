"""Private funding, subaccount and Earn methods, for both clients."""

from __future__ import annotations

from krakenkit.client._account import Time
from krakenkit.client._base import Calls, R
from krakenkit.client._market import Extra
from krakenkit.client._trading import Amount

__all__ = ["FundingMethods"]


class FundingMethods(Calls[R]):
    """Deposits, withdrawals, transfers, subaccounts and Earn."""

    def deposit_methods(self, *, asset: str, aclass: str | None = None, extra: Extra = None) -> R:
        """Deposit methods of an asset (DepositMethods)."""
        return self._call("DepositMethods", locals())

    def deposit_addresses(
        self,
        *,
        asset: str,
        method: str,
        new: bool | None = None,
        amount: Amount | None = None,
        extra: Extra = None,
    ) -> R:
        """Deposit addresses, or a new one with ``new=True`` (DepositAddresses)."""
        return self._call("DepositAddresses", locals())

    def deposit_status(
        self,
        *,
        asset: str | None = None,
        aclass: str | None = None,
        method: str | None = None,
        start: Time | None = None,
        end: Time | None = None,
        cursor: bool | str | None = None,
        limit: int | None = None,
        extra: Extra = None,
    ) -> R:
        """Recent deposits (DepositStatus)."""
        return self._call("DepositStatus", locals())

    def withdraw_methods(
        self,
        *,
        asset: str | None = None,
        aclass: str | None = None,
        network: str | None = None,
        extra: Extra = None,
    ) -> R:
        """Withdrawal methods (WithdrawMethods)."""
        return self._call("WithdrawMethods", locals())

    def withdraw_addresses(
        self,
        *,
        asset: str | None = None,
        aclass: str | None = None,
        method: str | None = None,
        key: str | None = None,
        verified: bool | None = None,
        extra: Extra = None,
    ) -> R:
        """Withdrawal addresses (WithdrawAddresses)."""
        return self._call("WithdrawAddresses", locals())

    def withdraw_info(self, *, asset: str, key: str, amount: Amount, extra: Extra = None) -> R:
        """Fee and limit of a withdrawal (WithdrawInfo)."""
        return self._call("WithdrawInfo", locals())

    def withdraw(
        self,
        *,
        asset: str,
        key: str,
        amount: Amount,
        address: str | None = None,
        max_fee: Amount | None = None,
        extra: Extra = None,
    ) -> R:
        """Withdraw funds to a saved key: ``{"refid": ...}`` (Withdraw)."""
        return self._call("Withdraw", locals())

    def withdraw_status(
        self,
        *,
        asset: str | None = None,
        aclass: str | None = None,
        method: str | None = None,
        start: Time | None = None,
        end: Time | None = None,
        cursor: bool | str | None = None,
        limit: int | None = None,
        extra: Extra = None,
    ) -> R:
        """Recent withdrawals (WithdrawStatus)."""
        return self._call("WithdrawStatus", locals())

    def withdraw_cancel(self, *, asset: str, refid: str, extra: Extra = None) -> R:
        """Cancel a withdrawal that has not gone out yet (WithdrawCancel)."""
        return self._call("WithdrawCancel", locals())

    def wallet_transfer(
        self,
        *,
        asset: str,
        amount: Amount,
        from_: str = "Spot Wallet",
        to: str = "Futures Wallet",
        extra: Extra = None,
    ) -> R:
        """Move funds from the spot to the futures wallet (WalletTransfer; ``from_``: ``from``)."""
        return self._call("WalletTransfer", locals())

    # -- subaccounts -------------------------------------------------------------------------

    def create_subaccount(self, *, username: str, email: str, extra: Extra = None) -> R:
        """Create a subaccount (CreateSubaccount)."""
        return self._call("CreateSubaccount", locals())

    def account_transfer(
        self, *, asset: str, amount: Amount, from_: str, to: str, extra: Extra = None
    ) -> R:
        """Move funds between master and subaccounts (AccountTransfer)."""
        return self._call("AccountTransfer", locals())

    # -- Earn --------------------------------------------------------------------------------

    def earn_allocate(self, *, strategy_id: str, amount: Amount, extra: Extra = None) -> R:
        """Allocate funds to an Earn strategy (Earn/Allocate)."""
        return self._call("Earn/Allocate", locals())

    def earn_deallocate(self, *, strategy_id: str, amount: Amount, extra: Extra = None) -> R:
        """Deallocate funds from an Earn strategy (Earn/Deallocate)."""
        return self._call("Earn/Deallocate", locals())

    def earn_allocate_status(self, *, strategy_id: str, extra: Extra = None) -> R:
        """Whether an allocation is pending (Earn/AllocateStatus)."""
        return self._call("Earn/AllocateStatus", locals())

    def earn_deallocate_status(self, *, strategy_id: str, extra: Extra = None) -> R:
        """Whether a deallocation is pending (Earn/DeallocateStatus)."""
        return self._call("Earn/DeallocateStatus", locals())

    def earn_strategies(
        self,
        *,
        asset: str | None = None,
        lock_type: list[str] | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        ascending: bool | None = None,
        extra: Extra = None,
    ) -> R:
        """Earn strategies on offer, sent as JSON (Earn/Strategies)."""
        return self._call("Earn/Strategies", locals())

    def earn_allocations(
        self,
        *,
        ascending: bool | None = None,
        converted_asset: str | None = None,
        hide_zero_allocations: bool | None = None,
        extra: Extra = None,
    ) -> R:
        """Current Earn allocations (Earn/Allocations)."""
        return self._call("Earn/Allocations", locals())

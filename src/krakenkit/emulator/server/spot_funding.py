"""Spot funding endpoints, simulated: every asset has one method, addresses are derived, deposits
arrive through the admin API, withdrawals settle at once and move balances (with a fee)."""

from __future__ import annotations

from decimal import Decimal
from hashlib import sha256
from typing import Any

from krakenkit.emulator.engine import reject
from krakenkit.emulator.instruments import Asset
from krakenkit.emulator.server.exchange import FundingRecord
from krakenkit.emulator.server.params import Params, as_bool, as_decimal
from krakenkit.emulator.server.registry import Context, private
from krakenkit.emulator.server.views import fixed

__all__: list[str] = []

WITHDRAW_KEY = "emulator"  # the one withdrawal key every account has


def _asset(ctx: Context, params: Params) -> Asset:
    name = params.get("asset")
    if name in (None, ""):
        raise reject("EGeneral:Invalid arguments:asset")
    asset = ctx.exchange.catalogue.asset_or_none(str(name))
    if asset is None:
        raise reject("EFunding:Unknown asset")
    return asset


def _method(asset: Asset) -> str:
    return f"{asset.altname} (emulated)"


def _fee(asset: Asset) -> Decimal:
    """A flat withdrawal fee: ten units of the asset's display precision."""
    return Decimal(10).scaleb(-asset.display_decimals)


def _address(account_id: str, asset: Asset, index: int) -> str:
    digest = sha256(f"{account_id}:{asset.id}:{index}".encode()).hexdigest()
    return f"emu{asset.altname.lower()}1{digest[:38]}"


def _record(record: FundingRecord, ctx: Context) -> dict[str, Any]:
    decimals = ctx.exchange.catalogue.assets[record.asset].decimals
    return {
        "method": record.method,
        "aclass": "currency",
        "asset": record.asset,
        "refid": record.refid,
        "txid": record.txid,
        "info": record.address,
        "amount": fixed(record.amount, decimals),
        "fee": fixed(record.fee, decimals),
        "time": int(record.time),
        "status": record.status,
    }


@private("DepositMethods")
def deposit_methods(ctx: Context, params: Params) -> list[dict[str, Any]]:
    asset = _asset(ctx, params)
    return [
        {
            "method": _method(asset),
            "limit": False,
            "fee": fixed(0, asset.decimals),
            "gen-address": True,
            "minimum": fixed(Decimal(1).scaleb(-asset.display_decimals), asset.decimals),
        }
    ]


@private("DepositAddresses")
def deposit_addresses(ctx: Context, params: Params) -> list[dict[str, Any]]:
    asset = _asset(ctx, params)
    method = str(params.get("method") or "")
    if method != _method(asset):
        raise reject("EFunding:No funding method")
    new = as_bool(params.get("new", False), name="new")
    return [
        {
            "address": _address(ctx.account_id, asset, 1 if new else 0),
            "expiretm": "0",
            "new": new,
        }
    ]


def _status(ctx: Context, params: Params, kind: str) -> list[dict[str, Any]]:
    wanted = _asset(ctx, params).id if params.get("asset") not in (None, "") else None
    records = [
        r
        for r in ctx.exchange.funding.values()
        if r.account_id == ctx.account_id and r.kind == kind and wanted in (None, r.asset)
    ]
    records.sort(key=lambda r: r.time, reverse=True)
    return [_record(r, ctx) for r in records]


@private("DepositStatus")
def deposit_status(ctx: Context, params: Params) -> list[dict[str, Any]]:
    return _status(ctx, params, "deposit")


@private("WithdrawStatus")
def withdraw_status(ctx: Context, params: Params) -> list[dict[str, Any]]:
    return _status(ctx, params, "withdrawal")


@private("WithdrawMethods")
def withdraw_methods(ctx: Context, params: Params) -> list[dict[str, Any]]:
    catalogue = ctx.exchange.catalogue
    assets = [_asset(ctx, params)] if params.get("asset") else list(catalogue.assets.values())
    return [
        {
            "asset": a.id,
            "method": _method(a),
            "network": "emulator",
            "minimum": fixed(_fee(a) * 2, a.decimals),
        }
        for a in assets
        if a.id != "KFEE"
    ]


@private("WithdrawAddresses")
def withdraw_addresses(ctx: Context, params: Params) -> list[dict[str, Any]]:
    catalogue = ctx.exchange.catalogue
    assets = [_asset(ctx, params)] if params.get("asset") else list(catalogue.assets.values())
    return [
        {
            "address": _address("external", a, 0),
            "asset": a.id,
            "method": _method(a),
            "key": WITHDRAW_KEY,
            "verified": True,
        }
        for a in assets
        if a.id != "KFEE"
    ]


def _withdrawal(ctx: Context, params: Params) -> tuple[Asset, Decimal, Decimal]:
    asset = _asset(ctx, params)
    if str(params.get("key") or "") != WITHDRAW_KEY:
        raise reject("EFunding:Unknown withdraw key")
    amount = as_decimal(params.get("amount"), name="amount")
    fee = _fee(asset)
    if amount <= fee:
        raise reject("EFunding:Invalid amount")
    return asset, amount, fee


@private("WithdrawInfo")
def withdraw_info(ctx: Context, params: Params) -> dict[str, Any]:
    asset, amount, fee = _withdrawal(ctx, params)
    account = ctx.exchange.engine.account(ctx.account_id)
    return {
        "method": _method(asset),
        "limit": fixed(account.available(asset.id), asset.decimals),
        "amount": fixed(amount - fee, asset.decimals),
        "fee": fixed(fee, asset.decimals),
    }


@private("Withdraw")
def withdraw(ctx: Context, params: Params) -> dict[str, Any]:
    asset, amount, fee = _withdrawal(ctx, params)
    if params.get("max_fee") not in (None, "") and fee > as_decimal(
        params["max_fee"], name="max_fee"
    ):
        raise reject("EFunding:Max fee exceeded")
    address = str(params.get("address") or _address("external", asset, 0))
    record = ctx.exchange.withdraw(
        ctx.account_id, asset.id, amount, fee, method=_method(asset), address=address
    )
    return {"refid": record.refid}


@private("WithdrawCancel")
def withdraw_cancel(ctx: Context, params: Params) -> bool:
    refid = str(params.get("refid") or "")
    record = ctx.exchange.funding.get(refid)
    if record is None or record.account_id != ctx.account_id or record.kind != "withdrawal":
        raise reject("EFunding:Unknown reference id")
    raise reject("EFunding:Invalid reference id")  # emulated withdrawals settle at once


@private("WalletTransfer")
def wallet_transfer(ctx: Context, params: Params) -> dict[str, Any]:
    asset = _asset(ctx, params)
    source = str(params.get("from") or "")
    target = str(params.get("to") or "")
    if source != "Spot Wallet" or target != "Futures Wallet":
        raise reject("EGeneral:Invalid arguments:from/to")
    amount = as_decimal(params.get("amount"), name="amount")
    record = ctx.exchange.withdraw(
        ctx.account_id,
        asset.id,
        amount,
        Decimal(0),
        method="Futures Wallet",
        address="Futures Wallet",
    )
    record.kind = "transfer"
    return {"refid": record.refid}

"""Builders for engine tests: a hand-driven clock, funded accounts, order requests."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from krakenkit.emulator.accounts import Account
from krakenkit.emulator.engine import Engine, OrderRequest, PriceSpec
from krakenkit.emulator.ids import IdGenerator
from krakenkit.emulator.instruments import default_catalogue


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_engine(clock: Clock, *, rate_limits: bool = False) -> Engine:
    cat = default_catalogue()
    return Engine(
        cat.pairs(),
        asset_decimals={a.id: a.decimals for a in cat.assets.values()},
        ids=IdGenerator(7),
        clock=clock,
        last_prices=cat.initial_prices,
        rate_limits=rate_limits,
    )


def fund(engine: Engine, account_id: str, tier: str = "intermediate", **balances: Any) -> Account:
    account = engine.accounts.get(account_id) or engine.add_account(Account(account_id, tier=tier))
    for asset, amount in balances.items():
        engine.post(
            account,
            refid="Q-TEST",
            now=engine.clock(),
            type="deposit",
            asset=asset,
            amount=Decimal(str(amount)),
        )
    return account


def spec(text: str | None) -> PriceSpec | None:
    if text is None:
        return None
    sign = text[0] if text[0] in "+-#" else ""
    body = text[len(sign) :]
    percent = body.endswith("%")
    return PriceSpec(sign, Decimal(body.rstrip("%")), percent)


def req(
    side: str = "buy",
    ordertype: str = "limit",
    volume: str = "1",
    price: str | None = "90000",
    *,
    pair: str = "XXBTZUSD",
    price2: str | None = None,
    **kwargs: Any,
) -> OrderRequest:
    catalogue = default_catalogue()
    if "oflags" in kwargs and isinstance(kwargs["oflags"], str):
        kwargs["oflags"] = frozenset(kwargs["oflags"].split(","))
    if isinstance(kwargs.get("displayvol"), str):
        kwargs["displayvol"] = Decimal(kwargs["displayvol"])
    if ordertype == "market":
        price = None
    return OrderRequest(
        pair=catalogue.pair(pair),
        side=side,
        ordertype=ordertype,
        volume=Decimal(volume),
        price=spec(price),
        price2=spec(price2),
        **kwargs,
    )


Builder = Callable[..., OrderRequest]

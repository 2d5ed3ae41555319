"""python-kraken-sdk, unmodified, against the emulator: only its ``url`` argument changes.

This is the check that the emulator speaks Kraken and not merely our own client's dialect: the
SDK signs, encodes (Python-bool strings, JSON batch bodies) and parses on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from kraken.exceptions import KrakenInvalidPriceError, KrakenUnknownOrderError
from kraken.spot import Funding, Market, SpotAsyncClient, Trade, User

from krakenkit.emulator import Emulator, ExchangeConfig
from krakenkit.emulator.server.embedded import AccountKeys


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator.background(config=ExchangeConfig(market=False, seed=11)) as ex:
        maker = ex.add_account({"XXBT": "50", "ZUSD": "5000000"}, rate_limits=False)
        trade = Trade(key=maker.api_key, secret=maker.api_secret, url=ex.url)
        for price in ("90000", "90010", "90020"):
            trade.create_order(
                ordertype="limit", side="sell", pair="XBTUSD", volume="1", price=price
            )
        trade.create_order(ordertype="limit", side="buy", pair="XBTUSD", volume="1", price="89990")
        yield ex


@pytest.fixture
def account(emulator: Emulator) -> AccountKeys:
    return emulator.add_account({"XXBT": "5", "ZUSD": "1000000"})


def test_market_data(emulator: Emulator) -> None:
    market = Market(url=emulator.url)
    assert market.get_system_status()["status"] == "online"
    assert "XXBT" in market.get_assets(assets=["XBT"])
    pairs = market.get_asset_pairs(pair="XBTUSD")
    assert pairs["XXBTZUSD"]["wsname"] == "XBT/USD"
    ticker = market.get_ticker(pair="XBTUSD")
    assert Decimal(ticker["XXBTZUSD"]["a"][0]) == Decimal("90000")
    book = market.get_order_book(pair="XBTUSD", count=2)
    assert book["XXBTZUSD"]["asks"][0][0] == "90000.0"
    ohlc = market.get_ohlc(pair="XBTUSD", interval=60)
    assert isinstance(ohlc["last"], int)
    assert isinstance(market.get_recent_trades(pair="XBTUSD")["last"], str)
    assert isinstance(market.get_recent_spreads(pair="XBTUSD")["last"], int)


def test_balances_and_account_reads(emulator: Emulator, account: AccountKeys) -> None:
    user = User(key=account.api_key, secret=account.api_secret, url=emulator.url)
    assert user.get_account_balance()["XXBT"] == "5.0000000000"
    assert Decimal(user.get_balances()["ZUSD"]["balance"]) == Decimal(1_000_000)
    assert set(user.get_trade_balance()) >= {"eb", "tb", "e", "mf"}
    assert user.get_open_orders() == {"open": {}}
    assert user.get_closed_orders()["count"] == 0
    assert user.get_ledgers_info()["count"] == 2  # the two deposits
    assert user.get_trade_volume(pair="XBTUSD")["currency"] == "ZUSD"
    funding = Funding(key=account.api_key, secret=account.api_secret, url=emulator.url)
    with pytest.warns(DeprecationWarning, match="deprecated Kraken endpoint"):
        methods = funding.get_deposit_methods(asset="XBT")
    assert methods[0]["method"] == "XBT (emulated)"


def test_place_query_amend_edit_cancel(emulator: Emulator, account: AccountKeys) -> None:
    trade = Trade(key=account.api_key, secret=account.api_secret, url=emulator.url)
    user = User(key=account.api_key, secret=account.api_secret, url=emulator.url)
    validated = trade.create_order(
        ordertype="limit", side="buy", pair="XBTUSD", volume="0.5", price="80000", validate=True
    )
    assert "txid" not in validated
    placed = trade.create_order(
        ordertype="limit", side="buy", pair="XBTUSD", volume="0.5", price="80000", userref=42
    )
    [txid] = placed["txid"]
    assert placed["descr"]["order"] == "buy 0.50000000 XBTUSD @ limit 80000.0"
    info = user.get_orders_info(txid=txid)[txid]
    assert info["status"] == "open"
    assert "amend_id" in trade.amend_order(txid=txid, order_qty="0.4", limit_price="80001")
    assert user.get_order_amends(order_id=txid)["count"] == 2
    edited = trade.edit_order(txid=txid, pair="XBTUSD", volume="0.3", price="79000")
    assert edited["originaltxid"] == txid
    new_txid = edited["txid"]
    assert trade.cancel_order(txid=new_txid) == {"count": 1, "pending": False}
    with pytest.raises(KrakenUnknownOrderError):
        trade.cancel_order(txid=new_txid)
    filled = trade.create_order(ordertype="market", side="buy", pair="XBTUSD", volume="0.25")
    [market_txid] = filled["txid"]
    assert user.get_orders_info(txid=market_txid)[market_txid]["status"] == "closed"
    history = user.get_trades_history()
    assert history["count"] == 1
    [fill] = history["trades"].values()
    assert fill["ordertxid"] == market_txid
    with pytest.raises(KrakenInvalidPriceError):
        trade.create_order(
            ordertype="limit", side="buy", pair="XBTUSD", volume="0.5", price="80000.55"
        )


def test_batch_and_dead_mans_switch(emulator: Emulator, account: AccountKeys) -> None:
    trade = Trade(key=account.api_key, secret=account.api_secret, url=emulator.url)
    user = User(key=account.api_key, secret=account.api_secret, url=emulator.url)
    batch = trade.create_order_batch(
        pair="XBTUSD",
        orders=[
            {"ordertype": "limit", "type": "buy", "volume": "0.1", "price": "70000"},
            {"ordertype": "limit", "type": "buy", "volume": "0.1", "price": "70001"},
            {"ordertype": "limit", "type": "sell", "volume": "0.1", "price": "120000"},
        ],
    )
    txids = [o["txid"] for o in batch["orders"]]
    assert len(txids) == 3
    armed = trade.cancel_all_orders_after_x(timeout=60)
    assert armed["triggerTime"] > armed["currentTime"]
    assert trade.cancel_all_orders_after_x(timeout=0)["triggerTime"] == "0"
    assert trade.cancel_order_batch(orders=txids[:2]) == {"count": 2}
    assert set(user.get_open_orders()["open"]) == {txids[2]}
    assert trade.cancel_all_orders()["count"] == 1


async def test_async_client(emulator: Emulator, account: AccountKeys) -> None:
    async with SpotAsyncClient(
        key=account.api_key, secret=account.api_secret, url=emulator.url
    ) as client:
        balance = await client.request("POST", "/0/private/Balance")
        assert balance["ZUSD"] == "1000000.0000"
        server_time = await client.request("GET", "/0/public/Time", auth=False)
        assert isinstance(server_time["unixtime"], int)

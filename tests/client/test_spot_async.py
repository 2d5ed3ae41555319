"""AsyncSpotClient against a real in-process emulator: market data, account, the order lifecycle."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D

import pytest

from krakenkit import AsyncSpotClient
from krakenkit.client import (
    Balance,
    BookLevel,
    Candle,
    Order,
    PublicTrade,
    RetryPolicy,
    Ticker,
    Trade,
)
from krakenkit.emulator import Emulator
from krakenkit.protocol.errors import (
    AuthenticationError,
    InsufficientFunds,
    InvalidArguments,
    ServiceUnavailable,
    UnknownOrder,
)
from tests.client.conftest import NO_RETRY, async_client


async def _make_market(ex: Emulator) -> None:
    """A resting ask at 90000 and bid at 89900, and one trade of 0.25 at 90000."""
    async with async_client(ex) as maker, async_client(ex) as taker:
        await maker.add_order(pair="XBTUSD", type="sell", ordertype="limit", volume=1, price=90000)
        await maker.add_order(pair="XBTUSD", type="buy", ordertype="limit", volume=2, price=89900)
        await taker.add_order(pair="BTC/USD", type="buy", ordertype="market", volume=D("0.25"))


async def test_market_data_and_models(emulator: Emulator) -> None:
    await _make_market(emulator)
    async with AsyncSpotClient(base_url=emulator.url) as public:
        assert (await public.system_status())["status"] == "online"
        assert isinstance((await public.time())["unixtime"], int)
        assert (await public.assets(asset=["XBT", "ZUSD"])).keys() == {"XXBT", "ZUSD"}
        # asked for as BASE/QUOTE, the pair comes back under that name (as Kraken answers)
        assert "BTC/USD" in await public.asset_pairs(pair="BTC/USD")
        assert "XXBTZUSD" in await public.asset_pairs(pair="XBTUSD")
        ticker = Ticker.all(await public.ticker(pair="btc/usd"))["XXBTZUSD"]
        assert (ticker.ask, ticker.bid, ticker.last) == (D("90000.0"), D("89900.0"), D(90000))
        assert ticker.last_volume == D("0.25")
        book = (await public.depth(pair="XBT/USD", count=1))["XXBTZUSD"]
        bids, asks = BookLevel.sides(book)
        assert asks[0].price == D(90000)
        assert asks[0].volume == D("0.75")
        assert bids[0].volume == D(2)
        candles = Candle.all(await public.ohlc(pair="XBTUSD", interval=5))
        assert candles[-1].close == D(90000)
        trades = await public.trades(pair="XBTUSD")
        [trade] = [PublicTrade.from_kraken(r) for r in trades["XXBTZUSD"]]
        assert (trade.price, trade.volume, trade.side) == (D(90000), D("0.25"), "buy")
        assert isinstance(trades["last"], str)
        spread = await public.spread(pair="XBTUSD")
        assert spread["XXBTZUSD"][-1][1:] == ["89900.0", "90000.0"]
        grouped = await public.grouped_book(pair="BTC/USD", depth=10, grouping=1000)
        assert BookLevel.sides(grouped)[1][0].price == D(90000)
        # the pair metadata was fetched once and is cached
        assert public.pairs is not None
        assert public.pairs.resolve("XBTUSD").pair_decimals == 1


async def test_private_calls_need_a_key(emulator: Emulator) -> None:
    async with AsyncSpotClient(base_url=emulator.url) as public:
        with pytest.raises(AuthenticationError, match="no API key"):
            await public.balance()


async def test_order_lifecycle(emulator: Emulator) -> None:
    async with async_client(emulator, retry=NO_RETRY) as kraken:
        added = await kraken.add_order(
            pair="BTC/USD",
            type="buy",
            ordertype="limit",
            volume=D("0.5"),
            price=80000,
            cl_ord_id="life-1",
            oflags=["post"],
        )
        [txid] = added["txid"]
        assert added["descr"]["order"] == "buy 0.50000000 XBTUSD @ limit 80000.0"
        order = Order.from_kraken(txid, (await kraken.query_orders(txid=[txid]))[txid])
        assert (order.status, order.pair, order.volume, order.cl_ord_id) == (
            "open",
            "XBTUSD",
            D("0.5"),
            "life-1",
        )
        assert order.price == "80000.0"
        held = Balance.all(await kraken.balance_ex())["ZUSD"]
        assert held.hold == D("40104.0000")  # 40000 plus the 0.26 % fee
        amend = await kraken.amend_order(
            cl_ord_id="life-1", limit_price=D("80000.5"), order_qty="0.4", pair="XBT/USD"
        )
        assert set(amend) == {"amend_id"}
        amends = await kraken.order_amends(order_id=txid)
        assert [a["amend_type"] for a in amends["amends"]] == ["original", "user"]
        info = (await kraken.query_orders(txid=txid))[txid]
        assert (info["vol"], info["limitprice"]) == ("0.40000000", "80000.5")
        edited = await kraken.edit_order(txid=txid, pair="xbtusd", volume="0.3", price=79000)
        assert edited["originaltxid"] == txid
        new_txid = edited["txid"]
        assert edited["descr"]["order"] == "buy 0.30000000 XBTUSD @ limit 79000.0"
        assert await kraken.cancel_order(txid=new_txid) == {"count": 1, "pending": False}
        with pytest.raises(UnknownOrder) as unknown:
            await kraken.cancel_order(txid=new_txid)
        assert unknown.value.path == "/0/private/CancelOrder"
        closed = await kraken.closed_orders()
        assert closed["count"] == 2
        assert (await kraken.open_orders())["open"] == {}


async def test_batch_add_and_cancel(emulator: Emulator) -> None:
    async with async_client(emulator, retry=NO_RETRY) as kraken:
        orders = [
            {"ordertype": "limit", "type": "buy", "volume": D("0.01"), "price": 50000 + i}
            for i in range(3)
        ]
        orders[2]["cl_ord_id"] = "batch-3"
        result = await kraken.add_order_batch(pair="BTC/USD", orders=orders)
        txids = [o["txid"] for o in result["orders"]]
        assert len(txids) == 3
        assert result["orders"][1]["descr"]["order"] == "buy 0.01000000 XBTUSD @ limit 50001.0"
        validated = await kraken.add_order_batch(pair="XBTUSD", orders=orders[:2], validate=True)
        assert all("txid" not in o for o in validated["orders"])
        assert await kraken.cancel_order_batch(orders=txids[:2]) == {"count": 2}
        assert await kraken.cancel_order(cl_ord_id="batch-3") == {"count": 1, "pending": False}
        assert (await kraken.open_orders())["open"] == {}


async def test_cancel_all_orders_after_cancels_for_real(emulator: Emulator) -> None:
    async with async_client(emulator) as kraken:
        await kraken.add_order(pair="XBTUSD", type="buy", ordertype="limit", volume=1, price=1000)
        armed = await kraken.cancel_all_orders_after(timeout=1)
        assert armed["triggerTime"] > armed["currentTime"]
        assert len((await kraken.open_orders())["open"]) == 1
        await asyncio.sleep(1.6)
        assert (await kraken.open_orders())["open"] == {}
        assert (await kraken.cancel_all_orders_after(timeout=0))["triggerTime"] == "0"


async def test_fills_history_ledgers_and_account_reads(emulator: Emulator) -> None:
    await _make_market(emulator)
    async with async_client(emulator) as kraken:
        result = await kraken.add_order(pair="XBTUSD", type="buy", ordertype="market", volume=1)
        order = (await kraken.query_orders(txid=result["txid"], trades=True))[result["txid"][0]]
        history = await kraken.trades_history(ledgers=True)
        [(trade_id, entry)] = history["trades"].items()
        trade = Trade.from_kraken(trade_id, entry)
        assert trade.ordertxid == result["txid"][0]
        assert order["trades"] == [trade_id]
        assert trade.price == D(90000)
        assert trade.volume == D("0.75")
        assert (await kraken.query_trades(txid=[trade_id]))[trade_id]["pair"] == "XXBTZUSD"
        ledger = await kraken.ledgers(asset="XBT")
        some = next(iter(ledger["ledger"]))
        assert (await kraken.query_ledgers(id=some))[some]["asset"] == "XXBT"
        volume = await kraken.trade_volume(pair="BTC/USD", fee_info=True)
        assert volume["currency"] == "ZUSD"
        assert "XXBTZUSD" in volume["fees"]
        assert set(await kraken.trade_balance(asset="ZUSD")) >= {"eb", "tb", "e"}
        assert await kraken.open_positions() == {}
        token = await kraken.get_websockets_token()
        assert token["expires"] == 900
        balances = Balance.all(await kraken.balance())
        assert balances["XXBT"].total == D("10.75")


async def test_funding_round_trip(emulator: Emulator) -> None:
    async with async_client(emulator, account={"balances": {"XXBT": "1", "ZUSD": "100"}}) as kraken:
        [method] = await kraken.deposit_methods(asset="XBT")
        assert (await kraken.deposit_addresses(asset="XBT", method=method["method"]))[0]["address"]
        assert (await kraken.deposit_status(asset="XBT"))[0]["status"] == "Success"
        [key] = await kraken.withdraw_addresses(asset="XBT")
        assert await kraken.withdraw_methods(asset="XBT")
        info = await kraken.withdraw_info(asset="XBT", key=key["key"], amount=D("0.5"))
        assert info["fee"] == "0.0001000000"
        refid = (await kraken.withdraw(asset="XBT", key=key["key"], amount=D("0.5")))["refid"]
        assert (await kraken.withdraw_status(asset="XBT"))[0]["refid"] == refid
        with pytest.raises(InsufficientFunds):
            await kraken.withdraw(asset="XBT", key=key["key"], amount=5)
        moved = await kraken.wallet_transfer(asset="USD", amount=D(40))
        assert moved["refid"]
        assert (await kraken.balance())["ZUSD"] == "60.0000"


async def test_client_side_precision_error_is_what_the_server_says(emulator: Emulator) -> None:
    order = {"pair": "XBTUSD", "type": "buy", "ordertype": "limit", "volume": "0.01"}
    async with (
        async_client(emulator, retry=NO_RETRY) as checked,
        async_client(emulator, retry=NO_RETRY, resolve_pairs=False) as raw,
    ):
        with pytest.raises(InvalidArguments) as server:
            await raw.add_order(**order, price=D("90000.25"))
        with pytest.raises(InvalidArguments) as client:
            await checked.add_order(**order, price=D("90000.25"))
        assert client.value.error == server.value.error
        assert client.value.path == server.value.path == "/0/private/AddOrder"
        for volume in ("0.000000001",):
            with pytest.raises(InvalidArguments) as server_v:
                await raw.add_order(**{**order, "volume": volume}, price=90000)
            with pytest.raises(InvalidArguments) as client_v:
                await checked.add_order(**{**order, "volume": volume}, price=90000)
            assert client_v.value.error == server_v.value.error


async def test_unavailable_reads_and_cancels_are_retried_orders_are_not(emulator: Emulator) -> None:
    exchange = emulator.exchange
    assert exchange is not None
    patient = RetryPolicy(max_attempts=8, base_delay=0.05, max_delay=0.1)
    async with async_client(emulator, retry=patient) as kraken:
        exchange.system_status = "maintenance"
        with pytest.raises(ServiceUnavailable):
            await kraken.add_order(pair="XBTUSD", type="buy", ordertype="limit", volume=1, price=1)
        asyncio.get_running_loop().call_later(0.2, setattr, exchange, "system_status", "online")
        assert "ZUSD" in await kraken.balance()
        exchange.system_status = "maintenance"
        asyncio.get_running_loop().call_later(0.2, setattr, exchange, "system_status", "online")
        assert await kraken.cancel_all() == {"count": 0, "pending": False}

"""Simulated funding endpoints and the emulator's admin API, over HTTP."""

from __future__ import annotations

from decimal import Decimal as D

from tests.emulator.server.conftest import Live, Trader


async def test_deposit_methods_addresses_and_status(live: Live) -> None:
    trader = live.trader({"XXBT": "1"})
    [method] = await trader.call("DepositMethods", asset="XBT")
    assert method["method"] == "XBT (emulated)"
    assert method["gen-address"] is True
    [address] = await trader.call("DepositAddresses", asset="XBT", method=method["method"])
    assert address["address"].startswith("emuxbt1")
    [new] = await trader.call("DepositAddresses", asset="XBT", method=method["method"], new=True)
    assert new["address"] != address["address"]
    [deposit] = await trader.call("DepositStatus", asset="XBT")
    assert deposit["amount"] == "1.0000000000"
    assert deposit["status"] == "Success"
    assert deposit["refid"][0] == "Q"
    assert await trader.error("DepositMethods", asset="NOPE") == "EFunding:Unknown asset"
    assert await trader.error("DepositAddresses", asset="XBT", method="Wire") == (
        "EFunding:No funding method"
    )


async def test_withdrawal_moves_balances_with_a_fee(live: Live) -> None:
    trader = live.trader({"XXBT": "1"})
    [key] = await trader.call("WithdrawAddresses", asset="XBT")
    info = await trader.call("WithdrawInfo", asset="XBT", key=key["key"], amount="0.5")
    assert info == {
        "method": "XBT (emulated)",
        "limit": "1.0000000000",
        "amount": "0.4999000000",
        "fee": "0.0001000000",
    }
    assert (
        await trader.error("Withdraw", asset="XBT", key=key["key"], amount="0.5", max_fee="0.00001")
        == "EFunding:Max fee exceeded"
    )
    assert await trader.error("Withdraw", asset="XBT", key="elsewhere", amount="0.5") == (
        "EFunding:Unknown withdraw key"
    )
    result = await trader.call("Withdraw", asset="XBT", key=key["key"], amount="0.5")
    assert result["refid"][0] == "A"
    assert (await trader.call("Balance"))["XXBT"] == "0.5000000000"
    [status] = await trader.call("WithdrawStatus", asset="XBT")
    assert status["refid"] == result["refid"]
    assert status["fee"] == "0.0001000000"
    ledger = await trader.call("Ledgers", type="withdrawal")
    assert ledger["count"] == 1
    assert await trader.error("Withdraw", asset="XBT", key=key["key"], amount="5") == (
        "EFunding:Insufficient funds"
    )


async def test_wallet_transfer_to_futures(live: Live) -> None:
    trader = live.trader({"ZUSD": "100"})
    result = await trader.call(
        "WalletTransfer",
        asset="USD",
        amount="40",
        **{"from": "Spot Wallet", "to": "Futures Wallet"},
    )
    assert result["refid"][0] == "A"
    assert (await trader.call("Balance"))["ZUSD"] == "60.0000"


async def _admin(live: Live, method: str, path: str, json: object = None) -> tuple[int, dict]:
    response = await live.http.request(method, f"/_emulator{path}", json=json)
    return response.status_code, response.json()


async def test_admin_accounts_keys_deposits(live: Live) -> None:
    status, created = await _admin(
        live,
        "POST",
        "/accounts",
        {"balances": {"BTC": "2", "USD": "1000"}, "tier": "pro", "nonce_window": 5},
    )
    assert status == 200
    trader = Trader(live.http, created["api_key"], created["api_secret"])
    assert (await trader.call("Balance"))["XXBT"] == "2.0000000000"
    account = created["account_id"]
    status, after = await _admin(
        live, "POST", f"/accounts/{account}/deposit", {"asset": "ETH", "amount": "3"}
    )
    assert status == 200
    assert after["balances"]["XETH"] == "3"
    status, key = await _admin(
        live, "POST", f"/accounts/{account}/keys", {"permissions": ["funds:query"]}
    )
    reader = Trader(live.http, key["api_key"], key["api_secret"])
    assert await reader.error("AddOrder") == "EGeneral:Permission denied"
    status, error = await _admin(live, "POST", "/accounts", {"balances": {"NOPE": "1"}})
    assert status == 400
    assert "unknown asset" in error["error"]
    status, error = await _admin(live, "GET", "/accounts/AA99999999")
    assert status == 400


async def test_admin_price_status_and_state(live: Live) -> None:
    status, moved = await _admin(live, "POST", "/price", {"pair": "ETH/USD", "price": "3500"})
    assert status == 200
    assert moved == {"pair": "XETHZUSD", "price": "3500"}
    state = (await _admin(live, "GET", "/state"))[1]
    assert D(state["last_price"]["XETHZUSD"]) == D(3500)
    assert (await _admin(live, "POST", "/price", {"pair": "ETH/USD", "price": "1.001"}))[0] == 400
    await _admin(live, "POST", "/status", {"status": "maintenance"})
    trader = live.trader({"ZUSD": "1"})
    assert await trader.error("Balance") == "EService:Unavailable"
    status_now = (await live.http.get("/0/public/SystemStatus")).json()["result"]["status"]
    assert status_now == "maintenance"
    await _admin(live, "POST", "/status", {"status": "online"})
    assert "ZUSD" in await trader.call("Balance")
    assert (await _admin(live, "GET", "/health"))[1] == {"ok": True}
    assert (await _admin(live, "POST", "/step"))[1] == {"ok": True}


async def test_cancel_only_and_post_only_modes(live: Live) -> None:
    trader = live.trader({"ZUSD": "100000"})
    add = {
        "pair": "XBTUSD",
        "type": "buy",
        "ordertype": "limit",
        "volume": "0.01",
        "price": "50000",
    }
    txid = (await trader.call("AddOrder", **add))["txid"][0]
    await _admin(live, "POST", "/status", {"status": "cancel_only"})
    assert await trader.error("AddOrder", **add) == "EService:Market in cancel_only mode"
    assert await trader.call("CancelOrder", txid=txid) == {"count": 1, "pending": False}
    await _admin(live, "POST", "/status", {"status": "post_only"})
    assert await trader.error("AddOrder", **add) == "EService:Market in post_only mode"
    assert await trader.call("AddOrder", **add, oflags="post")
    await _admin(live, "POST", "/status", {"status": "online"})


async def test_two_factor_otp(live: Live) -> None:
    created = (
        await _admin(live, "POST", "/accounts", {"balances": {"ZUSD": "1"}, "otp": "246810"})
    )[1]
    trader = Trader(live.http, created["api_key"], created["api_secret"])
    assert await trader.error("Balance") == "EGeneral:Permission denied"
    assert await trader.error("Balance", otp="111111") == "EGeneral:Permission denied"
    assert (await trader.call("Balance", otp="246810"))["ZUSD"] == "1.0000"

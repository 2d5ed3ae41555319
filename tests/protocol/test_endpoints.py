"""The endpoint tables against protocol.md §1.2-1.3, §3.1, §3.5, §8.1 and §8.3."""

from __future__ import annotations

import json
import keyword
import re
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from krakenkit.protocol.endpoints import (
    FUTURES_BY_PATH,
    FUTURES_ENDPOINTS,
    SPOT_AUTH_PARAMS,
    SPOT_BY_NAME,
    SPOT_ENDPOINTS,
    Endpoint,
    futures_endpoint,
    request_cost,
    spot_endpoint,
)
from krakenkit.protocol.errors import InvalidArguments, UnknownMethod, classify

# --- the names protocol.md lists, written out from the document ------------------------------

SPOT_PUBLIC = [
    "Time",
    "SystemStatus",
    "Assets",
    "AssetPairs",
    "Ticker",
    "OHLC",
    "Depth",
    "Trades",
    "Spread",
    "GroupedBook",
]

SPOT_PRIVATE = [
    "Balance",
    "BalanceEx",
    "TradeBalance",
    "OpenOrders",
    "ClosedOrders",
    "QueryOrders",
    "OrderAmends",
    "TradesHistory",
    "QueryTrades",
    "OpenPositions",
    "Ledgers",
    "QueryLedgers",
    "TradeVolume",
    "AddExport",
    "ExportStatus",
    "RetrieveExport",
    "RemoveExport",
    "AddOrder",
    "AddOrderBatch",
    "AmendOrder",
    "EditOrder",
    "CancelOrder",
    "CancelAll",
    "CancelAllOrdersAfter",
    "CancelOrderBatch",
    "GetWebSocketsToken",
    "DepositMethods",
    "DepositAddresses",
    "DepositStatus",
    "WithdrawMethods",
    "WithdrawAddresses",
    "WithdrawInfo",
    "Withdraw",
    "WithdrawStatus",
    "WithdrawCancel",
    "WalletTransfer",
    "CreateSubaccount",
    "AccountTransfer",
    "Earn/Allocate",
    "Earn/Deallocate",
    "Earn/AllocateStatus",
    "Earn/DeallocateStatus",
    "Earn/Strategies",
    "Earn/Allocations",
]

V3, V4, HIST, CHARTS = (
    "/derivatives/api/v3",
    "/derivatives/api/v4",
    "/api/history/v2",
    "/api/charts/v1",
)

# §3.1; path placeholders carry the names krakenkit gives them.
FUTURES_DOCUMENTED = {
    # public
    ("GET", f"{V3}/tickers"),
    ("GET", f"{V3}/tickers/{{symbol}}"),
    ("GET", f"{V3}/orderbook"),
    ("GET", f"{V3}/instruments"),
    ("GET", f"{V3}/instruments/status"),
    ("GET", f"{V3}/instruments/{{symbol}}/status"),
    ("GET", f"{V3}/history"),
    ("GET", f"{V3}/feeschedules"),
    ("GET", f"{V4}/historicalfundingrates"),
    ("GET", f"{CHARTS}/{{tick_type}}/{{symbol}}/{{resolution}}"),
    ("GET", f"{HIST}/market/{{symbol}}/executions"),
    ("GET", f"{HIST}/market/{{symbol}}/orders"),
    ("GET", f"{HIST}/market/{{symbol}}/price"),
    # private GET
    *(
        ("GET", f"{V3}/{name}")
        for name in [
            "accounts",
            "openpositions",
            "openorders",
            "fills",
            "notifications",
            "recentorders",
            "transfers",
            "leveragepreferences",
            "pnlpreferences",
            "unwindqueue",
            "subaccounts",
            "feeschedules/volumes",
            "assignmentprogram/current",
            "assignmentprogram/history",
        ]
    ),
    # private POST
    *(
        ("POST", f"{V3}/{name}")
        for name in [
            "sendorder",
            "editorder",
            "cancelorder",
            "cancelallorders",
            "cancelallordersafter",
            "batchorder",
            "orders/status",
            "transfer",
            "transfer/subaccount",
            "withdrawal",
            "assignmentprogram/add",
            "assignmentprogram/delete",
        ]
    ),
    ("PUT", f"{V3}/subaccount/{{subaccountUid}}/trading-enabled"),
    ("GET", f"{V3}/subaccount/{{subaccountUid}}/trading-enabled"),
    ("PUT", f"{V3}/leveragepreferences"),
    ("PUT", f"{V3}/pnlpreferences"),
    # private history
    *(
        ("GET", f"{HIST}/{name}")
        for name in ["orders", "executions", "triggers", "account-log", "accountlogcsv"]
    ),
}
# Present on purpose beyond §3.1: self-trade-strategy is priced in §8.3; the chart listings are
# the parents of the documented candle path.
FUTURES_EXTRA = {
    ("GET", f"{V3}/self-trade-strategy"),
    ("PUT", f"{V3}/self-trade-strategy"),
    ("GET", f"{CHARTS}/{{tick_type}}"),
    ("GET", f"{CHARTS}/{{tick_type}}/{{symbol}}"),
}


def test_every_documented_spot_method_and_no_other() -> None:
    public = {e.name for e in SPOT_ENDPOINTS if not e.auth}
    private = {e.name for e in SPOT_ENDPOINTS if e.auth}
    assert public == set(SPOT_PUBLIC)
    assert private == set(SPOT_PRIVATE)


def test_every_documented_futures_endpoint_and_only_known_extras() -> None:
    table = {(e.http_method, e.path) for e in FUTURES_ENDPOINTS}
    assert table - FUTURES_EXTRA == FUTURES_DOCUMENTED
    assert table >= FUTURES_EXTRA


# --- shape -----------------------------------------------------------------------------------


def test_spot_names_are_unique() -> None:
    assert len(SPOT_BY_NAME) == len(SPOT_ENDPOINTS)
    assert not [n for n, c in Counter(e.name for e in SPOT_ENDPOINTS).items() if c > 1]


def test_futures_method_and_path_are_unique() -> None:
    assert len(FUTURES_BY_PATH) == len(FUTURES_ENDPOINTS)
    pairs = Counter((e.http_method, e.name) for e in FUTURES_ENDPOINTS)
    assert max(pairs.values()) == 1


@pytest.mark.parametrize("table", [SPOT_ENDPOINTS, FUTURES_ENDPOINTS], ids=["spot", "futures"])
def test_python_names_are_unique_snake_case_identifiers(table: tuple[Endpoint, ...]) -> None:
    names = [e.python_name for e in table]
    assert len(set(names)) == len(names), [n for n, c in Counter(names).items() if c > 1]
    for name in names:
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name), name
        assert name.isidentifier()
        assert not keyword.iskeyword(name)


def test_python_names_the_clients_rely_on() -> None:
    assert SPOT_BY_NAME["AddOrder"].python_name == "add_order"
    assert SPOT_BY_NAME["GetWebSocketsToken"].python_name == "get_websockets_token"
    assert SPOT_BY_NAME["CancelAllOrdersAfter"].python_name == "cancel_all_orders_after"
    assert FUTURES_BY_PATH["POST", f"{V3}/sendorder"].python_name == "send_order"
    assert FUTURES_BY_PATH["POST", f"{V3}/batchorder"].python_name == "batch_order"
    assert FUTURES_BY_PATH["POST", f"{V3}/sendorder"].name == "sendorder"


@pytest.mark.parametrize("endpoint", SPOT_ENDPOINTS, ids=lambda e: e.name)
def test_spot_paths_methods_and_pools(endpoint: Endpoint) -> None:
    assert endpoint.api == "spot"
    assert endpoint.doc
    assert "\n" not in endpoint.doc
    assert not set(endpoint.params) & set(SPOT_AUTH_PARAMS)
    if endpoint.auth:
        assert endpoint.path == f"/0/private/{endpoint.name}"
        assert endpoint.http_method == "POST"
        assert endpoint.pool in ("spot_rest", "spot_trading")
    else:
        assert endpoint.path == f"/0/public/{endpoint.name}"
        assert endpoint.http_method == "GET"
        assert (endpoint.pool, endpoint.cost, endpoint.category) == (None, 0, "market")


@pytest.mark.parametrize("endpoint", FUTURES_ENDPOINTS, ids=lambda e: f"{e.http_method} {e.name}")
def test_futures_paths_methods_and_pools(endpoint: Endpoint) -> None:
    assert endpoint.api == "futures"
    assert endpoint.doc
    assert "\n" not in endpoint.doc
    assert endpoint.path.startswith((V3 + "/", V4 + "/", HIST + "/", CHARTS + "/"))
    assert not endpoint.json_body
    if not endpoint.auth:
        assert (endpoint.pool, endpoint.cost, endpoint.http_method) == (None, 0, "GET")
    elif endpoint.path.startswith(HIST):
        assert endpoint.pool == "futures_history"
    else:
        assert endpoint.pool == "futures_derivatives"
    for name in endpoint.path_params:
        assert name in endpoint.required


def test_categories() -> None:
    spot = {e.category for e in SPOT_ENDPOINTS}
    assert spot == {"market", "account", "trading", "funding", "subaccounts", "earn", "export"}
    futures = {e.category for e in FUTURES_ENDPOINTS}
    assert futures == {"market", "account", "trading", "funding", "history"}
    assert {e.name for e in SPOT_ENDPOINTS if e.category == "earn"} == {
        n for n in SPOT_PRIVATE if n.startswith("Earn/")
    }


def test_json_bodies() -> None:
    assert {e.name for e in SPOT_ENDPOINTS if e.json_body} == {
        "AddOrderBatch",
        "CancelOrderBatch",
        "Earn/Strategies",
    }


# --- rate costs ------------------------------------------------------------------------------

TRADING_ENGINE = {
    "AddOrder", "AddOrderBatch", "CancelOrder", "CancelOrderBatch", "EditOrder", "AmendOrder"
}  # fmt: skip


@pytest.mark.parametrize("name", SPOT_PRIVATE)
def test_spot_costs_follow_8_1(name: str) -> None:
    endpoint = SPOT_BY_NAME[name]
    if name in TRADING_ENGINE:
        assert (endpoint.pool, endpoint.cost) == ("spot_trading", 0)
    elif name in ("Ledgers", "QueryLedgers", "TradesHistory"):
        assert (endpoint.pool, endpoint.cost) == ("spot_rest", 2)
    else:
        assert (endpoint.pool, endpoint.cost) == ("spot_rest", 1)


FUTURES_COSTS = {
    ("POST", "sendorder"): 10,
    ("POST", "editorder"): 10,
    ("POST", "cancelorder"): 10,
    ("POST", "batchorder"): 9,
    ("GET", "accounts"): 2,
    ("GET", "openpositions"): 2,
    ("GET", "fills"): 2,
    ("POST", "cancelallorders"): 25,
    ("POST", "cancelallordersafter"): 25,
    ("POST", "withdrawal"): 100,
    ("GET", "openorders"): 2,
    ("POST", "orders/status"): 1,
    ("GET", "unwindqueue"): 200,
    ("GET", "leveragepreferences"): 2,
    ("PUT", "leveragepreferences"): 10,
    ("GET", "pnlpreferences"): 2,
    ("PUT", "pnlpreferences"): 10,
    ("POST", "transfer"): 10,
    ("POST", "transfer/subaccount"): 10,
    ("GET", "subaccount/{subaccountUid}/trading-enabled"): 2,
    ("PUT", "subaccount/{subaccountUid}/trading-enabled"): 2,
    ("GET", "self-trade-strategy"): 2,
    ("PUT", "self-trade-strategy"): 2,
    ("GET", "history/orders"): 1,
    ("GET", "history/executions"): 1,
    ("GET", "history/triggers"): 1,
    ("GET", "history/account-log"): 1,
    ("GET", "history/accountlogcsv"): 6,
}


def test_futures_costs_follow_8_3() -> None:
    table: dict[tuple[str, str], int] = {(e.http_method, e.name): e.cost for e in FUTURES_ENDPOINTS}
    assert {key: table[key] for key in FUTURES_COSTS} == FUTURES_COSTS
    # the rest of the private calls are priced like their neighbours, never free
    for endpoint in FUTURES_ENDPOINTS:
        if endpoint.auth and (endpoint.http_method, endpoint.name) not in FUTURES_COSTS:
            assert endpoint.cost == (2 if endpoint.http_method == "GET" else 10), endpoint.name


def _fut(method: str, name: str) -> Endpoint:
    return next(e for e in FUTURES_ENDPOINTS if (e.http_method, e.name) == (method, name))


def test_request_dependent_costs() -> None:
    fills = _fut("GET", "fills")
    assert request_cost(fills) == 2
    assert request_cost(fills, {"lastFillTime": "2020-07-22T13:37:27.077Z"}) == 25
    batch = _fut("POST", "batchorder")
    items = [{"order": "cancel", "order_id": str(i)} for i in range(10)]
    assert request_cost(batch, {"json": json.dumps({"batchOrder": items})}) == 19
    assert request_cost(batch, {"json": {"batchOrder": items[:3]}}) == 12
    assert request_cost(batch, {"json": "{not json"}) == 9
    log = _fut("GET", "history/account-log")
    costs = {count: request_cost(log, {"count": count}) for count in (1, 25, 26, 50, 51, 1000)}
    assert costs == {1: 1, 25: 1, 26: 2, 50: 2, 51: 3, 1000: 3}
    assert request_cost(log, {"count": "5000"}) == 6
    assert request_cost(log, {"count": 5001}) == 10
    assert request_cost(log) == 3  # Kraken's default count, 500
    assert request_cost(SPOT_BY_NAME["Ledgers"], {"asset": "XXBT"}) == 2
    assert request_cost(SPOT_BY_NAME["AddOrder"]) == 0


# --- parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "present", "required"),
    [
        ("AddOrder", {"close[ordertype]", "cl_ord_id", "deadline", "validate", "stptype"},
         {"ordertype", "type", "volume", "pair"}),
        ("TradeVolume", {"pair", "fee-info"}, set()),
        ("OHLC", {"interval", "since", "asset_class"}, {"pair"}),
        ("QueryOrders", {"txid", "consolidate_taker"}, {"txid"}),
        ("EditOrder", {"cancel_response", "displayvol"}, {"txid", "pair"}),
        ("AddOrderBatch", {"orders", "deadline", "validate"}, {"orders", "pair"}),
        ("CancelAllOrdersAfter", {"timeout"}, {"timeout"}),
        ("Withdraw", {"max_fee", "address"}, {"asset", "key", "amount"}),
        ("WalletTransfer", {"from", "to"}, {"asset", "from", "to", "amount"}),
        ("Earn/Allocate", {"strategy_id", "amount"}, {"strategy_id", "amount"}),
    ],
)  # fmt: skip
def test_spot_params_from_the_document(name: str, present: set[str], required: set[str]) -> None:
    endpoint = spot_endpoint(name)
    assert present <= set(endpoint.params)
    assert set(endpoint.required) == required


def test_futures_params_from_the_document() -> None:
    send = _fut("POST", "sendorder")
    assert set(send.required) == {"orderType", "symbol", "side", "size"}
    assert {"limitPrice", "stopPrice", "cliOrdId", "reduceOnly", "processBefore"} <= set(
        send.params
    )
    assert _fut("POST", "editorder").one_of == (("orderId", "cliOrdId"),)
    assert _fut("POST", "cancelorder").one_of == (("order_id", "cliOrdId"),)
    assert _fut("POST", "batchorder").required == ("json",)
    assert _fut("GET", "fills").params == ("lastFillTime",)


def test_missing_reports_required_and_one_of_groups() -> None:
    add = spot_endpoint("AddOrder")
    assert add.missing({"pair": "XBTUSD", "type": "buy", "volume": ""}) == ("ordertype", "volume")
    cancel = spot_endpoint("CancelOrder")
    assert cancel.missing({}) == ("txid|cl_ord_id",)
    assert cancel.missing({"cl_ord_id": "abc"}) == ()
    assert spot_endpoint("Balance").missing({}) == ()


# --- lookups ---------------------------------------------------------------------------------


def test_spot_endpoint_lookup() -> None:
    assert spot_endpoint("AddOrder").path == "/0/private/AddOrder"
    assert spot_endpoint("Earn/Strategies").path == "/0/private/Earn/Strategies"
    assert spot_endpoint("Ticker", private=False).auth is False
    assert spot_endpoint("Balance", private=True).auth is True


@pytest.mark.parametrize(
    ("name", "private"),
    [("Nope", None), ("addorder", None), ("", None), ("Balance", False), ("Ticker", True)],
)
def test_unknown_spot_method(name: str, private: bool | None) -> None:
    with pytest.raises(UnknownMethod) as caught:
        spot_endpoint(name, private=private)
    assert caught.value.error == "EGeneral:Unknown method"
    assert classify(caught.value.error) is UnknownMethod


@pytest.mark.parametrize(
    ("method", "path", "name", "path_params"),
    [
        ("GET", "/derivatives/api/v3/tickers", "tickers", {}),
        ("GET", "/derivatives/api/v3/tickers/PF_XBTUSD", "tickers/{symbol}",
         {"symbol": "PF_XBTUSD"}),
        ("GET", "/api/v3/tickers/pi_xbtusd", "tickers/{symbol}", {"symbol": "pi_xbtusd"}),
        ("get", "/api/v3/instruments/status", "instruments/status", {}),
        ("GET", "/derivatives/api/v3/instruments/PF_ETHUSD/status", "instruments/{symbol}/status",
         {"symbol": "PF_ETHUSD"}),
        ("GET", "/derivatives/api/v3/orderbook?symbol=PF_XBTUSD", "orderbook", {}),
        ("POST", "/derivatives/api/v3/sendorder", "sendorder", {}),
        ("POST", "/api/v3/orders/status", "orders/status", {}),
        ("GET", "/derivatives/api/v3/fills/", "fills", {}),
        ("GET", "/api/v4/historicalfundingrates?symbol=PF_XBTUSD", "historicalfundingrates", {}),
        ("GET", "/api/charts/v1/trade/PI_XBTUSD/1h", "charts/{tick_type}/{symbol}/{resolution}",
         {"tick_type": "trade", "symbol": "PI_XBTUSD", "resolution": "1h"}),
        ("GET", "/api/charts/v1/spot", "charts/{tick_type}", {"tick_type": "spot"}),
        ("GET", "/api/history/v2/market/PF_XBTUSD/executions", "history/market/{symbol}/executions",
         {"symbol": "PF_XBTUSD"}),
        ("GET", "/api/history/v2/account-log?count=10", "history/account-log", {}),
        ("PUT", "/derivatives/api/v3/subaccount/3c90c3cc-0d44/trading-enabled",
         "subaccount/{subaccountUid}/trading-enabled", {"subaccountUid": "3c90c3cc-0d44"}),
    ],
)  # fmt: skip
def test_futures_endpoint_matches_concrete_paths(
    method: str, path: str, name: str, path_params: dict[str, str]
) -> None:
    endpoint = futures_endpoint(method, path)
    assert endpoint is not None
    assert endpoint.name == name
    concrete = path.split("?", maxsplit=1)[0].rstrip("/")
    if not concrete.startswith(("/derivatives", "/api/history", "/api/charts")):
        concrete = "/derivatives" + concrete
    assert endpoint.match_path(concrete) == path_params


def test_get_and_put_on_one_path_are_different_endpoints() -> None:
    get = futures_endpoint("GET", "/derivatives/api/v3/leveragepreferences")
    put = futures_endpoint("PUT", "/derivatives/api/v3/leveragepreferences")
    assert get is not None
    assert put is not None
    assert (get.python_name, put.python_name) == (
        "get_leverage_preferences",
        "set_leverage_preferences",
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/derivatives/api/v3/tickers"),  # wrong method
        ("GET", "/derivatives/api/v3/sendorder"),
        ("GET", "/derivatives/api/v3/nothing"),
        ("GET", "/derivatives/api/v3/tickers/PF_XBTUSD/extra"),
        ("GET", "/derivatives/api/v3/instruments//status"),
        ("GET", "/0/public/Ticker"),
        ("GET", "/api/history/v2/market//executions"),
        ("DELETE", "/derivatives/api/v3/sendorder"),
    ],
)
def test_futures_endpoint_rejects_other_paths(method: str, path: str) -> None:
    assert futures_endpoint(method, path) is None


@given(symbol=st.from_regex(r"[A-Za-z0-9_.-]{1,24}", fullmatch=True))
def test_any_symbol_matches_the_ticker_template(symbol: str) -> None:
    for prefix in ("/derivatives/api/v3", "/api/v3"):
        endpoint = futures_endpoint("GET", f"{prefix}/tickers/{symbol}")
        assert endpoint is not None
        assert endpoint.name == "tickers/{symbol}"
        assert endpoint.match_path(f"/derivatives/api/v3/tickers/{symbol}") == {"symbol": symbol}
        assert endpoint.format_path(symbol=symbol) == f"/derivatives/api/v3/tickers/{symbol}"


def test_format_path_quotes_and_requires_values() -> None:
    ohlc = _fut("GET", "charts/{tick_type}/{symbol}/{resolution}")
    assert ohlc.path_params == ("tick_type", "symbol", "resolution")
    assert ohlc.format_path(tick_type="mark", symbol="PF XBT/USD", resolution="1m") == (
        "/api/charts/v1/mark/PF%20XBT%2FUSD/1m"
    )
    with pytest.raises(InvalidArguments, match="resolution"):
        ohlc.format_path(tick_type="mark", symbol="PF_XBTUSD")
    assert spot_endpoint("Time").format_path() == "/0/public/Time"


# --- the table validates itself --------------------------------------------------------------


def _endpoint(**changes: object) -> Endpoint:
    fields: dict[str, object] = {
        "name": "X",
        "api": "spot",
        "http_method": "POST",
        "path": "/0/private/X",
        "auth": True,
        "cost": 1,
        "pool": "spot_rest",
        "params": ("a", "b"),
        "required": ("a",),
        "json_body": False,
        "python_name": "get_x",
        "category": "account",
        "doc": "An example.",
        **changes,
    }
    return Endpoint(**fields)  # type: ignore[arg-type]


def test_a_valid_row_builds() -> None:
    assert _endpoint().missing({"a": 1}) == ()


@pytest.mark.parametrize(
    "changes",
    [
        {"required": ("c",)},
        {"params": ("a", "a")},
        {"one_of": (("a", "z"),)},
        {"python_name": "GetX"},
        {"python_name": "import"},
        {"category": "history"},
        {"pool": None},
        {"path": "/0/private/{id}"},
    ],
)
def test_an_inconsistent_row_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="endpoint spot X"):
        _endpoint(**changes)


def test_endpoints_are_frozen_and_hashable() -> None:
    endpoint = spot_endpoint("AddOrder")
    with pytest.raises(AttributeError):
        endpoint.cost = 5  # type: ignore[misc]
    assert len({*SPOT_ENDPOINTS, *FUTURES_ENDPOINTS}) == len(SPOT_ENDPOINTS) + len(
        FUTURES_ENDPOINTS
    )

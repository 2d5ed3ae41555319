"""What the engine trades: order requests, live orders, fills and public trades.

An :class:`OrderRequest` is a validated, protocol-neutral order (REST, WS v1 and WS v2 parameters
all decode into it); the engine turns it into an :class:`Order`. Prices that Kraken lets clients
give relative to the market (``+5``, ``-2%``, ``#1.5``) stay :class:`PriceSpec` until the engine
resolves them against the last trade price.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from krakenkit.protocol.assets import PairInfo

__all__ = [
    "LIMIT_TYPES",
    "ORDER_TYPES",
    "TRIGGER_TYPES",
    "CloseSpec",
    "Fill",
    "Order",
    "OrderRequest",
    "PriceSpec",
    "PublicTrade",
]

ZERO = Decimal(0)
_HUNDRED = Decimal(100)

ORDER_TYPES = frozenset(
    {
        "market",
        "limit",
        "iceberg",
        "stop-loss",
        "take-profit",
        "stop-loss-limit",
        "take-profit-limit",
        "trailing-stop",
        "trailing-stop-limit",
        "settle-position",
    }
)
#: types that rest in the book at ``price``
LIMIT_TYPES = frozenset({"limit", "iceberg"})
#: types that wait for a trigger; the ``-limit`` ones then rest at ``price2``
TRIGGER_TYPES = frozenset(
    {
        "stop-loss",
        "take-profit",
        "stop-loss-limit",
        "take-profit-limit",
        "trailing-stop",
        "trailing-stop-limit",
    }
)


class PriceSpec(NamedTuple):
    """A price as the client wrote it: absolute (``sign == ""``) or relative (``+``/``-``/``#``)."""

    sign: str
    value: Decimal
    percent: bool = False

    @property
    def relative(self) -> bool:
        return self.sign != ""

    def offset(self, reference: Decimal) -> Decimal:
        """The unsigned distance this spec means from ``reference``."""
        return reference * self.value / _HUNDRED if self.percent else self.value

    def resolve(self, reference: Decimal, direction: int, decimals: int) -> Decimal:
        """The absolute price; ``direction`` is the sign ``#`` stands for (+1 or -1)."""
        if not self.relative:
            return self.value
        sign = {"+": 1, "-": -1}.get(self.sign, direction)
        price = reference + sign * self.offset(reference)
        return price.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)

    def render(self, decimals: int) -> str:
        """As Kraken echoes it in ``descr``: ``25000.1``, ``+50.0000%``, ``-100.0``."""
        if self.percent:
            return f"{self.sign}{self.value:.4f}%"
        quantum = Decimal(1).scaleb(-decimals)
        return f"{self.sign}{self.value.quantize(quantum, rounding=ROUND_HALF_UP)}"


@dataclass(frozen=True, slots=True)
class CloseSpec:
    """A conditional close order (``close[ordertype]``, ``close[price]``, ``close[price2]``)."""

    ordertype: str
    price: PriceSpec | None = None
    price2: PriceSpec | None = None


@dataclass(slots=True)
class OrderRequest:
    """One validated order, before the engine looks at balances and the market."""

    pair: PairInfo
    side: str  # "buy" | "sell"
    ordertype: str
    volume: Decimal  # base units; quote units when "viqc" is in oflags
    price: PriceSpec | None = None
    price2: PriceSpec | None = None
    displayvol: Decimal | None = None
    trigger: str = "last"  # "last" | "index"
    oflags: frozenset[str] = frozenset()
    timeinforce: str = "GTC"  # GTC | IOC | GTD | FOK
    starttm: float = 0.0
    expiretm: float = 0.0
    userref: int = 0
    cl_ord_id: str | None = None
    stptype: str = "cancel-newest"
    reduce_only: bool = False
    close: CloseSpec | None = None
    leverage: str | None = None

    @property
    def post_only(self) -> bool:
        return "post" in self.oflags

    @property
    def viqc(self) -> bool:
        return "viqc" in self.oflags


@dataclass(slots=True, eq=False)
class Order:
    """A live or finished order. ``status``: pending, open, closed, canceled, expired."""

    txid: str
    account_id: str
    request: OrderRequest
    seq: int
    opentm: float
    status: str = "pending"
    limit_price: Decimal | None = None  # where it rests or the most it pays / least it takes
    trigger_price: Decimal | None = None  # stop / take-profit / trailing trigger
    watermark: Decimal | None = None  # best price seen, for trailing stops
    triggered: bool = False
    volume: Decimal = ZERO
    vol_exec: Decimal = ZERO
    cost: Decimal = ZERO
    fee: Decimal = ZERO  # in quote units
    quote_spent: Decimal = ZERO  # viqc market buys: quote used so far
    display_left: Decimal = ZERO  # iceberg: what is left of the displayed tip
    hold_asset: str = ""
    hold: Decimal = ZERO
    fee_in_base: bool = False
    closetm: float = 0.0
    reason: str | None = None
    trades: list[str] = field(default_factory=list)
    amends: list[dict[str, Any]] = field(default_factory=list)
    priority: float = 0.0  # time of the last loss of queue priority
    parent: str | None = None  # txid of the order whose fill created this close order
    internal: bool = False  # synthetic market order: not persisted, not listed

    @property
    def pair(self) -> PairInfo:
        return self.request.pair

    @property
    def side(self) -> str:
        return self.request.side

    @property
    def ordertype(self) -> str:
        return self.request.ordertype

    @property
    def userref(self) -> int:
        return self.request.userref

    @property
    def cl_ord_id(self) -> str | None:
        return self.request.cl_ord_id

    @property
    def remaining(self) -> Decimal:
        return self.volume - self.vol_exec

    @property
    def is_open(self) -> bool:
        return self.status in ("pending", "open")

    @property
    def visible(self) -> Decimal:
        """Quantity shown in the public book (an iceberg shows only its tip)."""
        if self.request.ordertype == "iceberg":
            return min(self.display_left, self.remaining)
        return self.remaining

    @property
    def avg_price(self) -> Decimal:
        return self.cost / self.vol_exec if self.vol_exec else ZERO


@dataclass(frozen=True, slots=True)
class Fill:
    """One side of one execution, as TradesHistory shows it."""

    txid: str
    account_id: str
    ordertxid: str
    postxid: str
    pair: PairInfo
    time: float
    side: str
    ordertype: str
    price: Decimal
    volume: Decimal
    cost: Decimal
    fee: Decimal  # in quote units, as Kraken reports it
    fee_asset: str
    fee_amount: Decimal  # in fee_asset units
    maker: bool
    trade_id: int
    ledgers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PublicTrade:
    """One execution as the public tape shows it (Trades, WS trade channels)."""

    pair_id: str
    price: Decimal
    volume: Decimal
    time: float
    side: str  # taker side: "b" | "s"
    ordertype: str  # taker order type: "m" | "l"
    trade_id: int


def _fast_frozen_init(cls: type) -> None:
    """Give a frozen, slotted dataclass an ``__init__`` that stores through the slot descriptors.

    The ``__init__`` that ``dataclass(frozen=True)`` writes calls ``object.__setattr__`` once per
    field; calling each slot's descriptor directly does the same stores in half the time (a fill
    is built twice per match). Same parameters, same instance, still frozen afterwards.
    """
    names = [f.name for f in fields(cls)]
    assert all(f.default is MISSING and f.default_factory is MISSING for f in fields(cls))
    namespace = {f"_set_{name}": cls.__dict__[name].__set__ for name in names}
    body = "".join(f"    _set_{name}(self, {name})\n" for name in names)
    exec(f"def __init__(self, {', '.join(names)}):\n{body}", namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    setattr(cls, "__init__", init)  # noqa: B010 (mypy: no assigning to a method)


_fast_frozen_init(Fill)
_fast_frozen_init(PublicTrade)

"""The matching engine: deterministic, synchronous, one instance per emulator.

Everything that changes balances or orders happens here, in one thread, with time passed in
(``now``) and ids from an injected :class:`~krakenkit.emulator.ids.IdGenerator`, so a run is
reproducible from its seed and inputs. The engine raises
:class:`~krakenkit.protocol.errors.APIError` subclasses carrying Kraken's exact error strings;
servers only translate them to the wire.

Lifecycle of an order: ``pending`` (waiting for ``starttm``) -> ``open`` (resting in the book, or
waiting for its trigger) -> ``closed`` (filled), ``canceled`` or ``expired``. A buy holds quote
currency for what it may still spend (fee included when the fee is charged in quote), a sell holds
the base it may still deliver; market orders execute at once and hold nothing.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from krakenkit.emulator.accounts import ZERO, Account, LedgerEntry
from krakenkit.emulator.engine.book import PairBook
from krakenkit.emulator.engine.events import (
    Event,
    FillEvent,
    LedgerEvent,
    LevelEvent,
    OrderEvent,
    TradeEvent,
)
from krakenkit.emulator.engine.orders import (
    LIMIT_TYPES,
    TRIGGER_TYPES,
    Fill,
    Order,
    OrderRequest,
    PriceSpec,
    PublicTrade,
)
from krakenkit.emulator.fees import rate
from krakenkit.emulator.ids import IdGenerator
from krakenkit.protocol.assets import PairInfo
from krakenkit.protocol.errors import APIError, api_error
from krakenkit.protocol.ratelimit import SpotTier, TradingLimiter, cancel_penalty

__all__ = ["Engine", "reject"]

_ONE = Decimal(1)
_MINUS_ONE = Decimal(-1)
TAPE_SIZE = 5000
_QUANTA = {d: _ONE.scaleb(-d) for d in range(19)}
#: Kraken shows this same ``postxid`` on every spot (non-margin) trade
SPOT_POSTXID = "TKH2SE-M7IF5-CFI7LT"
#: ``leverage`` values that mean a spot (unleveraged) order
_NO_LEVERAGE = (None, "", "none", "1", "1:1")
#: pair statuses that refuse some orders
_RESTRICTED_STATUSES = frozenset({"cancel_only", "reduce_only", "post_only", "limit_only"})


def reject(text: str) -> APIError:
    """The exception Kraken's error string ``text`` maps to."""
    return api_error([text])


def _direction(request: OrderRequest, *, trigger: bool) -> int:
    """The sign ``#`` means: away from the market in the direction the order waits for."""
    buy = request.side == "buy"
    if not trigger:  # a limit price: below the market to buy, above to sell
        return -1 if buy else 1
    stop = request.ordertype.startswith(("stop-loss", "trailing"))
    return (1 if buy else -1) if stop else (-1 if buy else 1)


class Engine:
    """Books, orders, balances and fills of every account."""

    def __init__(
        self,
        pairs: Iterable[PairInfo],
        *,
        asset_decimals: Mapping[str, int],
        ids: IdGenerator,
        clock: Callable[[], float],
        last_prices: Mapping[str, Decimal] | None = None,
        rate_limits: bool = True,
    ) -> None:
        self.pairs: dict[str, PairInfo] = {p.id: p for p in pairs}
        self.asset_decimals = dict(asset_decimals)
        self.ids = ids
        self.clock = clock
        self.rate_limits = rate_limits
        self.accounts: dict[str, Account] = {}
        self.orders: dict[str, Order] = {}
        self.open_orders: dict[str, dict[str, Order]] = {}  # account -> txid -> order
        self.books: dict[str, PairBook] = {pid: PairBook(pid) for pid in self.pairs}
        self.stops: dict[str, list[Order]] = {pid: [] for pid in self.pairs}
        self.fills: dict[str, Fill] = {}
        self.account_fills: dict[str, list[Fill]] = {}
        self.tape: dict[str, deque[PublicTrade]] = {
            pid: deque(maxlen=TAPE_SIZE) for pid in self.pairs
        }
        self.last_price: dict[str, Decimal] = dict(last_prices or {})
        self.fees_collected: dict[str, Decimal] = {}
        self.listeners: list[Callable[[Event], None]] = []
        self._limiters: dict[str, TradingLimiter] = {}
        self._rates: dict[tuple[str, str, bool], tuple[Decimal, Decimal, Decimal]] = {}
        self._asset_quanta: dict[str, Decimal] = {}
        #: (order, account, vol_exec, volume_30d, asset, hold) from the last funds check
        self._hold_hint: tuple[Order, Account, Decimal, Decimal, str, Decimal] | None = None
        self._open_count: dict[tuple[str, str], int] = {}  # (account, pair) -> open orders
        self._open_cl: dict[tuple[str, str], Order] = {}  # (account, cl_ord_id) -> open order
        self._starts: list[tuple[float, int, str]] = []
        self._expiries: list[tuple[float, int, str]] = []
        self.seq = 0
        self.trade_seq = 0
        self._pending_trigger_pairs: set[str] = set()
        self._draining = False
        # what changed since the store last committed
        self.dirty_orders: dict[str, Order] = {}
        self.dirty_accounts: set[str] = set()
        self.new_fills: list[Fill] = []
        self.new_ledger: list[LedgerEntry] = []

    # -- accounts ------------------------------------------------------------------------------

    def add_account(self, account: Account) -> Account:
        self.accounts[account.id] = account
        self.open_orders.setdefault(account.id, {})
        self.account_fills.setdefault(account.id, [])
        self.dirty_accounts.add(account.id)
        return account

    def account(self, account_id: str) -> Account:
        try:
            return self.accounts[account_id]
        except KeyError:
            raise reject("EGeneral:Permission denied") from None

    def post(
        self,
        account: Account,
        *,
        refid: str,
        now: float,
        type: str,
        asset: str,
        amount: Decimal,
        fee: Decimal = ZERO,
        subtype: str = "",
        allow_negative: bool = False,
    ) -> LedgerEntry:
        """Move ``amount - fee`` of ``asset`` on ``account`` and record its ledger entry."""
        entry = account.post(
            "" if account.internal else self.ids.ledger(),
            refid=refid,
            time=now,
            type=type,
            asset=asset,
            amount=amount,
            fee=fee,
            subtype=subtype,
            allow_negative=allow_negative,
        )
        self.dirty_accounts.add(account.id)
        if not account.internal:
            self.new_ledger.append(entry)
            if self.listeners:
                self._emit(LedgerEvent(entry))
        return entry

    # -- events --------------------------------------------------------------------------------

    def _emit(self, event: Event) -> None:
        for listener in self.listeners:
            listener(event)

    def _order_event(self, order: Order, kind: str) -> None:
        if not order.internal:
            self.dirty_orders[order.txid] = order
        if self.listeners:
            self._emit(OrderEvent(order, kind))

    def _level(self, order: Order) -> None:
        if self.listeners and order.limit_price is not None:
            self._emit(LevelEvent(order.pair.id, order.side, order.limit_price))

    def _index_open(self, order: Order) -> None:
        account_id = order.account_id
        request = order.request
        self.open_orders[account_id][order.txid] = order
        key = (account_id, request.pair.id)
        self._open_count[key] = self._open_count.get(key, 0) + 1
        if request.cl_ord_id is not None:
            self._open_cl[(account_id, request.cl_ord_id)] = order

    def _unindex_open(self, order: Order) -> None:
        account_id = order.account_id
        if self.open_orders[account_id].pop(order.txid, None) is None:
            return
        request = order.request
        self._open_count[(account_id, request.pair.id)] -= 1
        if request.cl_ord_id is not None:
            self._open_cl.pop((account_id, request.cl_ord_id), None)

    # -- rate limits ---------------------------------------------------------------------------

    def limiter(self, account: Account) -> TradingLimiter | None:
        if not (self.rate_limits and account.rate_limits):
            return None
        limiter = self._limiters.get(account.id)
        if limiter is None:
            limiter = self._limiters[account.id] = TradingLimiter(SpotTier(account.tier))
        return limiter

    def charge(self, account: Account, pair_id: str, cost: float, now: float) -> None:
        """Take ``cost`` from the pair's trading counter or raise ``EOrder:Rate limit exceeded``."""
        limiter = self.limiter(account)
        if limiter is not None and not limiter.try_acquire(pair_id, cost, now):
            raise reject("EOrder:Rate limit exceeded")

    def charge_fixed(self, account: Account, pair_id: str, cost: float, now: float) -> None:
        """The part Kraken charges on receipt even when validation then fails."""
        limiter = self.limiter(account)
        if limiter is not None and cost:
            limiter.record(pair_id, cost, now)

    def _age(self, order: Order, now: float) -> float:
        return now - (order.priority or order.opentm)

    # -- prices --------------------------------------------------------------------------------

    def reference_price(self, pair: PairInfo) -> Decimal:
        """The last trade price, else the mid, else nothing (relative prices are refused)."""
        last = self.last_price.get(pair.id)
        if last is not None:
            return last
        mid = self.books[pair.id].mid()
        if mid is None:
            raise reject("EGeneral:Invalid arguments:Index unavailable")
        return mid

    def _quantum(self, decimals: int) -> Decimal:
        return _QUANTA.get(decimals) or _ONE.scaleb(-decimals)

    def _check_price(self, pair: PairInfo, price: Decimal) -> Decimal:
        if price <= 0:
            raise reject("EOrder:Invalid price")
        if price % pair.tick_size:
            raise reject("EOrder:Tick size check failed")
        return price

    # -- placing -------------------------------------------------------------------------------

    def place(
        self,
        account_id: str,
        request: OrderRequest,
        *,
        now: float | None = None,
        validate: bool = False,
        charge: bool = True,
    ) -> Order:
        """Check and (unless ``validate``) create an order; return it (not stored if validating)."""
        now = self.clock() if now is None else now
        account = self.accounts.get(account_id)
        if account is None:
            raise reject("EGeneral:Permission denied")
        pair = request.pair
        if charge:
            self.charge(account, pair.id, 0, now)  # refuse outright when already at the limit
        try:
            order = self._prepare(account, request, now)
        except APIError:
            if charge:
                self.charge_fixed(account, pair.id, 1, now)
            raise
        if charge:
            self.charge(account, pair.id, 1, now)
        if validate:
            return order
        order.txid = txid = self.ids.order()
        self.seq = order.seq = self.seq + 1
        self.orders[txid] = order
        self._index_open(order)
        if not order.internal:
            self.dirty_orders[txid] = order
        if self.listeners:
            self._emit(OrderEvent(order, "pending"))
        if request.starttm > now:
            self._set_hold(order, account)
            heapq.heappush(self._starts, (request.starttm, order.seq, txid))
        else:
            self._activate(order, account, now)
        if request.expiretm and order.status in {"pending", "open"}:
            heapq.heappush(self._expiries, (request.expiretm, order.seq, txid))
        return order

    def _prepare(self, account: Account, request: OrderRequest, now: float) -> Order:
        """Every check Kraken makes before accepting an order; nothing is changed."""
        pair = request.pair
        kind = request.ordertype
        if kind == "settle-position":
            raise reject("EGeneral:Invalid arguments:settle-position needs margin, not emulated")
        if request.leverage not in _NO_LEVERAGE:
            raise reject("EOrder:Margin allowance exceeded")
        if request.reduce_only:
            raise reject("EOrder:Reduce only:No position exists")
        oflags = request.oflags
        status = pair.status
        if status in _RESTRICTED_STATUSES:
            if status in ("cancel_only", "reduce_only"):
                raise reject("EService:Market in cancel_only mode")
            if status == "post_only" and "post" not in oflags:
                raise reject("EService:Market in post_only mode")
            if status == "limit_only" and kind not in LIMIT_TYPES:
                raise reject("EService:Market in limit_only mode")
        if self.rate_limits and account.rate_limits:
            limiter = self.limiter(account)
            if (
                limiter is not None
                and self._open_count.get((account.id, pair.id), 0) >= limiter.limits.max_open_orders
            ):
                raise reject("EOrder:Orders limit exceeded")
        if request.cl_ord_id is not None and (account.id, request.cl_ord_id) in self._open_cl:
            raise reject("EOrder:Duplicate cl_ord_id")
        expiretm = request.expiretm
        if request.timeinforce == "GTD" and expiretm <= now:
            raise reject("EGeneral:Invalid arguments:expiretm")
        if expiretm and expiretm <= max(now, request.starttm):
            raise reject("EGeneral:Invalid arguments:expiretm")

        order = Order("", account.id, request, 0, now)  # positional: cheaper (hot path)
        order.volume = request.volume
        internal = order.internal = account.internal
        reference: Decimal | None = None
        if kind in LIMIT_TYPES:
            price = request.price
            assert price is not None
            if price.sign:  # relative
                reference = self.reference_price(pair)
                limit = price.resolve(
                    reference or ZERO, _direction(request, trigger=False), pair.pair_decimals
                )
            else:
                limit = price.value
            if limit <= 0:
                raise reject("EOrder:Invalid price")
            if limit % pair.tick_size:
                raise reject("EOrder:Tick size check failed")
            order.limit_price = limit
            if kind == "iceberg":
                order.display_left = request.displayvol or request.volume
        elif kind in TRIGGER_TYPES:
            assert request.price is not None
            reference = self.reference_price(pair)
            if kind.startswith("trailing"):
                order.watermark = reference
                offset = request.price.offset(reference)
                sign = 1 if request.side == "buy" else -1
                order.trigger_price = (reference + sign * offset).quantize(
                    self._quantum(pair.pair_decimals)
                )
            else:
                order.trigger_price = self._check_price(
                    pair,
                    request.price.resolve(
                        reference, _direction(request, trigger=True), pair.pair_decimals
                    ),
                )
            if kind.endswith("-limit"):
                assert request.price2 is not None
                if not request.price2.relative:
                    self._check_price(pair, request.price2.value)
        viqc = "viqc" in oflags
        if order.volume < pair.ordermin and not viqc:
            raise reject("EOrder:Order minimum not met")
        price_for_cost = order.limit_price or order.trigger_price
        if price_for_cost is None:
            price_for_cost = self.last_price.get(pair.id) or self.books[pair.id].mid()
        if pair.costmin is not None and price_for_cost is not None:
            cost = request.volume if viqc else request.volume * price_for_cost
            if cost < pair.costmin:
                raise reject("EOrder:Cost minimum not met")
        order.fee_in_base = self._fee_in_base(account, order)
        if not internal:
            self._check_funds(account, order)
        return order

    def _fee_in_base(self, account: Account, order: Order) -> bool:
        request = order.request
        flags = request.oflags
        if "fcib" in flags:
            return True
        if "fciq" in flags or request.side == "buy":
            return False
        # selling: Kraken prefers the fee in base, unless the base would not cover it
        pair = request.pair
        rate_ = self._fee_rate(account, pair, False)
        return account.available(pair.base) >= order.volume * (_ONE + rate_)

    def _required_hold(self, account: Account, order: Order) -> tuple[str, Decimal]:
        """What an open order must keep reserved for its remaining volume."""
        request = order.request
        pair = request.pair
        remaining = order.volume - order.vol_exec
        if request.side == "sell":
            if order.fee_in_base:
                return pair.base, remaining * (_ONE + self._fee_rate(account, pair, False))
            return pair.base, remaining
        price = order.limit_price
        if price is None or (request.ordertype in TRIGGER_TYPES and not order.triggered):
            price = self._trigger_limit(order) or order.trigger_price or price
        if price is None:
            return pair.quote, ZERO
        cost = remaining * price
        if order.fee_in_base:
            return pair.quote, cost
        return pair.quote, cost * (_ONE + self._fee_rate(account, pair, False))

    def _trigger_limit(self, order: Order) -> Decimal | None:
        request = order.request
        if not request.ordertype.endswith("-limit") or request.price2 is None:
            return None
        if order.trigger_price is None:
            return None
        return request.price2.resolve(
            order.trigger_price, _direction(request, trigger=False), order.pair.pair_decimals
        )

    def _check_funds(self, account: Account, order: Order) -> None:
        if account.internal:
            return
        pair = order.pair
        if order.ordertype == "market":
            if order.side == "sell":
                need = order.volume
                if order.fee_in_base:
                    need *= _ONE + self._fee_rate(account, pair, False)
                asset = pair.base
            else:
                asset = pair.quote
                need = order.volume if order.request.viqc else self._sweep_cost(order)
            if account.available(asset) < need:
                raise reject("EOrder:Insufficient funds")
            return
        asset, need = self._required_hold(account, order)
        if account.available(asset) < need:
            raise reject("EOrder:Insufficient funds")
        # the order's first _set_hold will want the same figure unless it has traded since
        self._hold_hint = (order, account, order.vol_exec, account.volume_30d, asset, need)

    def _sweep_cost(self, order: Order) -> Decimal:
        """What a market buy of ``order.volume`` would cost against the book (taker fee incl.)."""
        left = order.volume
        cost = ZERO
        side = self.books[order.pair.id].asks
        price = ZERO
        for price in side.prices():
            for maker in side.levels[price]:
                if maker.account_id == order.account_id:
                    continue
                take = min(left, maker.remaining)
                cost += take * price
                left -= take
                if not left:
                    break
            if not left:
                break
        if left:
            cost += left * (price or self.last_price.get(order.pair.id, ZERO))
        account = self.accounts[order.account_id]
        return cost * (_ONE + self._fee_rate(account, order.pair, False))

    def _set_hold(self, order: Order, account: Account) -> None:
        kind = order.request.ordertype
        as_market = kind == "market" or (order.triggered and order.limit_price is None)
        hint = self._hold_hint
        if hint is not None and hint[0] is order:
            self._hold_hint = None
        else:
            hint = None
        if not as_market and order.status in {"pending", "open"}:
            if (
                hint is not None
                and hint[1] is account
                and hint[2] is order.vol_exec
                and hint[3] is account.volume_30d
            ):
                asset, amount = hint[4], hint[5]  # what _check_funds just computed
            else:
                asset, amount = self._required_hold(account, order)
        else:
            asset, amount = order.hold_asset or order.request.pair.quote, ZERO
        held = order.hold
        if order.hold_asset != asset and order.hold_asset:
            account.add_hold(order.hold_asset, -held)
            order.hold = held = ZERO
        if amount != held:
            account.add_hold(asset, amount - held)
            order.hold = amount
        order.hold_asset = asset

    # -- activation and matching ------------------------------------------------------------------

    def _activate(self, order: Order, account: Account, now: float) -> None:
        order.status = "open"
        order.priority = now
        request = order.request
        kind = request.ordertype
        if not order.internal:
            self.dirty_orders[order.txid] = order
        if self.listeners:
            self._emit(OrderEvent(order, "new"))
        if kind in TRIGGER_TYPES:
            self.stops[request.pair.id].append(order)
            self._set_hold(order, account)
            self._run_triggers(request.pair.id, now)
            return
        if kind == "market" and request.starttm > order.opentm:
            try:  # scheduled: it holds nothing, so what it was placed with may be gone
                self._check_funds(account, order)
            except APIError:
                self._finish(order, "canceled", "Insufficient funds", now)
                return
        self._take(order, account, now)
        if self._pending_trigger_pairs:
            self._run_triggers(request.pair.id, now)

    def _take(self, order: Order, account: Account, now: float) -> None:
        """Match ``order`` as a taker, then rest it, or finish it."""
        request = order.request
        book = self.books[request.pair.id]
        buy = request.side == "buy"
        opposite = book.asks if buy else book.bids
        limit = order.limit_price
        crosses = limit is not None and (
            (best := opposite.best()) is not None and (best <= limit if buy else best >= limit)
        )
        if crosses and "post" in request.oflags:
            self._finish(order, "canceled", "Post only order", now)
            return
        timeinforce = request.timeinforce
        if timeinforce == "FOK" and not self._fillable(order):
            self._finish(order, "canceled", "Unfilled FOK order", now)
            return
        if limit is None or crosses:
            self._match(order, account, now)
        if order.status not in {"pending", "open"}:
            return
        if order.volume - order.vol_exec <= 0:
            self._finish(order, "closed", None, now)
        elif limit is None:
            reason = "Insufficient liquidity" if not order.vol_exec else "Partial fill"
            if "viqc" in request.oflags and order.vol_exec:
                self._finish(order, "closed", None, now)
            else:
                self._finish(order, "canceled", reason, now)
        elif timeinforce == "IOC":
            self._finish(order, "canceled", "Unfilled IOC order", now)
        else:
            (book.bids if buy else book.asks).add(order)
            self._set_hold(order, account)
            if self.listeners:
                self._level(order)

    def _fillable(self, order: Order) -> bool:
        left = order.remaining
        limit = order.limit_price
        side = self.books[order.pair.id].opposite(order.side)
        for price in side.prices():
            if limit is not None and (price > limit if order.side == "buy" else price < limit):
                break
            for maker in side.levels[price]:
                if maker.account_id != order.account_id:
                    left -= maker.remaining
                    if left <= 0:
                        return True
        return False

    def _match(self, order: Order, account: Account, now: float) -> None:
        request = order.request
        pair = request.pair
        buy = request.side == "buy"
        book = self.books[pair.id]
        side = book.asks if buy else book.bids
        levels = side.levels
        limit = order.limit_price
        # only orders without a limit (market) size their fills in lots and by their funds
        lot = self._quantum(pair.lot_decimals) if limit is None else _ONE
        viqc = request.ordertype == "market" and "viqc" in request.oflags
        taker_rate = self._fee_rate(account, pair, False) if limit is None else ZERO
        account_id = order.account_id
        while order.status in {"pending", "open"}:
            if viqc:
                budget = request.volume - order.quote_spent
            elif order.volume - order.vol_exec <= 0:
                break
            best = side.best()
            if best is None or (limit is not None and (best > limit if buy else best < limit)):
                break
            maker = levels[best][0]
            if maker.account_id == account_id:
                if not self._self_trade(order, maker, now):
                    break
                continue
            qty = maker.volume - maker.vol_exec
            if maker.request.ordertype == "iceberg":
                qty = min(maker.display_left, qty)
            if viqc:
                fee_factor = _ONE if order.fee_in_base else _ONE + taker_rate
                qty = min(qty, (budget / (best * fee_factor)).quantize(lot, ROUND_DOWN))
            else:
                qty = min(qty, order.volume - order.vol_exec)
            if buy and order.limit_price is None and not account.internal:
                fee_factor = _ONE if order.fee_in_base else _ONE + taker_rate
                affordable = (account.available(pair.quote) / (best * fee_factor)).quantize(
                    lot, ROUND_DOWN
                )
                qty = min(qty, affordable)
            if qty <= 0:
                break
            self._execute(order, maker, best, qty, now)
            if viqc:
                order.volume = order.vol_exec  # the base volume it became
        if viqc and order.vol_exec:
            order.volume = order.vol_exec

    def _self_trade(self, order: Order, maker: Order, now: float) -> bool:
        """Apply the taker's STP rule; True when matching may go on."""
        stp = order.request.stptype
        if stp in ("cancel-oldest", "cancel-both"):
            self._finish(maker, "canceled", "Self trade prevention", now)
        if stp in ("cancel-newest", "cancel-both"):
            self._finish(order, "canceled", "Self trade prevention", now)
            return False
        return True

    def _execute(
        self, taker: Order, maker: Order, price: Decimal, qty: Decimal, now: float
    ) -> None:
        request = taker.request
        pair = request.pair
        pair_id = pair.id
        self.trade_seq = trade_id = self.trade_seq + 1
        cost = (price * qty).quantize(self._asset_quantum(pair.quote), ROUND_HALF_UP)
        self._settle(maker, True, price, qty, cost, trade_id, now)
        self._settle(taker, False, price, qty, cost, trade_id, now)
        self.last_price[pair_id] = price
        trade = PublicTrade(
            pair_id,
            price,
            qty,
            now,
            "b" if request.side == "buy" else "s",
            "m" if taker.limit_price is None else "l",
            trade_id,
        )
        self.tape[pair_id].append(trade)
        if self.listeners:
            self._emit(TradeEvent(trade))
        # after the trade is recorded: a finished maker's conditional close may trade at once
        maker_request = maker.request
        book = self.books[pair_id]
        book_side = book.bids if maker_request.side == "buy" else book.asks
        if maker.volume - maker.vol_exec <= 0:
            book_side.pop_front(price)
            self._finish(maker, "closed", None, now, in_book=False)
        elif maker_request.ordertype == "iceberg":
            maker.display_left -= qty
            if maker.display_left <= 0:
                displayvol = maker_request.displayvol or maker.volume
                maker.display_left = min(displayvol, maker.remaining)
                book_side.requeue(maker)
        if self.listeners:
            self._level(maker)
        if self.stops[pair_id]:
            self._pending_trigger_pairs.add(pair_id)

    def _asset_quantum(self, asset: str) -> Decimal:
        """One unit of the last decimal ``asset`` is kept to (costs and fees round to it)."""
        quantum = self._asset_quanta.get(asset)
        if quantum is None:
            decimals = self.asset_decimals.get(asset, 8)
            quantum = self._asset_quanta[asset] = self._quantum(decimals)
        return quantum

    def _settle(
        self,
        order: Order,
        is_maker: bool,
        price: Decimal,
        qty: Decimal,
        cost: Decimal,
        trade_id: int,
        now: float,
    ) -> None:
        request = order.request
        pair = request.pair
        base, quote = pair.base, pair.quote
        account = self.accounts[order.account_id]
        fee_rate = self._fee_rate(account, pair, is_maker)
        quote_quantum = self._asset_quantum(quote)
        in_base = order.fee_in_base
        if in_base:
            fee_asset = base
            fee_amount = (qty * fee_rate).quantize(self._asset_quantum(base), ROUND_HALF_UP)
            fee_quote = (fee_amount * price).quantize(quote_quantum, ROUND_HALF_UP)
            base_fee, quote_fee = fee_amount, ZERO
        else:
            fee_asset = quote
            fee_amount = fee_quote = (cost * fee_rate).quantize(quote_quantum, ROUND_HALF_UP)
            base_fee, quote_fee = ZERO, fee_amount
        internal = account.internal
        txid = "" if internal else self.ids.trade()
        # signed products, not negations: -1 * 0 is "-0" (as the ledger has always shown it)
        sign, minus = (_ONE, _MINUS_ONE) if request.side == "buy" else (_MINUS_ONE, _ONE)
        # the two legs, as post() would record them (inlined: four per match)
        base_entry = account.post(
            "" if internal else self.ids.ledger(),
            txid, now, "trade", base, sign * qty, base_fee, "", internal,
        )  # fmt: skip
        self.dirty_accounts.add(account.id)
        listeners = self.listeners
        if not internal:
            self.new_ledger.append(base_entry)
            if listeners:
                self._emit(LedgerEvent(base_entry))
        quote_entry = account.post(
            "" if internal else self.ids.ledger(),
            txid, now, "trade", quote, minus * cost, quote_fee, "", internal,
        )  # fmt: skip
        if not internal:
            self.new_ledger.append(quote_entry)
            if listeners:
                self._emit(LedgerEvent(quote_entry))
        if fee_amount:
            collected = self.fees_collected
            collected[fee_asset] = collected.get(fee_asset, ZERO) + fee_amount
        order.vol_exec += qty
        order.cost += cost
        order.fee += fee_quote
        if request.ordertype == "market" and "viqc" in request.oflags:
            order.quote_spent += cost + (ZERO if in_base else fee_amount)
        account.volume_30d += cost if quote in {"ZUSD", "USDT"} else self._usd_value(pair, cost)
        if order.status in {"pending", "open"}:
            self._set_hold(order, account)
        if internal:
            self._order_event(order, "fill")
            return
        order.trades.append(txid)
        fill = Fill(
            txid,
            account.id,
            order.txid,
            SPOT_POSTXID,
            pair,
            now,
            request.side,
            request.ordertype,
            price,
            qty,
            cost,
            fee_quote,
            fee_asset,
            fee_amount,
            is_maker,
            trade_id,
            (base_entry.id, quote_entry.id),
        )
        self.fills[txid] = fill
        self.account_fills[account.id].append(fill)
        self.new_fills.append(fill)
        self.dirty_orders[order.txid] = order
        if self.listeners:
            self._emit(OrderEvent(order, "fill"))
            self._emit(FillEvent(fill))

    def _fee_rate(self, account: Account, pair: PairInfo, maker: bool) -> Decimal:
        """The account's fee on ``pair`` as a fraction, cached while its volume stays in a tier."""
        key = (account.id, pair.id, maker)
        cached = self._rates.get(key)
        volume = account.volume_30d
        if cached is not None and cached[1] <= volume < cached[2]:
            return cached[0]
        tiers = pair.fees_maker if maker else pair.fees
        low, high = Decimal(0), Decimal("Infinity")
        for threshold, _ in tiers:
            if volume >= threshold:
                low = threshold
            else:
                high = threshold
                break
        value = rate(pair, volume, maker=maker)
        self._rates[key] = (value, low, high)
        return value

    def _usd_value(self, pair: PairInfo, cost: Decimal) -> Decimal:
        if pair.quote in ("ZUSD", "USDT"):
            return cost
        for other in self.pairs.values():
            if other.base == pair.quote and other.quote == "ZUSD":
                return cost * self.last_price.get(other.id, ZERO)
        return ZERO

    # -- triggers ------------------------------------------------------------------------------

    def _trigger_reference(self, order: Order) -> Decimal | None:
        pair_id = order.pair.id
        if order.request.trigger == "index":
            return self.books[pair_id].mid() or self.last_price.get(pair_id)
        return self.last_price.get(pair_id)

    def _run_triggers(self, pair_id: str, now: float) -> None:
        """Fire every trigger order the market has reached, until none is left to fire."""
        self._pending_trigger_pairs.add(pair_id)
        if self._draining:
            return  # the outer loop will get to it
        self._draining = True
        try:
            rounds = 0
            while self._pending_trigger_pairs and rounds < 10_000:
                rounds += 1
                current = self._pending_trigger_pairs.pop()
                stops = self.stops[current]
                fired = [
                    o
                    for o in stops
                    if (p := self._trigger_reference(o)) is not None and self._reached(o, p)
                ]
                for order in fired:
                    if order in stops and order.is_open and not order.triggered:
                        stops.remove(order)
                        self._fire(order, now)
        finally:
            self._draining = False

    def _reached(self, order: Order, price: Decimal) -> bool:
        kind = order.ordertype
        buy = order.side == "buy"
        if kind.startswith("trailing"):
            assert order.watermark is not None
            offset = order.request.price.offset(order.watermark) if order.request.price else ZERO
            if (buy and price < order.watermark) or (not buy and price > order.watermark):
                order.watermark = price
                offset = order.request.price.offset(price) if order.request.price else ZERO
                step = self._quantum(order.pair.pair_decimals)
                order.trigger_price = (price + offset if buy else price - offset).quantize(step)
                if not order.internal:
                    self.dirty_orders[order.txid] = order
        trigger = order.trigger_price
        assert trigger is not None
        if kind.startswith(("stop-loss", "trailing")):
            return price >= trigger if buy else price <= trigger
        return price <= trigger if buy else price >= trigger

    def _fire(self, order: Order, now: float) -> None:
        account = self.accounts[order.account_id]
        order.triggered = True
        if order.ordertype.endswith("-limit"):
            order.limit_price = self._trigger_limit(order)
        else:
            order.limit_price = None
        self._order_event(order, "triggered")
        if order.limit_price is None:
            account.add_hold(order.hold_asset, -order.hold)
            order.hold = ZERO
        self._take(order, account, now)

    # -- finishing -----------------------------------------------------------------------------

    def _finish(
        self, order: Order, status: str, reason: str | None, now: float, *, in_book: bool = True
    ) -> None:
        current = order.status
        if current not in {"pending", "open"}:
            return
        request = order.request
        kind = request.ordertype
        limit = order.limit_price
        was_resting = (
            in_book
            and current == "open"
            and limit is not None
            and (kind in LIMIT_TYPES or order.triggered)
        )
        if was_resting:
            book = self.books[request.pair.id]
            was_resting = (book.bids if request.side == "buy" else book.asks).discard(order)
        if kind in TRIGGER_TYPES and not order.triggered:
            stops = self.stops[request.pair.id]
            if order in stops:
                stops.remove(order)
        order.status = status
        order.reason = reason
        order.closetm = now
        if order.hold:
            self.accounts[order.account_id].add_hold(order.hold_asset, -order.hold)
            order.hold = ZERO
        self._unindex_open(order)
        internal = order.internal
        if not internal:
            self.dirty_orders[order.txid] = order
        if self.listeners:
            self._emit(OrderEvent(order, status))
            if was_resting or not in_book:
                self._level(order)
        if internal:
            self.orders.pop(order.txid, None)
        close = request.close
        if close is not None and order.vol_exec > 0:
            self._place_close(order, self.accounts[order.account_id], now)

    def _place_close(self, order: Order, account: Account, now: float) -> None:
        close = order.request.close
        assert close is not None
        request = OrderRequest(
            pair=order.pair,
            side="sell" if order.side == "buy" else "buy",
            ordertype=close.ordertype,
            volume=order.vol_exec,
            price=close.price,
            price2=close.price2,
            userref=order.userref,
        )
        try:
            child = self.place(account.id, request, now=now, charge=False)
        except APIError:
            return
        child.parent = order.txid

    # -- cancelling ----------------------------------------------------------------------------

    def find_open(self, account_id: str, ref: str | int) -> list[Order]:
        """Open orders of an account named by txid, userref (int) or cl_ord_id."""
        mine = self.open_orders.get(account_id, {})
        if isinstance(ref, int):
            return [o for o in mine.values() if o.userref == ref]
        order = mine.get(ref) or self._open_cl.get((account_id, ref))
        return [] if order is None else [order]

    def cancel(self, account_id: str, ref: str | int, *, now: float | None = None) -> int:
        """Cancel by txid, userref or cl_ord_id; ``EOrder:Unknown order`` when nothing matches."""
        now = self.clock() if now is None else now
        account = self.account(account_id)
        orders = self.find_open(account_id, ref)
        if not orders:
            raise reject("EOrder:Unknown order")
        self._charge_cancels(account, orders, now)
        for order in orders:
            self._finish(order, "canceled", "User requested", now)
        return len(orders)

    def _charge_cancels(self, account: Account, orders: list[Order], now: float) -> None:
        if not (self.rate_limits and account.rate_limits):
            return  # no counter to charge
        by_pair: dict[str, float] = {}
        for order in orders:
            by_pair[order.pair.id] = by_pair.get(order.pair.id, 0) + cancel_penalty(
                self._age(order, now)
            )
        for pair_id, cost in by_pair.items():
            self.charge(account, pair_id, cost, now)

    def cancel_batch(
        self, account_id: str, refs: Iterable[str | int], *, now: float | None = None
    ) -> int:
        now = self.clock() if now is None else now
        account = self.account(account_id)
        seen: dict[str, Order] = {}
        for ref in refs:
            for order in self.find_open(account_id, ref):
                seen[order.txid] = order
        orders = list(seen.values())
        self._charge_cancels(account, orders, now)
        for order in orders:
            self._finish(order, "canceled", "User requested", now)
        return len(orders)

    def cancel_all(
        self, account_id: str, *, now: float | None = None, reason: str = "User requested"
    ) -> int:
        now = self.clock() if now is None else now
        orders = list(self.open_orders.get(account_id, {}).values())
        for order in orders:
            self._finish(order, "canceled", reason, now)
        return len(orders)

    # -- amend and edit ------------------------------------------------------------------------

    def amend(
        self,
        account_id: str,
        ref: str,
        *,
        order_qty: Decimal | None = None,
        display_qty: Decimal | None = None,
        limit_price: PriceSpec | None = None,
        trigger_price: PriceSpec | None = None,
        post_only: bool = False,
        now: float | None = None,
    ) -> str:
        """Change an order in place (same txid); return the amend id.

        Every check comes first: a refused amend changes nothing (queue place included) and costs
        only the fixed part of the rate counter.
        """
        now = self.clock() if now is None else now
        account = self.account(account_id)
        found = [o for o in self.find_open(account_id, ref) if isinstance(ref, str)]
        if len(found) != 1:
            raise reject("EOrder:Unknown order")
        order = found[0]
        pair = order.pair
        waiting = order.ordertype in TRIGGER_TYPES and not order.triggered
        resting = (
            order.limit_price is not None
            and (order.ordertype in LIMIT_TYPES or order.triggered)
            and order.status == "open"
        )
        old = (order.volume, order.limit_price, order.trigger_price, order.request.price2)
        try:
            new_limit = order.limit_price
            if limit_price is not None:
                if order.ordertype in TRIGGER_TYPES and not order.ordertype.endswith("-limit"):
                    raise reject("EGeneral:Invalid arguments:limit_price")
                reference = self.reference_price(pair) if limit_price.relative else ZERO
                new_limit = self._check_price(
                    pair,
                    limit_price.resolve(
                        reference, _direction(order.request, trigger=False), pair.pair_decimals
                    ),
                )
            new_trigger = order.trigger_price
            if trigger_price is not None:
                if not waiting:
                    raise reject("EGeneral:Invalid arguments:trigger_price")
                reference = self.reference_price(pair)
                new_trigger = self._check_price(
                    pair,
                    trigger_price.resolve(
                        reference, _direction(order.request, trigger=True), pair.pair_decimals
                    ),
                )
            if display_qty is not None and (order.ordertype != "iceberg" or display_qty <= 0):
                raise reject("EGeneral:Invalid arguments:display_qty")
            if order_qty is not None and order_qty < pair.ordermin:
                raise reject("EOrder:Order minimum not met")
            lose_priority = (new_limit != old[1]) or (order_qty is not None and order_qty > old[0])
            opposite = self.books[pair.id].opposite(order.side).best()
            crosses = (
                resting
                and opposite is not None
                and new_limit is not None
                and (opposite <= new_limit if order.side == "buy" else opposite >= new_limit)
            )
            if crosses and (post_only or order.request.post_only):
                raise reject("EOrder:Post only order")
            # what the order becomes: below what already executed, it ends with what it has
            new = (
                old[0] if order_qty is None else max(order_qty, order.vol_exec),
                new_limit if order.ordertype in LIMIT_TYPES or order.triggered else old[1],
                new_trigger if waiting else old[2],
                # a waiting stop-limit keeps its limit in price2 until it triggers
                PriceSpec("", new_limit)
                if waiting and limit_price is not None and new_limit is not None
                else old[3],
            )
            # funds for the new size and price: try them on the order, then put it back
            order.volume, order.limit_price, order.trigger_price, order.request.price2 = new
            asset, need = self._required_hold(account, order)
            order.volume, order.limit_price, order.trigger_price, order.request.price2 = old
            if (
                not account.internal
                and asset == order.hold_asset
                and account.available(asset) + order.hold < need
            ):
                raise reject("EOrder:Insufficient funds")
        except APIError:
            self.charge_fixed(account, pair.id, 1, now)
            raise
        self.charge(account, pair.id, 1 + _amend_penalty(self._age(order, now)), now)
        if not order.amends:
            order.amends.append(_amend_record("original", order, now, order.txid))
        if resting and lose_priority:
            self.books[pair.id].side(order.side).remove(order)
            self._level(order)
        order.volume, order.limit_price, order.trigger_price, order.request.price2 = new
        if display_qty is not None:
            order.request.displayvol = display_qty
            order.display_left = min(display_qty, order.remaining)
        amend_id = self.ids.amend()
        order.amends.append(_amend_record("user", order, now, amend_id))
        if order.remaining <= 0:
            self._finish(order, "closed", None, now)
            return amend_id
        if resting and lose_priority:
            order.priority = now
            self._order_event(order, "amended")
            self._take(order, account, now)
            if self._pending_trigger_pairs:
                self._run_triggers(pair.id, now)
        else:
            self._set_hold(order, account)
            self._order_event(order, "amended")
            self._level(order)
            if waiting:
                self._run_triggers(pair.id, now)
        return amend_id

    def edit(
        self,
        account_id: str,
        ref: str | int,
        replacement: OrderRequest,
        *,
        now: float | None = None,
        validate: bool = False,
    ) -> tuple[Order, Order]:
        """Kraken's EditOrder: cancel ``ref`` and place ``replacement``; (old, new)."""
        now = self.clock() if now is None else now
        account = self.account(account_id)
        found = self.find_open(account_id, ref)
        if len(found) != 1:
            raise reject("EOrder:Unknown order")
        old = found[0]
        try:
            if old.request.close is not None or old.triggered:
                raise reject("EOrder:Invalid order")
            # the replacement may use what the old order holds
            account.add_hold(old.hold_asset, -old.hold)
            try:
                new = self.place(account_id, replacement, now=now, validate=True, charge=False)
            finally:
                account.add_hold(old.hold_asset, old.hold)
        except APIError:
            self.charge_fixed(account, old.pair.id, 1, now)
            raise
        self.charge(account, old.pair.id, 1 + _edit_penalty(self._age(old, now)), now)
        if validate:
            return old, new
        self._finish(old, "canceled", "Order replaced", now)
        new = self.place(account_id, replacement, now=now, charge=False)
        return old, new

    # -- time ----------------------------------------------------------------------------------

    def tick(self, now: float | None = None) -> None:
        """Start scheduled orders and expire GTD ones whose time has come."""
        now = self.clock() if now is None else now
        while self._starts and self._starts[0][0] <= now:
            _, _, txid = heapq.heappop(self._starts)
            order = self.orders.get(txid)
            if order is not None and order.status == "pending":
                self._activate(order, self.accounts[order.account_id], now)
        while self._expiries and self._expiries[0][0] <= now:
            _, _, txid = heapq.heappop(self._expiries)
            order = self.orders.get(txid)
            if order is not None and order.is_open:
                self._finish(order, "expired", None, now)

    def restore_order(self, order: Order) -> None:
        """Put back an order loaded from the store (open ones return to the book and holds)."""
        self.orders[order.txid] = order
        self.seq = max(self.seq, order.seq)
        if not order.is_open:
            return
        account = self.accounts[order.account_id]
        self._index_open(order)
        if order.status == "pending":
            heapq.heappush(self._starts, (order.request.starttm, order.seq, order.txid))
        elif order.ordertype in TRIGGER_TYPES and not order.triggered:
            self.stops[order.pair.id].append(order)
        elif order.limit_price is not None:
            self.books[order.pair.id].side(order.side).add(order)
        if order.request.expiretm:
            heapq.heappush(self._expiries, (order.request.expiretm, order.seq, order.txid))
        hold, order.hold = order.hold, ZERO
        del hold
        self._set_hold(order, account)


def _amend_penalty(age: float) -> int:
    from krakenkit.protocol.ratelimit import amend_penalty

    return amend_penalty(age)


def _edit_penalty(age: float) -> int:
    from krakenkit.protocol.ratelimit import edit_penalty

    return edit_penalty(age)


def _amend_record(kind: str, order: Order, now: float, amend_id: str) -> dict[str, object]:
    return {
        "amend_id": amend_id,
        "amend_type": kind,
        "order_qty": order.volume,
        "display_qty": order.request.displayvol if order.ordertype == "iceberg" else None,
        "remaining_qty": order.remaining,
        "limit_price": order.limit_price,
        "trigger_price": order.trigger_price,
        "post_only": order.request.post_only,
        "timestamp": now,
    }

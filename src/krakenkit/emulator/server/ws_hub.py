"""The feed hub: engine events in, encoded channel messages out to every subscriber.

The hub listens to the engine. Level, trade and top-of-book changes are collected and flushed
once per event-loop iteration (``call_soon``), so a REST order that moves ten levels, or one step
of the synthetic market, becomes one message per topic -- encoded once and queued on every
subscribed connection. Subscribing flushes first, so a snapshot always equals what the previous
updates left the other subscribers holding and the next update applies to it.

Private channels (own trades, open orders, executions, balances) are pushed by
:mod:`.ws_private`, which the hub calls for every order, fill and ledger event.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from krakenkit.emulator.engine import (
    Event,
    FillEvent,
    LedgerEvent,
    LevelEvent,
    OrderEvent,
    PublicTrade,
    TradeEvent,
)
from krakenkit.emulator.server import ws_public as pub
from krakenkit.emulator.server.ws_book import BookView
from krakenkit.emulator.server.ws_conn import WsConnection
from krakenkit.emulator.server.ws_level3 import Level3View

if TYPE_CHECKING:
    from krakenkit.emulator.server.exchange import Exchange

__all__ = ["FeedHub", "Topic"]

#: (version, channel, pair id, option): option is the depth, the interval, or 1 for bbo tickers.
Topic = tuple[str, str, str, int]

PrivateListener = Callable[[Event], None]


class FeedHub:
    """Every WebSocket connection of one emulator and what each is subscribed to."""

    def __init__(self, exchange: Exchange, *, heartbeat: float = 1.0) -> None:
        self.exchange = exchange
        self.engine = exchange.engine
        self.heartbeat = heartbeat
        self.connections: set[WsConnection] = set()
        self.topics: dict[Topic, set[WsConnection]] = defaultdict(set)
        self.views: dict[tuple[str, int], BookView] = {}
        self.l3_views: dict[tuple[str, int], Level3View] = {}
        self.channel_ids: dict[tuple[str, str], int] = {}
        self.private: list[PrivateListener] = []
        self._dirty: dict[str, tuple[set[Decimal], set[Decimal]]] = {}
        self._trades: dict[str, list[PublicTrade]] = defaultdict(list)
        self._bbo: dict[str, tuple[Decimal | None, Decimal | None, Decimal, Decimal]] = {}
        self._scheduled = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None
        self._beat: asyncio.Task[None] | None = None
        self.engine.listeners.append(self._on_event)
        exchange.status_listeners.append(self.announce_status)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._beat = self._loop.create_task(self._heartbeats())

    async def stop(self) -> None:
        if self._beat is not None:
            self._beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beat
        for conn in list(self.connections):
            conn.close()
            with contextlib.suppress(Exception):
                await conn.ws.close()
        if self._on_event in self.engine.listeners:
            self.engine.listeners.remove(self._on_event)

    async def _heartbeats(self) -> None:
        v1 = '{"event":"heartbeat"}'
        v2 = '{"channel":"heartbeat"}'
        while True:
            await asyncio.sleep(self.heartbeat / 2)
            limit = time.monotonic() - self.heartbeat
            for conn in self.connections:
                if conn.last_sent <= limit and not conn.outbox:
                    if conn.version == "v1":
                        conn.send(v1)
                    elif conn.subscribed:
                        conn.send(v2)
                    conn.last_sent = time.monotonic()

    def announce_status(self, status: str) -> None:
        """Tell every connection the new system status (v1 systemStatus, v2 status channel)."""
        for conn in self.connections:
            status_of = pub.v1_status if conn.version == "v1" else pub.v2_status
            conn.send(status_of(conn.connection_id, status))

    def drop(self, version: str | None = None) -> int:
        """Cut connections without a closing handshake, as a network failure would."""
        dropped = 0
        for conn in list(self.connections):
            if version is None or conn.version == version:
                conn.closed = True
                if isinstance(conn.transport, asyncio.Transport):
                    conn.transport.abort()
                dropped += 1
        return dropped

    def add(self, conn: WsConnection) -> None:
        self.connections.add(conn)

    def remove(self, conn: WsConnection) -> None:
        self.connections.discard(conn)
        for topic in [t for t, subs in self.topics.items() if conn in subs]:
            self.unsubscribe(topic, conn)

    # -- subscriptions -----------------------------------------------------------------------

    def channel_id(self, name: str, pair_id: str) -> int:
        """v1's (deprecated) channelID: one number per channel name and pair."""
        key = (name, pair_id)
        found = self.channel_ids.get(key)
        if found is None:
            found = self.channel_ids[key] = 100 + len(self.channel_ids)
        return found

    def is_subscribed(self, topic: Topic, conn: WsConnection) -> bool:
        return conn in self.topics.get(topic, ())

    def subscribe(self, topic: Topic, conn: WsConnection) -> None:
        self.flush()  # what the others hold now is exactly the engine's state
        self.topics[topic].add(conn)
        if topic[1] == "book":
            key = (topic[2], topic[3])
            if key not in self.views:
                pair = self.engine.pairs[topic[2]]
                self.views[key] = BookView(pair, topic[3], self.engine.books[pair.id])
        elif topic[1] == "level3":
            key = (topic[2], topic[3])
            if key not in self.l3_views:
                pair = self.engine.pairs[topic[2]]
                self.l3_views[key] = Level3View(pair, topic[3], self.engine.books[pair.id])
        if topic[2] in self.engine.books and topic[2] not in self._bbo:
            self._bbo[topic[2]] = self._top(topic[2])

    def unsubscribe(self, topic: Topic, conn: WsConnection) -> bool:
        subs = self.topics.get(topic)
        if not subs or conn not in subs:
            return False
        subs.discard(conn)
        if not subs:
            del self.topics[topic]
            if topic[1] in ("book", "level3"):
                key = (topic[2], topic[3])
                if not any(
                    t[1] == topic[1] and (t[2], t[3]) == key for t in self.topics
                ):  # the last subscriber of this view has gone
                    (self.views if topic[1] == "book" else self.l3_views).pop(key, None)
        return True

    def view(self, pair_id: str, depth: int) -> BookView:
        return self.views[(pair_id, depth)]

    def l3_view(self, pair_id: str, depth: int) -> Level3View:
        return self.l3_views[(pair_id, depth)]

    # -- events ----------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if isinstance(event, LevelEvent):
            if not self.views and not self._bbo and not self.l3_views:
                return
            sides = self._dirty.get(event.pair_id)
            if sides is None:
                sides = self._dirty[event.pair_id] = (set(), set())
            sides[0 if event.side == "sell" else 1].add(event.price)
            self._schedule()
        elif isinstance(event, TradeEvent):
            if self._bbo:
                self._trades[event.trade.pair_id].append(event.trade)
                self._schedule()
        elif isinstance(event, OrderEvent | FillEvent | LedgerEvent):
            for listener in self.private:
                listener(event)

    def _schedule(self) -> None:
        if self._scheduled or self._loop is None:
            return
        self._scheduled = True
        if threading.get_ident() == self._thread:
            self._loop.call_soon(self.flush)
        else:  # an admin call from another thread (Emulator.background users)
            self._loop.call_soon_threadsafe(self.flush)

    def _top(self, pair_id: str) -> tuple[Decimal | None, Decimal | None, Decimal, Decimal]:
        book = self.engine.books[pair_id]
        bid, ask = book.bids.best(), book.asks.best()
        bid_qty = book.bids.visible(bid) if bid is not None else Decimal(0)
        ask_qty = book.asks.visible(ask) if ask is not None else Decimal(0)
        return bid, ask, bid_qty, ask_qty

    # -- flushing ----------------------------------------------------------------------------

    def flush(self) -> None:
        """Send everything that changed since the last flush."""
        self._scheduled = False
        if not self._dirty and not self._trades:
            return
        now = self.engine.clock()
        dirty, self._dirty = self._dirty, {}
        trades, self._trades = self._trades, defaultdict(list)
        for pair_id, (asks, bids) in dirty.items():
            self._flush_books(pair_id, asks, bids, now)
            if pair_id in self._bbo:
                top = self._top(pair_id)
                if top != self._bbo[pair_id]:
                    self._bbo[pair_id] = top
                    self._flush_bbo(pair_id, now)
        for pair_id, pair_trades in trades.items():
            self._flush_trades(pair_id, pair_trades, now)

    def _send(self, topic: Topic, text: str | None) -> None:
        if text is None:
            return
        for conn in self.topics.get(topic, ()):
            conn.send(text)

    def _flush_books(
        self, pair_id: str, asks: set[Decimal], bids: set[Decimal], now: float
    ) -> None:
        book = self.engine.books[pair_id]
        for (view_pair, depth), view in self.views.items():
            if view_pair != pair_id:
                continue
            ask_changes, bid_changes = view.update(book, asks, bids)
            if not ask_changes and not bid_changes:
                continue
            v1 = ("v1", "book", pair_id, depth)
            if self.topics.get(v1):
                channel = self.channel_id(f"book-{depth}", pair_id)
                self._send(v1, pub.v1_book_update(view, ask_changes, bid_changes, channel, now))
            v2 = ("v2", "book", pair_id, depth)
            if self.topics.get(v2):
                self._send(v2, pub.v2_book(view, now, ask_changes, bid_changes))
        for (view_pair, depth), l3 in self.l3_views.items():
            if view_pair == pair_id:
                self._send(("v2", "level3", pair_id, depth), l3.update(now))

    def _flush_bbo(self, pair_id: str, now: float) -> None:
        pair = self.engine.pairs[pair_id]
        md = self.exchange.marketdata
        if self.topics.get(("v1", "spread", pair_id, 0)):
            channel = self.channel_id("spread", pair_id)
            self._send(("v1", "spread", pair_id, 0), pub.v1_spread(md, pair, channel, now))
        if self.topics.get(("v1", "ticker", pair_id, 0)):
            channel = self.channel_id("ticker", pair_id)
            self._send(("v1", "ticker", pair_id, 0), pub.v1_ticker(md, pair, channel))
        if self.topics.get(("v2", "ticker", pair_id, 1)):
            self._send(("v2", "ticker", pair_id, 1), pub.v2_ticker(md, pair))

    def _flush_trades(self, pair_id: str, trades: list[PublicTrade], now: float) -> None:
        pair = self.engine.pairs[pair_id]
        md = self.exchange.marketdata
        topic = ("v1", "trade", pair_id, 0)
        if self.topics.get(topic):
            self._send(topic, pub.v1_trade(pair, trades, self.channel_id("trade", pair_id)))
        topic = ("v2", "trade", pair_id, 0)
        if self.topics.get(topic):
            self._send(topic, pub.v2_trade(pair, trades))
        topic = ("v2", "ticker", pair_id, 0)
        if self.topics.get(topic):
            self._send(topic, pub.v2_ticker(md, pair))
        for (version, channel, topic_pair, interval), subs in list(self.topics.items()):
            if channel != "ohlc" or topic_pair != pair_id or not subs:
                continue
            candle = md.candles(pair_id, interval)[-1]
            if version == "v1":
                cid = self.channel_id(f"ohlc-{interval}", pair_id)
                text = pub.v1_ohlc(pair, candle, interval, cid, now)
            else:
                text = pub.v2_ohlc(pair, [candle], interval, now)
            for conn in subs:
                conn.send(text)

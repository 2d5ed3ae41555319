"""What the streaming client itself reports, in the same stream as Kraken's messages.

::

    Connected      a connection is up, every subscription restored (``reconnect`` after a loss)
    Disconnected   the connection was lost (``reason``); the client is reconnecting
    BookStale      a local book stopped being trustworthy (checksum mismatch, lost connection)
    BookSynced     a local book holds a fresh snapshot again (``resync``: after BookStale)
"""

from __future__ import annotations

from dataclasses import dataclass

from krakenkit.protocol.ws_messages import Message

__all__ = ["BookStale", "BookSynced", "ClientEvent", "Connected", "Disconnected", "StreamItem"]


@dataclass(frozen=True, slots=True)
class Connected:
    url: str
    reconnect: bool
    attempts: int  # connection attempts it took


@dataclass(frozen=True, slots=True)
class Disconnected:
    url: str
    reason: str


@dataclass(frozen=True, slots=True)
class BookStale:
    symbol: str
    reason: str  # "checksum" | "disconnected" | "malformed"
    detail: str = ""


@dataclass(frozen=True, slots=True)
class BookSynced:
    symbol: str
    resync: bool


ClientEvent = Connected | Disconnected | BookStale | BookSynced

#: Everything ``async for msg in ws`` yields.
StreamItem = Message | ClientEvent

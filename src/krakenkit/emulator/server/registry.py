"""Spot REST handlers, registered by Kraken method name.

A handler is a plain synchronous function ``(ctx, params) -> result``: it decodes parameters, calls
the engine and returns the ``result`` object of Kraken's envelope. Routing, authentication, rate
limits, persistence and the envelope itself live in :mod:`krakenkit.emulator.server.app`, so
handlers stay small and never touch HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from krakenkit.emulator.server.params import Params

if TYPE_CHECKING:
    from krakenkit.emulator.server.auth import ApiKey
    from krakenkit.emulator.server.exchange import Exchange

__all__ = ["PRIVATE", "PUBLIC", "Context", "Handler", "private", "public"]


@dataclass(slots=True)
class Context:
    """What a handler may know about the request it serves."""

    exchange: Exchange
    path: str
    now: float
    key: ApiKey | None = None

    @property
    def account_id(self) -> str:
        if self.key is None:  # pragma: no cover - private handlers always have a key
            raise RuntimeError("public request has no account")
        return self.key.account_id


Handler = Callable[[Context, Params], Any]

PUBLIC: dict[str, Handler] = {}
PRIVATE: dict[str, Handler] = {}


def public(*names: str) -> Callable[[Handler], Handler]:
    """Register a public ``/0/public/<name>`` handler."""

    def register(fn: Handler) -> Handler:
        for name in names:
            PUBLIC[name] = fn
        return fn

    return register


def private(*names: str) -> Callable[[Handler], Handler]:
    """Register a private ``/0/private/<name>`` handler."""

    def register(fn: Handler) -> Handler:
        for name in names:
            PRIVATE[name] = fn
        return fn

    return register

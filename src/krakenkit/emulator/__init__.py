"""The emulator: a local Kraken-compatible exchange (engine, accounts, servers).

``from krakenkit.emulator import Emulator`` starts one in-process (see
:mod:`krakenkit.emulator.server.embedded`); it needs the ``emulator`` extra (aiohttp), which is
imported only when :class:`Emulator` is first used, so the engine alone stays dependency-free.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from krakenkit.emulator.server.embedded import AccountKeys, Emulator
    from krakenkit.emulator.server.exchange import ExchangeConfig

__all__ = ["AccountKeys", "Emulator", "ExchangeConfig"]


def __getattr__(name: str) -> Any:
    if name in ("Emulator", "AccountKeys"):
        from krakenkit.emulator.server import embedded

        return getattr(embedded, name)
    if name == "ExchangeConfig":
        from krakenkit.emulator.server.exchange import ExchangeConfig

        return ExchangeConfig
    raise AttributeError(name)

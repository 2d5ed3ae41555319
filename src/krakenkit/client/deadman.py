"""The dead man's switch keeper: CancelAllOrdersAfter, re-armed until you stop.

Kraken cancels every open order of the account when ``timeout`` seconds pass without a new
``CancelAllOrdersAfter``. The keeper arms it at once, re-arms it every ``every`` seconds, and on a
clean exit disarms it (``timeout=0``). If the process dies or hangs, the heartbeats stop and Kraken
cancels the orders: that is the point. ``every`` must leave room for a slow call or two, so it
has to be well below ``timeout`` (at most half of it).

::

    with client.dead_mans_switch(timeout=60, every=15):     # sync: a daemon thread
        run_strategy()

    async with client.dead_mans_switch(timeout=60, every=15):  # async: a task
        await run_strategy()

A failed heartbeat is kept in ``errors`` and retried at the next beat; ``trigger_time`` is the
last ``triggerTime`` Kraken answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any

from krakenkit.protocol.errors import KrakenError

if TYPE_CHECKING:
    from krakenkit.client._async import AsyncSpotClient
    from krakenkit.client.spot import SpotClient

__all__ = ["AsyncDeadMansSwitch", "DeadMansSwitch"]


def _check(timeout: int, every: float) -> None:
    if timeout <= 0:
        raise ValueError("timeout must be positive (0 is what disarming sends)")
    if not 0 < every <= timeout / 2:
        raise ValueError(f"every must be in (0, timeout / 2]; got every={every}, timeout={timeout}")


class DeadMansSwitch:
    """Keeps CancelAllOrdersAfter armed from a background thread (see the module docstring)."""

    def __init__(self, client: SpotClient, *, timeout: int = 60, every: float = 15) -> None:
        _check(timeout, every)
        self.client = client
        self.timeout = timeout
        self.every = every
        self.errors: list[KrakenError] = []
        self.trigger_time: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        """Re-arm once now."""
        try:
            answer: Any = self.client.cancel_all_orders_after(timeout=self.timeout)
        except KrakenError as exc:
            self.errors.append(exc)
            return
        self.trigger_time = answer.get("triggerTime") if isinstance(answer, dict) else None

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.beat()

    def start(self) -> DeadMansSwitch:
        """Arm now and start re-arming every ``every`` seconds."""
        if self._thread is not None:
            raise RuntimeError("the keeper is already running")
        self.beat()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="krakenkit-deadman", daemon=True)
        self._thread.start()
        return self

    def stop(self, *, disarm: bool = True) -> None:
        """Stop re-arming; with ``disarm`` (the default) also cancel the timer on Kraken."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if disarm:
            self.client.cancel_all_orders_after(timeout=0)

    def __enter__(self) -> DeadMansSwitch:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop(disarm=True)


class AsyncDeadMansSwitch:
    """Keeps CancelAllOrdersAfter armed from an asyncio task (see the module docstring)."""

    def __init__(self, client: AsyncSpotClient, *, timeout: int = 60, every: float = 15) -> None:
        _check(timeout, every)
        self.client = client
        self.timeout = timeout
        self.every = every
        self.errors: list[KrakenError] = []
        self.trigger_time: str | None = None
        self._task: asyncio.Task[None] | None = None

    async def beat(self) -> None:
        """Re-arm once now."""
        try:
            answer: Any = await self.client.cancel_all_orders_after(timeout=self.timeout)
        except KrakenError as exc:
            self.errors.append(exc)
            return
        self.trigger_time = answer.get("triggerTime") if isinstance(answer, dict) else None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            await self.beat()

    async def start(self) -> AsyncDeadMansSwitch:
        if self._task is not None:
            raise RuntimeError("the keeper is already running")
        await self.beat()
        self._task = asyncio.create_task(self._run(), name="krakenkit-deadman")
        return self

    async def stop(self, *, disarm: bool = True) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if disarm:
            await self.client.cancel_all_orders_after(timeout=0)

    async def __aenter__(self) -> AsyncDeadMansSwitch:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop(disarm=True)

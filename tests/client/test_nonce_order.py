"""Private calls of one key arrive in nonce order, however many tasks or threads send them.

A jittery transport delays every request by up to 10 ms before it goes out, as a network does,
so requests that are not kept in order do overtake each other: the control tests show that the
same load without the per-key lock gets ``EAPI:Invalid nonce`` from the emulator.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from krakenkit import AsyncSpotClient, SpotClient
from krakenkit.emulator import Emulator
from krakenkit.protocol.errors import InvalidNonce
from tests.client.conftest import NO_RETRY, AsyncFaultAfterSend, FaultAfterSend, keys

# No retries (an EAPI:Invalid nonce would be re-signed and hidden) and no pacing (so requests
# really pile up); the accounts have no rate limits.
STRICT: dict[str, Any] = {"retry": NO_RETRY, "pacing": False}
ORDER: dict[str, Any] = {"pair": "XBTUSD", "type": "buy", "ordertype": "limit", "volume": "0.01"}
JITTER = 0.01
NO_LOCK = 1  # a client window > 0 drops the lock; the key's real window stays 0


async def _private_mix(kraken: AsyncSpotClient, i: int) -> Any:
    if i % 4 == 0:
        return await kraken.add_order(**ORDER, price=40000 + i)
    if i % 4 == 1:
        return await kraken.open_orders()
    if i % 4 == 2:
        return await kraken.balance_ex()
    return await kraken.closed_orders()


def _async_client(ex: Emulator, *, key_window: int = 0, client_window: int = 0) -> AsyncSpotClient:
    key, secret = keys(ex, rate_limits=False, nonce_window=key_window)
    return AsyncSpotClient(
        key,
        secret,
        base_url=ex.url,
        nonce_window=client_window,
        transport=AsyncFaultAfterSend(jitter=JITTER),
        **STRICT,
    )


def _sync_client(ex: Emulator, key: tuple[str, str], *, client_window: int = 0) -> SpotClient:
    return SpotClient(
        *key,
        base_url=ex.url,
        nonce_window=client_window,
        transport=FaultAfterSend(jitter=JITTER),
        **STRICT,
    )


async def test_32_tasks_on_one_key_with_window_0(emulator: Emulator) -> None:
    async with _async_client(emulator) as kraken:
        results = await asyncio.gather(*(_private_mix(kraken, i) for i in range(32)))
        assert len(results) == 32  # gather raises the first error, an InvalidNonce included
        assert len((await kraken.open_orders())["open"]) == 8


async def test_control_without_the_lock_the_same_load_fails(emulator: Emulator) -> None:
    async with _async_client(emulator, client_window=NO_LOCK) as kraken:
        results = await asyncio.gather(
            *(_private_mix(kraken, i) for i in range(32)), return_exceptions=True
        )
    assert any(isinstance(r, InvalidNonce) for r in results)


async def test_32_tasks_run_concurrently_inside_a_nonce_window(emulator: Emulator) -> None:
    window = 10_000_000  # 10 s of our microsecond nonces
    in_flight = 0
    peak = 0
    async with _async_client(emulator, key_window=window, client_window=window) as kraken:

        async def one(i: int) -> Any:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                return await _private_mix(kraken, i)
            finally:
                in_flight -= 1

        results = await asyncio.gather(*(one(i) for i in range(32)))
    assert len(results) == 32
    assert peak > 1


def _hammer(clients: list[SpotClient]) -> list[Exception]:
    """8 threads, 6 private calls each (a third of them orders); the errors they met."""
    barrier = threading.Barrier(8)
    errors: list[Exception] = []

    def work(thread: int) -> None:
        kraken = clients[thread % len(clients)]
        barrier.wait()
        for i in range(6):
            try:
                if i % 3 == 0:
                    kraken.add_order(**ORDER, price=30000 + thread * 10 + i)
                else:
                    kraken.balance()
            except Exception as exc:
                errors.append(exc)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(8)))
    return errors


def test_8_threads_on_one_key_with_window_0(background: Emulator) -> None:
    key = keys(background, rate_limits=False)
    with _sync_client(background, key) as shared:
        assert _hammer([shared]) == []
        assert len(shared.open_orders()["open"]) == 16


def test_8_threads_with_a_client_each_on_one_key(background: Emulator) -> None:
    """The lock belongs to the key, not to a client object."""
    key = keys(background, rate_limits=False)
    clients = [_sync_client(background, key) for _ in range(8)]
    try:
        assert _hammer(clients) == []
    finally:
        for kraken in clients:
            kraken.close()


def test_control_threads_without_the_lock_fail(background: Emulator) -> None:
    key = keys(background, rate_limits=False)
    with _sync_client(background, key, client_window=NO_LOCK) as shared:
        errors = _hammer([shared])
    assert errors
    assert all(isinstance(e, InvalidNonce) for e in errors)

"""The issue's size: 32 async tasks and 8 threads on one key, 5,000 private calls in all, nonce
window 0 on the emulator -> not one ``EAPI:Invalid nonce`` (retries off, so none is hidden)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from krakenkit import AsyncSpotClient, SpotClient
from krakenkit.emulator import Emulator
from krakenkit.protocol.errors import KrakenError
from tests.client.conftest import NO_RETRY, keys

pytestmark = pytest.mark.slow

TASKS, THREADS = 32, 8
PER_TASK, PER_THREAD = 125, 125  # 32 * 125 + 8 * 125 = 5,000


async def test_5000_calls_from_tasks_and_threads_on_one_key(background: Emulator) -> None:
    key, secret = keys(background, rate_limits=False)
    errors: list[str] = []
    done = 0

    def thread_work(_: int) -> None:
        nonlocal done
        with SpotClient(
            key, secret, base_url=background.url, pacing=False, retry=NO_RETRY
        ) as kraken:
            for _ in range(PER_THREAD):
                try:
                    kraken.balance()
                    done += 1
                except KrakenError as exc:
                    errors.append(str(exc))

    async def task_work(kraken: AsyncSpotClient) -> None:
        nonlocal done
        for _ in range(PER_TASK):
            try:
                await kraken.balance()
                done += 1
            except KrakenError as exc:
                errors.append(str(exc))

    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(THREADS) as pool:
        threads = [loop.run_in_executor(pool, thread_work, i) for i in range(THREADS)]
        async with AsyncSpotClient(
            key, secret, base_url=background.url, pacing=False, retry=NO_RETRY
        ) as kraken:
            await asyncio.gather(*(task_work(kraken) for _ in range(TASKS)), *threads)
    assert errors == []
    assert done == TASKS * PER_TASK + THREADS * PER_THREAD

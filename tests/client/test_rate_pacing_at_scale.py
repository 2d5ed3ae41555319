"""500 private calls issued at once on a small custom tier: the pacer keeps every one of them
under the emulator's REST counter and still uses >= 90 % of what the counter allows."""

from __future__ import annotations

import asyncio
import time

import pytest

from krakenkit import AsyncSpotClient
from krakenkit.client import Pacer
from krakenkit.emulator import Emulator
from krakenkit.protocol.ratelimit import SpotRestLimits

pytestmark = pytest.mark.slow

#: small enough for seconds, not minutes: 40 calls of burst, then 100 a second
LIMITS = SpotRestLimits(max_counter=40, decay_per_s=100)
CALLS = 500


async def test_500_calls_at_once_never_refused_and_close_to_the_allowed_rate(
    emulator: Emulator,
) -> None:
    account = emulator.add_account(
        {"ZUSD": "1000"}, rest_limits=(LIMITS.max_counter, LIMITS.decay_per_s)
    )
    pacer = Pacer(rest=LIMITS)
    async with AsyncSpotClient(
        account.api_key, account.api_secret, base_url=emulator.url, pacing=pacer
    ) as kraken:
        await kraken.balance()  # connection and pairs warm
        await asyncio.sleep(LIMITS.max_counter / LIMITS.decay_per_s)  # start from an empty counter
        started = time.monotonic()
        results = await asyncio.gather(
            *(kraken.balance() for _ in range(CALLS)), return_exceptions=True
        )
        elapsed = time.monotonic() - started
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    allowed = LIMITS.max_counter + LIMITS.decay_per_s * elapsed  # what the counter lets through
    achieved = CALLS / allowed
    print(f"\n{CALLS} calls in {elapsed:.2f} s: {achieved:.1%} of the allowed rate")
    assert achieved >= 0.90

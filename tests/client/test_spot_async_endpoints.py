"""Every spot endpoint through AsyncSpotClient reaches the emulator at its path (the sync twin is
in test_spot_sync.py); the emulator answers each, or refuses it with an error naming the path."""

from __future__ import annotations

import pytest

from krakenkit import AsyncSpotClient
from krakenkit.client import SPOT_METHODS
from krakenkit.emulator import Emulator
from krakenkit.protocol.endpoints import SPOT_ENDPOINTS, Endpoint
from krakenkit.protocol.errors import APIError
from tests.client.conftest import NO_RETRY, AsyncFaultAfterSend, keys
from tests.client.test_spot_sync import _arguments


@pytest.mark.parametrize("endpoint", SPOT_ENDPOINTS, ids=lambda e: e.name)
async def test_each_async_method_reaches_its_endpoint(
    emulator: Emulator, endpoint: Endpoint
) -> None:
    transport = AsyncFaultAfterSend()
    key, secret = keys(emulator, rate_limits=False)
    async with AsyncSpotClient(
        key, secret, base_url=emulator.url, transport=transport, retry=NO_RETRY
    ) as kraken:
        error: APIError | None = None
        try:
            await getattr(kraken, SPOT_METHODS[endpoint.name])(**_arguments(endpoint))
        except APIError as exc:  # the emulator answered (perhaps: not emulated)
            error = exc
    assert error is None or error.path == endpoint.path
    assert transport.paths()[-1] == endpoint.path

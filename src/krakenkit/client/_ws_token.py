"""The token for private WebSocket channels and trading, fetched over REST and kept fresh.

Kraken's rule (GetWebSocketsToken): a token must be *first used* within 15 minutes of its
creation; once a connection has used it, it stays valid for that connection. So a token is
reused on the connection that already used it, and otherwise only while it is young enough:
a new connection after the refresh point gets a new token.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from krakenkit.client.spot import AsyncSpotClient
from krakenkit.protocol.errors import ProtocolError

__all__ = ["TokenKeeper"]


class TokenKeeper:
    """Hands out a token valid for connection ``generation``; fetches one when needed."""

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        rest_url: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = AsyncSpotClient(api_key, api_secret, base_url=rest_url)
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._refresh_at = float("-inf")
        self._used_on: set[int] = set()
        self.fetched = 0  # tokens fetched so far (for logs and tests)

    async def token(self, generation: int) -> str:
        async with self._lock:
            token = self._token
            if token is None or (
                generation not in self._used_on and self._clock() >= self._refresh_at
            ):
                token = await self._fetch()
            self._used_on.add(generation)
            return token

    async def _fetch(self) -> str:
        started = self._clock()
        result = await self._client.get_websockets_token()
        token = result.get("token") if isinstance(result, dict) else None
        if not isinstance(token, str) or not token:
            raise ProtocolError("GetWebSocketsToken answered without a token")
        expires = float(result.get("expires", 900))
        # Refresh a minute before expiry, or halfway for short-lived tokens (tests).
        self._refresh_at = started + max(expires - 60.0, expires / 2)
        self._token = token
        self._used_on = set()
        self.fetched += 1
        return token

    async def aclose(self) -> None:
        await self._client.aclose()

"""The API key behind a WebSocket token, remembered per connection once it has been accepted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from krakenkit.emulator.server.auth import ApiKey
from krakenkit.emulator.server.ws_conn import WsConnection

if TYPE_CHECKING:
    from krakenkit.emulator.server.ws_hub import FeedHub

__all__ = ["session_key"]


def session_key(hub: FeedHub, conn: WsConnection, token: object) -> ApiKey | None:
    """The key ``token`` was issued for; a token already accepted on ``conn`` stays valid.

    Kraken requires a token to be used within 15 minutes of its creation; once a connection has
    used it, it stays valid for that connection.
    """
    if not isinstance(token, str) or not token:
        return None
    known = conn.state.get("tokens")
    if isinstance(known, dict) and token in known:
        found: ApiKey = known[token]
        return found
    key = hub.exchange.ws_token_key(token, hub.exchange.clock())
    if key is None:
        return None
    conn.state.setdefault("tokens", {})[token] = key
    conn.account_id = key.account_id
    return key

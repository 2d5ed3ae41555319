"""Every authentication and limit error path of a private spot call, over real HTTP."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

import orjson

from krakenkit.emulator.server.auth import ALL_PERMISSIONS, ApiKey
from krakenkit.protocol.signing import sign_spot
from tests.emulator.server.conftest import Server


class Signer:
    def __init__(self, key: ApiKey) -> None:
        self.key = key
        self.nonce = 1_000

    def form(self, method: str, params: dict[str, Any] | None = None, *, nonce: int | None = None):
        if nonce is None:
            self.nonce += 1
            nonce = self.nonce
        body = urlencode({"nonce": nonce, **(params or {})})
        path = f"/0/private/{method}"
        headers = {
            "API-Key": self.key.key,
            "API-Sign": sign_spot(self.key.secret, path, body),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return path, body, headers


async def _post(server: Server, path: str, body: str, headers: dict[str, str]) -> dict[str, Any]:
    response = await server.http.post(path, content=body, headers=headers)
    assert response.status_code == 200
    return orjson.loads(response.content)  # type: ignore[no-any-return]


def _account(server: Server, **kwargs: Any) -> Signer:
    account = server.exchange.create_account({})
    return Signer(server.exchange.add_key(account, **kwargs))


async def test_public_time_and_status(server: Server) -> None:
    time_ = (await server.http.get("/0/public/Time")).json()
    assert time_["error"] == []
    assert isinstance(time_["result"]["unixtime"], int)
    assert time_["result"]["rfc1123"].endswith("+0000")
    status = (await server.http.get("/0/public/SystemStatus")).json()
    assert status["result"]["status"] == "online"


async def test_unknown_methods(server: Server) -> None:
    assert (await server.http.get("/0/public/Nope")).json() == {
        "error": ["EGeneral:Unknown method"]
    }
    signer = _account(server)
    body = await _post(server, *signer.form("Nope"))
    assert body == {"error": ["EGeneral:Unknown method"]}


async def test_valid_call(server: Server) -> None:
    signer = _account(server)
    body = await _post(server, *signer.form("GetWebSocketsToken"))
    assert body["error"] == []
    assert body["result"]["expires"] == 900
    found = server.exchange.ws_token_key(body["result"]["token"], 0)
    assert found is not None
    assert found.account_id == signer.key.account_id


async def test_json_body_is_accepted(server: Server) -> None:
    signer = _account(server)
    raw = orjson.dumps({"nonce": 5_000}).decode()
    path = "/0/private/GetWebSocketsToken"
    headers = {
        "API-Key": signer.key.key,
        "API-Sign": sign_spot(signer.key.secret, path, raw),
        "Content-Type": "application/json",
    }
    assert (await _post(server, path, raw, headers))["error"] == []


async def test_bad_key(server: Server) -> None:
    signer = _account(server)
    path, body, headers = signer.form("GetWebSocketsToken")
    headers["API-Key"] = "unknown"
    assert (await _post(server, path, body, headers))["error"] == ["EAPI:Invalid key"]
    del headers["API-Key"]
    assert (await _post(server, path, body, headers))["error"] == ["EAPI:Invalid key"]


async def test_bad_signature(server: Server) -> None:
    signer = _account(server)
    path, body, headers = signer.form("GetWebSocketsToken")
    other = base64.b64encode(b"x" * 64).decode()
    headers["API-Sign"] = sign_spot(other, path, body)
    assert (await _post(server, path, body, headers))["error"] == ["EAPI:Invalid signature"]
    # a tampered body is a bad signature too
    _, body2, headers2 = signer.form("GetWebSocketsToken")
    assert (await _post(server, path, body2 + "&x=1", headers2))["error"] == [
        "EAPI:Invalid signature"
    ]


async def test_replayed_and_lower_nonce(server: Server) -> None:
    signer = _account(server)
    request = signer.form("GetWebSocketsToken")
    assert (await _post(server, *request))["error"] == []
    assert (await _post(server, *request))["error"] == ["EAPI:Invalid nonce"]
    lower = signer.form("GetWebSocketsToken", nonce=10)
    assert (await _post(server, *lower))["error"] == ["EAPI:Invalid nonce"]
    missing_path = "/0/private/GetWebSocketsToken"
    headers = dict(request[2])
    assert (await _post(server, missing_path, "a=1", headers))["error"] == ["EAPI:Invalid nonce"]


async def test_rejected_request_does_not_advance_the_nonce(server: Server) -> None:
    signer = _account(server)
    path, body, headers = signer.form("GetWebSocketsToken", nonce=9_000)
    headers["API-Sign"] = "AAAA"
    assert (await _post(server, path, body, headers))["error"] == ["EAPI:Invalid signature"]
    assert (await _post(server, *signer.form("GetWebSocketsToken", nonce=9_000)))["error"] == []


async def test_nonce_window(server: Server) -> None:
    signer = _account(server, nonce_window=100)
    assert (await _post(server, *signer.form("GetWebSocketsToken", nonce=500)))["error"] == []
    # out of order but inside the window: accepted once
    assert (await _post(server, *signer.form("GetWebSocketsToken", nonce=450)))["error"] == []
    assert (await _post(server, *signer.form("GetWebSocketsToken", nonce=450)))["error"] == [
        "EAPI:Invalid nonce"
    ]
    assert (await _post(server, *signer.form("GetWebSocketsToken", nonce=399)))["error"] == [
        "EAPI:Invalid nonce"
    ]


async def test_permission_denied(server: Server) -> None:
    signer = _account(server, permissions=ALL_PERMISSIONS - {"websocket"})
    body = await _post(server, *signer.form("GetWebSocketsToken"))
    assert body["error"] == ["EGeneral:Permission denied"]


async def test_futures_key_is_not_a_spot_key(server: Server) -> None:
    signer = _account(server, kind="futures")
    body = await _post(server, *signer.form("GetWebSocketsToken"))
    assert body["error"] == ["EAPI:Invalid key"]


async def test_rest_rate_limit(server: Server) -> None:
    account = server.exchange.create_account({}, tier="starter")
    signer = Signer(server.exchange.add_key(account))
    errors = []
    for _ in range(17):
        errors.append((await _post(server, *signer.form("GetWebSocketsToken")))["error"])
    assert errors[:15] == [[]] * 15
    assert errors[15] == ["EAPI:Rate limit exceeded"]

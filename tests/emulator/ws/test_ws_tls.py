"""``--tls``: https and wss with a private CA that clients are told to trust."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
from pathlib import Path

import aiohttp
import httpx

from krakenkit import AsyncSpotClient
from krakenkit.emulator import Emulator, ExchangeConfig


async def test_https_and_wss_with_the_printed_ca(tmp_path: Path) -> None:
    emulator = Emulator(config=ExchangeConfig(market=False), tls=True, tls_dir=str(tmp_path))
    async with emulator as ex:
        assert ex.url.startswith("https://")
        assert ex.ws_v2_url.startswith("wss://")
        ca = ex.ready_line()["ca_file"]
        assert Path(ca).exists()
        async with httpx.AsyncClient(verify=ssl.create_default_context(cafile=ca)) as http:
            time = (await http.get(f"{ex.url}/0/public/Time")).json()
            assert time["error"] == []
        # an untrusting client is refused: the certificate is really checked
        async with httpx.AsyncClient() as http:
            try:
                await http.get(f"{ex.url}/0/public/Time")
                raise AssertionError("self-signed certificate accepted without the CA")
            except httpx.ConnectError:
                pass
        # our own client, pointed at the https URL
        verify = ssl.create_default_context(cafile=ca)
        async with AsyncSpotClient(
            ex.api_key,
            ex.api_secret,
            base_url=ex.url,
            transport=httpx.AsyncHTTPTransport(verify=verify),
        ) as client:
            assert "XXBT" in await client.balance()
        context = ssl.create_default_context(cafile=ca)
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(ex.ws_v2_url, ssl=context) as ws,
        ):
            hello = json.loads((await ws.receive()).data)
            assert hello["channel"] == "status"
    # the CA is kept: a restart on the same directory reuses it
    async with Emulator(config=ExchangeConfig(market=False), tls=True, tls_dir=str(tmp_path)) as ex:
        assert ex.ready_line()["ca_file"] == ca


def test_serve_tls_prints_the_ca(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "krakenkit.cli",
            "emulator",
            "serve",
            "--memory",
            "--no-market",
            "--tls",
            "--tls-dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        assert ready["url"].startswith("https://127.0.0.1:")
        assert ready["ws_url"].startswith("wss://")
        assert ready["ca_file"] == str(tmp_path / "ca.pem")
        trust = ssl.create_default_context(cafile=ready["ca_file"])
        answer = httpx.get(f"{ready['url']}/0/public/Time", verify=trust)
        assert answer.json()["error"] == []
    finally:
        proc.terminate()
        proc.communicate(timeout=10)

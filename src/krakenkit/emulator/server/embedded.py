"""Start and stop an emulator in-process: the embedded default for tests, the demo and bots.

::

    async with Emulator() as ex:          # 127.0.0.1, a free port, in-memory state
        client = AsyncSpotClient(ex.api_key, ex.api_secret, base_url=ex.url)

    with Emulator.background() as ex:     # its own thread and event loop, for sync code
        ...

The demo account it creates is funded (see ``DEMO_BALANCES``) and has every permission.
"""

from __future__ import annotations

import asyncio
import ssl
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any

from aiohttp import web

from krakenkit.emulator.server.app import create_app
from krakenkit.emulator.server.exchange import Exchange, ExchangeConfig

__all__ = ["DEMO_BALANCES", "AccountKeys", "Emulator"]

DEMO_BALANCES: dict[str, Decimal] = {
    "ZUSD": Decimal(1_000_000),
    "ZEUR": Decimal(500_000),
    "XXBT": Decimal(10),
    "XETH": Decimal(100),
    "SOL": Decimal(1_000),
    "XXDG": Decimal(100_000),
    "USDT": Decimal(100_000),
}


@dataclass(frozen=True, slots=True)
class AccountKeys:
    """The credentials of one emulator account (secrets hidden from repr)."""

    account_id: str
    api_key: str
    api_secret: str
    futures_api_key: str
    futures_api_secret: str

    def __repr__(self) -> str:
        return f"AccountKeys(account_id={self.account_id!r}, api_key={self.api_key[:8]!r}…)"


class Emulator:
    """A running emulator: spot and futures REST, WebSocket feeds and admin API on one origin."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        config: ExchangeConfig | None = None,
        tls: bool = False,
        tls_dir: str | None = None,
    ) -> None:
        """``tls=True`` serves https/wss with a certificate from a private CA (see
        :mod:`krakenkit.emulator.tls`), written to ``tls_dir`` (default: a temporary directory,
        or ``<state file>.tls`` when the state is kept in a file); trust ``ca_file``."""
        self.host = host
        self.port = port
        self.config = config or ExchangeConfig()
        self.tls = tls
        self.tls_dir = tls_dir
        self.ca_file: str | None = None
        self.exchange: Exchange | None = None
        self.demo: AccountKeys | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    # -- addresses ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://{self.host}:{self.port}"

    @property
    def ws_v2_url(self) -> str:
        return f"{self.ws_url}/v2"

    @property
    def futures_ws_url(self) -> str:
        return f"{self.ws_url}/ws/v1"

    @property
    def api_key(self) -> str:
        return self._demo().api_key

    @property
    def api_secret(self) -> str:
        return self._demo().api_secret

    def _demo(self) -> AccountKeys:
        if self.demo is None:
            raise RuntimeError("the emulator is not started")
        return self.demo

    def ready_line(self) -> dict[str, Any]:
        """The JSON object ``krakenkit emulator serve`` prints when it is ready."""
        demo = self._demo()
        return {
            "url": self.url,
            "ws_url": self.ws_url,
            "ws_v2_url": self.ws_v2_url,
            "futures_ws_url": self.futures_ws_url,
            "account_id": demo.account_id,
            "api_key": demo.api_key,
            "api_secret": demo.api_secret,
            "futures_api_key": demo.futures_api_key,
            "futures_api_secret": demo.futures_api_secret,
            **({"ca_file": self.ca_file} if self.ca_file else {}),
        }

    # -- accounts ----------------------------------------------------------------------------

    def add_account(
        self,
        balances: Mapping[str, Decimal | int | str] | None = None,
        *,
        permissions: frozenset[str] | None = None,
        tier: str = "intermediate",
        nonce_window: int = 0,
        rate_limits: bool = True,
        rest_limits: tuple[float, float] | None = None,
    ) -> AccountKeys:
        """Create a funded account with a spot and a futures key pair.

        ``rest_limits`` (max counter, decay per second) replaces the tier's REST call counter,
        e.g. to make a rate-limit test take seconds instead of minutes.
        """
        exchange = self._exchange()
        account_id = exchange.create_account(
            balances or {}, tier=tier, rate_limits=rate_limits, rest_limits=rest_limits
        )
        spot = exchange.add_key(
            account_id, permissions=permissions, nonce_window=nonce_window, kind="spot"
        )
        fut = exchange.add_key(account_id, permissions=permissions, kind="futures")
        exchange.commit()
        return AccountKeys(account_id, spot.key, spot.secret, fut.key, fut.secret)

    def _exchange(self) -> Exchange:
        if self.exchange is None:
            raise RuntimeError("the emulator is not started")
        return self.exchange

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> Emulator:
        self.exchange = Exchange.open(self.config)
        app = create_app(self.exchange)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        ssl_context = self._tls_context() if self.tls else None
        self._site = web.TCPSite(
            self._runner, self.host, self.port, reuse_address=True, ssl_context=ssl_context
        )
        await self._site.start()
        server = self._site._server
        if server is not None and self.port == 0:
            sockets = getattr(server, "sockets", None) or []
            self.port = sockets[0].getsockname()[1]
        self.demo = self._ensure_demo_account()
        await self.exchange.start_background_tasks()
        return self

    def _tls_context(self) -> ssl.SSLContext:
        from krakenkit.emulator.tls import make_tls_files, server_context

        folder = self.tls_dir
        if folder is None:
            if self.config.state:
                folder = self.config.state + ".tls"
            else:
                self._tmp = tempfile.TemporaryDirectory(prefix="krakenkit-tls-")
                folder = self._tmp.name
        files = make_tls_files(folder, self.host)
        self.ca_file = str(files.ca_file)
        return server_context(files)

    _tmp: tempfile.TemporaryDirectory[str] | None = None

    def _ensure_demo_account(self) -> AccountKeys:
        exchange = self._exchange()
        existing = exchange.demo_keys()
        if existing is not None:
            return AccountKeys(*existing)
        keys = self.add_account(DEMO_BALANCES, tier="pro")
        exchange.set_demo_keys(
            (
                keys.account_id,
                keys.api_key,
                keys.api_secret,
                keys.futures_api_key,
                keys.futures_api_secret,
            )
        )
        exchange.commit()
        return keys

    async def stop(self) -> None:
        if self.exchange is not None:
            await self.exchange.stop_background_tasks()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.exchange is not None:
            self.exchange.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @classmethod
    @contextmanager
    def background(cls, **kwargs: Any) -> Iterator[Emulator]:
        """Run an emulator on its own thread and loop, for synchronous code and tests."""
        emulator = cls(**kwargs)
        loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(emulator.start())
            except BaseException as exc:  # reported to the caller below
                failure.append(exc)
                started.set()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(emulator.stop())
            loop.close()

        thread = threading.Thread(target=run, name="krakenkit-emulator", daemon=True)
        thread.start()
        started.wait()
        if failure:
            raise failure[0]
        emulator.loop = loop
        try:
            yield emulator
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)

    loop: asyncio.AbstractEventLoop | None = None

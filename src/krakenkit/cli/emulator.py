"""``krakenkit emulator``: run the local exchange and manage its accounts."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from decimal import Decimal, InvalidOperation

import httpx
import orjson
import typer

__all__ = ["emulator_app"]

emulator_app = typer.Typer(help="Run the local Kraken emulator and manage its accounts.")


@emulator_app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(0, help="Port; 0 picks a free one (printed in the ready line)."),
    state: str | None = typer.Option(None, help="SQLite state file (kept across restarts)."),
    memory: bool = typer.Option(False, "--memory", help="Keep state in memory only."),
    seed: int = typer.Option(0, help="Seed of the synthetic market and ids."),
    pairs: list[str] | None = typer.Option(None, "--pairs", help="Pairs to list (default: all)."),
    no_market: bool = typer.Option(False, "--no-market", help="No synthetic liquidity."),
    tls: bool = typer.Option(
        False, "--tls", help="Serve https/wss; the ready line gives the CA file to trust."
    ),
    tls_dir: str | None = typer.Option(None, help="Where --tls keeps its CA and certificate."),
) -> None:
    """Run the emulator in the foreground; print one JSON ready line; stop on SIGINT/SIGTERM.

    Example: krakenkit emulator serve --port 8080 --state ./kraken.db
    """
    from krakenkit.emulator.server.embedded import Emulator
    from krakenkit.emulator.server.exchange import ExchangeConfig

    config = ExchangeConfig(
        state=None if memory else state,
        seed=seed,
        pairs=tuple(pairs) if pairs else None,
        market=not no_market,
    )

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        async with Emulator(host=host, port=port, config=config, tls=tls, tls_dir=tls_dir) as ex:
            sys.stdout.write(orjson.dumps(ex.ready_line()).decode() + "\n")
            sys.stdout.flush()
            if ex.ca_file:
                sys.stderr.write(f"TLS on: trust {ex.ca_file} (e.g. SSL_CERT_FILE={ex.ca_file})\n")
            await stop.wait()

    asyncio.run(run())


def _parse_balances(items: list[str]) -> dict[str, str]:
    balances: dict[str, str] = {}
    for item in items:
        asset, sep, amount = item.partition("=")
        try:
            if not sep or not asset:
                raise InvalidOperation
            Decimal(amount)
        except InvalidOperation:
            raise typer.BadParameter(f"expected ASSET=AMOUNT, got {item!r}") from None
        balances[asset] = amount
    return balances


@emulator_app.command("add-key")
def add_key(
    url: str = typer.Option(..., help="The emulator's base URL."),
    balance: list[str] | None = typer.Option(None, help="ASSET=AMOUNT, repeatable."),
    permissions: str | None = typer.Option(None, help="Comma list; default: all."),
    tier: str = typer.Option("intermediate", help="starter, intermediate or pro."),
    nonce_window: int = typer.Option(0, help="Tolerated nonce reordering."),
) -> None:
    """Create a funded account with new spot and futures keys; print them as JSON.

    Example: krakenkit emulator add-key --url http://127.0.0.1:8080 --balance ZUSD=10000
    """
    body = {
        "balances": _parse_balances(balance or []),
        "tier": tier,
        "nonce_window": nonce_window,
    }
    if permissions:
        body["permissions"] = [p.strip() for p in permissions.split(",") if p.strip()]
    response = httpx.post(f"{url.rstrip('/')}/_emulator/accounts", json=body, timeout=10)
    if response.status_code != 200:
        typer.echo(response.text, err=True)
        raise typer.Exit(1)
    sys.stdout.write(response.text.strip() + "\n")

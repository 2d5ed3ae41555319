"""The root ``krakenkit`` command and its groups."""

from __future__ import annotations

import typer

from krakenkit import __version__
from krakenkit.cli.emulator import emulator_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="krakenkit",
    help="Trade on Kraken, or on the local emulator that speaks Kraken's protocols.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
app.add_typer(emulator_app, name="emulator")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"krakenkit {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """krakenkit: spot + futures clients, a CLI and a local Kraken emulator."""


@app.command()
def demo() -> None:
    """Tour krakenkit against the embedded emulator (lands with the CLI issue)."""
    typer.echo(
        "krakenkit demo: the guided tour will start the embedded emulator, show market data,\n"
        "a live checksum-verified order book, place/amend/cancel orders, a futures batch and\n"
        "the dead man's switch. For now, `krakenkit emulator serve` starts the emulator."
    )


def main() -> None:
    """Console-script entry point."""
    app()

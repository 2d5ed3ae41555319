"""The ``krakenkit`` command line (typer + rich): thin, it parses, calls, renders."""

from __future__ import annotations

from krakenkit.cli.app import app, main

__all__ = ["app", "main"]

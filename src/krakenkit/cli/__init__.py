"""The ``krakenkit`` command line."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``krakenkit`` command."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["demo"]:
        print(
            "krakenkit demo: the guided tour will start the embedded emulator, show market data,\n"
            "a live checksum-verified order book, place/amend/cancel orders, a futures batch and\n"
            "the dead man's switch. It lands with the CLI issue; nothing to run yet."
        )
        return 0
    if args[:1] == ["--version"]:
        from krakenkit import __version__

        print(f"krakenkit {__version__}")
        return 0
    print("usage: krakenkit [--version] demo", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())

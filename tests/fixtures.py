"""Load the real Kraken captures kept in ``../shared/kraken/fixtures`` (read-only).

Agreement with our own emulator proves nothing, so parsers, the order book and the emulator are
also checked against what Kraken really sent. The captures live next to the repository, not in it,
and are never edited.

A ``.capture`` file is line oriented (see the fixtures README)::

    wss://ws.kraken.com <-> 1618678132.38           the connection opened (names the server)
    wss://ws.kraken.com <- 1618678132.82: {...}     the client sent a message
    1618678132.82: {...}                            the server sent a message
    https://api.kraken.com/0/public/X -> 16...: {}  a REST answer
    configuration: {...}                            the recorder's own settings (skipped)

Usage::

    from tests.fixtures import asset_pairs_result, load_capture

    for record in load_capture("ws-v1-book1000.capture"):
        if record.direction == "received": ...
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, NamedTuple

__all__ = [
    "FIXTURES_DIR",
    "CaptureRecord",
    "Direction",
    "asset_pairs_result",
    "fixture_path",
    "iter_capture",
    "load_capture",
    "load_json",
]

#: ``<repo>/../shared/kraken/fixtures``
FIXTURES_DIR = Path(__file__).resolve().parents[2] / "shared" / "kraken" / "fixtures"

#: ``sent`` by the client, ``received`` from the server (WebSocket), ``rest`` an HTTP answer.
Direction = Literal["sent", "received", "rest"]

_LINE = re.compile(
    r"^(?:(?P<url>\S+) (?P<arrow><->|<-|->) )?(?P<time>\d+(?:\.\d+)?)(?:: (?P<body>.*))?$"
)
_ARROWS: dict[str, Direction] = {"<-": "sent", "->": "rest"}


class CaptureRecord(NamedTuple):
    """One message of a capture; ``url`` is the server it came from or went to."""

    direction: Direction
    time: float
    url: str
    json: Any


def fixture_path(name: str) -> Path:
    """The path of one capture file; raises FileNotFoundError if it is not there."""
    path = FIXTURES_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"no Kraken capture {name!r} in {FIXTURES_DIR}")
    return path


def _loads(text: str, *, decimal: bool) -> Any:
    return json.loads(text, parse_float=Decimal) if decimal else json.loads(text)


def iter_capture(name: str, *, decimal: bool = False) -> Iterator[CaptureRecord]:
    """Yield the messages of a ``.capture`` file in order.

    ``decimal=True`` parses JSON numbers with a fraction as :class:`~decimal.Decimal`, which the
    futures captures need (their prices are JSON numbers). Connection-open lines and the trailing
    ``configuration:`` line are skipped; any other line that does not fit the format raises
    ValueError, so a changed format cannot go unnoticed.
    """
    server = ""
    with fixture_path(name).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            text = line.rstrip("\n")
            if not text.strip() or text.startswith("configuration: "):
                continue
            match = _LINE.match(text)
            if match is None:
                raise ValueError(f"{name}:{number}: not a capture line: {text[:80]!r}")
            url, arrow, body = match["url"], match["arrow"], match["body"]
            if arrow == "<->":
                server = url
                continue
            if body is None:
                raise ValueError(f"{name}:{number}: message line without JSON")
            direction: Direction = _ARROWS[arrow] if arrow else "received"
            yield CaptureRecord(
                direction, float(match["time"]), url or server, _loads(body, decimal=decimal)
            )


def load_capture(name: str, *, decimal: bool = False) -> list[CaptureRecord]:
    """All messages of a ``.capture`` file (see :func:`iter_capture`)."""
    return list(iter_capture(name, decimal=decimal))


def load_json(name: str, *, decimal: bool = False) -> Any:
    """A plain ``.json`` fixture (the python-kraken-sdk book snapshots)."""
    return _loads(fixture_path(name).read_text(encoding="utf-8"), decimal=decimal)


def asset_pairs_result() -> dict[str, Any]:
    """The ``result`` object of the captured ``/0/public/AssetPairs`` answer (304 pairs, 2021).

    A fresh dict on every call, so a test may change it freely.
    """
    for record in iter_capture("rest-assetpairs.capture"):
        if record.direction == "rest" and record.url.endswith("/0/public/AssetPairs"):
            if record.json.get("error"):
                raise ValueError(f"captured AssetPairs answer is an error: {record.json['error']}")
            result: dict[str, Any] = record.json["result"]
            return result
    raise ValueError("rest-assetpairs.capture holds no AssetPairs answer")

"""Read the real Kraken captures for the benchmarks, keeping each message's raw text.

The benchmarks time decoding too, so they need the bytes Kraken sent, not decoded objects; and
``bench`` must not import from ``tests``. Hence this small loader of its own. The captures live in
``<repo>/../shared/kraken/fixtures`` (found from this file, not from the working directory).

``.capture`` lines (see the fixtures README): ``URL <-> T`` opens a connection, ``URL <- T: JSON``
is a message the client sent, ``T: JSON`` one the server sent, ``URL -> T: JSON`` a REST answer,
and a final ``configuration: ...`` line describes the recorder.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, NamedTuple

__all__ = ["FIXTURES_DIR", "Line", "fixture_path", "iter_lines", "load_json", "rest_answer"]

FIXTURES_DIR = Path(__file__).resolve().parents[2] / "shared" / "kraken" / "fixtures"

Kind = Literal["sent", "received", "rest"]


class Line(NamedTuple):
    """One captured message: who sent it, when, to/from where, and its raw JSON text."""

    kind: Kind
    time: float
    url: str
    raw: str


def fixture_path(name: str) -> Path:
    path = FIXTURES_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"capture {name!r} not found in {FIXTURES_DIR}")
    return path


def _split(text: str) -> tuple[str, str, str, str] | None:
    """``(url, arrow, time, body)`` of a line; ``None`` for lines that carry no message."""
    if not text.strip() or text.startswith("configuration: "):
        return None
    head, sep, body = text.partition(": ")
    words = head.split(" ")
    if len(words) == 1 and sep:
        return "", "", words[0], body
    if len(words) == 3 and words[1] in ("<-", "->") and sep:
        return words[0], words[1], words[2], body
    if len(words) == 3 and words[1] == "<->":
        return None
    raise ValueError(f"not a capture line: {text[:80]!r}")


def iter_lines(name: str) -> Iterator[Line]:
    """The messages of a ``.capture`` file in order, with their raw text."""
    server = ""
    with fixture_path(name).open(encoding="utf-8") as lines:
        for raw_line in lines:
            text = raw_line.rstrip("\n")
            if " <-> " in text:
                server = text.split(" ", 1)[0]
            parts = _split(text)
            if parts is None:
                continue
            url, arrow, stamp, body = parts
            kind: Kind = "sent" if arrow == "<-" else "rest" if arrow == "->" else "received"
            yield Line(kind, float(stamp), url or server, body)


def load_json(name: str) -> Any:
    """A plain ``.json`` fixture, decoded."""
    return json.loads(fixture_path(name).read_text(encoding="utf-8"))


def rest_answer(name: str, path_suffix: str) -> Any:
    """The decoded body of the first REST answer whose URL ends with ``path_suffix``."""
    for line in iter_lines(name):
        if line.kind == "rest" and line.url.endswith(path_suffix):
            return json.loads(line.raw)
    raise LookupError(f"no REST answer for {path_suffix!r} in {name}")

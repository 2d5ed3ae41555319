"""Kraken-shaped identifiers, deterministic from a seed and a persisted counter.

Kraken's ids are groups of upper-case letters and digits: orders ``OUF4EM-FRGI2-MQMWZD`` (6-5-6,
first letter ``O``), trades ``TPLJ5E-NONOU-5LH7JL``, ledger entries ``LKLSX7-VUXD4-HDLK2P``, funding
references 7-6-6 (``AGBSO6T-UFMTTQ-I7KGS6``). Ids are derived by hashing ``(seed, kind, n)`` with a
counter ``n`` that the store persists, so a restarted emulator never hands out an id twice and two
runs with one seed hand out the same ids in the same order.
"""

from __future__ import annotations

from hashlib import blake2b

__all__ = ["IdGenerator"]

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


class IdGenerator:
    """Unique Kraken-format ids. ``counter`` is the whole state (persist it to resume)."""

    __slots__ = ("_key", "counter")

    def __init__(self, seed: int = 0, counter: int = 0) -> None:
        self._key = seed.to_bytes(16, "big", signed=True)
        self.counter = counter

    def _chars(self, kind: str, n: int) -> str:
        self.counter += 1
        digest = blake2b(f"{kind}:{self.counter}".encode(), key=self._key, digest_size=16).digest()
        value = int.from_bytes(digest, "big")
        out = []
        for _ in range(n):
            value, index = divmod(value, 32)
            out.append(_ALPHABET[index])
        return "".join(out)

    def _grouped(self, prefix: str, sizes: tuple[int, ...]) -> str:
        chars = prefix + self._chars(prefix, sum(sizes) - len(prefix))
        groups, start = [], 0
        for size in sizes:
            groups.append(chars[start : start + size])
            start += size
        return "-".join(groups)

    def order(self) -> str:
        return self._grouped("O", (6, 5, 6))

    def trade(self) -> str:
        return self._grouped("T", (6, 5, 6))

    def ledger(self) -> str:
        return self._grouped("L", (6, 5, 6))

    def position(self) -> str:
        return self._grouped("T", (6, 5, 6))

    def funding(self, prefix: str) -> str:
        """Deposit (``Q``), withdrawal (``A``) or transfer (``B``) reference, 7-6-6."""
        return self._grouped(prefix, (7, 6, 6))

    def amend(self) -> str:
        return self._grouped("T", (6, 5, 6))

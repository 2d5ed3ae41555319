"""Kraken-shaped identifiers, deterministic from a seed and a persisted counter.

Kraken's ids are groups of upper-case letters and digits: orders ``OUF4EM-FRGI2-MQMWZD`` (6-5-6,
first letter ``O``), trades ``TPLJ5E-NONOU-5LH7JL``, ledger entries ``LKLSX7-VUXD4-HDLK2P``, funding
references 7-6-6 (``AGBSO6T-UFMTTQ-I7KGS6``). Each id is the counter ``n`` (which the store
persists) mixed with the seed by two rounds of the SplitMix64 finaliser (a bijection on 64-bit
integers, so the first half of every id is unique per counter value) and spelled in 32 letters and
digits. A restarted emulator never hands out an id twice, and two runs with one seed hand out the
same ids in the same order. An id costs about a microsecond: the engine makes nine per match.
"""

from __future__ import annotations

from hashlib import blake2b

__all__ = ["IdGenerator"]

_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
#: byte -> one of 32 letters and digits (256 is a multiple of 32, so every letter is as likely)
_TABLE = bytes(_ALPHABET[i % 32] for i in range(256))
_M64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


class IdGenerator:
    """Unique Kraken-format ids. ``counter`` is the whole state (persist it to resume)."""

    __slots__ = ("_salt", "counter")

    def __init__(self, seed: int = 0, counter: int = 0) -> None:
        digest = blake2b(str(seed).encode(), digest_size=8).digest()
        self._salt = int.from_bytes(digest, "big")
        self.counter = counter

    def _chars(self, n: int) -> str:
        """The next ``n`` (at most 16) letters and digits; ``_mix`` is inlined (hot path)."""
        salt = self._salt
        self.counter = counter = self.counter + 1
        z = (salt + counter * _GOLDEN) & _M64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
        high = z ^ (z >> 31)
        z = high ^ salt
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
        low = z ^ (z >> 31)
        return ((high << 64) | low).to_bytes(16, "big")[:n].translate(_TABLE).decode()

    def _grouped(self, prefix: str, sizes: tuple[int, ...]) -> str:
        chars = prefix + self._chars(sum(sizes) - len(prefix))
        groups, start = [], 0
        for size in sizes:
            groups.append(chars[start : start + size])
            start += size
        return "-".join(groups)

    def _short(self, prefix: str) -> str:
        """``prefix`` (one letter) and 16 more, grouped 6-5-6: orders, trades, ledger entries.

        ``_chars(16)`` inlined: the engine makes seven of these per match.
        """
        salt = self._salt
        self.counter = counter = self.counter + 1
        z = (salt + counter * _GOLDEN) & _M64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
        high = z ^ (z >> 31)
        z = high ^ salt
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
        c = ((high << 64) | z ^ (z >> 31)).to_bytes(16, "big").translate(_TABLE).decode()
        return f"{prefix}{c[:5]}-{c[5:10]}-{c[10:]}"

    def order(self) -> str:
        return self._short("O")

    def trade(self) -> str:
        return self._short("T")

    def ledger(self) -> str:
        return self._short("L")

    def position(self) -> str:
        return self._short("T")

    def funding(self, prefix: str) -> str:
        """Deposit (``Q``), withdrawal (``A``) or transfer (``B``) reference, 7-6-6."""
        return self._grouped(prefix, (7, 6, 6))

    def amend(self) -> str:
        return self._short("T")

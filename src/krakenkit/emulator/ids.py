"""Kraken-shaped identifiers, deterministic from a seed and a persisted counter.

Kraken's ids are groups of upper-case letters and digits: orders ``OUF4EM-FRGI2-MQMWZD`` (6-5-6,
first letter ``O``), trades ``TPLJ5E-NONOU-5LH7JL``, ledger entries ``LKLSX7-VUXD4-HDLK2P``, funding
references 7-6-6 (``AGBSO6T-UFMTTQ-I7KGS6``). Each id is the counter ``n`` (which the store
persists) mixed with the seed by two rounds of the SplitMix64 finaliser (a bijection on 64-bit
integers, so the first half of every id is unique per counter value) and spelled in 32 letters and
digits. A restarted emulator never hands out an id twice, and two runs with one seed hand out the
same ids in the same order.

The engine makes seven 6-5-6 ids per match, so those are computed :data:`_LANES` counter values
at a time (see :func:`_batch`): about 0.4 us an id instead of 1 us, the very same ids.
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


# -- many counter values at once -------------------------------------------------------------
#
# One Python int holds _LANES 64-bit values, lane i in bits [_SLOT * i, _SLOT * i + 64). Adding,
# xoring and masking work lane by lane; so does multiplying by a 64-bit constant, because a
# lane's product (< 2**128) stays inside its _SLOT-bit slot; a right shift is masked back to 64
# bits a lane, dropping what it pulled down from the lane above. The finished 128 bits of a lane
# (high << 64 | low, as in IdGenerator._chars) are then spread to 18 bytes, 5-"-"-5-"-"-6, each
# id byte cut to its low 5 bits (byte % 32, what _TABLE looks at), so one translate spells every
# id of the batch. The lane for counter base + k is the k-th from the top: the k-th 18 characters.

_LANES = 64
_SLOT = 144  # bits a lane: 18 bytes, the spelled "XXXXX-XXXXX-XXXXXX"
_ONES = sum(1 << (_SLOT * i) for i in range(_LANES))
_RAMP = sum((_LANES - 1 - i) << (_SLOT * i) for i in range(_LANES))
_LOW = _M64 * _ONES
_BYTE5 = sum(0x1F << (8 * i) for i in range(16))  # 0x1f in each of a lane's 16 id bytes
_PART3 = (_BYTE5 & ((1 << 48) - 1)) * _ONES  # id bytes 10..15, stay in bits 0..47
_PART2 = (_BYTE5 & (((1 << 40) - 1) << 48)) * _ONES  # id bytes 5..9, to bits 56..95
_PART1 = (_BYTE5 & (((1 << 40) - 1) << 88)) * _ONES  # id bytes 0..4, to bits 104..143
_DASH = 0x20
_DASHES = ((_DASH << 48) | (_DASH << 96)) * _ONES
_SPELL = bytes(_ALPHABET[i] if i < 32 else ord("-") if i == _DASH else ord("?") for i in range(256))
#: counters beyond this take the one-at-a-time path (lane products must stay inside a slot)
_MAX_BATCHED = 1 << 62


def _batch(salt: int, base: int) -> str:
    """The 6-5-6 id bodies (no first letter) of counters ``base .. base + _LANES - 1``."""
    salts = salt * _ONES
    z = ((base * _ONES + _RAMP) * _GOLDEN + salts) & _LOW
    z = ((z ^ ((z >> 30) & _LOW)) * 0xBF58476D1CE4E5B9) & _LOW
    z = ((z ^ ((z >> 27) & _LOW)) * 0x94D049BB133111EB) & _LOW
    high = z ^ ((z >> 31) & _LOW)
    z = high ^ salts
    z = ((z ^ ((z >> 30) & _LOW)) * 0xBF58476D1CE4E5B9) & _LOW
    z = ((z ^ ((z >> 27) & _LOW)) * 0x94D049BB133111EB) & _LOW
    z = (high << 64) | (z ^ ((z >> 31) & _LOW))
    z = (z & _PART3) | ((z & _PART2) << 8) | ((z & _PART1) << 16) | _DASHES
    return z.to_bytes(_SLOT // 8 * _LANES, "big").translate(_SPELL).decode()


class IdGenerator:
    """Unique Kraken-format ids. ``counter`` is the whole state (persist it to resume)."""

    __slots__ = ("_base", "_bodies", "_salt", "counter")

    def __init__(self, seed: int = 0, counter: int = 0) -> None:
        digest = blake2b(str(seed).encode(), digest_size=8).digest()
        self._salt = int.from_bytes(digest, "big")
        self.counter = counter
        # the ids of counters _base .. _base + _LANES - 1 (always valid: counter may be set)
        self._base = 0
        self._bodies = _batch(self._salt, 0)

    def _chars(self, n: int) -> str:
        """The next ``n`` (at most 16) letters and digits."""
        self.counter = counter = self.counter + 1
        high = _mix((self._salt + counter * _GOLDEN) & _M64)
        low = _mix(high ^ self._salt)
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

        The same as ``self._grouped(prefix, (6, 5, 6))``, read from a batch.
        """
        self.counter = counter = self.counter + 1
        k = counter - self._base
        if not 0 <= k < _LANES:
            if not 0 <= counter < _MAX_BATCHED:
                self.counter -= 1
                return self._grouped(prefix, (6, 5, 6))
            self._bodies = _batch(self._salt, counter)
            self._base = counter
            k = 0
        start = 18 * k
        return prefix + self._bodies[start : start + 18]

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

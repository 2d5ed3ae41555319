"""Ids: the batched generator spells exactly what one-at-a-time SplitMix64 mixing spells."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from krakenkit.emulator.ids import _LANES, IdGenerator

_M64 = (1 << 64) - 1
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _reference(seed_salt: int, counter: int, prefix: str, sizes: tuple[int, ...]) -> str:
    """The id scheme written out plainly (the specification the generator must match)."""

    def mix(z: int) -> int:
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
        return z ^ (z >> 31)

    high = mix((seed_salt + counter * 0x9E3779B97F4A7C15) & _M64)
    low = mix(high ^ seed_salt)
    raw = ((high << 64) | low).to_bytes(16, "big")[: sum(sizes) - len(prefix)]
    chars = prefix + "".join(_ALPHABET[b % 32] for b in raw)
    groups, start = [], 0
    for size in sizes:
        groups.append(chars[start : start + size])
        start += size
    return "-".join(groups)


def test_known_ids_for_seed_7() -> None:
    ids = IdGenerator(7)
    assert [ids.order(), ids.trade(), ids.ledger(), ids.funding("Q"), ids.amend()] == [
        "OENI47-V6HCD-64AEHN",
        "TZJGVV-KCAES-N2OF3G",
        "LNB5DU-T6WY6-O4VHGP",
        "QCVASMN-RKC47Y-Z76G",
        "TAEIJ2-WTS5U-TGQX34",
    ]
    assert ids.counter == 5


def test_counters_far_out_and_negative_take_the_plain_path() -> None:
    far = IdGenerator(7, counter=(1 << 62) - 2)
    assert [far.order(), far.trade(), far.ledger()] == [
        "OQXOMR-6CSOO-RGZQLI",
        "TJM7G2-X6XJN-45UUJK",
        "LDURER-3LXVK-7UEHIM",
    ]
    below = IdGenerator(7, counter=-3)
    assert [below.order(), below.trade(), below.ledger(), below.trade()] == [
        "OTBSZM-OHPLM-2VATLL",
        "TI7YMI-6MR5A-K5RMWY",
        "LFTT32-4NMWC-25RO26",
        "TENI47-V6HCD-64AEHN",  # counter 1 again: same letters as the first id of seed 7
    ]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**80),
    start=st.integers(0, 10**12),
    steps=st.lists(st.sampled_from(["order", "trade", "ledger", "funding", "jump"]), max_size=300),
    jumps=st.lists(st.integers(0, 3 * _LANES), min_size=1, max_size=5),
)
def test_batched_ids_equal_the_reference(
    seed: int, start: int, steps: list[str], jumps: list[int]
) -> None:
    ids = IdGenerator(seed, counter=start)
    salt = ids._salt
    for i, step in enumerate(steps):
        if step == "jump":  # the store may set the counter: the cache must follow it
            ids.counter = start + jumps[i % len(jumps)]
            continue
        counter = ids.counter + 1
        if step == "funding":
            assert ids.funding("Q") == _reference(salt, counter, "Q", (7, 6, 6))
        else:
            letter = {"order": "O", "trade": "T", "ledger": "L"}[step]
            got = getattr(ids, step)()
            assert got == _reference(salt, counter, letter, (6, 5, 6))
            assert re.fullmatch(rf"{letter}[A-Z2-7]{{5}}-[A-Z2-7]{{5}}-[A-Z2-7]{{6}}", got)
        assert ids.counter == counter

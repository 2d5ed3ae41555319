"""An engine on the default catalogue with a hand-driven clock."""

from __future__ import annotations

import pytest

from krakenkit.emulator.engine import Engine
from krakenkit.emulator.instruments import Catalogue, default_catalogue
from tests.emulator.engine.builders import Clock, make_engine


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def catalogue() -> Catalogue:
    return default_catalogue()


@pytest.fixture
def engine(clock: Clock) -> Engine:
    return make_engine(clock)

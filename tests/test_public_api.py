"""The public surface: small, typed, and complete."""

from __future__ import annotations

import importlib
from pathlib import Path

import krakenkit


def test_all_names_exist() -> None:
    for name in krakenkit.__all__:
        assert hasattr(krakenkit, name), name


def test_all_is_complete() -> None:
    public = {
        name
        for name, value in vars(krakenkit).items()
        if not name.startswith("_") and not isinstance(value, type(krakenkit))
    }
    assert public <= set(krakenkit.__all__), public - set(krakenkit.__all__)


def test_root_error() -> None:
    assert issubclass(krakenkit.ChecksumMismatch, krakenkit.KrakenError)


def test_py_typed_marker_ships() -> None:
    assert (Path(krakenkit.__file__).parent / "py.typed").exists()


def test_protocol_modules_define_all() -> None:
    pkg = Path(krakenkit.__file__).parent / "protocol"
    for path in sorted(pkg.glob("*.py")):
        if path.name == "__init__.py":
            continue
        module = importlib.import_module(f"krakenkit.protocol.{path.stem}")
        assert hasattr(module, "__all__"), path.name
        for name in module.__all__:
            assert hasattr(module, name), f"{path.name}: {name}"

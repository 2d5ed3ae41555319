"""API keys and request authentication, the way Kraken checks them.

Order of checks on every private spot call, each failing with Kraken's own error string:
key known (``EAPI:Invalid key``) -> ``API-Sign`` over the exact bytes received
(``EAPI:Invalid signature``) -> nonce strictly above the last one, or inside the key's nonce window
and not seen before (``EAPI:Invalid nonce``) -> optional 2FA ``otp`` -> the key's permission for the
endpoint (``EGeneral:Permission denied``). A rejected request never advances the nonce.

The nonce window follows Kraken's "custom nonce window": with window ``w`` a nonce is accepted if it
was never used and is greater than ``highest_seen - w``; ``w = 0`` means strictly increasing.
"""

from __future__ import annotations

import secrets
import threading
from base64 import b64encode
from collections.abc import Iterator
from dataclasses import dataclass, field

from krakenkit.protocol.errors import AuthenticationError, InvalidNonce, PermissionDenied
from krakenkit.protocol.signing import extract_nonce, verify_spot

__all__ = [
    "ALL_PERMISSIONS",
    "ENDPOINT_PERMISSIONS",
    "ApiKey",
    "KeyStore",
    "NonceTracker",
    "check_permission",
    "new_key_pair",
]

#: Permission names, after the checkboxes of Kraken's API key form.
ALL_PERMISSIONS = frozenset(
    {
        "funds:query",
        "funds:deposit",
        "funds:withdraw",
        "orders:query",
        "orders:create",
        "orders:cancel",
        "ledger:query",
        "export",
        "websocket",
        "earn",
    }
)

ENDPOINT_PERMISSIONS: dict[str, str] = {
    **dict.fromkeys(("Balance", "BalanceEx", "TradeBalance", "TradeVolume"), "funds:query"),
    **dict.fromkeys(
        (
            "OpenOrders",
            "ClosedOrders",
            "QueryOrders",
            "OrderAmends",
            "TradesHistory",
            "QueryTrades",
            "OpenPositions",
        ),
        "orders:query",
    ),
    **dict.fromkeys(("Ledgers", "QueryLedgers"), "ledger:query"),
    **dict.fromkeys(
        ("AddOrder", "AddOrderBatch", "AmendOrder", "EditOrder"),
        "orders:create",
    ),
    **dict.fromkeys(
        ("CancelOrder", "CancelAll", "CancelAllOrdersAfter", "CancelOrderBatch"),
        "orders:cancel",
    ),
    **dict.fromkeys(("AddExport", "ExportStatus", "RetrieveExport", "RemoveExport"), "export"),
    **dict.fromkeys(
        ("DepositMethods", "DepositAddresses", "DepositStatus"),
        "funds:deposit",
    ),
    **dict.fromkeys(
        (
            "WithdrawMethods",
            "WithdrawAddresses",
            "WithdrawInfo",
            "Withdraw",
            "WithdrawStatus",
            "WithdrawCancel",
            "WalletTransfer",
        ),
        "funds:withdraw",
    ),
    "GetWebSocketsToken": "websocket",
}


def check_permission(key: ApiKey, method_name: str, path: str | None = None) -> None:
    """Raise ``EGeneral:Permission denied`` unless ``key`` may call ``method_name``."""
    needed = ENDPOINT_PERMISSIONS.get(method_name)
    if needed is not None and needed not in key.permissions:
        raise PermissionDenied("EGeneral:Permission denied", path=path)


class NonceTracker:
    """Per-key nonce state: strictly increasing, or a window of tolerated reordering."""

    __slots__ = ("_lock", "_recent", "highest", "window")

    def __init__(self, window: int = 0, highest: int = 0, recent: set[int] | None = None) -> None:
        self.window = window
        self.highest = highest
        self._recent: set[int] = set(recent or ())
        self._lock = threading.Lock()

    @property
    def recent(self) -> frozenset[int]:
        """Nonces accepted inside the window (to persist with ``highest``)."""
        return frozenset(self._recent)

    def accept(self, nonce: int) -> bool:
        """Record ``nonce`` and say whether Kraken would accept it."""
        with self._lock:
            if nonce > self.highest:
                if self.window:
                    self._recent.add(nonce)
                    floor = nonce - self.window
                    self._recent = {n for n in self._recent if n > floor}
                self.highest = nonce
                return True
            if not self.window or nonce <= self.highest - self.window or nonce in self._recent:
                return False
            self._recent.add(nonce)
            return True


@dataclass(eq=False)
class ApiKey:
    """One API key of one account. ``repr`` never shows the secret."""

    key: str
    secret: str = field(repr=False)
    account_id: str
    permissions: frozenset[str] = ALL_PERMISSIONS
    nonce: NonceTracker = field(default_factory=NonceTracker)
    otp: str | None = field(default=None, repr=False)
    kind: str = "spot"  # "spot" or "futures": futures keys are separate from spot keys


def new_key_pair() -> tuple[str, str]:
    """A fresh (public key, base64 secret) in Kraken's shapes: 56-char key, 64-byte secret."""
    key = b64encode(secrets.token_bytes(42)).decode()
    secret = b64encode(secrets.token_bytes(64)).decode()
    return key, secret


class KeyStore:
    """Every API key the emulator knows, by public key."""

    def __init__(self) -> None:
        self._keys: dict[str, ApiKey] = {}

    def add(self, api_key: ApiKey) -> ApiKey:
        self._keys[api_key.key] = api_key
        return api_key

    def get(self, key: str) -> ApiKey | None:
        return self._keys.get(key)

    def __iter__(self) -> Iterator[ApiKey]:
        return iter(self._keys.values())

    def __len__(self) -> int:
        return len(self._keys)

    def authenticate_spot(
        self,
        *,
        path: str,
        method_name: str,
        api_key: str | None,
        api_sign: str | None,
        raw_body: bytes,
        content_type: str | None,
        otp: object = None,
    ) -> ApiKey:
        """Check one private spot request; return its key or raise Kraken's error."""
        record = self._keys.get(api_key or "")
        if record is None or record.kind != "spot":
            raise AuthenticationError("EAPI:Invalid key", path=path)
        nonce_text = extract_nonce(raw_body, content_type)
        if nonce_text is None or not nonce_text.isdigit() or len(nonce_text) > 20:
            raise InvalidNonce("EAPI:Invalid nonce", path=path)
        if not api_sign or not verify_spot(record.secret, path, raw_body, api_sign, nonce_text):
            raise AuthenticationError("EAPI:Invalid signature", path=path)
        if not record.nonce.accept(int(nonce_text)):
            raise InvalidNonce("EAPI:Invalid nonce", path=path)
        if record.otp is not None and str(otp or "") != record.otp:
            raise PermissionDenied("EGeneral:Permission denied", path=path)
        check_permission(record, method_name, path)
        return record

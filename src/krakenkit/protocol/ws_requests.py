"""Request bookkeeping shared by both WebSocket versions: request ids, answers, subscriptions.

Pure state, no I/O: the client owns the socket and the futures and asks these objects what to
send and which request an answer belongs to.

* :class:`RequestIds` hands out fresh request ids.
* :class:`Correlator` collects the answers of each request: Kraken answers some requests once per
  item (a subscribe once per symbol, ``cancel_order`` once per order), so a request is complete
  when it has as many answers as it was expected to get.
* :class:`Subscriptions` remembers what is subscribed, grouped by channel and options, so that
  everything can be restored on a new connection with one request per group.
* :class:`WsCodec` is what a protocol version provides (:mod:`.ws_v1`, :mod:`.ws_v2`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from krakenkit.protocol.ws_messages import Message, Response

__all__ = ["Correlator", "RequestIds", "Subscription", "Subscriptions", "WsCodec"]


class RequestIds:
    """Increasing request ids, starting anywhere (several clients may share one log)."""

    def __init__(self, start: int = 1) -> None:
        self._next = itertools.count(start)

    def __call__(self) -> int:
        return next(self._next)


class Correlator:
    """Answers by request id: ``expect`` a count, ``feed`` answers, get the list when complete."""

    def __init__(self) -> None:
        self._open: dict[int, tuple[int, bool, list[Response]]] = {}

    def expect(self, req_id: int, count: int = 1, *, itemised_errors: bool = False) -> None:
        """Wait for ``count`` answers to ``req_id``.

        ``itemised_errors``: every failure is about one item (``cancel_order`` answers each order,
        its errors name none); otherwise a failure without ``symbol`` ends the request.
        """
        if count < 1:
            raise ValueError("a request expects at least one answer")
        self._open[req_id] = (count, itemised_errors, [])

    def __contains__(self, req_id: object) -> bool:
        return req_id in self._open

    def feed(self, response: Response) -> list[Response] | None:
        """Record ``response``; its request's answers once all have arrived, else None.

        A failure that is not about one item (no ``symbol``) completes the request at once:
        Kraken sends no further answers after rejecting a whole request.
        """
        req_id = response.req_id
        if req_id is None or req_id not in self._open:
            return None
        count, itemised, answers = self._open[req_id]
        answers.append(response)
        whole_request_failed = not (itemised or response.success or response.symbol)
        if len(answers) >= count or whole_request_failed:
            del self._open[req_id]
            return answers
        return None

    def forget(self, req_id: int) -> None:
        self._open.pop(req_id, None)

    def pending(self) -> list[int]:
        return list(self._open)


def _freeze(params: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, _hashable(v)) for k, v in params.items()))


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return _freeze(value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class Subscription:
    """One subscription group: a channel, its options, and the symbols (empty: no symbols)."""

    channel: str
    options: tuple[tuple[str, Any], ...]
    symbols: tuple[str, ...]

    @classmethod
    def of(cls, channel: str, symbols: Sequence[str], options: Mapping[str, Any]) -> Subscription:
        return cls(channel, _freeze(options), tuple(symbols))

    def params(self) -> dict[str, Any]:
        return {k: _thaw(v) for k, v in self.options}


class Subscriptions:
    """What should be subscribed: ``{(channel, options): symbols in order}``.

    Options never include the token (a fresh one is added when a request is sent).
    """

    def __init__(self) -> None:
        self._groups: dict[tuple[str, tuple[tuple[str, Any], ...]], dict[str, None]] = {}

    @staticmethod
    def _key(channel: str, options: Mapping[str, Any]) -> tuple[str, tuple[tuple[str, Any], ...]]:
        return channel, _freeze({k: v for k, v in options.items() if k != "token"})

    def add(self, channel: str, symbols: Sequence[str], options: Mapping[str, Any]) -> None:
        group = self._groups.setdefault(self._key(channel, options), {})
        group.update(dict.fromkeys(symbols))

    def remove(self, channel: str, symbols: Sequence[str], options: Mapping[str, Any]) -> None:
        """Forget ``symbols`` (all of the group when there are none)."""
        key = self._key(channel, options)
        group = self._groups.get(key)
        if group is None:
            return
        for symbol in symbols:
            group.pop(symbol, None)
        if not symbols or not group:
            del self._groups[key]

    def has(self, channel: str, symbol: str | None = None) -> bool:
        for (name, _), symbols in self._groups.items():
            if name == channel and (symbol is None or symbol in symbols):
                return True
        return False

    def find(self, channel: str, symbol: str) -> Subscription | None:
        """The group that holds ``symbol`` on ``channel`` (to resubscribe just that symbol)."""
        for (name, options), symbols in self._groups.items():
            if name == channel and symbol in symbols:
                return Subscription(name, options, (symbol,))
        return None

    def __iter__(self) -> Iterator[Subscription]:
        for (channel, options), symbols in list(self._groups.items()):
            yield Subscription(channel, options, tuple(symbols))

    def __len__(self) -> int:
        return len(self._groups)


class WsCodec(Protocol):
    """What the streaming client needs from a protocol version (:mod:`.ws_v1`, :mod:`.ws_v2`)."""

    version: str
    private_channels: frozenset[str]

    def parse(self, frame: Any) -> Message: ...

    def subscribe(
        self,
        channel: str,
        symbols: Sequence[str],
        options: Mapping[str, Any],
        req_id: int,
        *,
        token: str | None = None,
        unsubscribe: bool = False,
    ) -> tuple[dict[str, Any], int]:
        """The request and how many answers it gets."""
        ...

    def ping(self, req_id: int) -> dict[str, Any]: ...

    def request(
        self, method: str, params: Mapping[str, Any], req_id: int, *, token: str | None = None
    ) -> dict[str, Any]: ...

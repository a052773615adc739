"""The client request tokens repository (TransactWriteItems' idempotency):
token -> [expires, request digest, response], in the meta keyspace under
b"client-token:"."""
from __future__ import annotations

from .codec import pack, unpack
from .interface import Handle, Store

_PREFIX = b"client-token:"


class RequestTokens:
    """Remembered TransactWriteItems answers by client token."""

    def __init__(self, store: Store) -> None:
        self._space = store.keyspace("meta")

    def get(self, txn: Handle, token: str) -> tuple[float, bytes, dict] | None:
        raw = self._space.get(txn, _PREFIX + token.encode())
        return tuple(unpack(raw)) if raw is not None else None

    def put(self, txn: Handle, token: str, expires: float, digest: bytes,
            response: dict) -> None:
        self._space.put(txn, _PREFIX + token.encode(), pack([expires, digest, response]))

    def expired(self, txn: Handle, now: float) -> list[str]:
        """Tokens whose time ran out by `now`."""
        return [key[len(_PREFIX):].decode() for key, value in self._space.prefixed(txn, _PREFIX)
                if unpack(value)[0] <= now]

    def forget(self, txn: Handle, tokens: list[str], now: float) -> None:
        """Delete the tokens still expired as of this transaction (a token
        renewed since it was found stays)."""
        for token in tokens:
            found = self.get(txn, token)
            if found is not None and found[0] <= now:
                self._space.delete(txn, _PREFIX + token.encode())

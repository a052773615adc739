"""The catalog repository: table records by name, the catalog version that
tells a process its cached tables are current, and the engine's numbers
(tables, streams, indexes: durable counters)."""
from __future__ import annotations

import uuid

from .codec import pack, unpack
from .interface import Handle, Store
from .namespaces import NAMESPACE_MARK

_VERSION_KEY = b"catalog_version"
# counter names (Store.next_value), as stored since the first release
TABLE_NUMBERS = b"next_table_number"
STREAM_NUMBERS = b"next_stream_number"
INDEX_NUMBERS = b"next_index_number"


class TableRecords:
    """Table records (msgpack dicts) and the catalog version."""

    def __init__(self, store: Store) -> None:
        space = store.keyspace("catalog")
        self._get = space.get
        self._put = space.put
        self._range = space.range
        self._meta_get = store.keyspace("meta").get
        self._meta_put = store.keyspace("meta").put
        self._next_value = store.next_value

    def version(self, txn: Handle) -> bytes | None:
        """The catalog version as of `txn`: it changes with every record put."""
        return self._meta_get(txn, _VERSION_KEY)

    def all(self, txn: Handle) -> dict[str, dict]:
        """Every record by table name (of this namespace: the default one's
        range stops before the other namespaces' keys, storage/namespaces.py)."""
        return {name.decode(): unpack(value)
                for name, value in self._range(txn, None, NAMESPACE_MARK)}

    def get(self, txn: Handle, name: str) -> dict | None:
        value = self._get(txn, name.encode())
        return unpack(value) if value is not None else None

    def put(self, txn: Handle, record: dict) -> None:
        """Store a record and change the catalog version (in a write)."""
        self._put(txn, record["TableName"].encode(), pack(record))
        self._meta_put(txn, _VERSION_KEY, uuid.uuid4().bytes)

    def next_number(self, txn: Handle, counter: bytes) -> int:
        """The next table, stream or index number (TABLE_NUMBERS, ...)."""
        return self._next_value(txn, counter)

"""The export and import jobs repository: one record per job, in the
`backups` keyspace beside the backups (no keyspace of their own, so no
PostgreSQL schema change):

    X + export id  ->  msgpack export record (ExportDescription's fields)
    M + import id  ->  msgpack import record (ImportTableDescription's fields)
    K + bulk id    ->  msgpack bulk operation record (StartBulkPutItems)

Ids are "<epoch ms, 14 digits>-<8 hex>" (the end of AWS's export and
import ARNs), so records sort by start time.
"""
from __future__ import annotations

from typing import Iterator

from .codec import pack, unpack
from .interface import Handle, Store, prefix_end

EXPORTS, IMPORTS, BULK_OPERATIONS = b"X", b"M", b"K"


class JobRecords:
    """The records of one kind of S3 job (EXPORTS, IMPORTS or BULK_OPERATIONS)."""

    def __init__(self, store: Store, kind: bytes) -> None:
        self._space = store.keyspace("backups")
        self._kind = kind

    def get(self, txn: Handle, job_id: str) -> dict | None:
        raw = self._space.get(txn, self._kind + job_id.encode())
        return unpack(raw) if raw is not None else None

    def put(self, txn: Handle, record: dict) -> None:
        self._space.put(txn, self._kind + record["id"].encode(), pack(record))

    def all(self, txn: Handle, after: str | None = None) -> Iterator[dict]:
        """Every record in start order, after the id `after`."""
        start = self._kind + after.encode() + b"\x00" if after else self._kind
        for _, raw in self._space.range(txn, start, prefix_end(self._kind)):
            yield unpack(raw)

    def newest_first(self, txn: Handle, before: str | None = None) -> Iterator[dict]:
        """Every record, the latest started first, before the id `before`."""
        stop = self._kind + before.encode() if before else prefix_end(self._kind)
        for _, raw in self._space.range(txn, self._kind, stop, True):
            yield unpack(raw)

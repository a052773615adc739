"""The stream log repository: per stream (numbered), its record, its head
and its change records by sequence number.

  b"S" + stream number (4)            -> msgpack stream record
  b"H" + stream number (4)            -> msgpack head
  b"R" + stream number (4) + seq (8)  -> msgpack change record (a list)
What the values hold is streams.py's business; this module keeps them in
sequence order and trims them.
"""
from __future__ import annotations

import struct
from itertools import islice
from typing import Iterator

from .codec import pack, unpack
from .interface import Handle, Store

_SEQ = struct.Struct(">Q")


def _stream_key(number: int) -> bytes:
    return b"S" + number.to_bytes(4, "big")


def _head_key(number: int) -> bytes:
    return b"H" + number.to_bytes(4, "big")


def _records_prefix(number: int) -> bytes:
    return b"R" + number.to_bytes(4, "big")


class StreamLog:
    """Streams, their heads and their change records."""

    def __init__(self, store: Store) -> None:
        space = self._space = store.keyspace("streams")
        self._get = space.get
        self._put = space.put

    def stream(self, txn: Handle, number: int) -> dict:
        return unpack(self._get(txn, _stream_key(number)))

    def put_stream(self, txn: Handle, stream: dict) -> None:
        self._put(txn, _stream_key(stream["number"]), pack(stream))

    def streams(self, txn: Handle) -> list[dict]:
        """Every stream record, by number."""
        return [unpack(value) for _, value in self._space.prefixed(txn, b"S")]

    def head(self, txn: Handle, number: int) -> list:
        return unpack(self._get(txn, _head_key(number)))

    def put_head(self, txn: Handle, number: int, head: list) -> None:
        self._put(txn, _head_key(number), pack(head))

    def append(self, txn: Handle, number: int, sequence: int, record: list) -> None:
        self._put(txn, _records_prefix(number) + _SEQ.pack(sequence), pack(record))

    def records(self, txn: Handle, number: int, start: int) -> Iterator[tuple[int, bytes]]:
        """(sequence, stored record) from sequence `start` on, in order; the
        record still packed (streams.py decodes what it returns)."""
        prefix = _records_prefix(number)
        stop = _records_prefix(number + 1)
        for key, value in self._space.range(txn, prefix + _SEQ.pack(start), stop):
            yield _SEQ.unpack(key[5:])[0], value

    def oldest_record_time(self, txn: Handle, number: int) -> float:
        """The creation time of the stream's first record (inf: none)."""
        for _, value in self.records(txn, number, 0):
            return unpack(value)[0]
        return float("inf")

    def trim(self, txn: Handle, number: int, cutoff: float) -> tuple[int, int | None]:
        """Delete the records created before `cutoff`: (how many went, the
        first sequence number kept, None when none went)."""
        gone = []
        for sequence, value in self.records(txn, number, 0):
            if unpack(value)[0] >= cutoff:
                break
            gone.append(sequence)
        prefix = _records_prefix(number)
        for sequence in gone:
            self._space.delete(txn, prefix + _SEQ.pack(sequence))
        return len(gone), (gone[-1] + 1 if gone else None)

    def delete_before(self, txn: Handle, number: int, sequence: int, limit: int) -> int:
        """Delete up to `limit` records numbered below `sequence`; how many went."""
        prefix = _records_prefix(number)
        gone = [key for key, _ in islice(
            self._space.range(txn, prefix, prefix + _SEQ.pack(sequence)), limit)]
        for key in gone:  # after the range is read: no writes while it is iterated
            self._space.delete(txn, key)
        return len(gone)

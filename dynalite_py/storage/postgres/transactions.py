"""Transactions on pooled PostgreSQL connections, and the keyspace functions
that run statements in them.

A transaction (a snapshot or a write) holds one connection from the pool, in
pipeline mode: a statement whose result nobody reads (BEGIN, a put, NOTIFY,
RELEASE SAVEPOINT) is only queued, and goes to the server with the next one
whose result is needed, so it costs no round trip of its own. A get, a
delete (which says whether there was a value) and each batch of a range
wait for their answer. Statements are prepared on each connection at first
use (prepare_threshold=0) and carry their parameters and results in binary.

ROLLBACK and ROLLBACK TO SAVEPOINT go to libpq directly (`_rollback`):
psycopg forgets every prepared statement when it sees a rollback's result
(in pipeline mode it then deallocates statements it has just prepared), and
our statements never change under a rollback.
"""
from __future__ import annotations

from typing import Iterator

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from ..codec import pack, unpack
from ..interface import Keyspace
from .schema import COUNT_SHARDS, COUNTS_TABLE, table_name

# a range reads this many rows first, then FETCH_GROWTH times more each
# batch up to FETCH_MAX: a short read (Query with Limit) stays small, a long
# one (Scan, a backfill) takes few round trips
FETCH_FIRST = 32
FETCH_GROWTH = 4
FETCH_MAX = 1024

BEGIN_SNAPSHOT = b"BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
BEGIN_WRITE = b"BEGIN ISOLATION LEVEL SERIALIZABLE"
COMMIT = b"COMMIT"
ROLLBACK = b"ROLLBACK"
SNAPSHOT_ID = b"SELECT pg_current_snapshot()::text"


class Transaction:
    """One transaction on one pooled connection (the handle keyspace
    functions are given). `commit` or `abandon` ends it and gives the
    connection back."""

    __slots__ = ("conn", "cursor", "_pipeline", "_pool", "version", "shard")

    def __init__(self, pool: ConnectionPool, begin: bytes) -> None:
        self._pool = pool
        self.conn = pool.getconn()
        self._pipeline = None
        try:
            self._pipeline = self.conn.pipeline()
            self._pipeline.__enter__()
            self.cursor = self.conn.cursor(binary=True)
            self.cursor.execute(begin)
        except BaseException:
            self._give_back_aborted()
            raise
        self.version: object = None  # a snapshot's id (Store.snapshot_version)
        # the row of dynalite_counts this transaction adds its counts to
        self.shard = self.conn.info.backend_pid % COUNT_SHARDS

    def send(self, statement: bytes, params: tuple = ()) -> None:
        """Queue a statement whose result is not needed."""
        self.cursor.execute(statement, params)

    def commit(self) -> None:
        """Commit (waiting for every queued statement) and give the
        connection back; raises what the commit or a queued statement raised,
        and then the transaction has been rolled back."""
        try:
            self.cursor.execute(COMMIT)  # may raise what a queued statement raised
            self._leave_pipeline()
        except BaseException:
            self._give_back_aborted()
            raise
        self._pool.putconn(self.conn)

    def abandon(self) -> None:
        """Roll back and give the connection back (after a failure)."""
        self._give_back_aborted()

    def _leave_pipeline(self) -> None:
        """Wait for every queued statement and leave pipeline mode (raises
        what one of them raised); once only."""
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            pipeline.__exit__(None, None, None)

    def rollback_to_savepoint(self, statement: bytes) -> None:
        """Undo what was done since the savepoint (a held write that failed):
        raises what a queued statement raised, and then the whole
        transaction is lost."""
        self._leave_pipeline()
        _rollback(self.conn, statement)
        self._pipeline = self.conn.pipeline()
        self._pipeline.__enter__()

    def _give_back_aborted(self) -> None:
        conn = self.conn
        try:
            self._leave_pipeline()
        except psycopg.Error:
            pass  # the failure that got us here, or a lost connection
        try:
            if not conn.broken and conn.info.transaction_status != \
                    psycopg.pq.TransactionStatus.IDLE:
                _rollback(conn, ROLLBACK)
        except psycopg.Error:
            pass  # a broken connection: the pool drops it
        self._pool.putconn(conn)


def _rollback(conn: psycopg.Connection, statement: bytes) -> None:
    """Run a ROLLBACK statement through libpq, unseen by psycopg's cache of
    prepared statements (module docstring)."""
    result = conn.pgconn.exec_(statement)
    if result.status != psycopg.pq.ExecStatus.COMMAND_OK:
        raise psycopg.OperationalError(
            f"{statement.decode()} failed: {conn.pgconn.error_message.decode(errors='replace')}")


def _statement(text: str, table: str) -> bytes:
    """`text` with {table} (and {counts}) named, ready to send."""
    return sql.SQL(text).format(table=sql.Identifier(table),
                                counts=sql.Identifier(COUNTS_TABLE)).as_string(None).encode()


def _ranges(text: str, table: str) -> list[list[bytes]]:
    """A range statement by [reverse][has stop]: `text` with {bound} (the
    stop condition) and {order}, rows from key >= start, LIMIT last."""
    return [[_statement(text.replace("{bound}", bound).replace("{order}", order), table)
             for bound in ("", " AND key < %b")] for order in ("", " DESC")]


def _fetch_one(txn: Transaction, statement: bytes, params: tuple) -> tuple | None:
    cursor = txn.cursor
    cursor.execute(statement, params)
    return cursor.fetchone()


def keyspace(name: str) -> Keyspace:
    """The functions of one keyspace, over its table."""
    table = table_name(name)
    select = _statement("SELECT value FROM {table} WHERE key = %b", table)
    upsert = _statement("INSERT INTO {table} (key, value) VALUES (%b, %b) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value", table)
    remove = _statement("DELETE FROM {table} WHERE key = %b RETURNING true", table)
    ranges = _ranges("SELECT key, value FROM {table} WHERE key >= %b{bound} "
                     "ORDER BY key{order} LIMIT %b", table)

    def get(txn: Transaction, key: bytes) -> bytes | None:
        cursor = txn.cursor
        cursor.execute(select, (key,))
        row = cursor.fetchone()
        return None if row is None else row[0]

    def put(txn: Transaction, key: bytes, value: bytes) -> None:
        txn.cursor.execute(upsert, (key, value))

    def delete(txn: Transaction, key: bytes) -> bool:
        return _fetch_one(txn, remove, (key,)) is not None

    def range_(txn: Transaction, start: bytes | None = None, stop: bytes | None = None,
               reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        return _batches(txn, ranges[reverse], start or b"", stop, reverse, 1)

    return Keyspace(name, get, put, delete, range_)


def stats_keyspace() -> Keyspace:
    """The stats keyspace: a key's value is the one stored in its table plus
    the count deltas commits added for it (add_counts), as [items, bytes]."""
    table = table_name("stats")
    select = _statement("SELECT s.value, c.items, c.bytes FROM (SELECT sum(items)::bigint "
                        "AS items, sum(bytes)::bigint AS bytes FROM {counts} WHERE key = %b) c "
                        "LEFT JOIN {table} s ON s.key = %b", table)
    upsert = _statement("WITH cleared AS (DELETE FROM {counts} WHERE key = %b) "
                        "INSERT INTO {table} (key, value) VALUES (%b, %b) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value", table)
    remove = _statement("WITH c AS (DELETE FROM {counts} WHERE key = %b RETURNING 1), "
                        "s AS (DELETE FROM {table} WHERE key = %b RETURNING 1) "
                        "SELECT EXISTS (SELECT 1 FROM c) OR EXISTS (SELECT 1 FROM s)", table)
    ranges = _ranges("SELECT key, s.value, c.items, c.bytes FROM (SELECT key, value FROM "
                     "{table} WHERE key >= %b{bound}) s FULL JOIN (SELECT key, "
                     "sum(items)::bigint AS items, sum(bytes)::bigint AS bytes FROM {counts} "
                     "WHERE key >= %b{bound} GROUP BY key) c USING (key) "
                     "ORDER BY key{order} LIMIT %b", table)

    def get(txn: Transaction, key: bytes) -> bytes | None:
        return _stats_value(*_fetch_one(txn, select, (key, key)))

    def put(txn: Transaction, key: bytes, value: bytes) -> None:
        txn.cursor.execute(upsert, (key, key, value))

    def delete(txn: Transaction, key: bytes) -> bool:
        return _fetch_one(txn, remove, (key, key))[0]

    def range_(txn: Transaction, start: bytes | None = None, stop: bytes | None = None,
               reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        rows = _batches(txn, ranges[reverse], start or b"", stop, reverse, 2)
        return ((row[0], _stats_value(*row[1:])) for row in rows)

    return Keyspace("stats", get, put, delete, range_)


def _stats_value(stored: bytes | None, items: int | None, size: int | None) -> bytes | None:
    if items is None:
        return stored
    base_items, base_size = unpack(stored) if stored is not None else (0, 0)
    return pack([base_items + items, base_size + size])


def add_counts(txn: Transaction, stats: dict[bytes, list[int]]) -> None:
    """Add item count and size changes (WriteContext.stats) to this
    transaction's rows of dynalite_counts: queued, no round trip, and no
    conflict with the other writes of the same table."""
    for key, (items, size) in stats.items():
        if items or size:
            txn.cursor.execute(_ADD_COUNTS, (key, txn.shard, items, size))


_ADD_COUNTS = _statement(
    "INSERT INTO {counts} (key, shard, items, bytes) VALUES (%b, %b, %b, %b) "
    "ON CONFLICT (key, shard) DO UPDATE SET items = {counts}.items + excluded.items, "
    "bytes = {counts}.bytes + excluded.bytes", COUNTS_TABLE)


def _batches(txn: Transaction, statements: list[bytes], start: bytes, stop: bytes | None,
             reverse: bool, bounds: int) -> Iterator[tuple]:
    """Rows start <= key < stop in batches, each continuing from the last
    key of the one before (forward: just after it; reverse: below it); the
    statement states its bounds `bounds` times."""
    size = FETCH_FIRST
    while True:
        cursor = txn.cursor
        if stop is None:
            cursor.execute(statements[0], (start,) * bounds + (size,))
        else:
            cursor.execute(statements[1], (start, stop) * bounds + (size,))
        rows = cursor.fetchall()
        yield from rows
        if len(rows) < size:
            return
        last = rows[-1][0]
        if reverse:
            stop = last
        else:
            start = last + b"\x00"  # the smallest key after it
        size = min(size * FETCH_GROWTH, FETCH_MAX)

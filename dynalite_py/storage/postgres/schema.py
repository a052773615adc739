"""The PostgreSQL backend's schema: one table per keyspace and a version
table, created on first start and checked on every start.

Each keyspace is a table `dynalite_<keyspace>(key bytea PRIMARY KEY, value
bytea NOT NULL)`: bytea compares bytewise (memcmp, whatever the collation),
which is the interface's key order, and a primary-key range scan is the
interface's range. A table per keyspace, rather than one table keyed by
(keyspace, key), keeps each keyspace's index to its own rows and its
statements free of a constant column, and lets a distributed database
(CockroachDB, YugabyteDB) split and place each keyspace on its own.

Item counts and sizes (WriteContext.stats, added at every commit that
changes them) are not read and rewritten in one row per table, which every
concurrent write would then conflict on: each commit adds its deltas to a
row of its own connection in `dynalite_counts(key, shard, items, bytes)`
(shard: the connection's server process id modulo COUNT_SHARDS, so two
concurrent transactions rarely share one) and a read of the stats
keyspace adds a key's rows up (transactions.py).

`dynalite_schema` holds one row, the version of this layout. A release
that changes the layout raises SCHEMA_VERSION and migrates a database from
the version it finds; a database of a newer release is refused.

Versions: 1, the first layout; 2 adds the `queues` keyspace (SQS queues and
Lambda's event queues) and the `backups` and `history` keyspaces (backups,
and the change history of tables with point-in-time recovery). A keyspace
added is a table created by `_create_tables` (IF NOT EXISTS), so moving a
database up to 2 is that and the new version number; a release knowing only
version 1 would not keep a PITR table's history, so it must refuse such a
database.
"""
from __future__ import annotations

import psycopg
from psycopg import errors, sql

from .. import StoreUnavailable
from ..interface import KEYSPACES

SCHEMA_VERSION = 2
VERSION_TABLE = "dynalite_schema"
COUNTS_TABLE = "dynalite_counts"
COUNT_SHARDS = 256
# several servers starting on an empty database race to create the tables
_CREATE_ATTEMPTS = 5


def table_name(keyspace: str) -> str:
    return f"dynalite_{keyspace}"


def ensure_schema(conn: psycopg.Connection) -> None:
    """Create the tables if missing (in one transaction); refuse a database
    whose layout is newer than this release's. `conn` is in autocommit mode."""
    for attempt in range(_CREATE_ATTEMPTS):
        try:
            with conn.transaction():
                _create_tables(conn)
                _check_version(conn)
            return
        except (errors.UniqueViolation, errors.DuplicateTable, errors.SerializationFailure):
            if attempt == _CREATE_ATTEMPTS - 1:
                raise


def _create_tables(conn: psycopg.Connection) -> None:
    for statement in table_statements(conn.execute("SELECT version()").fetchone()[0]):
        conn.execute(statement)


def table_statements(server_version: str) -> list[sql.Composed]:
    """The CREATE TABLE statements for a server (its `SELECT version()`).
    YugabyteDB shards a primary key's first column by hash unless it is
    declared ASC, and a hash-sharded key has no order (every range scan would
    visit every tablet, and sort): there keys are declared ASC, range-sharded
    like CockroachDB's and PostgreSQL's (which accepts no order there)."""
    order = sql.SQL(" ASC" if "-YB-" in server_version else "")
    statements = [sql.SQL("CREATE TABLE IF NOT EXISTS {} (version integer NOT NULL)").format(
        sql.Identifier(VERSION_TABLE))]
    statements += [sql.SQL("CREATE TABLE IF NOT EXISTS {} (key bytea NOT NULL, value bytea "
                           "NOT NULL, PRIMARY KEY (key{}))").format(
        sql.Identifier(table_name(keyspace)), order) for keyspace in KEYSPACES]
    statements.append(sql.SQL("CREATE TABLE IF NOT EXISTS {} (key bytea NOT NULL, shard integer "
                              "NOT NULL, items bigint NOT NULL, bytes bigint NOT NULL, "
                              "PRIMARY KEY (key{}, shard{}))").format(
        sql.Identifier(COUNTS_TABLE), order, order))
    return statements


def _check_version(conn: psycopg.Connection) -> None:
    row = conn.execute(sql.SQL("SELECT version FROM {}").format(
        sql.Identifier(VERSION_TABLE))).fetchone()
    if row is None:
        conn.execute(sql.SQL("INSERT INTO {} (version) VALUES (%s)").format(
            sql.Identifier(VERSION_TABLE)), (SCHEMA_VERSION,))
    elif row[0] > SCHEMA_VERSION:
        raise StoreUnavailable(f"the database holds schema version {row[0]}, newer than this "
                           f"release's {SCHEMA_VERSION}: upgrade dynalite-py")
    elif row[0] < SCHEMA_VERSION:  # _create_tables made what the newer layout adds
        conn.execute(sql.SQL("UPDATE {} SET version = %s").format(
            sql.Identifier(VERSION_TABLE)), (SCHEMA_VERSION,))


def current_schema(conn: psycopg.Connection) -> str:
    """The schema the tables live in (the connection's search_path)."""
    return conn.execute("SELECT current_schema()").fetchone()[0]

"""What the PostgreSQL backend adds to the storage contract
(tests/test_storage_contract.py runs on it too): several stores on one
database, real serialization failures retried, item counts that concurrent
writes do not conflict on, a lost connection, a database that is down or
too new, leases across stores. PostgreSQL only."""
from __future__ import annotations

import threading

import psycopg
import pytest
import support
from botocore.exceptions import ClientError
from support import NO_RETRIES, create_table, free_port

from dynalite_py.errors import DynamoError
from dynalite_py.storage import StoreUnavailable, open_store
from dynalite_py.storage.codec import pack, unpack

pytestmark = pytest.mark.postgres_only("the PostgreSQL backend itself")


@pytest.fixture
def url(tmp_path):
    return support.store_location(str(tmp_path / "data"))


@pytest.fixture
def stores(url):
    """Two stores on one database, as two servers would have."""
    opened = [open_store(url), open_store(url)]
    yield opened
    for store in opened:
        store.close()


def read(store, name: str, key: bytes) -> bytes | None:
    with store.read() as snapshot:
        return store.keyspace(name).get(snapshot, key)


def test_one_store_reads_what_another_wrote(stores):
    first, second = stores
    first.write(lambda ctx: first.keyspace("items").put(ctx.txn, b"k", b"v"))
    assert read(second, "items", b"k") == b"v"


def test_read_modify_writes_from_many_threads_and_stores_are_exact(stores):
    """Real serialization failures (40001) are retried until each counts."""
    def increment(store) -> None:
        meta = store.keyspace("meta")

        def work(ctx):
            current = meta.get(ctx.txn, b"n")
            meta.put(ctx.txn, b"n", str(int(current or b"0") + 1).encode())
        for _ in range(20):
            store.write(work)
    threads = [threading.Thread(target=increment, args=(stores[n % 2],)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert read(stores[0], "meta", b"n") == b"120"


def test_counts_from_many_stores_add_up_and_read_like_one_value(stores):
    first, second = stores
    for store in stores:
        store.write(lambda ctx: ctx.count_item(b"t1", 2, 100))
    stats = first.keyspace("stats")
    assert unpack(read(second, "stats", b"t1")) == [4, 200]
    with first.read() as snapshot:
        assert [(key, unpack(value)) for key, value in stats.range(snapshot)] == [
            (b"t1", [4, 200])]
    first.write(lambda ctx: stats.put(ctx.txn, b"t1", pack([1, 1])))  # a put replaces the sum
    second.write(lambda ctx: ctx.count_item(b"t1", 1, 1))
    assert unpack(read(first, "stats", b"t1")) == [2, 2]
    assert first.write(lambda ctx: stats.delete(ctx.txn, b"t1")) is True
    assert read(second, "stats", b"t1") is None


def test_new_items_written_at_once_do_not_conflict_on_the_table_count(tmp_path):
    """Every new item changes the table's ItemCount: concurrent writers must
    not all contend for one row (they did before counts were per connection)."""
    with support.open_db(str(tmp_path / "data")) as db:
        client = db.client(config=NO_RETRIES)
        table = create_table(client)
        errors: list[Exception] = []

        def writer(number: int) -> None:
            try:
                for index in range(25):
                    client.put_item(TableName=table, Item={"pk": {"S": f"{number}-{index}"}})
            except ClientError as error:
                errors.append(error)
        threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert client.describe_table(TableName=table)["Table"]["ItemCount"] == 200


def test_a_connection_lost_mid_write_fails_it_whole_and_the_next_one_works(stores, url):
    store = stores[0]
    items = store.keyspace("items")

    def interrupted(ctx):
        items.put(ctx.txn, b"half-1", b"x")
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (ctx.txn.conn.info.backend_pid,))
        items.put(ctx.txn, b"half-2", b"x")
    with pytest.raises(DynamoError) as caught:
        store.write(interrupted)
    assert caught.value.name == "InternalServerError"
    assert read(stores[1], "items", b"half-1") is None
    store.write(lambda ctx: items.put(ctx.txn, b"after", b"y"))
    assert read(store, "items", b"after") == b"y"


def test_a_database_that_is_down_is_a_clear_error():
    down = f"postgresql://postgres@127.0.0.1:{free_port()}/dynalite"
    with pytest.raises(StoreUnavailable, match="cannot connect to the database"):
        open_store(down)  # `serve`: tests/test_pg_failures.py


def test_a_database_of_a_newer_layout_is_refused(stores, url):
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("UPDATE dynalite_schema SET version = 99")
    with pytest.raises(StoreUnavailable, match="schema version 99"):
        open_store(url)


def test_a_version_1_database_is_migrated(stores, url):
    """Version 2 adds the backups and history keyspaces (issue 25): a
    version-1 database gets their tables and the new version at start."""
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("DROP TABLE dynalite_backups, dynalite_history")
        admin.execute("UPDATE dynalite_schema SET version = 1")
    store = open_store(url)
    try:
        store.write(lambda ctx: store.keyspace("history").put(ctx.txn, b"k", b"v"))
        assert read(store, "history", b"k") == b"v"
    finally:
        store.close()
    with psycopg.connect(url, autocommit=True) as admin:
        assert admin.execute("SELECT version FROM dynalite_schema").fetchone() == (2,)


def test_a_lease_has_one_holder_across_stores(stores):
    won: list[str] = []

    def contend(store, owner: str) -> None:
        if store.acquire_lease("sweeper", owner, 10.0, now=1000.0):
            won.append(owner)
    threads = [threading.Thread(target=contend, args=(stores[n % 2], f"server-{n}"))
               for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    assert not stores[1].acquire_lease("sweeper", "late", 10.0, now=1005.0)
    assert stores[1].acquire_lease("sweeper", "late", 10.0, now=1010.5)  # expired: taken over


def test_keys_are_range_sharded_wherever_the_database_would_hash_them(stores, url):
    """Keys are laid out owner id | partition-key hash | sort key: a table is
    one key range, spread evenly by the hash as a distributed database splits
    it, and a Query is a range inside it. YugabyteDB hash-shards a primary
    key unless it is declared ASC (its ranges would have no order): there
    the statements say ASC; PostgreSQL's say nothing (it refuses an order)."""
    from dynalite_py.storage.postgres.schema import table_statements
    with psycopg.connect(url) as conn:
        ours = [statement.as_string(conn) for statement in
                table_statements(conn.execute("SELECT version()").fetchone()[0])]
        yugabyte = [statement.as_string(conn) for statement in table_statements(
            "PostgreSQL 11.2-YB-2.20.1.0-b0 on x86_64-pc-linux-gnu")]
        indexed = conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = "
                               "'dynalite_items' AND schemaname = current_schema()").fetchone()
    assert not any(" ASC" in statement for statement in ours)
    assert 'CREATE TABLE IF NOT EXISTS "dynalite_items" (key bytea NOT NULL, value bytea ' \
           'NOT NULL, PRIMARY KEY (key ASC))' in yugabyte
    assert "PRIMARY KEY (key ASC, shard ASC)" in yugabyte[-1]
    assert indexed[0].endswith("USING btree (key)")

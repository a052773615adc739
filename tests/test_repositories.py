"""The repositories (dynalite_py/storage/*.py) on the backend under test: what
each keeps, in which order, and what its range reads and deletions cover."""
from __future__ import annotations

import pytest
import support

from dynalite_py.model.keys import item_key, key_value_bytes, partition_prefix, table_id_bytes
from dynalite_py.storage import MEMORY, open_store
from dynalite_py.storage.items import collection_key, index_counts_key
from dynalite_py.storage.partitions import prefix_entries
from dynalite_py.storage.repositories import Repositories

TABLE = table_id_bytes(7)
OTHER_TABLE = table_id_bytes(8)


@pytest.fixture
def repos(tmp_path):
    store = open_store(MEMORY if support.BACKEND == "memory" else str(tmp_path / "data"),
                       map_size=1 << 26)
    yield Repositories(store)
    store.close()


def write(repos, work):
    return repos.store.write(work)


def read(repos, look):
    with repos.store.read() as snapshot:
        return look(snapshot)


def key(table: bytes, pk: str, sk: str | None = None) -> bytes:
    item = {"pk": {"S": pk}} if sk is None else {"pk": {"S": pk}, "sk": {"S": sk}}
    return item_key(table, "pk", None if sk is None else "sk", item)


def put_items(repos, table: bytes, keys: list[tuple[str, str]]) -> None:
    def work(ctx):
        for pk, sk in keys:
            item = {"pk": {"S": pk}, "sk": {"S": sk}}
            repos.items.put(ctx.txn, key(table, pk, sk), 10, item)
    write(repos, work)


def test_items_read_back_whole_or_decoded(repos):
    item = {"pk": {"S": "a"}, "n": {"N": "1"}}
    raw = write(repos, lambda ctx: repos.items.put(ctx.txn, key(TABLE, "a"), 321, item))
    stored = read(repos, lambda txn: repos.items.read(txn, key(TABLE, "a")))
    assert stored.raw == raw and (stored.size, stored.item) == (321, item)
    assert read(repos, lambda txn: repos.items.read_decoded(txn, key(TABLE, "a"))) == [321, item]
    assert read(repos, lambda txn: repos.items.read(txn, key(TABLE, "b"))) is None


@pytest.mark.parametrize("reverse", [False, True])
def test_a_partition_reads_in_sort_order_from_a_start_key(repos, reverse):
    sort_keys = ["a", "b", "c", "q" * 480 + "b", "q" * 480 + "a", "z"]
    put_items(repos, TABLE, [("p", sk) for sk in sort_keys] + [("other", "a")])
    put_items(repos, OTHER_TABLE, [("p", "a")])
    expected = sorted(sort_keys, reverse=reverse)
    prefix = partition_prefix(TABLE, {"S": "p"})

    def sort_keys_after(start: str | None) -> list[str]:
        start_key = key(TABLE, "p", start) if start is not None else None
        return read(repos, lambda txn: [stored.item["sk"]["S"] for _, stored in
                                        repos.items.partition(txn, prefix,
                                                              lambda s: key_value_bytes(s.item["sk"]), reverse,
                                                              start_key)])
    assert sort_keys_after(None) == expected
    for position, start in enumerate(expected):
        assert sort_keys_after(start) == expected[position + 1:]


def test_segments_of_a_scan_cover_a_table_once(repos):
    put_items(repos, TABLE, [(f"p{n}", "s") for n in range(40)])
    put_items(repos, OTHER_TABLE, [("p0", "s")])
    seen = []
    for segment in range(3):
        seen += read(repos, lambda txn: [k for k, _ in repos.items.segment(
            txn, TABLE, segment, 3, None)])
    assert len(seen) == len(set(seen)) == 40
    first, *rest = sorted(seen)
    assert read(repos, lambda txn: [k for k, _ in repos.items.segment(
        txn, TABLE, 0, 1, first)]) == rest  # after the start key


def test_purge_removes_one_table_only(repos):
    put_items(repos, TABLE, [("a", "1"), ("b", "2")])
    put_items(repos, OTHER_TABLE, [("a", "1")])
    write(repos, lambda ctx: repos.items.purge(ctx.txn, TABLE))
    assert read(repos, lambda txn: list(repos.items.of_table(txn, TABLE))) == []
    assert len(read(repos, lambda txn: list(repos.items.of_table(txn, OTHER_TABLE)))) == 1


def test_of_table_resumes_after_a_key(repos):
    put_items(repos, TABLE, [(f"p{n}", "s") for n in range(5)])
    keys = read(repos, lambda txn: [k for k, _ in repos.items.of_table(txn, TABLE)])
    assert read(repos, lambda txn: [k for k, _ in repos.items.of_table(
        txn, TABLE, after=keys[1])]) == keys[2:]


def test_counts_follow_the_deltas_of_each_write(repos):
    index_key = index_counts_key(b"\x00\x00\x00\x09")
    collection = collection_key(key(TABLE, "p", "s"))

    def work(ctx):
        ctx.count_item(TABLE, 2, 300)
        ctx.count_item(index_key, 1, 40)
        ctx.count_item(collection, 0, 340)
    write(repos, work)
    write(repos, lambda ctx: ctx.count_item(TABLE, -1, -100))
    assert read(repos, lambda txn: [repos.counts.get(txn, k) for k in (
        TABLE, index_key, collection, OTHER_TABLE)]) == [(1, 200), (1, 40), (0, 340), (0, 0)]


def test_index_entries_sizes_drop_and_backfill_position(repos):
    index_id = table_id_bytes(9)
    entry = index_id + bytes(16) + b"tiebreak"
    write(repos, lambda ctx: repos.indexes.put(ctx.txn, entry, 55, b"table-key", {"a": 1}))
    assert read(repos, lambda txn: repos.indexes.size(txn, entry)) == 55
    write(repos, lambda ctx: repos.indexes.set_backfill_position(ctx.txn, index_id, b"k1"))
    assert read(repos, lambda txn: repos.indexes.backfill_position(txn, index_id)) == b"k1"
    write(repos, lambda ctx: ctx.count_item(index_counts_key(index_id), 1, 55))
    write(repos, lambda ctx: repos.indexes.drop(ctx.txn, index_id))
    assert read(repos, lambda txn: (repos.indexes.size(txn, entry),
                                    repos.indexes.backfill_position(txn, index_id),
                                    repos.counts.get(txn, index_counts_key(index_id)))) == (
        None, None, (0, 0))


def test_table_records_change_the_catalog_version_and_number_things(repos):
    before = read(repos, repos.tables.version)
    write(repos, lambda ctx: repos.tables.put(ctx.txn, {"TableName": "b", "n": 1}))
    write(repos, lambda ctx: repos.tables.put(ctx.txn, {"TableName": "a", "n": 2}))
    after = read(repos, repos.tables.version)
    assert before is None and after is not None
    assert read(repos, repos.tables.all) == {"a": {"TableName": "a", "n": 2},
                                             "b": {"TableName": "b", "n": 1}}
    assert read(repos, lambda txn: repos.tables.get(txn, "missing")) is None
    from dynalite_py.storage.catalog import INDEX_NUMBERS, TABLE_NUMBERS
    numbers = [write(repos, lambda ctx: repos.tables.next_number(ctx.txn, counter))
               for counter in (TABLE_NUMBERS, TABLE_NUMBERS, INDEX_NUMBERS)]
    assert numbers == [1, 2, 1]


def test_stream_log_keeps_records_in_sequence_and_trims_the_old(repos):
    log = repos.streams

    def setup(ctx):
        for number in (1, 2):
            log.put_stream(ctx.txn, {"number": number, "StreamArn": f"arn-{number}"})
            log.put_head(ctx.txn, number, [0, 0, 0.0])
        for sequence, created in ((1, 10.0), (2, 20.0), (3, 30.0)):
            log.append(ctx.txn, 1, sequence, [created, f"event-{sequence}"])
        log.append(ctx.txn, 2, 1, [5.0, "other stream"])
    write(repos, setup)
    assert [s["StreamArn"] for s in read(repos, log.streams)] == ["arn-1", "arn-2"]
    assert [seq for seq, _ in read(repos, lambda txn: list(log.records(txn, 1, 2)))] == [2, 3]
    assert read(repos, lambda txn: log.oldest_record_time(txn, 1)) == 10.0
    assert write(repos, lambda ctx: log.trim(ctx.txn, 1, 25.0)) == (2, 3)
    assert write(repos, lambda ctx: log.trim(ctx.txn, 1, 25.0)) == (0, None)
    assert [seq for seq, _ in read(repos, lambda txn: list(log.records(txn, 1, 0)))] == [3]
    assert read(repos, lambda txn: log.oldest_record_time(txn, 2)) == 5.0
    assert read(repos, lambda txn: log.oldest_record_time(txn, 3)) == float("inf")


def test_expiry_index_finds_what_is_due_in_order(repos):
    expiry = repos.expiry

    def setup(ctx):
        for seconds, item in ((300, b"late"), (100, b"first"), (200, b"second")):
            expiry.add(ctx.txn, TABLE, seconds, item)
        expiry.add(ctx.txn, OTHER_TABLE, 50, b"other table")
    write(repos, setup)
    assert read(repos, lambda txn: expiry.due(txn, TABLE, 0, 250.0, 10)) == [b"first", b"second"]
    assert read(repos, lambda txn: expiry.due(txn, TABLE, 150, 1000.0, 1)) == [b"second"]
    write(repos, lambda ctx: expiry.remove(ctx.txn, TABLE, 100, b"first"))
    assert read(repos, lambda txn: expiry.due(txn, TABLE, 0, 250.0, 10)) == [b"second"]
    write(repos, lambda ctx: expiry.drop(ctx.txn, TABLE))
    assert read(repos, lambda txn: expiry.due(txn, TABLE, 0, 1000.0, 10)) == []
    assert read(repos, lambda txn: expiry.due(txn, OTHER_TABLE, 0, 1000.0, 10)) == [
        b"other table"]


def test_request_tokens_expire_and_a_renewed_one_stays(repos):
    tokens = repos.tokens
    write(repos, lambda ctx: tokens.put(ctx.txn, "old", 100.0, b"d1", {"r": 1}))
    write(repos, lambda ctx: tokens.put(ctx.txn, "new", 900.0, b"d2", {"r": 2}))
    assert read(repos, lambda txn: tokens.get(txn, "old")) == (100.0, b"d1", {"r": 1})
    expired = read(repos, lambda txn: tokens.expired(txn, 500.0))
    assert expired == ["old"]
    write(repos, lambda ctx: tokens.put(ctx.txn, "old", 1100.0, b"d1", {"r": 1}))  # renewed
    write(repos, lambda ctx: tokens.forget(ctx.txn, expired, 500.0))
    assert read(repos, lambda txn: tokens.get(txn, "old")) is not None
    write(repos, lambda ctx: tokens.forget(ctx.txn, ["old", "new"], 2000.0))
    assert read(repos, lambda txn: tokens.expired(txn, 5000.0)) == []


def test_lambda_records_checkpoints_and_failures(repos):
    def setup(ctx):
        repos.functions.put(ctx.txn, "f", {"FunctionName": "f"})
        repos.mappings.put(ctx.txn, "m-1", {"UUID": "m-1"})
        repos.checkpoints.set_position(ctx.txn, "m-1", "shard-a", 42)
        repos.checkpoints.set_result(ctx.txn, "m-1", "OK")
        repos.failures.add(ctx.txn, "arn:dlq", {"n": 1})
        repos.failures.add(ctx.txn, "arn:dlq", {"n": 2})
        repos.failures.add(ctx.txn, "arn:dlq-2", {"n": 3})
    write(repos, setup)
    assert read(repos, repos.functions.all) == [{"FunctionName": "f"}]
    assert read(repos, repos.mappings.all) == [{"UUID": "m-1"}]  # functions not among them
    assert read(repos, lambda txn: (repos.checkpoints.position(txn, "m-1", "shard-a"),
                                    repos.checkpoints.position(txn, "m-1", "shard-b"),
                                    repos.checkpoints.result(txn, "m-1"),
                                    repos.checkpoints.result(txn, "m-2"))) == (42, None, "OK",
                                                                              None)
    assert read(repos, lambda txn: repos.failures.of(txn, "arn:dlq")) == [{"n": 1}, {"n": 2}]
    write(repos, lambda ctx: repos.functions.delete(ctx.txn, "f"))
    assert read(repos, lambda txn: repos.functions.get(txn, "f")) is None


@pytest.mark.parametrize("reverse", [False, True])
def test_prefix_entries_seek_stays_inside_the_prefix(repos, reverse):
    keys = [b"a\x01", b"a\x02", b"a\x03", b"b\x01"]
    space = repos.store.keyspace("indexes")
    write(repos, lambda ctx: [space.put(ctx.txn, k, b"") for k in keys + [b"\x00"]])
    found = read(repos, lambda txn: [k for k, _ in prefix_entries(
        space, txn, b"a", reverse, seek=b"a\x02")])
    assert found == ([b"a\x02", b"a\x01"] if reverse else [b"a\x02", b"a\x03"])
    found = read(repos, lambda txn: [k for k, _ in prefix_entries(
        space, txn, b"a", reverse, seek=b"c")])  # a seek past the prefix
    assert found == ([b"a\x03", b"a\x02", b"a\x01"] if reverse else [])


def test_checkpoints_results_and_failures_of_earlier_releases_still_read(repos):
    """Earlier releases stored these as text and JSON, not through the codec."""
    checkpoints = repos.store.keyspace("checkpoints")
    lambdas = repos.store.keyspace("lambda")

    def legacy(ctx):
        checkpoints.put(ctx.txn, b"m-1|shard-a", b"7")
        checkpoints.put(ctx.txn, b"m-1|shard-b", b"1234")
        checkpoints.put(ctx.txn, b"R|m-1", b"PROBLEM: Function call failed")
        lambdas.put(ctx.txn, b"Darn:dlq|00000000000000000001", b'{"n": 1, "ok": true}')
    write(repos, legacy)
    write(repos, lambda ctx: repos.failures.add(ctx.txn, "arn:dlq", {"n": 2, "ok": False}))
    assert read(repos, lambda txn: (repos.checkpoints.position(txn, "m-1", "shard-a"),
                                    repos.checkpoints.position(txn, "m-1", "shard-b"),
                                    repos.checkpoints.result(txn, "m-1"))) == (
        7, 1234, "PROBLEM: Function call failed")
    assert read(repos, lambda txn: repos.failures.of(txn, "arn:dlq")) == [
        {"n": 1, "ok": True}, {"n": 2, "ok": False}]
    write(repos, lambda ctx: repos.checkpoints.set_position(ctx.txn, "m-1", "shard-a", 8))
    assert read(repos, lambda txn: repos.checkpoints.position(txn, "m-1", "shard-a")) == 8

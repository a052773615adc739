"""Secondary index upkeep: entries follow their items in the same commit."""
from __future__ import annotations

import pytest
from support import open_db

import dynalite_py
from dynalite_py.model.keys import key_value_bytes, partition_prefix

THROUGHPUT = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}


@pytest.fixture
def db(tmp_path):
    with open_db(str(tmp_path), table_status_delay=0.0) as database:
        database.call("CreateTable", {
            "TableName": "orders", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in
                                     (("pk", "S"), ("sk", "S"), ("status", "S"), ("total", "N"))],
            "LocalSecondaryIndexes": [{"IndexName": "by-total", "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "total", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"}}],
            "GlobalSecondaryIndexes": [{"IndexName": "by-status", "KeySchema": [
                {"AttributeName": "status", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}}]})
        yield database


def index_stats(db) -> dict:
    table = db.call("DescribeTable", {"TableName": "orders"})["Table"]
    return {index["IndexName"]: (index["ItemCount"], index["IndexSizeBytes"])
            for index in table["LocalSecondaryIndexes"] + table["GlobalSecondaryIndexes"]}


def entries(db, index_name: str, hash_value: dict, range_name: str) -> list[dict]:
    engine = db.engine
    with engine.store.read() as txn:
        table = engine.catalog.active(txn, "orders")
        index = next(i for i in table.indexes if i.name == index_name)
        return [entry[2] for _, entry in engine.repos.indexes.partition(
            txn, partition_prefix(index.id, hash_value),
            lambda entry: key_value_bytes(entry[2][range_name]), False, None)]


def put(db, **attributes) -> None:
    item = {name: ({"N": str(value)} if isinstance(value, int) else {"S": value})
            for name, value in attributes.items()}
    db.call("PutItem", {"TableName": "orders", "Item": item})


def test_entries_follow_puts_updates_and_deletes(db):
    put(db, pk="c1", sk="o1", status="open", total=30, note="n", extra="x")
    put(db, pk="c1", sk="o2", status="open", total=10)
    put(db, pk="c1", sk="o3", total=20)            # no status: absent from by-status
    put(db, pk="c2", sk="o1", status="open", total=5)
    assert [e["sk"]["S"] for e in entries(db, "by-status", {"S": "open"}, "sk")] == ["o1", "o1", "o2"]
    assert [e["total"]["N"] for e in entries(db, "by-total", {"S": "c1"}, "total")] == ["10", "20", "30"]
    projected = next(e for e in entries(db, "by-status", {"S": "open"}, "sk") if e.get("note"))
    assert set(projected) == {"pk", "sk", "status", "note"}  # INCLUDE: keys + note, not extra
    assert set(entries(db, "by-total", {"S": "c1"}, "total")[0]) == {"pk", "sk", "total"}
    assert index_stats(db)["by-status"][0] == 3 and index_stats(db)["by-total"][0] == 4
    put(db, pk="c1", sk="o2", status="closed", total=10)   # index key moves
    assert [e["sk"]["S"] for e in entries(db, "by-status", {"S": "closed"}, "sk")] == ["o2"]
    assert len(entries(db, "by-status", {"S": "open"}, "sk")) == 2
    db.call("DeleteItem", {"TableName": "orders", "Key": {"pk": {"S": "c1"}, "sk": {"S": "o1"}}})
    assert index_stats(db)["by-status"][0] == 2 and index_stats(db)["by-total"][0] == 3
    for pk, sk in (("c1", "o2"), ("c1", "o3"), ("c2", "o1")):
        db.call("DeleteItem", {"TableName": "orders", "Key": {"pk": {"S": pk}, "sk": {"S": sk}}})
    assert index_stats(db) == {"by-total": (0, 0), "by-status": (0, 0)}


def test_repeated_index_keys_and_long_sort_keys_keep_order(db):
    long_keys = ["z" * 900 + suffix for suffix in "cab"]
    for number, sk in enumerate(["b", "a", "a\x00", "ab"] + long_keys):
        put(db, pk=f"p{number}", sk=sk, status="same", total=number)
    got = [e["sk"]["S"] for e in entries(db, "by-status", {"S": "same"}, "sk")]
    assert got == sorted(["b", "a", "a\x00", "ab"] + long_keys, key=str.encode)


def test_index_key_type_errors_name_the_index(db):
    with pytest.raises(dynalite_py.DynamoError) as info:
        put(db, pk="c1", sk="o1", status="open", total="not-a-number")
    assert info.value.message == ("One or more parameter values were invalid: Type mismatch for "
                                  "Index Key total Expected: N Actual: S IndexName: by-total")
    with pytest.raises(dynalite_py.DynamoError) as info:
        put(db, pk="c1", sk="o1", status="")
    assert info.value.message == (
        "One or more parameter values are not valid. A value specified for a secondary index key "
        "is not supported. The AttributeValue for a key attribute cannot contain an empty string "
        "value. IndexName: by-status, IndexKey: status")


def test_deleting_the_table_removes_its_entries(db):
    put(db, pk="c1", sk="o1", status="open", total=1)
    db.call("UpdateTable", {"TableName": "orders", "DeletionProtectionEnabled": False})
    import time
    time.sleep(0.01)
    db.call("DeleteTable", {"TableName": "orders"})
    with db.engine.store.read() as txn:
        assert list(db.engine.store.keyspace("indexes").range(txn)) == []

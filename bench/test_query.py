"""Query of 10 items, embedded and over HTTP, and its cost against table size.

The size benchmarks query the same 10-item partition in a 1k-item and a
100k-item table: a Query is a range read of one partition, so the ratio
should stay near 1 (target: the large table within 1.2x of the small one).
"""
from __future__ import annotations

import itertools

import pytest

import dynalite_py

PARTITION_ITEMS = 10


def build(db, name: str, partitions: int) -> None:
    db.call("CreateTable", {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                      {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "sk", "AttributeType": "N"}]})
    requests = ({"PutRequest": {"Item": {"pk": {"S": f"p{p}"}, "sk": {"N": str(s)},
                                         "data": {"S": "x" * 150}}}}
                for p in range(partitions) for s in range(PARTITION_ITEMS))
    while batch := list(itertools.islice(requests, 25)):
        db.call("BatchWriteItem", {"RequestItems": {name: batch}})


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    with dynalite_py.open(str(tmp_path_factory.mktemp("bench-query")),
                          table_status_delay=0.0) as database:
        build(database, "small", 100)          # 1,000 items
        build(database, "large", 10_000)       # 100,000 items
        yield database


def query_of_ten(table: str, partitions: int):
    keys = itertools.cycle(range(partitions))
    return lambda: {"TableName": table, "KeyConditions": {"pk": {
        "ComparisonOperator": "EQ", "AttributeValueList": [{"S": f"p{next(keys)}"}]}}}


@pytest.mark.parametrize("table, partitions", [("small", 100), ("large", 10_000)])
def test_embedded_query_of_10(benchmark, db, record, table, partitions):
    request = query_of_ten(table, partitions)

    def run():
        assert db.call("Query", request())["Count"] == PARTITION_ITEMS

    benchmark(run)
    record(f"embedded_query_10_{table}_table", benchmark)

"""Query of 10 items, embedded, and its cost against table size (over HTTP
the load runner measures it: bench/load.py, `make bench-peers`).

The benchmark queries 10-item partitions of a 1k-item and a 100k-item
table: a Query is a range read of one partition, so the ratio should stay
near 1 (target: the large table within 1.2x of the small one).
"""
from __future__ import annotations

import itertools

import pytest

import dynalite_py
from bench.conftest import Side, measure_interleaved

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


def test_embedded_query_of_10_against_table_size(benchmark, db):
    """The two tables timed in alternating blocks of one run: measured
    apart, the host's drift moved the ratio from 0.52 to 1.03."""
    def side(table: str, partitions: int) -> Side:
        request = query_of_ten(table, partitions)
        return Side(f"embedded_query_10_{table}_table", db.call, lambda: ("Query", request()))

    measure_interleaved(benchmark, [side("small", 100), side("large", 10_000)], blocks=100)
    assert db.call("Query", query_of_ten("large", 10_000)())["Count"] == PARTITION_ITEMS

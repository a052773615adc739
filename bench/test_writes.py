"""Writes with expressions and in batches: UpdateItem (embedded and HTTP),
TransactWriteItems of 10 and BatchWriteItem of 25 over HTTP, and what
parsing an UpdateExpression would cost per call without the parse cache."""
from __future__ import annotations

import itertools
import time

import pytest
from support import start_server

import dynalite_py
from bench.conftest import RESULTS
from bench.test_http import Connection
from dynalite_py.expressions.parser import parse

UPDATE = "SET hits = if_not_exists(hits, :zero) + :one, seen = :now"
CONDITION = "attribute_not_exists(locked) OR locked = :false"
VALUES = {":zero": {"N": "0"}, ":one": {"N": "1"}, ":now": {"S": "2026-11-23"},
          ":false": {"BOOL": False}}
TABLE = {"TableName": "writes", "BillingMode": "PAY_PER_REQUEST",
         "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
         "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}


def update_request(key: str) -> dict:
    return {"TableName": "writes", "Key": {"pk": {"S": key}}, "UpdateExpression": UPDATE,
            "ConditionExpression": CONDITION, "ExpressionAttributeValues": VALUES}


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    with dynalite_py.open(str(tmp_path_factory.mktemp("bench-writes"))) as db:
        db.call("CreateTable", TABLE)
        time.sleep(0.05)
        yield db


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process, url = start_server(str(tmp_path_factory.mktemp("bench-writes-http")))
    connection = Connection(url)
    connection.call("CreateTable", TABLE)
    time.sleep(0.1)
    yield connection
    process.terminate()
    process.wait(10)


def test_embedded_update_item(benchmark, embedded, record):
    keys = itertools.cycle(f"k{i}" for i in range(1000))
    benchmark(lambda: embedded.call("UpdateItem", update_request(next(keys))))
    record("embedded_update_item", benchmark)


def test_http_update_item(benchmark, server, record):
    keys = itertools.cycle(f"k{i}" for i in range(1000))
    benchmark(lambda: server.call("UpdateItem", update_request(next(keys))))
    record("http_update_item", benchmark)


def test_http_transact_write_items_of_10(benchmark, server, record):
    batches = itertools.count()

    def transact():
        base = next(batches) * 10 % 1000
        server.call("TransactWriteItems", {"TransactItems": [
            {"Update": update_request(f"t{base + i}")} for i in range(10)]})
    benchmark(transact)
    record("http_transact_write_items_10", benchmark)


def test_http_batch_write_item_of_25(benchmark, server, record):
    batches = itertools.count()

    def batch():
        base = next(batches) * 25 % 5000
        server.call("BatchWriteItem", {"RequestItems": {"writes": [
            {"PutRequest": {"Item": {"pk": {"S": f"b{base + i}"}, "data": {"S": "x" * 150}}}}
            for i in range(25)]}})
    benchmark(batch)
    record("http_batch_write_item_25", benchmark)


def parse_share(name: str, benchmark, record_summary) -> None:
    """Print one parse (update + condition) as a percentage of one UpdateItem
    (whose parses hit the cache), for each UpdateItem measured in this session."""
    for update in ("embedded_update_item", "http_update_item"):
        if update in RESULTS:
            share = 100 * benchmark.stats.stats.median * RESULTS[update]
            record_summary(f"{name} parse, % of one {update}", share)


def test_update_expression_parse_uncached(benchmark, record, record_summary):
    benchmark(lambda: (parse.__wrapped__("update", UPDATE),
                       parse.__wrapped__("condition", CONDITION)))
    record("update_and_condition_parse_uncached", benchmark)
    parse_share("uncached", benchmark, record_summary)


def test_update_expression_parse_cached(benchmark, record, record_summary):
    benchmark(lambda: (parse("update", UPDATE), parse("condition", CONDITION)))
    record("update_and_condition_parse_cached", benchmark)
    parse_share("cached", benchmark, record_summary)

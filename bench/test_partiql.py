"""PartiQL's cost beside the native operations, embedded.

- parse + plan: statements/s of reading a statement (uncached and cached)
  and planning it onto its native request (a SELECT by key, an UPDATE
  with a condition), with no storage touched;
- ExecuteStatement SELECT by key beside GetItem, and UPDATE beside
  UpdateItem, timed in alternating blocks of one run (the PartiQL side
  runs the native one underneath, so the ratio is what PartiQL adds).
"""
from __future__ import annotations

import itertools

import pytest

import dynalite_py
from bench.conftest import Side, measure_interleaved
from dynalite_py.dynamodb.partiql.parser import parse
from dynalite_py.dynamodb.partiql.planner import SelectPlanner, WritePlanner
from dynalite_py.dynamodb.partiql.statements import Statement

ITEMS = 1000
SELECT = 'SELECT pk, n, s FROM "bench" WHERE pk = ?'
UPDATE = "UPDATE \"bench\" SET n = n + 1 SET s = 'b' WHERE pk = ? AND attribute_exists(s)"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    with dynalite_py.open(str(tmp_path_factory.mktemp("bench-partiql")),
                          table_status_delay=0.0) as database:
        database.call("CreateTable", {
            "TableName": "bench", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
        for number in range(ITEMS):
            database.call("PutItem", {"TableName": "bench", "Item": {
                "pk": {"S": f"k{number}"}, "n": {"N": "1"}, "s": {"S": "a" * 100}}})
        yield database


def keys():
    numbers = itertools.cycle(range(ITEMS))
    return lambda: f"k{next(numbers)}"


def test_parse_and_plan_statements_per_second(benchmark, db, record):
    engine = db.engine
    with engine.store.read() as txn:
        table = engine.catalog.active(txn, "bench", snapshot=True)
    key = keys()

    def parse_and_plan() -> None:
        parse.cache_clear()
        select = Statement.read(SELECT, [{"S": key()}])
        SelectPlanner(select.tree, table, select.parameters, SELECT, {}).plan()
        update = Statement.read(UPDATE, [{"S": key()}])
        WritePlanner(table, update.parameters, UPDATE).plan(update.tree)

    benchmark.pedantic(parse_and_plan, rounds=2000, warmup_rounds=50)
    record("partiql_parse_and_plan_uncached", benchmark, ops_per_call=2)


def test_cached_parse_and_plan_statements_per_second(benchmark, db, record):
    engine = db.engine
    with engine.store.read() as txn:
        table = engine.catalog.active(txn, "bench", snapshot=True)
    key = keys()

    def plan() -> None:
        select = Statement.read(SELECT, [{"S": key()}])
        SelectPlanner(select.tree, table, select.parameters, SELECT, {}).plan()
        update = Statement.read(UPDATE, [{"S": key()}])
        WritePlanner(table, update.parameters, UPDATE).plan(update.tree)

    benchmark.pedantic(plan, rounds=5000, warmup_rounds=50)
    record("partiql_parse_and_plan_cached", benchmark, ops_per_call=2)


def test_execute_statement_beside_get_item(benchmark, db):
    key = keys()
    sides = [
        Side("embedded_execute_statement_select", db.call, lambda: (
            "ExecuteStatement", {"Statement": SELECT, "Parameters": [{"S": key()}]})),
        Side("embedded_get_item_projected", db.call, lambda: (
            "GetItem", {"TableName": "bench", "Key": {"pk": {"S": key()}},
                        "ProjectionExpression": "pk, n, s"})),
    ]
    measure_interleaved(benchmark, sides, blocks=40)
    answer = db.call("ExecuteStatement", {"Statement": SELECT, "Parameters": [{"S": "k1"}]})
    assert len(answer["Items"]) == 1


def test_execute_statement_beside_update_item(benchmark, db):
    key = keys()
    sides = [
        Side("embedded_execute_statement_update", db.call, lambda: (
            "ExecuteStatement", {"Statement": UPDATE, "Parameters": [{"S": key()}]})),
        Side("embedded_update_item_conditional", db.call, lambda: (
            "UpdateItem", {"TableName": "bench", "Key": {"pk": {"S": key()}},
                           "UpdateExpression": "SET n = n + :one, s = :s",
                           "ConditionExpression": "attribute_exists(pk) AND attribute_exists(s)",
                           "ExpressionAttributeValues": {":one": {"N": "1"}, ":s": {"S": "b"}}})),
    ]
    measure_interleaved(benchmark, sides, blocks=20)

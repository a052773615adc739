"""Random SELECTs over random items: every page of ExecuteStatement together
holds exactly what a Scan of the table, filtered here in Python by an
evaluator of our own, holds; whatever the planner made of the WHERE
(GetItem, Queries of some partitions, or a Scan) and whatever the Limit."""
from __future__ import annotations

from decimal import Decimal

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from support import create_table

PARTITIONS = ("p0", "p1", "p2")
STRINGS = ("x", "xy", "y", "yx")
MISSING = object()
OVERLAP = "Overlapping conditions with range keys are not supported in where clause"


def value_of(item: dict, name: str):
    """A plain Python value (Decimal or str) of an attribute, or MISSING."""
    attribute = item.get(name)
    if attribute is None:
        return MISSING
    kind, data = next(iter(attribute.items()))
    return Decimal(data) if kind == "N" else data


def equal(left, right) -> bool:
    return left is not MISSING and type(left) is type(right) and left == right


def ordered(op: str, left, right) -> bool:
    if left is MISSING or type(left) is not type(right):
        return False
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def literal(value) -> str:
    return f"'{value}'" if isinstance(value, str) else str(value)


attributes = st.sampled_from([("pk", st.sampled_from(PARTITIONS)),
                              ("sk", st.integers(0, 5).map(Decimal)),
                              ("a", st.integers(0, 5).map(Decimal)),
                              ("b", st.sampled_from(STRINGS))])


@st.composite
def comparisons(draw):
    """(PartiQL text, predicate on an item)."""
    name, values = draw(attributes)
    kind = draw(st.sampled_from(["cmp", "between", "in", "begins", "exists", "missing"]))
    if kind == "cmp":
        op = draw(st.sampled_from(["=", "<>", "<", "<=", ">", ">="]))
        value = draw(values)
        if op == "=":
            return f"{name} = {literal(value)}", lambda item: equal(value_of(item, name), value)
        if op == "<>":
            return (f"{name} <> {literal(value)}",
                    lambda item: not equal(value_of(item, name), value))
        return (f"{name} {op} {literal(value)}",
                lambda item: ordered(op, value_of(item, name), value))
    if kind == "between":
        low, high = sorted([draw(values), draw(values)])
        return (f"{name} BETWEEN {literal(low)} AND {literal(high)}",
                lambda item: ordered(">=", value_of(item, name), low)
                and ordered("<=", value_of(item, name), high))
    if kind == "in":
        options = draw(st.lists(values, min_size=1, max_size=3))
        return (f"{name} IN [{', '.join(map(literal, options))}]",
                lambda item: any(equal(value_of(item, name), option) for option in options))
    if kind == "begins":
        prefix = draw(st.sampled_from(["x", "y", "p", "p1"]))
        return (f"begins_with({name}, '{prefix}')",
                lambda item: isinstance(value_of(item, name), str)
                and value_of(item, name).startswith(prefix))
    if kind == "exists":
        return f"attribute_exists({name})", lambda item: name in item
    return f"{name} IS MISSING", lambda item: name not in item


def combine(children):
    def negation(pair):
        text, test = pair
        return f"NOT ({text})", lambda item: not test(item)

    def both(pairs, word):
        (left, left_test), (right, right_test) = pairs
        if word == "AND":
            return f"({left}) AND ({right})", lambda item: left_test(item) and right_test(item)
        return f"({left}) OR ({right})", lambda item: left_test(item) or right_test(item)
    return st.one_of(children.map(negation),
                     st.tuples(children, children).map(lambda pairs: both(pairs, "AND")),
                     st.tuples(children, children).map(lambda pairs: both(pairs, "OR")))


@st.composite
def wheres(draw):
    """A WHERE that often fixes the partition key (so Queries are planned)."""
    condition = draw(st.recursive(comparisons(), combine, max_leaves=4))
    shape = draw(st.sampled_from(["plain", "partition", "partitions"]))
    if shape == "plain":
        return condition
    text, test = condition
    if shape == "partition":
        pk = draw(st.sampled_from(PARTITIONS))
        return (f"pk = '{pk}' AND ({text})",
                lambda item: item["pk"]["S"] == pk and test(item))
    chosen = draw(st.lists(st.sampled_from(PARTITIONS), min_size=1, max_size=3))
    return (f"pk IN [{', '.join(map(literal, chosen))}] AND ({text})",
            lambda item: item["pk"]["S"] in chosen and test(item))


@st.composite
def tables(draw):
    """Items of a table keyed by pk (S) and sk (N), with optional a (N) and b (S)."""
    keys = draw(st.lists(st.tuples(st.sampled_from(PARTITIONS), st.integers(0, 5)),
                         max_size=12, unique=True))
    items = []
    for pk, sk in keys:
        item = {"pk": {"S": pk}, "sk": {"N": str(sk)}}
        a = draw(st.none() | st.integers(0, 5))
        if a is not None:
            item["a"] = {"N": str(a)}
        b = draw(st.none() | st.sampled_from(STRINGS))
        if b is not None:
            item["b"] = {"S": b}
        items.append(item)
    return items


@pytest.fixture
def range_numbers(client):
    return create_table(client, "S", "N")


def every_page(client, statement: str, limit: int | None) -> list[dict]:
    items, token = [], None
    for _ in range(100):
        extra = {"NextToken": token} if token else {}
        if limit is not None:
            extra["Limit"] = limit
        page = client.execute_statement(Statement=statement, ConsistentRead=True, **extra)
        items += page["Items"]
        token = page.get("NextToken")
        if token is None:
            return items
    raise AssertionError("paging did not end")


def key(item: dict) -> tuple:
    return item["pk"]["S"], Decimal(item["sk"]["N"])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(items=tables(), where=wheres(), limit=st.none() | st.integers(1, 4),
       projection=st.sampled_from(["*", "pk, sk", "sk, b, pk"]))
def test_select_holds_what_a_filtered_scan_holds(client, range_numbers, items, where,
                                                 limit, projection):
    for item in items:
        client.put_item(TableName=range_numbers, Item=item)
    try:
        text, test = where
        statement = f'SELECT {projection} FROM "{range_numbers}" WHERE {text}'
        try:
            found = every_page(client, statement, limit)
        except ClientError as error:  # a WHERE DynamoDB refuses is no counterexample
            assume(error.response["Error"]["Message"] != OVERLAP)
            raise
        scanned = client.scan(TableName=range_numbers, ConsistentRead=True)["Items"]
        expected = [item for item in scanned if test(item)]
        assert sorted(map(key, found)) == sorted(map(key, expected)), statement
        if projection != "*":
            wanted = {name.strip() for name in projection.split(",")}
            by_key = {key(item): item for item in expected}
            for item in found:
                assert item == {name: value for name, value in by_key[key(item)].items()
                                if name in wanted}, statement
    finally:
        for item in items:
            client.delete_item(TableName=range_numbers,
                               Key={"pk": item["pk"], "sk": item["sk"]})

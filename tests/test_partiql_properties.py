"""Random SELECTs over random items: every page of ExecuteStatement together
holds exactly what a Scan of the table, filtered here in Python by an
evaluator of our own, holds; whatever the planner made of the WHERE
(GetItem, Queries of some partitions, or a Scan) and whatever the Limit.
Random UPDATEs do to an item what the same UpdateItem does to its twin
(the item, RETURNING's answer, or the same error)."""
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


# UPDATE beside UpdateItem ------------------------------------------------------------------
start_values = st.fixed_dictionaries({}, optional={
    "a": st.integers(-5, 5).map(lambda n: {"N": str(n)}),
    "b": st.sampled_from(STRINGS).map(lambda s: {"S": s}),
    "s": st.lists(st.sampled_from(STRINGS), min_size=1, max_size=3, unique=True).map(
        lambda ss: {"SS": ss}),
    "l": st.lists(st.integers(0, 3), max_size=2).map(
        lambda ns: {"L": [{"N": str(n)} for n in ns]})})


@st.composite
def update_actions(draw):
    """(PartiQL clause, native clause kind, native text, native values) for one action."""
    kind = draw(st.sampled_from(["set", "add", "remove", "set_add", "set_delete", "append"]))
    number = draw(st.integers(-3, 3))
    member = draw(st.sampled_from(STRINGS))
    if kind == "set":
        name, value = draw(st.sampled_from([("a", f"{number}"), ("b", f"'{member}'"),
                                            ("c", "[1, 'x']")]))
        native = {"a": {"N": str(number)}, "b": {"S": member},
                  "c": {"L": [{"N": "1"}, {"S": "x"}]}}[name]
        return f"SET {name} = {value}", "SET", f"{name} = :v", native
    if kind == "add":
        return f"SET a = a + {number}", "SET", "a = a + :v", {"N": str(number)}
    if kind == "remove":
        name = draw(st.sampled_from(["a", "b", "s", "l"]))
        return f"REMOVE {name}", "REMOVE", name, None
    if kind == "append":
        return f"SET l = list_append(l, [{number}])", "SET", "l = list_append(l, :v)", {
            "L": [{"N": str(number)}]}
    clause = "ADD" if kind == "set_add" else "DELETE"
    return (f"SET s = {kind}(s, <<'{member}'>>)", clause, "s :v", {"SS": [member]})


def native_update(actions) -> tuple[str, dict]:
    clauses: dict[str, list[str]] = {}
    values = {}
    for index, (_, clause, text, value) in enumerate(actions):
        if value is not None:
            placeholder = f":v{index}"
            text = text.replace(":v", placeholder)
            values[placeholder] = value
        clauses.setdefault(clause, []).append(text)
    return " ".join(f"{clause} {', '.join(parts)}" for clause, parts in clauses.items()), values


def outcome(call):
    try:
        return "ok", call()
    except ClientError as error:
        return error.response["Error"]["Code"], None


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(start=start_values, actions=st.lists(update_actions(), min_size=1, max_size=3),
       returning=st.sampled_from(["ALL_NEW", "ALL_OLD", "UPDATED_NEW", "UPDATED_OLD"]))
def test_update_does_what_update_item_does(client, plain_table, start, actions, returning):
    touched = [action[2].split()[0] for action in actions]
    if len(set(touched)) < len(touched):  # one path once, as both languages require
        return
    for pk in ("partiql", "native"):
        client.put_item(TableName=plain_table, Item={"pk": {"S": pk}, **start})
    words = returning.replace("UPDATED", "MODIFIED").replace("_", " ")
    statement = (f"UPDATE \"{plain_table}\" {' '.join(action[0] for action in actions)} "
                 f"WHERE pk = 'partiql' RETURNING {words} *")
    expression, values = native_update(actions)
    partiql = outcome(lambda: client.execute_statement(Statement=statement)["Items"])
    native = outcome(lambda: client.update_item(
        TableName=plain_table, Key={"pk": {"S": "native"}}, UpdateExpression=expression,
        ReturnValues=returning, ConditionExpression="attribute_exists(pk)",
        **({"ExpressionAttributeValues": values} if values else {})).get("Attributes"))
    assert partiql[0] == native[0], statement
    if native[0] == "ok":
        expected = native[1]
        if expected is not None and "pk" in expected:
            expected = dict(expected, pk={"S": "partiql"})
        assert partiql[1] == ([expected] if expected else []), statement

    def stored(pk):
        item = client.get_item(TableName=plain_table, Key={"pk": {"S": pk}},
                               ConsistentRead=True)["Item"]
        return {name: value for name, value in item.items() if name != "pk"}
    assert stored("partiql") == stored("native"), statement


@pytest.fixture
def plain_table(client):
    return create_table(client)

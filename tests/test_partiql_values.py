"""PartiQL values and grammar: literals written in PartiQL store what the same
attribute values store through PutItem (a property over random values, as
literals and as parameters), and the forms of a statement DynamoDB reads
(comments, quoting, case, number spellings) run as it runs them."""
from __future__ import annotations

import base64

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import create_table, unique_name

NOT_WELL_FORMED = "Statement wasn't well formed, can't be processed: "


def run(client, statement: str, **extra) -> dict:
    return client.execute_statement(Statement=statement, **extra)


def error_of(client, statement: str, **extra) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        client.execute_statement(Statement=statement, **extra)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def stored(client, table: str, pk: str) -> dict | None:
    return client.get_item(TableName=table, Key={"pk": {"S": pk}},
                           ConsistentRead=True).get("Item")


# random attribute values and their PartiQL spelling ---------------------------------
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8)
numbers = st.one_of(st.integers(-10**12, 10**12).map(str),
                    st.decimals(min_value=-10**6, max_value=10**6, places=3,
                                allow_nan=False, allow_infinity=False).map(str))
blobs = st.binary(min_size=1, max_size=6)
scalars = st.one_of(texts.map(lambda s: {"S": s}), numbers.map(lambda n: {"N": n}),
                    st.booleans().map(lambda b: {"BOOL": b}), st.just({"NULL": True}),
                    blobs.map(lambda b: {"B": b}),
                    st.lists(texts, min_size=1, max_size=3, unique=True).map(
                        lambda ss: {"SS": ss}),
                    st.lists(st.integers(-1000, 1000), min_size=1, max_size=3,
                             unique=True).map(lambda ns: {"NS": [str(n) for n in ns]}),
                    st.lists(blobs, min_size=1, max_size=3, unique=True).map(
                        lambda bs: {"BS": bs}))
values = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=3).map(lambda items: {"L": items}),
    st.dictionaries(texts, children, max_size=3).map(lambda members: {"M": members})),
    max_leaves=6)
items = st.dictionaries(st.text(alphabet="abcdefgh", min_size=1, max_size=4).filter(
    lambda name: name != "pk"), values, max_size=4)


def quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def literal(value: dict) -> str:
    """`value` written as a PartiQL literal."""
    kind, data = next(iter(value.items()))
    if kind == "S":
        return quoted(data)
    if kind == "N":
        return data
    if kind == "BOOL":
        return "TRUE" if data else "FALSE"
    if kind == "NULL":
        return "NULL"
    if kind == "B":
        return "{{" + base64.b64encode(data).decode() + "}}"
    if kind == "SS":
        return "<<" + ", ".join(map(quoted, data)) + ">>"
    if kind == "NS":
        return "<<" + ", ".join(data) + ">>"
    if kind == "BS":
        return "<<" + ", ".join(literal({"B": member}) for member in data) + ">>"
    if kind == "L":
        return "[" + ", ".join(map(literal, data)) + "]"
    return "{" + ", ".join(f"{quoted(name)}: {literal(member)}"
                           for name, member in data.items()) + "}"


@pytest.fixture
def plain(client):
    return create_table(client)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(item=items)
def test_literals_store_what_put_item_stores(client, plain, item):
    run(client, f'INSERT INTO "{plain}" VALUE ' + literal({"M": {"pk": {"S": "lit"}, **item}}))
    client.put_item(TableName=plain, Item={"pk": {"S": "native"}, **item})
    try:
        partiql, native = stored(client, plain, "lit"), stored(client, plain, "native")
        assert partiql == dict(native, pk={"S": "lit"})
        found = run(client, f"SELECT * FROM \"{plain}\" WHERE pk = 'lit'")["Items"]
        assert found == [partiql]
    finally:
        for pk in ("lit", "native"):
            client.delete_item(TableName=plain, Key={"pk": {"S": pk}})


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(item=items)
def test_parameters_store_what_put_item_stores(client, plain, item):
    names = sorted(item)
    members = ", ".join(f"'{name}': ?" for name in names)
    run(client, f"INSERT INTO \"{plain}\" VALUE {{'pk': 'param'{', ' if names else ''}"
                f"{members}}}", **({"Parameters": [item[name] for name in names]}
                                   if names else {}))
    client.put_item(TableName=plain, Item={"pk": {"S": "native"}, **item})
    try:
        assert stored(client, plain, "param") == dict(stored(client, plain, "native"),
                                                      pk={"S": "param"})
        for name in names:  # each value, compared with itself in a WHERE, matches
            found = run(client, f"SELECT pk FROM \"{plain}\" WHERE pk = 'param' AND \"{name}\" = ?",
                        Parameters=[item[name]])["Items"]
            assert found == [{"pk": {"S": "param"}}], name
    finally:
        for pk in ("param", "native"):
            client.delete_item(TableName=plain, Key={"pk": {"S": pk}})


# the forms of a statement -----------------------------------------------------------------
@pytest.fixture
def seeded(client, plain):
    for pk in ("a", "b", "it's"):
        client.put_item(TableName=plain, Item={"pk": {"S": pk}, "tag": {"S": "t"},
                                               "Weird Name": {"N": "1"}})
    return plain


def keys_of(response: dict) -> list[str]:
    return sorted(item["pk"]["S"] for item in response["Items"])


def test_comments_are_whitespace(client, seeded):
    for statement in (f"SELECT * FROM \"{seeded}\" WHERE pk = 'a' -- a note",
                      f"SELECT * FROM \"{seeded}\" -- a note\nWHERE pk = 'a'",
                      f"-- a note\nSELECT * FROM \"{seeded}\" WHERE pk = 'a'",
                      f"SELECT * FROM \"{seeded}\" /* a note */ WHERE pk = 'a'",
                      f"SELECT * FROM \"{seeded}\" WHERE pk = 'a' /* a note */",
                      f"SELECT * FROM \"{seeded}\" WHERE pk = 'a';"):
        assert keys_of(run(client, statement)) == ["a"], statement


def test_keywords_are_case_insensitive_and_names_are_not(client, seeded):
    assert keys_of(run(client, f"select * from \"{seeded}\" where pk = 'b'")) == ["b"]
    assert keys_of(run(client, f"SeLeCt * FrOm \"{seeded}\" WhErE PK = 'b'")) == []


def test_quoting(client, seeded):
    assert keys_of(run(client, f"SELECT * FROM \"{seeded}\" WHERE pk = 'it''s'")) == ["it's"]
    assert keys_of(run(client, f"SELECT * FROM \"{seeded}\" WHERE \"pk\" = 'a'")) == ["a"]
    found = run(client, f"SELECT \"Weird Name\" FROM \"{seeded}\" WHERE pk = 'a'")["Items"]
    assert found == [{"Weird Name": {"N": "1"}}]
    bare = create_table(client, TableName=unique_name().replace("-", "_"))
    client.put_item(TableName=bare, Item={"pk": {"S": "a"}})
    assert keys_of(run(client, f"SELECT * FROM {bare} WHERE pk = 'a'")) == ["a"]
    assert error_of(client, f"SELECT * FROM {seeded} WHERE pk = 'a'")[1] == (
        NOT_WELL_FORMED + "Unexpected token after expression")  # a name with '-' is quoted


def test_number_spellings(client):
    table = create_table(client, "N")
    for number in ("7310000", "7.3", "-7.3"):
        client.put_item(TableName=table, Item={"pk": {"N": number}})
    for spelling, expected in [("7.31e6", "7310000"), ("7.31E6", "7310000"),
                               ("7.31e+6", "7310000"), ("731e4", "7310000"),
                               ("73100000e-1", "7310000"), (".73e1", "7.3"),
                               ("-.73e1", "-7.3"), ("-7.30", "-7.3")]:
        found = run(client, f'SELECT pk FROM "{table}" WHERE pk = {spelling}')["Items"]
        assert found == [{"pk": {"N": expected}}], spelling
    run(client, f"INSERT INTO \"{table}\" VALUE {{'pk': .7325e1}}")
    assert client.get_item(TableName=table, Key={"pk": {"N": "7.325"}})["Item"]


def test_sets_and_maps_compare_by_content(client, plain):
    client.put_item(TableName=plain, Item={
        "pk": {"S": "c"}, "ss": {"SS": ["a", "b", "c"]}, "ns": {"NS": ["1", "2"]},
        "l": {"L": [{"S": "a"}, {"S": "b"}]}, "m": {"M": {"x": {"N": "1"}, "y": {"N": "2"}}}})
    where = f"SELECT pk FROM \"{plain}\" WHERE pk = 'c' AND "
    matches = {
        "ss = <<'c', 'a', 'b'>>": True, "ss = <<'a', 'b'>>": False, "ns = <<2, 1>>": True,
        "l = ['a', 'b']": True, "l = ['b', 'a']": False, "m = {'y': 2, 'x': 1}": True,
        "m = {'x': 1}": False, "ss <> <<'a'>>": True, "m <> {'x': 1, 'y': 2}": False,
    }
    for condition, expected in matches.items():
        assert bool(run(client, where + condition)["Items"]) is expected, condition


def test_values_dynamodb_refuses(client, plain):
    insert = f'INSERT INTO "{plain}" VALUE '
    assert error_of(client, insert + "{'pk': 'x', 's': <<'a', 'a'>>}")[1] == (
        "One or more parameter values were invalid: Input collection [\"a\", \"a\"] contains "
        "duplicates.")
    assert error_of(client, insert + "{'pk': 'x', 's': <<'a', 1>>}")[1] == (
        "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags")
    assert error_of(client, insert + "{'pk': 'x', 's': <<>>}")[1] == "Empty bags are not supported"
    assert error_of(client, insert + "{'pk': 'x', 'pk': 'y'}")[1] == (
        "Duplicate keys in tuple. Key: pk under root")
    assert error_of(client, insert + "['pk', 'x']")[1] == (
        "Unsupported format in item expression. Please use struct format {...} to express item "
        "values for insert statement.")
    assert error_of(client, insert + "{'pk': 'x', 1: 'y'}")[1] == (
        "Tuple keys must be of type String. Actual type: NUMBER under root")
    statement = insert + "{'pk': 'x', 'ss': set_add(<<'a'>>, <<'b'>>)}"
    assert error_of(client, statement)[1] == (
        f"Unsupported data type: set_add under key root at 1:{statement.index('set_add') + 1}:7")
    assert error_of(client, insert + "{'pk': 'x'}, {'pk': 'y'}")[1] == (
        NOT_WELL_FORMED + "Unexpected token after expression")
    assert error_of(client, f"INSERT INTO \"{plain}\" VALUES {{'pk': 'x'}}")[1] == (
        "Unsupported operation: Inserting multiple items in a single statement is not "
        'supported, use "INSERT INTO tableName VALUE item" instead')
    assert error_of(client, insert + "{'pk': ''}")[0] == "ValidationException"
    assert stored(client, plain, "x") is None


def test_parameters_dynamodb_refuses(client, plain):
    nest = ("Nesting Levels have exceeded supported limits: Attributes in the item have nested "
            "levels beyond supported limit")
    deep: dict = {"S": "leaf"}
    for _ in range(40):
        deep = {"M": {"n": deep}}
    pair = f"SELECT * FROM \"{plain}\" WHERE pk = 'x' AND a = ? AND b = ?"
    assert error_of(client, pair, Parameters=[deep, {"N": "abc"}])[1] == nest
    assert error_of(client, pair, Parameters=[{"N": "abc"}, deep])[1] == (
        "The parameter cannot be converted to a numeric value: abc")
    for value in ("1e2147483648", "-1e99999999999", "1e-2147483648"):
        assert error_of(client, f"SELECT * FROM \"{plain}\" WHERE pk = ?",
                        Parameters=[{"N": value}])[1] == (
            f"The parameter cannot be converted to a numeric value: {value}")
    assert error_of(client, f"SELECT * FROM \"{plain}\" WHERE pk = 'x' AND n = ?",
                    Parameters=[{"NS": ["1", "1e99999999999"]}])[1] == (
        "The parameter cannot be converted to a numeric value: 1e99999999999")

"""Global secondary indexes with multi-attribute keys (up to four HASH and
four RANGE attributes): table definitions, which items an index holds, its
order, Query's key conditions with AWS's messages, pagination, Scan,
projections, backfill and capacity. boto3 over HTTP and embedded.

The expectations of the conformance suite's tier1/query/multiAttributeGsiKey
(verified against AWS) are in the first group."""
from __future__ import annotations

import base64
import time
from decimal import Decimal
from hashlib import blake2b

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import http_client, read_stream, unique_name

from dynalite_py.model.keys import (
    composite_partition_hash,
    composite_sort_bytes,
    index_entry_key,
    key_value_bytes,
    partition_hash,
)

RANGE_GAP = ("RANGE key attributes {names} must have equality conditions specified in the "
             "query because a condition is present on key attribute {name}")


def key(name: str, key_type: str = "HASH") -> dict:
    return {"AttributeName": name, "KeyType": key_type}


def definitions(**types: str) -> list[dict]:
    return [{"AttributeName": name, "AttributeType": kind} for name, kind in types.items()]


def create(client, index_schema: list[dict], types: dict[str, str], projection=None,
           **extra) -> str:
    """An on-demand table keyed on pk (S) with one GSI `gsi`, ACTIVE."""
    name = unique_name("mk")
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=definitions(pk="S", **types), KeySchema=[key("pk")],
        GlobalSecondaryIndexes=[{"IndexName": "gsi", "KeySchema": index_schema,
                                 "Projection": projection or {"ProjectionType": "ALL"}}],
        **extra)
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    return name


def error_of(call, **kwargs) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def put_strings(client, table: str, **attributes: str) -> None:
    client.put_item(TableName=table, Item={k: {"S": v} for k, v in attributes.items()})


# The conformance suite's table: h (HASH) and a, b, c, d (RANGE) ------------
SUITE_ITEMS = [
    {"pk": "p1", "a": "T", "b": "live", "c": "b", "d": "r1"},
    {"pk": "p2", "a": "T", "b": "live", "c": "a", "d": "r2"},
    {"pk": "p3", "a": "T", "b": "live", "c": "a", "d": "r1"},
    {"pk": "p4", "a": "T", "b": "draft", "c": "c", "d": "r1"},
    {"pk": "p5", "a": "F", "b": "live", "c": "a", "d": "r0"},
    {"pk": "p6", "a": "T", "b": "live", "d": "r1"},  # no c: not in the index
]
SUITE_VALUES = {":h": {"S": "o1"}, ":a": {"S": "T"}, ":b": {"S": "live"}, ":c": {"S": "a"},
                ":d": {"S": "r"}, ":x": {"S": "r1"}, ":y": {"S": "r1"}}


@pytest.fixture
def suite_table(client) -> str:
    name = create(client, [key("h"), key("a", "RANGE"), key("b", "RANGE"), key("c", "RANGE"),
                           key("d", "RANGE")], dict(h="S", a="S", b="S", c="S", d="S"))
    for item in SUITE_ITEMS:
        put_strings(client, name, h="o1", **item)
    return name


def suite_query(client, table: str, expression: str, **extra) -> dict:
    values = {k: v for k, v in SUITE_VALUES.items() if k in expression}
    return client.query(TableName=table, IndexName="gsi", KeyConditionExpression=expression,
                        ExpressionAttributeValues=values, **extra)


def pks(response: dict) -> list[str]:
    return [item["pk"]["S"] for item in response["Items"]]


@pytest.mark.parametrize("expression, expected", [
    ("h = :h", ["p5", "p4", "p3", "p2", "p1"]),
    ("h = :h AND a = :a", ["p4", "p3", "p2", "p1"]),
    ("h = :h AND a = :a AND b = :b", ["p3", "p2", "p1"]),
    ("h = :h AND a = :a AND b = :b AND c = :c", ["p3", "p2"]),
    ("h = :h AND a = :a AND b = :b AND c > :c", ["p1"]),
    ("h = :h AND a = :a AND b = :b AND c = :c AND begins_with(d, :d)", ["p3", "p2"]),
    ("h = :h AND a = :a AND b = :b AND c = :c AND d BETWEEN :x AND :y", ["p3"]),
    ("h = :h AND a = :a AND b < :b", ["p4"]),
    ("b = :b AND h = :h AND a = :a", ["p3", "p2", "p1"]),
])
def test_suite_key_conditions_read_in_key_order(client, suite_table, expression, expected):
    assert pks(suite_query(client, suite_table, expression)) == expected


def test_suite_scan_index_forward_false_reverses(client, suite_table):
    assert pks(suite_query(client, suite_table, "h = :h AND a = :a",
                           ScanIndexForward=False)) == ["p1", "p2", "p3", "p4"]


def test_suite_page_carries_every_key_attribute(client, suite_table):
    page = suite_query(client, suite_table, "h = :h AND a = :a", Limit=2)
    assert pks(page) == ["p4", "p3"]
    assert sorted(page["LastEvaluatedKey"]) == ["a", "b", "c", "d", "h", "pk"]
    rest = suite_query(client, suite_table, "h = :h AND a = :a",
                       ExclusiveStartKey=page["LastEvaluatedKey"])
    assert pks(rest) == ["p2", "p1"]


@pytest.mark.parametrize("expression, names, name", [
    ("h = :h AND a = :a AND c = :c", "b", "c"),
    ("h = :h AND a = :a AND b > :b AND c = :c", "b", "c"),
    ("h = :h AND b = :b", "a", "b"),
])
def test_suite_gaps_and_early_ranges_are_refused(client, suite_table, expression, names, name):
    assert error_of(suite_query, client=client, table=suite_table, expression=expression) == (
        "ValidationException", RANGE_GAP.format(names=names, name=name))


def test_several_missing_range_attributes_are_listed(client, suite_table):
    assert error_of(suite_query, client=client, table=suite_table,
                    expression="h = :h AND d = :d") == (
        "ValidationException", RANGE_GAP.format(names="a, b, c", name="d"))


# Several HASH attributes and typed RANGE attributes ------------------------
@pytest.fixture
def orders(client) -> str:
    """tenant + area (HASH), phase (S) and amount (N) (RANGE)."""
    name = create(client, [key("tenant"), key("area"), key("phase", "RANGE"),
                           key("amount", "RANGE")],
                  dict(tenant="S", area="S", phase="S", amount="N"))
    rows = [("1", "t1", "eu", "open", "100"), ("2", "t1", "eu", "open", "20"),
            ("3", "t1", "eu", "done", "5"), ("4", "t1", "us", "open", "7"),
            ("5", "t2", "eu", "open", "1")]
    for pk, tenant, area, status, amount in rows:
        client.put_item(TableName=name, Item={
            "pk": {"S": pk}, "tenant": {"S": tenant}, "area": {"S": area},
            "phase": {"S": status}, "amount": {"N": amount}})
    client.put_item(TableName=name, Item={  # no amount: not in the index
        "pk": {"S": "6"}, "tenant": {"S": "t1"}, "area": {"S": "eu"}, "phase": {"S": "open"}})
    return name


def orders_query(client, table: str, expression: str, values: dict, **extra) -> dict:
    return client.query(TableName=table, IndexName="gsi", KeyConditionExpression=expression,
                        ExpressionAttributeValues=values, **extra)


T1_EU = {":t": {"S": "t1"}, ":r": {"S": "eu"}}


def test_partition_is_the_tuple_of_hash_values_sorted_by_ranges(client, orders):
    response = orders_query(client, orders, "tenant = :t AND area = :r", T1_EU)
    assert pks(response) == ["3", "2", "1"]  # done < open; 20 < 100 numerically
    other = orders_query(client, orders, "tenant = :t AND area = :r",
                         {":t": {"S": "t1"}, ":r": {"S": "us"}})
    assert pks(other) == ["4"]


def test_numeric_range_condition_after_an_equality(client, orders):
    response = orders_query(client, orders, "tenant = :t AND area = :r AND phase = :s AND "
                            "amount >= :n", dict(T1_EU, **{":s": {"S": "open"}, ":n": {"N": "21"}}))
    assert pks(response) == ["1"]


def test_every_hash_attribute_must_be_fixed(client, orders):
    assert error_of(orders_query, client=client, table=orders, expression="tenant = :t",
                    values={":t": {"S": "t1"}}) == (
        "ValidationException", "Query condition missed key schema element: area")
    assert error_of(orders_query, client=client, table=orders,
                    expression="tenant = :t AND area > :r", values=T1_EU) == (
        "ValidationException", "Query key condition not supported")


def test_condition_value_types_follow_the_schema(client, orders):
    assert error_of(orders_query, client=client, table=orders,
                    expression="tenant = :t AND area = :r AND phase = :s AND amount > :n",
                    values=dict(T1_EU, **{":s": {"S": "open"}, ":n": {"S": "1"}})) == (
        "ValidationException", "One or more parameter values were invalid: Condition parameter "
                               "type does not match schema type")


def test_legacy_key_conditions(client, orders):
    response = client.query(TableName=orders, IndexName="gsi", KeyConditions={
        "tenant": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "t1"}]},
        "area": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "eu"}]},
        "phase": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "open"}]},
        "amount": {"ComparisonOperator": "LT", "AttributeValueList": [{"N": "50"}]}})
    assert pks(response) == ["2"]
    assert error_of(client.query, TableName=orders, IndexName="gsi", KeyConditions={
        "tenant": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "t1"}]},
        "area": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "eu"}]},
        "amount": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "1"}]}}) == (
        "ValidationException", RANGE_GAP.format(names="phase", name="amount"))


def test_filter_may_not_name_an_index_key_attribute(client, orders):
    assert error_of(orders_query, client=client, table=orders,
                    expression="tenant = :t AND area = :r",
                    values=dict(T1_EU, **{":n": {"N": "1"}}),
                    FilterExpression="amount > :n") == (
        "ValidationException", "Filter Expression can only contain non-primary key attributes: "
                               "Primary key attribute: amount")


def test_exclusive_start_key_is_checked(client, orders):
    start = {"pk": {"S": "2"}, "tenant": {"S": "t1"}, "area": {"S": "eu"},
             "phase": {"S": "open"}, "amount": {"N": "20"}}
    rest = orders_query(client, orders, "tenant = :t AND area = :r", T1_EU,
                        ExclusiveStartKey=start)
    assert pks(rest) == ["1"]
    assert error_of(orders_query, client=client, table=orders,
                    expression="tenant = :t AND area = :r",
                    values={":t": {"S": "t2"}, ":r": {"S": "eu"}}, ExclusiveStartKey=start) == (
        "ValidationException", "The provided starting key is outside query boundaries based on "
                               "provided conditions")
    assert error_of(orders_query, client=client, table=orders,
                    expression="tenant = :t AND area = :r AND phase = :s",
                    values=dict(T1_EU, **{":s": {"S": "done"}}), ExclusiveStartKey=start) == (
        "ValidationException", "The provided starting key does not match the range key predicate")
    missing = {k: v for k, v in start.items() if k != "amount"}
    assert error_of(orders_query, client=client, table=orders,
                    expression="tenant = :t AND area = :r", values=T1_EU,
                    ExclusiveStartKey=missing)[0] == "ValidationException"


def test_scan_of_the_index_holds_only_complete_items(client, orders):
    scanned = client.scan(TableName=orders, IndexName="gsi")
    assert sorted(pks(scanned)) == ["1", "2", "3", "4", "5"]
    first = client.scan(TableName=orders, IndexName="gsi", Limit=2)
    assert {"pk", "tenant", "area", "phase", "amount"} == set(first["LastEvaluatedKey"])
    rest = client.scan(TableName=orders, IndexName="gsi",
                       ExclusiveStartKey=first["LastEvaluatedKey"])
    assert sorted(pks(first) + pks(rest)) == ["1", "2", "3", "4", "5"]


def test_updates_and_deletes_move_entries(client, orders):
    client.update_item(TableName=orders, Key={"pk": {"S": "1"}},
                       UpdateExpression="SET amount = :n",
                       ExpressionAttributeValues={":n": {"N": "1"}})
    assert pks(orders_query(client, orders, "tenant = :t AND area = :r", T1_EU)) == ["3", "1", "2"]
    client.update_item(TableName=orders, Key={"pk": {"S": "6"}},
                       UpdateExpression="SET amount = :n",
                       ExpressionAttributeValues={":n": {"N": "0"}})
    client.delete_item(TableName=orders, Key={"pk": {"S": "3"}})
    client.update_item(TableName=orders, Key={"pk": {"S": "2"}}, UpdateExpression="REMOVE #s",
                       ExpressionAttributeNames={"#s": "phase"})
    assert pks(orders_query(client, orders, "tenant = :t AND area = :r", T1_EU)) == ["6", "1"]


def test_wrong_key_type_is_refused_on_write(client, orders):
    code, message = error_of(client.put_item, TableName=orders, Item={
        "pk": {"S": "9"}, "tenant": {"S": "t1"}, "area": {"N": "1"}})
    assert code == "ValidationException"
    assert message == "One or more parameter values were invalid: Type mismatch for Index Key " \
                      "area Expected: S Actual: N IndexName: gsi"


def test_keys_only_projection_holds_every_key_attribute(client):
    name = create(client, [key("h1"), key("h2"), key("r1", "RANGE"), key("r2", "RANGE")],
                  dict(h1="S", h2="S", r1="S", r2="S"), {"ProjectionType": "KEYS_ONLY"})
    put_strings(client, name, pk="x", h1="a", h2="b", r1="c", r2="d", other="e")
    items = client.query(TableName=name, IndexName="gsi",
                         KeyConditionExpression="h1 = :a AND h2 = :b",
                         ExpressionAttributeValues={":a": {"S": "a"}, ":b": {"S": "b"}})["Items"]
    assert items == [{k: {"S": v} for k, v in dict(pk="x", h1="a", h2="b", r1="c", r2="d").items()}]


def test_hash_only_multi_attribute_key(client):
    """Two HASH attributes and no RANGE: a partition per pair of values, read
    whole; a parallel scan's segments cover the index once."""
    name = create(client, [key("a"), key("b")], dict(a="S", b="N"))
    for number in range(12):
        client.put_item(TableName=name, Item={"pk": {"S": str(number)},
                                              "a": {"S": "x" if number % 3 else "y"},
                                              "b": {"N": str(number % 2)}})
    found = client.query(TableName=name, IndexName="gsi",
                         KeyConditionExpression="b = :b AND a = :a",
                         ExpressionAttributeValues={":a": {"S": "x"}, ":b": {"N": "1"}})
    assert sorted(pks(found), key=int) == ["1", "5", "7", "11"]
    assert error_of(client.query, TableName=name, IndexName="gsi",
                    KeyConditionExpression="a = :a AND b = :b AND pk = :p",
                    ExpressionAttributeValues={":a": {"S": "x"}, ":b": {"N": "1"},
                                               ":p": {"S": "1"}}) == (
        "ValidationException", "Query key condition not supported")
    segments = [pks(client.scan(TableName=name, IndexName="gsi", Segment=segment,
                                TotalSegments=3)) for segment in range(3)]
    assert sorted(sum(segments, []), key=int) == [str(n) for n in range(12)]


def test_stream_records_carry_the_table_key(client, server_url, embedded_db):
    name = create(client, [key("a"), key("b"), key("c", "RANGE")], dict(a="S", b="S", c="S"),
                  StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    put_strings(client, name, pk="p", a="1", b="2", c="3")
    client.update_item(TableName=name, Key={"pk": {"S": "p"}}, UpdateExpression="SET c = :c",
                       ExpressionAttributeValues={":c": {"S": "4"}})
    arn = client.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    streams = (http_client(server_url, "dynamodbstreams")
               if client.meta.endpoint_url == server_url else embedded_db.client("dynamodbstreams"))
    records = read_stream(streams, arn)
    assert [(r["eventName"], r["dynamodb"]["Keys"]) for r in records] == [
        ("INSERT", {"pk": {"S": "p"}}), ("MODIFY", {"pk": {"S": "p"}})]
    found = client.query(TableName=name, IndexName="gsi",
                         KeyConditionExpression="a = :a AND b = :b AND c = :c",
                         ExpressionAttributeValues={":a": {"S": "1"}, ":b": {"S": "2"},
                                                    ":c": {"S": "4"}})
    assert pks(found) == ["p"]


def test_capacity_is_reported_for_the_index(client, orders):
    written = client.put_item(TableName=orders, ReturnConsumedCapacity="INDEXES", Item={
        "pk": {"S": "7"}, "tenant": {"S": "t1"}, "area": {"S": "eu"}, "phase": {"S": "x"},
        "amount": {"N": "3"}})["ConsumedCapacity"]
    assert written["GlobalSecondaryIndexes"] == {"gsi": {"CapacityUnits": 1.0}}
    read = orders_query(client, orders, "tenant = :t AND area = :r", T1_EU,
                        ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert read["GlobalSecondaryIndexes"] == {"gsi": {"CapacityUnits": 0.5}}


def test_long_range_values_keep_their_order(client):
    """Sort tuples longer than the inline part of a key are ordered by their
    full values (long groups)."""
    name = create(client, [key("h"), key("r1", "RANGE"), key("r2", "RANGE")],
                  dict(h="S", r1="S", r2="S"))
    stem = "s" * 600
    values = [(stem, "b"), (stem, "a"), (stem + "x", "a"), ("a", "z" * 900)]
    for number, (r1, r2) in enumerate(values):
        put_strings(client, name, pk=str(number), h="h", r1=r1, r2=r2)
    query = dict(TableName=name, IndexName="gsi", KeyConditionExpression="h = :h",
                 ExpressionAttributeValues={":h": {"S": "h"}})
    assert pks(client.query(**query)) == ["3", "1", "0", "2"]
    assert pks(client.query(**query, ScanIndexForward=False)) == ["2", "0", "1", "3"]
    first = client.query(**query, Limit=2)
    assert pks(client.query(**query, ExclusiveStartKey=first["LastEvaluatedKey"])) == ["0", "2"]


# Table definitions ---------------------------------------------------------
def define(client, schema: list[dict], types: dict[str, str], table_key=None):
    return client.create_table(
        TableName=unique_name("mk"), BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=definitions(**types), KeySchema=table_key or [key("pk")],
        GlobalSecondaryIndexes=[{"IndexName": "gsi", "KeySchema": schema,
                                 "Projection": {"ProjectionType": "ALL"}}])


def test_four_hash_and_four_range_attributes_are_accepted(client):
    names = ["h1", "h2", "h3", "h4", "r1", "r2", "r3", "r4"]
    schema = [key(n, "HASH" if n[0] == "h" else "RANGE") for n in names]
    types = dict(pk="S", **{n: kind for n, kind in zip(names, "SNBSNBSN")})
    described = define(client, schema, types)["TableDescription"]
    assert described["GlobalSecondaryIndexes"][0]["KeySchema"] == schema


def test_key_attributes_may_be_shared_with_the_table_and_other_indexes(client):
    name = unique_name("mk")
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=definitions(pk="S", sk="N", g="S"),
        KeySchema=[key("pk"), key("sk", "RANGE")],
        GlobalSecondaryIndexes=[
            {"IndexName": "one", "KeySchema": [key("g"), key("pk"), key("sk", "RANGE")],
             "Projection": {"ProjectionType": "ALL"}},
            {"IndexName": "two", "KeySchema": [key("g"), key("sk", "RANGE"), key("pk", "RANGE")],
             "Projection": {"ProjectionType": "ALL"}}])
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    for sk in ("2", "10"):
        client.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": sk}, "g": {"S": "g"}})
    found = client.query(TableName=name, IndexName="one",
                         KeyConditionExpression="g = :g AND pk = :p AND sk > :n",
                         ExpressionAttributeValues={":g": {"S": "g"}, ":p": {"S": "p"},
                                                    ":n": {"N": "3"}})
    assert [item["sk"]["N"] for item in found["Items"]] == ["10"]
    both = client.query(TableName=name, IndexName="two", KeyConditionExpression="g = :g",
                        ExpressionAttributeValues={":g": {"S": "g"}}, ScanIndexForward=False)
    assert [item["sk"]["N"] for item in both["Items"]] == ["10", "2"]


@pytest.mark.parametrize("schema, message", [
    ([key(f"h{i}") for i in range(5)],
     "Invalid KeySchema: Too many HASH key type KeySchemaElements: 5, the maximum is 4"),
    ([key("h0")] + [key(f"h{i}", "RANGE") for i in range(1, 6)],
     "Invalid KeySchema: Too many RANGE key type KeySchemaElements: 5, the maximum is 4"),
    ([key("h0"), key("h1", "RANGE"), key("h2")],
     "Invalid KeySchema: All HASH key type KeySchemaElements must come before any RANGE key "
     "type KeySchemaElement"),
    ([key("h0"), key("h1", "RANGE"), key("h0", "RANGE")],
     "Invalid KeySchema: Some index key attributes are duplicated: h0"),
    ([key("h1", "RANGE"), key("h0"), key("h2", "RANGE")],
     "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"),
    ([key("h0"), key("h0", "RANGE")],
     "Both the Hash Key and the Range Key element in the KeySchema have the same name"),
])
def test_invalid_multi_attribute_schemas_are_refused(client, schema, message):
    types = dict(pk="S", **{f"h{i}": "S" for i in range(6)})
    assert error_of(define, client=client, schema=schema, types=types) == (
        "ValidationException", message)


def test_undefined_key_attribute_is_refused(client):
    code, message = error_of(define, client=client, schema=[key("a"), key("b"), key("c", "RANGE")],
                             types=dict(pk="S", a="S", b="S"))
    assert code == "ValidationException"
    assert message == ("One or more parameter values were invalid: Some index key attributes are "
                       "not defined in AttributeDefinitions. Keys: [a, b, c], "
                       "AttributeDefinitions: [pk, a, b]")


def test_a_table_key_keeps_two_elements(client):
    code, message = error_of(client.create_table, TableName=unique_name("mk"),
                             BillingMode="PAY_PER_REQUEST",
                             AttributeDefinitions=definitions(a="S", b="S"),
                             KeySchema=[key("a"), key("b")])
    assert (code, message) == ("ValidationException",
                               "Invalid KeySchema: The second KeySchemaElement is not a RANGE "
                               "key type")


def test_update_table_backfills_a_multi_attribute_index(client):
    name = unique_name("mk")
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=definitions(pk="S"), KeySchema=[key("pk")])
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    for number in range(30):
        client.put_item(TableName=name, Item={"pk": {"S": f"p{number}"}, "h1": {"S": "x"},
                                              "h2": {"N": str(number % 2)},
                                              "r": {"N": str(100 - number)}})
    # h2 of the wrong type: the backfill leaves the item out, as AWS does
    client.put_item(TableName=name, Item={"pk": {"S": "bad"}, "h1": {"S": "x"},
                                          "h2": {"S": "1"}, "r": {"N": "1"}})
    client.update_table(TableName=name, AttributeDefinitions=definitions(h1="S", h2="N", r="N"),
                        GlobalSecondaryIndexUpdates=[{"Create": {
                            "IndexName": "gsi", "KeySchema": [key("h1"), key("h2"),
                                                              key("r", "RANGE")],
                            "Projection": {"ProjectionType": "KEYS_ONLY"}}}])
    wait_index_active(client, name)
    found = client.query(TableName=name, IndexName="gsi",
                         KeyConditionExpression="h1 = :x AND h2 = :one AND r <= :r",
                         ExpressionAttributeValues={":x": {"S": "x"}, ":one": {"N": "1"},
                                                    ":r": {"N": "80"}})
    assert [item["r"]["N"] for item in found["Items"]] == [str(100 - n) for n in
                                                           range(29, 19, -2)]
    described = client.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"][0]
    assert described["KeySchema"] == [key("h1"), key("h2"), key("r", "RANGE")]
    assert described["ItemCount"] == 30
    client.put_item(TableName=name, Item={"pk": {"S": "new"}, "h1": {"S": "x"},
                                          "h2": {"N": "1"}, "r": {"N": "0"}})
    newest = client.query(TableName=name, IndexName="gsi", Limit=1,
                          KeyConditionExpression="h1 = :x AND h2 = :one",
                          ExpressionAttributeValues={":x": {"S": "x"}, ":one": {"N": "1"}})
    assert pks(newest) == ["new"]


def wait_index_active(client, table: str) -> None:
    for _ in range(2000):
        described = client.describe_table(TableName=table)["Table"]
        if all(i["IndexStatus"] == "ACTIVE" for i in described["GlobalSecondaryIndexes"]):
            return
        time.sleep(0.01)
    raise AssertionError("the index never became ACTIVE")


# Property: Query equals a filter-and-sort of the items ----------------------
RANGE_NAMES = ("r1", "r2", "r3")
RANGE_TYPES = {"r1": "S", "r2": "N", "r3": "S"}
S_VALUES = st.sampled_from(["", "a", "ab", "b", "b\x00", "ba", "é"]).filter(bool)
N_VALUES = st.sampled_from(["-5", "-0.5", "0", "1", "1.5", "10", "1e3"])
ITEM = st.fixed_dictionaries({}, optional={"r1": S_VALUES, "r2": N_VALUES, "r3": S_VALUES})
OPERATORS = ("=", "<", "<=", ">", ">=", "BETWEEN", "begins_with")


def sort_value(name: str, value: str):
    return Decimal(value) if RANGE_TYPES[name] == "N" else value.encode()


def holds(operator: str, got, bounds: list) -> bool:
    low = bounds[0]
    return {"=": got == low, "<": got < low, "<=": got <= low, ">": got > low, ">=": got >= low,
            "BETWEEN": low <= got <= bounds[-1],
            "begins_with": isinstance(got, bytes) and got.startswith(low)}[operator]


@st.composite
def key_conditions(draw):
    """Equality on a prefix of the RANGE attributes, then perhaps one
    condition of any kind on the next."""
    used = draw(st.integers(0, 3))
    terms = []
    for position in range(used):
        name = RANGE_NAMES[position]
        values = S_VALUES if RANGE_TYPES[name] == "S" else N_VALUES
        last = position == used - 1
        operators = [o for o in OPERATORS if RANGE_TYPES[name] == "S" or o != "begins_with"]
        operator = draw(st.sampled_from(operators)) if last else "="
        bounds = [draw(values)]
        if operator == "BETWEEN":
            bounds = sorted([bounds[0], draw(values)], key=lambda v: sort_value(name, v))
        terms.append((name, operator, bounds))
    return terms


@pytest.fixture
def property_table(client) -> str:
    return create(client, [key("h1"), key("h2"), *(key(n, "RANGE") for n in RANGE_NAMES)],
                  dict(h1="S", h2="N", **RANGE_TYPES))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(ITEM, max_size=12), terms=key_conditions(), forward=st.booleans(),
       limit=st.integers(1, 5))
def test_query_matches_a_filter_and_sort_of_the_items(client, property_table, items, terms,
                                                      forward, limit):
    partition = unique_name("p")
    for number, attributes in enumerate(items):
        item = {"pk": {"S": f"{partition}-{number}"}, "h1": {"S": partition}, "h2": {"N": "7"}}
        item.update({n: {RANGE_TYPES[n]: v} for n, v in attributes.items()})
        client.put_item(TableName=property_table, Item=item)
    client.put_item(TableName=property_table, Item={  # another partition of the same h1
        "pk": {"S": f"{partition}-other"}, "h1": {"S": partition}, "h2": {"N": "8"},
        "r1": {"S": "a"}, "r2": {"N": "1"}, "r3": {"S": "a"}})
    expected = [
        (tuple(sort_value(n, attributes[n]) for n in RANGE_NAMES), f"{partition}-{number}")
        for number, attributes in enumerate(items)
        if len(attributes) == 3 and all(
            holds(operator, sort_value(name, attributes[name]),
                  [sort_value(name, b) for b in bounds]) for name, operator, bounds in terms)]
    # items with equal index keys come back in an order of their own: keys
    # are compared in order, the set of items apart
    expected.sort(key=lambda entry: entry[0], reverse=not forward)

    values = {":h1": {"S": partition}, ":h2": {"N": "7"}}
    clauses = ["h1 = :h1", "h2 = :h2"]
    for position, (name, operator, bounds) in enumerate(terms):
        placeholders = [f":v{position}_{i}" for i in range(len(bounds))]
        values.update({p: {RANGE_TYPES[name]: b} for p, b in zip(placeholders, bounds)})
        clauses.append(
            f"{name} BETWEEN {placeholders[0]} AND {placeholders[1]}" if operator == "BETWEEN"
            else f"begins_with({name}, {placeholders[0]})" if operator == "begins_with"
            else f"{name} {operator} {placeholders[0]}")
    got, start = [], None
    while True:
        page = client.query(TableName=property_table, IndexName="gsi",
                            KeyConditionExpression=" AND ".join(reversed(clauses)),
                            ExpressionAttributeValues=values, ScanIndexForward=forward,
                            Limit=limit, **({"ExclusiveStartKey": start} if start else {}))
        got += page["Items"]
        start = page.get("LastEvaluatedKey")
        if start is None:
            break
    assert [tuple(sort_value(n, item[n][RANGE_TYPES[n]]) for n in RANGE_NAMES)
            for item in got] == [entry[0] for entry in expected]
    assert sorted(item["pk"]["S"] for item in got) == sorted(entry[1] for entry in expected)


def test_condition_on_an_attribute_outside_the_key(client, orders):
    assert error_of(orders_query, client=client, table=orders,
                    expression="tenant = :t AND area = :r AND extra = :o",
                    values=dict(T1_EU, **{":o": {"S": "o"}})) == (
        "ValidationException", "Query condition missed key schema element: phase")


def test_a_single_attribute_key_still_takes_two_conditions(client):
    name = create(client, [key("g"), key("r", "RANGE")], dict(g="S", r="S"))
    assert error_of(client.query, TableName=name, IndexName="gsi",
                    KeyConditionExpression="g = :g AND r = :r AND pk = :p",
                    ExpressionAttributeValues={":g": {"S": "g"}, ":r": {"S": "r"},
                                               ":p": {"S": "p"}}) == (
        "ValidationException", "The number of query conditions (3) exceeds the number of key "
        "attributes defined in the schema (2)")


# The key layout ------------------------------------------------------------
KEY_VALUES = st.one_of(
    st.text(max_size=600).map(lambda s: {"S": s}).filter(lambda v: v["S"]),
    st.binary(min_size=1, max_size=600).map(lambda b: {"B": base64.b64encode(b).decode()}),
    st.decimals(allow_nan=False, allow_infinity=False, places=3,
                min_value=-10**9, max_value=10**9).map(lambda d: {"N": str(d)}))


@given(hash_value=KEY_VALUES, range_value=st.none() | KEY_VALUES,
       table_key=st.binary(min_size=1, max_size=40))
def test_single_attribute_index_keys_keep_their_layout(hash_value, range_value, table_key):
    """One HASH and at most one RANGE attribute key exactly as stored before
    multi-attribute keys existed, so existing indexes stay readable."""
    index_id = b"\x00\x00\x00\x07"
    sort = b""
    if range_value is not None:  # the sort component as single-attribute indexes stored it
        sort = key_value_bytes(range_value)
        if "N" not in range_value:
            sort = sort.replace(b"\x00", b"\x00\xff") + b"\x00\x00"
        if len(sort) > 467:
            sort = sort[:467] + blake2b(sort, digest_size=16).digest()
    before = index_id + partition_hash(hash_value) + sort + blake2b(
        table_key, digest_size=8).digest()
    assert index_entry_key(index_id, [hash_value], [range_value] if range_value else [],
                           table_key) == before


@given(values=st.lists(st.tuples(st.text(min_size=1, max_size=5), st.integers(-50, 50)),
                       min_size=2, max_size=20))
def test_sort_bytes_order_is_the_order_of_the_values(values):
    def encoded(pair):
        return composite_sort_bytes([{"S": pair[0]}, {"N": str(pair[1])}])
    assert sorted(values, key=encoded) == sorted(
        values, key=lambda pair: (pair[0].encode(), pair[1]))


def test_hash_tuples_with_the_same_bytes_hash_apart():
    assert composite_partition_hash([{"S": "ab"}, {"S": "c"}]) != composite_partition_hash(
        [{"S": "a"}, {"S": "bc"}])
    assert composite_partition_hash([{"S": "1"}, {"S": "x"}]) != composite_partition_hash(
        [{"N": "1"}, {"S": "x"}])

"""Query KeyConditionExpression and FilterExpression on Query and Scan, end to
end: operators on tables and indexes, boto3's Key/Attr builders, filters
with Limit and paging, Select, and DynamoDB's error messages."""
from __future__ import annotations

import pytest
from boto3.dynamodb.conditions import Attr, Key
from support import NO_RETRIES, error_of, unique_name


def make_shop(client) -> str:
    """pk=customer (S), sk=order number (N) 1..12 for alice and bob; LSI
    by-score (INCLUDE note); GSI by-colour (colour, score; KEYS_ONLY) holding
    the orders whose number is not a multiple of 3."""
    name = unique_name("shop")
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in
                              (("pk", "S"), ("sk", "N"), ("score", "N"), ("colour", "S"))],
        LocalSecondaryIndexes=[{"IndexName": "by-score", "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "score", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}}],
        GlobalSecondaryIndexes=[{"IndexName": "by-colour", "KeySchema": [
            {"AttributeName": "colour", "KeyType": "HASH"}, {"AttributeName": "score", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    requests = []
    for customer in ("alice", "bob"):
        for number in range(1, 13):
            item = {"pk": {"S": customer}, "sk": {"N": str(number)}, "score": {"N": str(100 - number)},
                    "note": {"S": f"n{number}"}, "secret": {"S": "x" * 100},
                    "doc": {"M": {"tier": {"N": str(number)},
                                  "tags": {"L": [{"S": f"t{number}"}, {"S": "even" if number % 2 == 0 else "odd"}]}}}}
            if number % 3:
                item["colour"] = {"S": "red"}
            requests.append({"PutRequest": {"Item": item}})
    for start in range(0, len(requests), 25):
        client.batch_write_item(RequestItems={name: requests[start:start + 25]})
    return name


@pytest.fixture
def shop(client):
    return make_shop(client)


@pytest.fixture(scope="module")
def embedded(embedded_db):
    return embedded_db.client(config=NO_RETRIES)


@pytest.fixture(scope="module")
def embedded_shop(embedded):
    return make_shop(embedded)


def numbers(items, name="sk") -> list[int]:
    return [int(item[name]["N"]) for item in items]


def values(**named) -> dict:
    """ExpressionAttributeValues from plain Python values (str -> S, int -> N)."""
    return {f":{key}": {"S": value} if isinstance(value, str) else {"N": str(value)}
            for key, value in named.items()}


def test_key_condition_expression_operators(client, shop):
    def query(expression, **kwargs):
        kwargs.setdefault("ExpressionAttributeValues", values(p="alice", v=4, a=3, b=6))
        return numbers(client.query(TableName=shop, KeyConditionExpression=expression, **kwargs)["Items"])

    assert query("pk = :p", ExpressionAttributeValues=values(p="alice")) == list(range(1, 13))
    assert query("pk = :p AND sk = :v", ExpressionAttributeValues=values(p="alice", v=4)) == [4]
    assert query("pk = :p AND sk < :v", ExpressionAttributeValues=values(p="alice", v=4)) == [1, 2, 3]
    assert query("pk = :p AND sk <= :v", ExpressionAttributeValues=values(p="alice", v=4)) == [1, 2, 3, 4]
    assert query("pk = :p AND sk > :v", ExpressionAttributeValues=values(p="alice", v=10)) == [11, 12]
    assert query("pk = :p AND sk >= :v", ExpressionAttributeValues=values(p="alice", v=10)) == [10, 11, 12]
    assert query("pk = :p AND sk BETWEEN :a AND :b", ExpressionAttributeValues=values(p="alice", a=3, b=6)) == [3, 4, 5, 6]
    # operands either way round, any order of the two conditions, names, parentheses, any case
    assert query(":v > sk AND :p = pk", ExpressionAttributeValues=values(p="alice", v=4)) == [1, 2, 3]
    assert query("#s between :a and :b and #p = :p", ExpressionAttributeNames={"#s": "sk", "#p": "pk"},
                 ExpressionAttributeValues=values(p="alice", a=3, b=6)) == [3, 4, 5, 6]
    assert query("(pk = :p) AND (sk >= :v)", ExpressionAttributeValues=values(p="alice", v=11)) == [11, 12]
    assert query("pk = :p AND sk BETWEEN :a AND :b", ScanIndexForward=False,
                 ExpressionAttributeValues=values(p="alice", a=3, b=6)) == [6, 5, 4, 3]
    assert query("pk = :p", ExpressionAttributeValues=values(p="nobody")) == []


def test_begins_with_on_string_and_binary_sort_keys(client):
    for kind, encode in (("S", lambda text: text), ("B", lambda text: text.encode())):
        name = unique_name("prefixes")
        client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                       {"AttributeName": "sk", "KeyType": "RANGE"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                  {"AttributeName": "sk", "AttributeType": kind}])
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
        for text in ("a#1", "a#2", "a", "b#1", "A#1"):
            client.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {kind: encode(text)}})
        for forward, expected in ((True, ["a", "a#1", "a#2"]), (False, ["a#2", "a#1", "a"])):
            got = client.query(TableName=name, KeyConditionExpression="pk = :p AND begins_with(sk, :a)",
                               ExpressionAttributeValues={":p": {"S": "p"}, ":a": {kind: encode("a")}},
                               ScanIndexForward=forward)["Items"]
            shown = [item["sk"][kind] if kind == "S" else item["sk"][kind].decode() for item in got]
            assert shown == expected, (kind, forward)


def test_resource_key_and_attr_builders(resource, shop):
    table = resource.Table(shop)
    between = table.query(KeyConditionExpression=Key("pk").eq("alice") & Key("sk").between(3, 6))
    assert [int(item["sk"]) for item in between["Items"]] == [3, 4, 5, 6]
    coloured = table.query(KeyConditionExpression=Key("pk").eq("bob") & Key("sk").lte(6),
                           FilterExpression=Attr("colour").exists())
    assert [int(item["sk"]) for item in coloured["Items"]] == [1, 2, 4, 5]
    assert coloured["ScannedCount"] == 6
    even = table.query(KeyConditionExpression=Key("pk").eq("bob") & Key("sk").gt(8),
                       FilterExpression=Attr("doc.tags[1]").begins_with("ev") & Attr("secret").exists())
    assert [int(item["sk"]) for item in even["Items"]] == [10, 12]
    nested = table.query(KeyConditionExpression=Key("pk").eq("alice"),
                         FilterExpression=Attr("doc.tier").between(5, 7) | Attr("note").is_in(["n1", "n12"]),
                         ProjectionExpression="sk, doc.tier")
    assert [(int(item["sk"]), int(item["doc"]["tier"])) for item in nested["Items"]] == [
        (1, 1), (5, 5), (6, 6), (7, 7), (12, 12)]
    assert all(set(item) == {"sk", "doc"} and set(item["doc"]) == {"tier"} for item in nested["Items"])
    scanned = table.scan(FilterExpression=Attr("colour").not_exists() & Key("sk").lt(7)
                         & Attr("doc.tags").size().eq(2))
    assert sorted((item["pk"], int(item["sk"])) for item in scanned["Items"]) == [
        ("alice", 3), ("alice", 6), ("bob", 3), ("bob", 6)]
    assert scanned["ScannedCount"] == 24


def test_filter_counts_pages_and_capacity(client, shop):
    base = {"TableName": shop, "KeyConditionExpression": "pk = :p", "FilterExpression": "colour = :c",
            "ExpressionAttributeValues": values(p="alice", c="red")}
    first = client.query(Limit=5, **base)
    assert (first["Count"], first["ScannedCount"]) == (4, 5)  # Limit counts items read
    assert numbers(first["Items"]) == [1, 2, 4, 5]
    assert first["LastEvaluatedKey"] == {"pk": {"S": "alice"}, "sk": {"N": "5"}}
    # the page's last item read was filtered out: paging still resumes after it
    third = client.query(Limit=3, **base)
    assert numbers(third["Items"]) == [1, 2] and third["LastEvaluatedKey"]["sk"] == {"N": "3"}
    following = client.query(Limit=3, ExclusiveStartKey=third["LastEvaluatedKey"], **base)
    assert numbers(following["Items"]) == [4, 5]
    pages = list(client.get_paginator("query").paginate(PaginationConfig={"PageSize": 5}, **base))
    assert [(page["Count"], page["ScannedCount"]) for page in pages] == [(4, 5), (3, 5), (1, 2)]
    assert numbers([item for page in pages for item in page["Items"]]) == [1, 2, 4, 5, 7, 8, 10, 11]
    counted = client.query(Select="COUNT", **base)
    assert (counted["Count"], counted["ScannedCount"]) == (8, 12) and "Items" not in counted
    # capacity is for what was read, whatever the filter kept
    unfiltered = client.query(TableName=shop, KeyConditionExpression="pk = :p",
                              ExpressionAttributeValues=values(p="alice"), ReturnConsumedCapacity="TOTAL")
    filtered = client.query(ReturnConsumedCapacity="TOTAL", **base)
    assert filtered["ConsumedCapacity"] == unfiltered["ConsumedCapacity"]
    nothing = client.query(TableName=shop, KeyConditionExpression="pk = :p", FilterExpression="note = :n",
                           ExpressionAttributeValues=values(p="alice", n="none"))
    assert (nothing["Count"], nothing["ScannedCount"], nothing["Items"]) == (0, 12, [])


def test_scan_filter_limit_paging_and_segments(client, shop):
    base = {"TableName": shop, "FilterExpression": "pk = :p AND sk > :v AND contains(doc.tags, :t)",
            "ExpressionAttributeValues": values(p="bob", v=6, t="even")}
    everything = client.scan(**base)
    assert sorted(numbers(everything["Items"])) == [8, 10, 12]
    assert (everything["Count"], everything["ScannedCount"]) == (3, 24)
    limited = client.scan(Limit=7, **base)
    assert limited["ScannedCount"] == 7 and "LastEvaluatedKey" in limited
    seen = []
    for segment in range(3):
        for page in client.get_paginator("scan").paginate(Segment=segment, TotalSegments=3,
                                                          PaginationConfig={"PageSize": 4}, **base):
            assert page["ScannedCount"] <= 4
            seen += numbers(page["Items"])
    assert sorted(seen) == [8, 10, 12]
    counted = client.scan(Select="COUNT", **base)
    assert counted["Count"] == 3 and "Items" not in counted


def test_index_queries_with_key_conditions_and_filters(client, shop):
    by_score = client.query(TableName=shop, IndexName="by-score",
                            KeyConditionExpression="pk = :p AND score BETWEEN :a AND :b",
                            ExpressionAttributeValues=values(p="alice", a=90, b=93),
                            ReturnConsumedCapacity="INDEXES")
    assert numbers(by_score["Items"], "score") == [90, 91, 92, 93]
    assert set(by_score["Items"][0]) == {"pk", "sk", "score", "note"}  # INCLUDE projection
    assert by_score["ConsumedCapacity"]["Table"]["CapacityUnits"] == 0.0
    # a filter on an attribute the local index does not project reads each base item
    fetched = client.query(TableName=shop, IndexName="by-score",
                           KeyConditionExpression="pk = :p AND score > :a", FilterExpression="size(secret) = :n",
                           ExpressionAttributeValues=values(p="alice", a=95, n=100),
                           ReturnConsumedCapacity="INDEXES")
    assert numbers(fetched["Items"], "score") == [96, 97, 98, 99]
    assert set(fetched["Items"][0]) == {"pk", "sk", "score", "note"}  # still the index's attributes
    assert fetched["ConsumedCapacity"]["Table"]["CapacityUnits"] == 4 * 0.5
    projected = client.query(TableName=shop, IndexName="by-score", KeyConditionExpression="pk = :p AND score < :a",
                             ProjectionExpression="secret, note", ExpressionAttributeValues=values(p="bob", a=90))
    assert [item["note"]["S"] for item in projected["Items"]] == ["n12", "n11"]
    assert projected["Items"][0]["secret"] == {"S": "x" * 100}
    # a global index with a sort key; a filter on the table's key is not on the index key
    red = client.query(TableName=shop, IndexName="by-colour",
                       KeyConditionExpression="colour = :c AND score >= :a", FilterExpression="pk = :p",
                       ExpressionAttributeValues=values(c="red", a=95, p="bob"), ScanIndexForward=False)
    assert numbers(red["Items"], "score") == [99, 98, 96, 95]
    assert set(red["Items"][0]) == {"pk", "sk", "score", "colour"}
    assert red["ScannedCount"] == 8


def test_legacy_key_conditions_with_expressions(embedded, embedded_shop):
    eq = {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "alice"}]}
    filtered = embedded.query(TableName=embedded_shop, KeyConditions={"pk": eq},
                              FilterExpression="doc.tier > :d", ProjectionExpression="sk",
                              ExpressionAttributeValues=values(d=10))
    assert filtered["Items"] == [{"sk": {"N": "11"}}, {"sk": {"N": "12"}}]
    assert error_of(embedded.query, TableName=embedded_shop, KeyConditions={"pk": eq},
                    KeyConditionExpression="pk = :p", ExpressionAttributeValues=values(p="alice"))[1] == (
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {KeyConditions} Expression parameters: {KeyConditionExpression}")
    assert error_of(embedded.query, TableName=embedded_shop, KeyConditions={"pk": eq},
                    QueryFilter={"note": eq}, FilterExpression="note = :n",
                    ExpressionAttributeValues=values(n="x"))[1] == (
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {QueryFilter} Expression parameters: {FilterExpression}")
    assert error_of(embedded.query, TableName=embedded_shop, KeyConditions={"pk": eq},
                    ExpressionAttributeValues=values(n="x"))[1] == (
        # Query checks in the current layer, which names no missing expression (AWS 2026)
        "ExpressionAttributeValues can only be specified when using expressions")
    assert error_of(embedded.query, TableName=embedded_shop)[1] == (
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
    # an empty legacy filter filters nothing
    assert embedded.query(TableName=embedded_shop, KeyConditions={"pk": eq}, QueryFilter={})["Count"] == 12
    assert embedded.scan(TableName=embedded_shop, ScanFilter={})["Count"] == 24


@pytest.mark.parametrize("keys, message", [
    ({"pk": {"ComparisonOperator": "EQ"}},
     "One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator"),
    ({"pk": {"ComparisonOperator": "IN", "AttributeValueList": [{"S": "a"}, {"N": "1"}]}},
     "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type"),
    ({"pk": {"ComparisonOperator": "LT", "AttributeValueList": [{"BOOL": True}]}},
     "One or more parameter values were invalid: ComparisonOperator LT is not valid for BOOL AttributeValue type"),
    ({"pk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"N": "1"}]}},
     "One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"),
    ({"pk": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"S": "b"}, {"S": "a"}]}},
     "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"),
    ({}, "Conditions can be of length 1 or 2 only"),
    ({"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]},
      "sk": {"ComparisonOperator": "NE", "AttributeValueList": [{"N": "1"}]}},
     "Attempted conditional constraint is not an indexable operation"),
    ({"pk": {"ComparisonOperator": "GT", "AttributeValueList": [{"S": "a"}]}}, "Query key condition not supported"),
])
def test_legacy_key_condition_errors(embedded, embedded_shop, keys, message):
    assert error_of(embedded.query, TableName=embedded_shop, KeyConditions=keys) == ("ValidationException", message)


KEY_ERRORS = [
    ("pk = :p OR sk = :n", "Invalid operator used in KeyConditionExpression: OR"),
    ("NOT pk = :p", "Invalid operator used in KeyConditionExpression: NOT"),
    ("pk = :p AND sk IN (:n)", "Invalid operator used in KeyConditionExpression: IN"),
    ("pk = :p AND sk <> :n", "Invalid operator used in KeyConditionExpression: <>"),
    ("pk = :p AND attribute_exists(sk)", "Invalid operator used in KeyConditionExpression: attribute_exists"),
    ("pk = :p AND contains(note, :p)", "Invalid operator used in KeyConditionExpression: contains"),
    ("pk = :p AND :n BETWEEN sk AND :m",
     "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand"),
    ("pk = :p AND begins_with(:p, sk)",
     "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand"),
    ("pk = :p AND sk = score", "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"),
    ("pk = :p AND :n < :m", "Invalid condition in KeyConditionExpression: No key attribute specified"),
    ("pk = :p AND size(sk) > :n", "KeyConditionExpressions cannot contain nested operations"),
    ("pk = :p AND doc.tier > :n", "KeyConditionExpressions cannot have conditions on nested attributes"),
    ("pk = :p AND sk[0] > :n", "KeyConditionExpressions cannot have conditions on nested attributes"),
    # "Invalid KeyConditionExpression: " before it (AWS 2026, queryKeyConditionOperands.test.ts)
    ("pk = :p AND pk = :p",
     "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key"),
    ("pk = :p AND sk > :n AND sk < :m",
     "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key"),
    ("pk = :p AND sk > :n AND score < :m",  # AWS 2026, queryKeyConditionOperands.test.ts
     "The number of query conditions (3) exceeds the number of key attributes defined in the schema (2)"),
    ("sk = :n", "Query condition missed key schema element: pk"),
    ("pk = :p AND score = :n", "Query condition missed key schema element: sk"),
    ("pk < :p", "Query key condition not supported"),
    ("begins_with(pk, :p)", "Query key condition not supported"),
    ("pk = :n", "One or more parameter values were invalid: Condition parameter type does not match schema type"),
    ("pk = :p AND sk > :p", "One or more parameter values were invalid: Condition parameter type does not match schema type"),
    ("pk = :p AND begins_with(sk, :p)",
     "One or more parameter values were invalid: Condition parameter type does not match schema type"),
    ("pk = :p AND begins_with(sk, :n)",
     "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
     "operator or function: begins_with, operand type: N"),
    ("pk = :p AND sk BETWEEN :n AND :p",
     "Invalid KeyConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; "
     "lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:alice}"),
    ("pk = :p AND sk BETWEEN :m AND :n",
     "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to "
     "lower bound; lower bound operand: AttributeValue: {N:2}, upper bound operand: AttributeValue: {N:1}"),
    # AWS 2026 (conformance suite queryKeyConditionOperands.test.ts): the schema check
    ("pk = :p AND sk = :b", "One or more parameter values were invalid: Condition parameter type does not "
                            "match schema type"),
    ("", "Invalid KeyConditionExpression: The expression can not be empty;"),
]


@pytest.mark.parametrize("expression, message", KEY_ERRORS, ids=[e or "empty" for e, _ in KEY_ERRORS])
def test_key_condition_expression_errors(embedded, embedded_shop, expression, message):
    given = {":p": {"S": "alice"}, ":n": {"N": "1"}, ":m": {"N": "2"}, ":b": {"BOOL": True}}
    used = {key: value for key, value in given.items() if key in expression}
    request = {"TableName": embedded_shop, "KeyConditionExpression": expression}
    if used:
        request["ExpressionAttributeValues"] = used
    assert error_of(embedded.query, **request) == ("ValidationException", message)


def test_key_conditions_on_indexes_errors(embedded, embedded_shop):
    query = lambda **kw: error_of(embedded.query, TableName=embedded_shop, **kw)[1]  # noqa: E731
    assert query(IndexName="by-colour", KeyConditionExpression="pk = :p",
                 ExpressionAttributeValues=values(p="a")) == "Query condition missed key schema element: colour"
    assert query(IndexName="by-score", KeyConditionExpression="pk = :p AND sk = :n",
                 ExpressionAttributeValues=values(p="a", n=1)) == "Query condition missed key schema element: score"
    assert query(IndexName="by-colour", KeyConditionExpression="colour = :c AND score > :c",
                 ExpressionAttributeValues=values(c="red")) == (
        "One or more parameter values were invalid: Condition parameter type does not match schema type")


FILTER_ERRORS = [
    ({}, "pk = :p", "Filter Expression can only contain non-primary key attributes: Primary key attribute: pk"),
    ({}, "attribute_exists(sk.x) AND note = :p",
     "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"),
    ({"IndexName": "by-score"}, "score = :n",
     "Filter Expression can only contain non-primary key attributes: Primary key attribute: score"),
    ({}, "colour[1] = :p",
     "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: IndexKey: colour"),
    ({"IndexName": "by-colour", "KeyConditionExpression": "colour = :p"}, "note = :p",
     "One or more parameter values were invalid: Secondary index by-colour does not project one or more filter "
     "attributes: [note]"),
    ({}, "note = :q", "Invalid FilterExpression: An expression attribute value used in expression is not "
                      "defined; attribute value: :q"),
]


@pytest.mark.parametrize("extra, expression, message", FILTER_ERRORS)
def test_query_filter_errors(embedded, embedded_shop, extra, expression, message):
    request = {"TableName": embedded_shop, "KeyConditionExpression": "pk = :p", "FilterExpression": expression,
               **extra}
    request["ExpressionAttributeValues"] = {key: value for key, value in
                                            {":p": {"S": "alice"}, ":n": {"N": "1"}}.items()
                                            if key in expression or key in request["KeyConditionExpression"]}
    assert error_of(embedded.query, **request) == ("ValidationException", message)


def test_scan_filter_errors_and_key_attributes(embedded, embedded_shop):
    scan = lambda **kw: error_of(embedded.scan, TableName=embedded_shop, **kw)[1]  # noqa: E731
    assert embedded.scan(TableName=embedded_shop, FilterExpression="pk = :p AND sk = :n",
                         ExpressionAttributeValues=values(p="bob", n=2))["Count"] == 1  # keys allowed
    assert scan(FilterExpression="pk.x = :p", ExpressionAttributeValues=values(p="bob")) == (
        "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk")
    assert scan(IndexName="by-colour", FilterExpression="secret = :p", ExpressionAttributeValues=values(p="b")) == (
        "One or more parameter values were invalid: Secondary index by-colour does not project one or more "
        "filter attributes: [secret]")
    assert scan(FilterExpression="note = :p", ExpressionAttributeValues=values(p="a", q="b")) == (
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:q}")
    assert scan(FilterExpression="note = :p OR", ExpressionAttributeValues=values(p="a")) == (
        'Invalid FilterExpression: Syntax error; token: "<EOF>", near: "OR"')
    assert scan(ExpressionAttributeValues=values(p="a")) == (
        "ExpressionAttributeValues can only be specified when using expressions: FilterExpression is null")
    assert scan(ScanFilter={"note": {"ComparisonOperator": "NULL"}}, FilterExpression="note = :p",
                ExpressionAttributeValues=values(p="a")) == (
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {ScanFilter} Expression parameters: {FilterExpression}")


def test_select_rules(embedded, embedded_shop):
    key = {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": values(p="alice")}
    query = lambda **kw: error_of(embedded.query, TableName=embedded_shop, **kw)[1]  # noqa: E731
    scan = lambda **kw: error_of(embedded.scan, TableName=embedded_shop, **kw)[1]  # noqa: E731
    assert query(Select="COUNT", ProjectionExpression="note", **key) == (
        "1 validation error detected: Cannot specify the ProjectionExpression when choosing to get only the Count")
    assert scan(Select="COUNT", ProjectionExpression="note") == (
        "Cannot specify the ProjectionExpression when choosing to get only the Count")
    assert scan(Select="ALL_PROJECTED_ATTRIBUTES", AttributesToGet=["note"]) == (
        "Cannot specify the AttributesToGet when choosing to get ALL_PROJECTED_ATTRIBUTES")
    assert scan(Select="ALL_PROJECTED_ATTRIBUTES") == (
        "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
    assert query(Select="SPECIFIC_ATTRIBUTES", **key) == (
        "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES")
    assert query(IndexName="by-colour", Select="ALL_ATTRIBUTES", KeyConditionExpression="colour = :c",
                 ExpressionAttributeValues=values(c="red")) == (
        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global "
        "secondary index by-colour because its projection type is not ALL")
    specific = embedded.query(TableName=embedded_shop, Select="SPECIFIC_ATTRIBUTES", ProjectionExpression="note",
                              Limit=2, **key)
    assert specific["Items"] == [{"note": {"S": "n1"}}, {"note": {"S": "n2"}}]
    projected = embedded.query(TableName=embedded_shop, IndexName="by-score", Select="ALL_PROJECTED_ATTRIBUTES",
                               Limit=1, **key)
    assert set(projected["Items"][0]) == {"pk", "sk", "score", "note"}
    everything = embedded.query(TableName=embedded_shop, IndexName="by-score", Select="ALL_ATTRIBUTES",
                                Limit=1, **key)
    assert "secret" in everything["Items"][0] and "doc" in everything["Items"][0]


def test_exclusive_start_key_against_the_key_condition(embedded, embedded_shop):
    query = lambda expression, start, **vals: error_of(  # noqa: E731
        embedded.query, TableName=embedded_shop, KeyConditionExpression=expression,
        ExpressionAttributeValues=values(**vals), ExclusiveStartKey=start)[1]
    other = {"pk": {"S": "bob"}, "sk": {"N": "3"}}
    assert query("pk = :p", other, p="alice") == (
        "The provided starting key is outside query boundaries based on provided conditions")
    assert query("pk = :p AND sk > :n", other, p="bob", n=5) == (
        "The provided starting key does not match the range key predicate")
    assert query("pk = :p AND sk < :n", other, p="alice", n=5) == (
        "The query can return at most one row and cannot be restarted")
    resumed = embedded.query(TableName=embedded_shop, KeyConditionExpression="pk = :p AND sk > :n",
                             ExpressionAttributeValues=values(p="bob", n=2), ExclusiveStartKey=other)
    assert numbers(resumed["Items"]) == list(range(4, 13))

"""ProjectionExpression and AttributesToGet with document paths, end to end:
GetItem, BatchGetItem, TransactGetItems, Query and Scan return the named
parts of items nested as they were, and refuse what DynamoDB refuses."""
from __future__ import annotations

import pytest
from support import NO_RETRIES, create_table, error_of, unique_name

DOC = {"pk": {"S": "p"},
       "a": {"M": {"b": {"L": [{"N": "2"}, {"N": "4"}, {"M": {"x": {"S": "hi"}, "y": {"S": "yo"}}}]},
                   "c": {"N": "5"}}},
       "b": {"S": "hello"},
       "a.b": {"S": "dotted"}}


@pytest.fixture(scope="module")
def embedded(embedded_db):
    return embedded_db.client(config=NO_RETRIES)


@pytest.fixture(scope="module")
def embedded_table(embedded):
    name = create_table(embedded)
    embedded.put_item(TableName=name, Item=DOC)
    return name


@pytest.fixture(scope="module")
def indexed(embedded):
    """pk/sk table with a KEYS_ONLY global index on colour and a local index on grade."""
    name = unique_name("indexed")
    embedded.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "colour", "grade")],
        LocalSecondaryIndexes=[{"IndexName": "by-grade", "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "grade", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        GlobalSecondaryIndexes=[{"IndexName": "by-colour", "KeySchema": [
            {"AttributeName": "colour", "KeyType": "HASH"}], "Projection": {
                "ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}}])
    embedded.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    embedded.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"S": "1"}, "colour": {"S": "red"},
                                            "grade": {"S": "g"}, "note": {"S": "n"}, "spare": {"S": "o"}})
    return name


def test_get_item_document_paths(client):
    table = create_table(client)
    client.put_item(TableName=table, Item=DOC)

    def get(expression, **names):
        request = {"TableName": table, "Key": {"pk": {"S": "p"}}, "ProjectionExpression": expression}
        if names:
            request["ExpressionAttributeNames"] = names
        return client.get_item(**request)["Item"]

    b_list = DOC["a"]["M"]["b"]["L"]
    assert get("a.b") == {"a": {"M": {"b": DOC["a"]["M"]["b"]}}}
    assert get("a.b[0]") == {"a": {"M": {"b": {"L": [{"N": "2"}]}}}}
    assert get("a.b[2].y") == {"a": {"M": {"b": {"L": [{"M": {"y": {"S": "yo"}}}]}}}}
    # list elements keep the item's order, whatever the order of the paths
    assert get("a.b[2], a.b[0]") == {"a": {"M": {"b": {"L": [b_list[0], b_list[2]]}}}}
    assert get("a.b[2].x, a.b[2].y") == {"a": {"M": {"b": {"L": [b_list[2]]}}}}
    assert get("a.b[1], a.c, b") == {"a": {"M": {"b": {"L": [b_list[1]]}, "c": {"N": "5"}}}, "b": {"S": "hello"}}
    # paths that lead nowhere are left out: the item comes back empty
    for nowhere in ("x", "a.b[3]", "a.x.y", "a.b.x", "a[0]", "a.b[0].x", "b[0]"):
        assert get(nowhere) == {}, nowhere
    # names: one placeholder is one path element, dots and all
    assert get("#a.#b[1]", **{"#a": "a", "#b": "b"}) == {"a": {"M": {"b": {"L": [b_list[1]]}}}}
    assert get("#ab", **{"#ab": "a.b"}) == {"a.b": {"S": "dotted"}}
    assert get("pk, b") == {"pk": {"S": "p"}, "b": {"S": "hello"}}


def test_batch_get_and_transact_get_document_paths(client):
    table = create_table(client)
    client.put_item(TableName=table, Item=DOC)
    client.put_item(TableName=table, Item={"pk": {"S": "q"}, "a": {"M": {"c": {"N": "7"}}}})
    got = client.batch_get_item(RequestItems={table: {
        "Keys": [{"pk": {"S": "p"}}, {"pk": {"S": "q"}}], "ProjectionExpression": "#k, a.c",
        "ExpressionAttributeNames": {"#k": "pk"}}})["Responses"][table]
    assert sorted(got, key=lambda item: item["pk"]["S"]) == [
        {"pk": {"S": "p"}, "a": {"M": {"c": {"N": "5"}}}}, {"pk": {"S": "q"}, "a": {"M": {"c": {"N": "7"}}}}]
    transact = client.transact_get_items(TransactItems=[
        {"Get": {"TableName": table, "Key": {"pk": {"S": "p"}}, "ProjectionExpression": "a.b[2].x"}},
        {"Get": {"TableName": table, "Key": {"pk": {"S": "q"}}, "ProjectionExpression": "a.b[2].x"}}])
    assert [response.get("Item") for response in transact["Responses"]] == [
        {"a": {"M": {"b": {"L": [{"M": {"x": {"S": "hi"}}}]}}}}, {}]


def test_query_and_scan_document_paths(client):
    table = create_table(client, "S", "N")
    for number in range(3):
        client.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"N": str(number)},
                                               "doc": {"M": {"n": {"N": str(number)}, "tags": {"L": [
                                                   {"S": "x"}, {"S": f"t{number}"}]}}}, "big": {"S": "b" * 50}})
    queried = client.query(TableName=table, KeyConditionExpression="pk = :p", ProjectionExpression="sk, doc.tags[1]",
                           ExpressionAttributeValues={":p": {"S": "p"}})["Items"]
    assert queried == [{"sk": {"N": str(n)}, "doc": {"M": {"tags": {"L": [{"S": f"t{n}"}]}}}} for n in range(3)]
    scanned = client.scan(TableName=table, ProjectionExpression="#d.n", ExpressionAttributeNames={"#d": "doc"})
    assert sorted(item["doc"]["M"]["n"]["N"] for item in scanned["Items"]) == ["0", "1", "2"]
    assert all(set(item) == {"doc"} for item in scanned["Items"])
    legacy = client.scan(TableName=table, AttributesToGet=["sk", "missing"])
    assert sorted(item["sk"]["N"] for item in legacy["Items"]) == ["0", "1", "2"]
    assert all(set(item) == {"sk"} for item in legacy["Items"])


PROJECTION_ERRORS = [
    ("a, a", "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite "
             "one of these paths; path one: [a], path two: [a]"),
    ("a.b, a", "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite "
               "one of these paths; path one: [a, b], path two: [a]"),
    ("a, a.b[2].c", "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or "
                    "rewrite one of these paths; path one: [a], path two: [a, b, [2], c]"),
    ("a.b, a[1]", "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or "
                  "rewrite one of these paths; path one: [a, b], path two: [a, [1]]"),
    ("a.b[0], a.b.c", "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or "
                      "rewrite one of these paths; path one: [a, b, [0]], path two: [a, b, c]"),
    ("#x", "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; "
           "attribute name: #x"),
    ("a,", 'Invalid ProjectionExpression: Syntax error; token: "<EOF>", near: ","'),
    ("", "Invalid ProjectionExpression: The expression can not be empty;"),
    ("a, name", "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name"),
]


@pytest.mark.parametrize("expression, message", PROJECTION_ERRORS)
def test_projection_errors_on_every_read(embedded, embedded_table, expression, message):
    key = {"pk": {"S": "p"}}
    for call, request in (
            (embedded.get_item, {"TableName": embedded_table, "Key": key}),
            (embedded.scan, {"TableName": embedded_table}),
            (embedded.query, {"TableName": embedded_table, "KeyConditionExpression": "pk = :p",
                              "ExpressionAttributeValues": {":p": {"S": "p"}}}),
            (embedded.batch_get_item, {"RequestItems": {embedded_table: {"Keys": [key],
                                                                         "ProjectionExpression": expression}}}),
            (embedded.transact_get_items, {"TransactItems": [{"Get": {
                "TableName": embedded_table, "Key": key, "ProjectionExpression": expression}}]})):
        if "RequestItems" not in request and "TransactItems" not in request:
            request["ProjectionExpression"] = expression
        assert error_of(call, **request) == ("ValidationException", message), call.__name__


def test_projection_names_and_legacy_parameters(embedded, embedded_table):
    key = {"pk": {"S": "p"}}
    get = lambda **kw: error_of(embedded.get_item, TableName=embedded_table, Key=key, **kw)[1]  # noqa: E731
    assert get(ProjectionExpression="a", ExpressionAttributeNames={"#u": "b"}) == (
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#u}")
    assert get(ExpressionAttributeNames={"#u": "b"}) == (
        "ExpressionAttributeNames can only be specified when using expressions")
    # a reserved word is fine through a placeholder
    assert embedded.get_item(TableName=embedded_table, Key=key, ProjectionExpression="#n",
                             ExpressionAttributeNames={"#n": "name"})["Item"] == {}
    scan = lambda **kw: error_of(embedded.scan, TableName=embedded_table, **kw)[1]  # noqa: E731
    assert scan(ProjectionExpression="a", AttributesToGet=["a"]) == (
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}")
    assert scan(AttributesToGet=["a", "a"]) == (
        "One or more parameter values were invalid: Duplicate value in attribute name: a")
    # a name used by the filter only is used: only names no expression uses are refused
    assert embedded.scan(TableName=embedded_table, ProjectionExpression="#a.c", FilterExpression="#b = :b",
                         ExpressionAttributeNames={"#a": "a", "#b": "b"},
                         ExpressionAttributeValues={":b": {"S": "hello"}})["Items"] == [
        {"a": {"M": {"c": {"N": "5"}}}}]


def test_paths_into_key_attributes_and_global_index_projections(embedded, indexed):
    query = {"TableName": indexed, "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {
        ":p": {"S": "p"}}}
    nested_key = "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: "
    assert error_of(embedded.query, ProjectionExpression="pk.x", **query)[1] == nested_key + "Key: pk"
    assert error_of(embedded.scan, TableName=indexed, ProjectionExpression="note, sk[0]")[1] == nested_key + "Key: sk"
    assert error_of(embedded.query, ProjectionExpression="colour.x", **query)[1] == nested_key + "IndexKey: colour"
    assert error_of(embedded.scan, TableName=indexed, ProjectionExpression="grade[1]")[1] == nested_key + "IndexKey: grade"
    by_colour = {"TableName": indexed, "IndexName": "by-colour", "KeyConditionExpression": "colour = :c",
                 "ExpressionAttributeValues": {":c": {"S": "red"}}}
    assert error_of(embedded.query, ProjectionExpression="note, spare, sk, x.y", **by_colour)[1] == (
        "One or more parameter values were invalid: Global secondary index by-colour does not project [spare, x]")
    assert error_of(embedded.scan, TableName=indexed, IndexName="by-colour", AttributesToGet=["spare"])[1] == (
        "One or more parameter values were invalid: Global secondary index by-colour does not project [spare]")
    assert embedded.query(ProjectionExpression="note, pk", **by_colour)["Items"] == [
        {"note": {"S": "n"}, "pk": {"S": "p"}}]
    # a local index reads what it does not project from the table
    local = embedded.query(TableName=indexed, IndexName="by-grade", KeyConditionExpression="pk = :p",
                           ExpressionAttributeValues={":p": {"S": "p"}}, ProjectionExpression="spare, grade")
    assert local["Items"] == [{"spare": {"S": "o"}, "grade": {"S": "g"}}]

"""The item writes and reads answer as DynamoDB does: every message below
was captured from AWS by the public conformance suite
paritysuite/dynamodb-conformance (tests/tier3/error-messages/*.test.ts,
tests/tier3/limits, tests/tier1), whose expectations these port."""
from __future__ import annotations

import pytest
from fidelity_support import (
    EMPTY_B_KEY,
    EMPTY_S_KEY,
    INVALID,
    ONE,
    SCHEMA,
    failure,
    loose_client,
    refusal,
    shared_tables,
)


@pytest.fixture(params=["http", "embedded"])
def client(request, server_url, embedded_db):
    return loose_client(request, server_url, embedded_db)


@pytest.fixture
def t(client):
    return shared_tables(client)


S = lambda s: {"S": s}  # noqa: E731 - the suite's shorthands
N = lambda n: {"N": n}  # noqa: E731
EMPTY_B = {"B": b""}


# ---- PutItem ---------------------------------------------------------------

PUT_ITEM_REFUSALS = [
    ("empty SS", {"bad": {"SS": []}}, {}, INVALID + "An string set  may not be empty"),
    ("empty NS", {"bad": {"NS": []}}, {}, INVALID + "An number set  may not be empty"),
    ("empty BS", {"bad": {"BS": []}}, {}, INVALID + "Binary sets should not be empty"),
    ("NS with ''", {"bad": {"NS": [""]}}, {}, "The parameter cannot be converted to a numeric value"),
    ("NULL false", {"attr1": {"NULL": False}}, {},
     INVALID + "Null attribute value types must have the value of true"),
    ("Expected and ConditionExpression", {}, {"Expected": {"pk": {"Exists": False}},
                                              "ConditionExpression": "attribute_not_exists(pk)"},
     "Can not use both expression and non-expression parameters in the same request: "
     "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"),
    ("redundant parentheses", {}, {"ConditionExpression": "((attribute_not_exists(pk)))"},
     "Invalid ConditionExpression: The expression has redundant parentheses;"),
    ("contains(#a, #a)", {}, {"ConditionExpression": "contains(#a, #a)",
                              "ExpressionAttributeNames": {"#a": "data"}},
     "Invalid ConditionExpression: The first operand must be distinct from the remaining "
     "operands for this operator or function; operator: contains, first operand: [data]"),
]


@pytest.mark.parametrize("extra_item,extra,expected", [c[1:] for c in PUT_ITEM_REFUSALS],
                         ids=[c[0] for c in PUT_ITEM_REFUSALS])
def test_put_item_refusals_name_the_problem(client, t, extra_item, extra, expected):
    message = refusal(client, "put_item", TableName=t["hash"],
                      Item={"pk": S("em-put"), **extra_item}, **extra)
    assert expected in message


def test_put_item_duplicate_set_members(client, t):
    for members in (["a", "a"], ["", ""]):
        message = refusal(client, "put_item", TableName=t["hash"],
                          Item={"pk": S("em-put"), "bad": {"SS": members}})
        assert INVALID + "Input collection" in message and "contains duplicates" in message
    message = refusal(client, "put_item", TableName=t["hash"],
                      Item={"pk": S("em-put"), "bad": {"BS": [b"", b""]}})
    assert "of type BS contains duplicates" in message


@pytest.mark.parametrize("operation,params", [
    ("put_item", {"Item": {"pk": EMPTY_B}}),
    ("update_item", {"Key": {"pk": EMPTY_B}, "UpdateExpression": "SET attr1 = :v",
                     "ExpressionAttributeValues": {":v": S("x")}}),
    ("delete_item", {"Key": {"pk": EMPTY_B}}),
    ("get_item", {"Key": {"pk": EMPTY_B}}),
])
def test_an_empty_binary_key_is_refused_by_name(client, t, operation, params):
    assert refusal(client, operation, TableName=t["hash_b"], **params) == EMPTY_B_KEY


ENVELOPED = [
    ({"ExpressionAttributeValues": {":v": S("x")}},
     "ExpressionAttributeValues can only be specified when using expressions"),
    ({"ExpressionAttributeNames": {"#a": "a"}},
     "ExpressionAttributeNames can only be specified when using expressions"),
    ({"Expected": {"a": {"Exists": False}}, "ExpressionAttributeNames": {"#a": "a"}},
     "ExpressionAttributeNames can only be specified when using expressions"),
    ({"ConditionExpression": "attribute_exists(a)", "ExpressionAttributeValues": {}},
     "ExpressionAttributeValues must not be empty"),
    ({"ConditionExpression": "attribute_exists(a)", "ExpressionAttributeNames": {}},
     "ExpressionAttributeNames must not be empty"),
    ({"ConditionExpression": ""}, "Invalid ConditionExpression: The expression can not be empty;"),
    ({"Expected": {"a": {"Exists": True}}},
     INVALID + "Value must be provided when Exists is true for Attribute: a"),
    ({"Expected": {"a": {"Exists": False, "Value": S("x")}}},
     INVALID + "Value cannot be used when Exists is false for Attribute: a"),
    ({"Expected": {"a": {"Value": S("x"), "ComparisonOperator": "EQ",
                         "AttributeValueList": [S("x")]}}},
     INVALID + "Value and AttributeValueList cannot be used together for Attribute: a"),
    ({"Expected": {"a": {"ComparisonOperator": "EQ"}}},
     INVALID + "Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: a"),
    ({"Expected": {"a": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [S("x")]}}},
     INVALID + "Invalid number of argument(s) for the BETWEEN ComparisonOperator"),
]


@pytest.mark.parametrize("params,expected", ENVELOPED)
@pytest.mark.parametrize("operation", ["put_item", "delete_item"])
def test_request_checks_are_enveloped_on_put_and_delete(client, t, operation, params, expected):
    target = {"Item": {"pk": S("em-env")}} if operation == "put_item" else {"Key": {"pk": S("em-env")}}
    assert refusal(client, operation, TableName=t["hash"], **target, **params) == ONE + expected


@pytest.mark.parametrize("returns", ["ALL_NEW", "UPDATED_NEW"])
def test_delete_item_returns_only_all_old_or_none(client, t, returns):
    assert refusal(client, "delete_item", TableName=t["hash"], Key={"pk": S("x")},
                   ReturnValues=returns) == ONE + "ReturnValues can only be ALL_OLD or NONE"


def test_delete_item_missing_sort_key_and_absent_table(client, t):
    assert refusal(client, "delete_item", TableName=t["composite"], Key={"pk": S("x")}) == SCHEMA
    error = failure(client, "delete_item", TableName="does_not_exist_em_delete", Key={"pk": S("x")})
    assert error.response["Error"] == {"Code": "ResourceNotFoundException",
                                       "Message": "Requested resource not found"}


# ---- UpdateItem ------------------------------------------------------------

UPDATE_REFUSALS = [
    ({"UpdateExpression": "SET pk = :v", "ExpressionAttributeValues": {":v": S("n")}},
     "==" + INVALID + "Cannot update attribute pk. This attribute is part of the key"),
    ({"UpdateExpression": "INVALID SYNTAX HERE", "ExpressionAttributeValues": {":v": S("v")}},
     'Invalid UpdateExpression: Syntax error; token: "INVALID", near: "INVALID SYNTAX"'),
    ({"UpdateExpression": "SET attr1 = :v", "ExpressionAttributeValues": {":v": S("v")},
      "ExpressionAttributeNames": {"#unused": "x"}},
     "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}"),
    ({"UpdateExpression": "SET attr1 = :v",
      "ExpressionAttributeValues": {":v": S("v"), ":unused": S("x")}},
     "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}"),
    ({"UpdateExpression": "SET attr1 = :v"},
     "Invalid UpdateExpression: An expression attribute value used in expression is not "
     "defined; attribute value: :v"),
    ({"UpdateExpression": "SET b = :w", "ConditionExpression": "a = :v",
      "ExpressionAttributeValues": {":w": S("x")}},
     "==" + ONE + "Invalid ConditionExpression: An expression attribute value used in expression "
     "is not defined; attribute value: :v"),
    ({"UpdateExpression": "SET attr1 = :v", "ExpressionAttributeValues": {":v": S("v")},
      "AttributeUpdates": {"attr1": {"Value": S("v"), "Action": "PUT"}}},
     "Can not use both expression and non-expression parameters in the same request: "
     "Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}"),
    ({"UpdateExpression": ""}, "Invalid UpdateExpression: The expression can not be empty;"),
]


@pytest.mark.parametrize("params,expected", UPDATE_REFUSALS)
def test_update_item_refusals(client, t, params, expected):
    message = refusal(client, "update_item", TableName=t["hash"], Key={"pk": S("em-upd")}, **params)
    if expected.startswith("=="):
        assert message == expected[2:]
    else:
        assert expected in message


def test_update_item_cannot_set_the_sort_key(client, t):
    assert refusal(client, "update_item", TableName=t["composite"],
                   Key={"pk": S("em-upd"), "sk": S("sk1")}, UpdateExpression="SET sk = :v",
                   ExpressionAttributeValues={":v": S("n")}) == \
        INVALID + "Cannot update attribute sk. This attribute is part of the key"


# ---- BatchGetItem / BatchWriteItem -----------------------------------------

def test_batch_get_item_refusals(client, t):
    hash_table = t["hash"]
    assert refusal(client, "batch_get_item", RequestItems={}) == \
        ONE + "Value at 'RequestItems' failed to satisfy constraint: Member must have length greater than or equal to 1"
    keys = [{"pk": S(f"bg-{i}")} for i in range(101)]
    assert refusal(client, "batch_get_item", RequestItems={hash_table: {"Keys": keys}}) == \
        ONE + f"Value at 'RequestItems.{hash_table}.member.Keys' failed to satisfy constraint: " \
              "Member must have length less than or equal to 100"
    assert refusal(client, "batch_get_item", RequestItems={hash_table: {"Keys": []}}) == \
        ONE + f"Value at 'RequestItems.{hash_table}.member.Keys' failed to satisfy constraint: " \
              "Member must have length greater than or equal to 1"
    assert refusal(client, "batch_get_item", RequestItems={
        hash_table: {"Keys": [{"pk": S("d")}, {"pk": S("d")}]}}) == \
        "Provided list of item keys contains duplicates"
    assert "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}" in \
        refusal(client, "batch_get_item", RequestItems={hash_table: {
            "Keys": [{"pk": S("m")}], "AttributesToGet": ["pk"], "ProjectionExpression": "pk"}})
    assert refusal(client, "batch_get_item", RequestItems={
        hash_table: {"Keys": [{"pk": S("a")}], "ProjectionExpression": "pk"},
        t["composite"]: {"Keys": [{"pk": S("b"), "sk": S("z")}], "AttributesToGet": ["pk"]}}) != "(accepted)"
    assert refusal(client, "batch_get_item", RequestItems={t["hash_b"]: {"Keys": [{"pk": EMPTY_B}]}}) == \
        EMPTY_B_KEY
    error = failure(client, "batch_get_item", RequestItems={"does_not_exist_em_bg": {"Keys": [{"pk": S("x")}]}})
    assert error.response["Error"]["Code"] == "ResourceNotFoundException"


OVERLAP = "Invalid ProjectionExpression: Two document paths overlap with each other; must remove " \
          "or rewrite one of these paths; path one: [a], path two: "


@pytest.mark.parametrize("projection,names,second", [
    ("a, a", None, "[a]"), ("#a, #b", {"#a": "a", "#b": "a"}, "[a]"), ("a, a.b", None, "[a, b]")])
def test_batch_get_item_projection_overlaps(client, t, projection, names, second):
    entry = {"Keys": [{"pk": S("em-bg-proj")}], "ProjectionExpression": projection}
    if names:
        entry["ExpressionAttributeNames"] = names
    clean = {"Keys": [{"pk": S("c"), "sk": S("z")}], "ProjectionExpression": "a"}
    assert refusal(client, "batch_get_item", RequestItems={t["hash"]: entry, t["composite"]: clean}) == \
        OVERLAP + second


def test_batch_write_item_refusals(client, t):
    hash_table = t["hash"]
    assert refusal(client, "batch_write_item", RequestItems={}) in (
        "The requestItems parameter is required for BatchWriteItem",
        ONE + "Value at 'RequestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
    puts = [{"PutRequest": {"Item": {"pk": S(f"bw-{i}")}}} for i in range(26)]
    message = refusal(client, "batch_write_item", RequestItems={hash_table: puts})
    assert message.startswith(ONE) and "Member must have length less than or equal to 25" in message
    assert refusal(client, "batch_write_item", RequestItems={hash_table: [
        {"PutRequest": {"Item": {"pk": S("d")}}}, {"DeleteRequest": {"Key": {"pk": S("d")}}}]}) == \
        "Provided list of item keys contains duplicates"
    for item in ({"pk": N("5")}, {"pk": {"L": [S("x")]}}, {"other": S("x")}):
        assert refusal(client, "batch_write_item",
                       RequestItems={hash_table: [{"PutRequest": {"Item": item}}]}) == SCHEMA
    assert refusal(client, "batch_write_item", RequestItems={
        hash_table: [{"DeleteRequest": {"Key": {"other": S("x")}}}]}) == SCHEMA
    assert refusal(client, "batch_write_item", RequestItems={
        hash_table: [{"PutRequest": {"Item": {"pk": S("")}}}]}) == EMPTY_S_KEY
    for request in ({"PutRequest": {"Item": {"pk": EMPTY_B}}}, {"DeleteRequest": {"Key": {"pk": EMPTY_B}}}):
        assert refusal(client, "batch_write_item", RequestItems={t["hash_b"]: [request]}) == EMPTY_B_KEY
    assert refusal(client, "batch_write_item", RequestItems={hash_table: []}) == \
        ONE + f"Value '{{{hash_table}=[]}}' at 'requestItems' failed to satisfy constraint: Map value " \
              "must satisfy constraint: [Member must have length less than or equal to 25, Member " \
              "must have length greater than or equal to 1]"
    message = refusal(client, "batch_write_item", RequestItems={
        "bad!name": [{"PutRequest": {"Item": {"pk": S("x")}}}]})
    assert message.startswith(ONE + "Value '{bad!name=[WriteRequest(putRequest=PutRequest(item={pk=")
    assert message.endswith("at 'requestItems' failed to satisfy constraint: Map keys must satisfy "
                            "constraint: [Member must have length less than or equal to 255, Member "
                            "must have length greater than or equal to 3, Member must satisfy regular "
                            "expression pattern: [a-zA-Z0-9_.-]+]")
    error = failure(client, "batch_write_item", RequestItems={
        "does_not_exist_em_bw": [{"PutRequest": {"Item": {"pk": S("x")}}}]})
    assert error.response["Error"]["Code"] == "ResourceNotFoundException"


# ---- TransactWriteItems / TransactGetItems ----------------------------------

CANCELLED = "Transaction cancelled, please refer cancellation reasons for specific reasons "


def test_transact_write_items_refusals(client, t):
    hash_table = t["hash"]
    assert refusal(client, "transact_write_items", TransactItems=[]) in (
        ONE + "Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ONE + "Value at 'TransactItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
    many = [{"Put": {"TableName": hash_table, "Item": {"pk": S(f"twi-{i}")}}} for i in range(101)]
    message = refusal(client, "transact_write_items", TransactItems=many)
    assert message.startswith(ONE) and message.endswith(
        "failed to satisfy constraint: Member must have length less than or equal to 100")
    same = {"Put": {"TableName": hash_table, "Item": {"pk": S("em-twi-dup")}}}
    assert refusal(client, "transact_write_items", TransactItems=[same, same]) == \
        "Transaction request cannot include multiple operations on one item"
    error = failure(client, "transact_write_items", TransactItems=[
        {"Put": {"TableName": "does_not_exist_em_twi", "Item": {"pk": S("x")}}}])
    assert error.response["Error"] == {"Code": "ResourceNotFoundException",
                                       "Message": "Requested resource not found"}


def test_transact_write_items_reasons_are_positional(client, t):
    hash_table = t["hash"]
    client.put_item(TableName=hash_table, Item={"pk": S("em-twi-pos"), "attr1": S("exists")})
    guarded = lambda key: {"Put": {"TableName": hash_table, "Item": {"pk": S(key)},  # noqa: E731
                                   "ConditionExpression": "attribute_not_exists(pk)"}}
    error = failure(client, "transact_write_items", TransactItems=[guarded("em-twi-new"), guarded("em-twi-pos")])
    assert error.response["Error"]["Message"] == CANCELLED + "[None, ConditionalCheckFailed]"
    reasons = error.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"]
    assert reasons[1]["Message"] == "The conditional request failed"


def _validation_reason(client, action: dict) -> str:
    error = failure(client, "transact_write_items", TransactItems=[action])
    assert error.response["Error"]["Code"] == "TransactionCanceledException", error.response
    assert error.response["Error"]["Message"] == CANCELLED + "[ValidationError]"
    reasons = error.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["ValidationError"]
    return reasons[0]["Message"]


def _keyed(kind: str, table: str, key: dict) -> dict:
    action = {"TableName": table, "Key": {"pk": key}}
    if kind == "Update":
        action.update(UpdateExpression="SET attr1 = :v", ExpressionAttributeValues={":v": S("x")})
    if kind == "ConditionCheck":
        action["ConditionExpression"] = "attribute_not_exists(pk)"
    return {kind: action}


def test_transact_write_items_key_faults(client, t):
    hash_table, hash_b = t["hash"], t["hash_b"]
    assert _validation_reason(client, {"Put": {"TableName": hash_table, "Item": {"pk": N("5")}}}) == \
        INVALID + "Type mismatch for key pk expected: S actual: N"
    assert _validation_reason(client, {"Put": {"TableName": hash_table, "Item": {"pk": {"L": [S("x")]}}}}) == \
        INVALID + "Type mismatch for key pk expected: S actual: L"
    assert refusal(client, "transact_write_items",
                   TransactItems=[{"Put": {"TableName": hash_table, "Item": {"pk": S("")}}}]) == EMPTY_S_KEY
    assert refusal(client, "transact_write_items",
                   TransactItems=[{"Put": {"TableName": hash_b, "Item": {"pk": EMPTY_B}}}]) == EMPTY_B_KEY
    for kind in ("Update", "Delete", "ConditionCheck"):
        assert refusal(client, "transact_write_items", TransactItems=[_keyed(kind, hash_table, S(""))]) == EMPTY_S_KEY
        assert refusal(client, "transact_write_items", TransactItems=[_keyed(kind, hash_b, EMPTY_B)]) == EMPTY_B_KEY
        assert _validation_reason(client, _keyed(kind, hash_table, N("5"))) == SCHEMA
        assert _validation_reason(client, _keyed(kind, hash_table, {"L": [S("x")]})) == SCHEMA


def test_transact_get_items_refusals(client, t):
    hash_table = t["hash"]
    assert refusal(client, "transact_get_items", TransactItems=[]) in (
        ONE + "Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ONE + "Value at 'TransactItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
    many = [{"Get": {"TableName": hash_table, "Key": {"pk": S(f"tgi-{i}")}}} for i in range(101)]
    message = refusal(client, "transact_get_items", TransactItems=many)
    assert message.startswith(ONE) and message.endswith(
        "failed to satisfy constraint: Member must have length less than or equal to 100")
    error = failure(client, "transact_get_items", TransactItems=[
        {"Get": {"TableName": "does_not_exist_em_tgi", "Key": {"pk": S("x")}}}])
    assert error.response["Error"]["Code"] == "ResourceNotFoundException"
    assert refusal(client, "transact_get_items", TransactItems=[{"Get": {
        "TableName": hash_table, "Key": {"pk": S("p")}, "ProjectionExpression": "!!!"}}]) == \
        'Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"'
    error = failure(client, "transact_get_items", TransactItems=[{"Get": {"TableName": hash_table, "Key": {}}}])
    assert error.response["Error"]["Code"] == "TransactionCanceledException"
    assert error.response["Error"]["Message"] == CANCELLED + "[ValidationError]"
    assert [r["Code"] for r in error.response["CancellationReasons"]] == ["ValidationError"]


# ---- Attribute values: two checking layers ---------------------------------
# DynamoDB checks values in one of two layers (valueLayers.test.ts, four
# regions, 2026-10-09): the current one (PutItem, UpdateItem, DeleteItem
# inside the "1 validation error detected: " envelope; GetItem, BatchGetItem
# and Query bare) and the older one (BatchWriteItem, the transactions and
# Scan, bare, expression values inside "ExpressionAttributeValues contains
# invalid value: ... for key ...").

OVERFLOW = "Number overflow. Attempting to store a number with magnitude larger than supported range"
UNDERFLOW = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
NOT_NUMERIC = "The parameter cannot be converted to a numeric value"
SHAPES = ["abc", "", "1e126", "1e2147483647"]
CURRENT = [f"{NOT_NUMERIC}: abc", f"{NOT_NUMERIC}: ", OVERFLOW, OVERFLOW]
OLDER = [f"{NOT_NUMERIC}: abc", NOT_NUMERIC, OVERFLOW, UNDERFLOW]
enveloped = lambda messages: [ONE + m for m in messages]  # noqa: E731
for_key = lambda messages, key: [  # noqa: E731
    f"ExpressionAttributeValues contains invalid value: {m} for key {key}" for m in messages]


def each_shape(send) -> list[str]:
    return [send(N(shape), shape) for shape in SHAPES]


PUT_NUMBERS = [
    ("1e99999999999", OVERFLOW), ("-1e99999999999", OVERFLOW), ("1e-99999999999", UNDERFLOW),
    ("1e2147483648", OVERFLOW), ("1e2147483647", OVERFLOW), ("1e-2147483648", UNDERFLOW),
    ("1e126", OVERFLOW), ("1e-131", UNDERFLOW), ("abc", f"{NOT_NUMERIC}: abc"),
    ("1.2.3", f"{NOT_NUMERIC}: 1.2.3"), ("", f"{NOT_NUMERIC}: "), (" 1", f"{NOT_NUMERIC}:  1"),
    ("1 ", f"{NOT_NUMERIC}: 1 "), ("0x10", f"{NOT_NUMERIC}: 0x10"), ("1e", f"{NOT_NUMERIC}: 1e"),
    ("NaN", f"{NOT_NUMERIC}: NaN"), ("Infinity", f"{NOT_NUMERIC}: Infinity"),
    ("1234567890123456789012345678901234567890",
     "Attempting to store more than 38 significant digits in a Number"),
]


@pytest.mark.parametrize("number,expected", PUT_NUMBERS)
def test_put_item_refuses_malformed_numbers_enveloped(client, t, number, expected):
    assert refusal(client, "put_item", TableName=t["hash"],
                   Item={"pk": S("vl-n"), "n": N(number)}) == ONE + expected


def test_put_item_numbers_in_sets_nested_conditions_and_expected(client, t):
    table = t["hash"]
    put = lambda **params: refusal(client, "put_item", TableName=table, **params)  # noqa: E731
    assert each_shape(lambda v, raw: put(Item={"pk": S("vl-n"), "n": {"NS": ["1", raw]}})) == enveloped(CURRENT)
    assert each_shape(lambda v, raw: put(Item={"pk": S("vl-n"), "n": {"M": {"x": {"L": [v]}}}})) == \
        enveloped(CURRENT)
    assert each_shape(lambda v, raw: put(Item={"pk": S("vl-n")},
                                         ConditionExpression="attribute_not_exists(pk) OR n = :v",
                                         ExpressionAttributeValues={":v": v})) == enveloped(CURRENT)
    assert each_shape(lambda v, raw: put(Item={"pk": S("vl-n-expected")},
                                         Expected={"n": {"Value": v}})) == enveloped(CURRENT)
    assert "Item" not in client.get_item(TableName=table, Key={"pk": S("vl-n-expected")},
                                         ConsistentRead=True)


def test_update_and_delete_item_numbers_enveloped(client, t):
    table = t["hash"]
    update = lambda **params: refusal(client, "update_item", TableName=table, **params)  # noqa: E731
    delete = lambda **params: refusal(client, "delete_item", TableName=table, **params)  # noqa: E731
    want = enveloped(CURRENT)
    assert each_shape(lambda v, raw: update(Key={"pk": S("vl-n")}, UpdateExpression="SET n = :v",
                                            ExpressionAttributeValues={":v": v})) == want
    assert each_shape(lambda v, raw: update(Key={"pk": S("vl-n")},
                                            AttributeUpdates={"n": {"Action": "PUT", "Value": v}})) == want
    assert each_shape(lambda v, raw: update(Key={"pk": v}, UpdateExpression="SET n = :o",
                                            ExpressionAttributeValues={":o": N("1")})) == want
    assert each_shape(lambda v, raw: delete(Key={"pk": S("vl-n")}, ConditionExpression="n = :v",
                                            ExpressionAttributeValues={":v": v})) == want
    assert each_shape(lambda v, raw: delete(Key={"pk": v})) == want


def test_get_batch_get_and_query_numbers_bare(client, t):
    table = t["hash"]
    assert each_shape(lambda v, raw: refusal(client, "get_item", TableName=table, Key={"pk": v})) == CURRENT
    assert each_shape(lambda v, raw: refusal(client, "batch_get_item",
                                             RequestItems={table: {"Keys": [{"pk": v}]}})) == CURRENT
    assert each_shape(lambda v, raw: refusal(
        client, "query", TableName=table, KeyConditionExpression="pk = :p", FilterExpression="n = :v",
        ExpressionAttributeValues={":p": S("vl-n"), ":v": v})) == CURRENT


def test_batch_write_and_transactions_numbers_in_the_older_layer(client, t):
    table = t["hash"]
    assert each_shape(lambda v, raw: refusal(client, "batch_write_item", RequestItems={
        table: [{"PutRequest": {"Item": {"pk": S("vl-n"), "n": v}}}]})) == OLDER
    assert each_shape(lambda v, raw: refusal(client, "transact_write_items", TransactItems=[
        {"Put": {"TableName": table, "Item": {"pk": S("vl-n"), "n": v}}}])) == OLDER
    assert each_shape(lambda v, raw: refusal(client, "transact_write_items", TransactItems=[
        {"Update": {"TableName": table, "Key": {"pk": S("vl-n")}, "UpdateExpression": "SET n = :v",
                    "ExpressionAttributeValues": {":v": v}}}])) == for_key(OLDER, ":v")
    assert each_shape(lambda v, raw: refusal(client, "transact_get_items", TransactItems=[
        {"Get": {"TableName": table, "Key": {"pk": v}}}])) == OLDER


DUPES = [{"SS": ["b", "a", "b"]}, {"BS": [b"\xff", b"\x00", b"\x00"]}, {"NS": ["2", "1", "2"]}]
DUPE_CURRENT = [INVALID + 'Input collection ["a", "b", "b"] contains duplicates.',
                INVALID + 'Input collection ["AA==","/w==","AA=="]of type BS contains duplicates.',
                INVALID + "Input collection contains duplicates."]
DUPE_OLDER = [INVALID + "Input collection [b, a, b] contains duplicates.",
              INVALID + "Input collection [/w==, AA==, AA==]of type BS contains duplicates.",
              "Input collection contains duplicates"]


def each_set(send) -> list[str]:
    return [send(dict(value)) for value in DUPES]


def test_duplicate_set_members_on_put_update_delete_enveloped(client, t):
    table = t["hash"]
    put = lambda **params: refusal(client, "put_item", TableName=table, **params)  # noqa: E731
    update = lambda **params: refusal(client, "update_item", TableName=table, **params)  # noqa: E731
    want = enveloped(DUPE_CURRENT)
    assert each_set(lambda d: put(Item={"pk": S("vl-d"), "s": d})) == want
    assert each_set(lambda d: put(Item={"pk": S("vl-d")}, ConditionExpression="attribute_not_exists(pk) OR s = :t",
                                  ExpressionAttributeValues={":t": d})) == want
    assert each_set(lambda d: put(Item={"pk": S("vl-d")}, Expected={"s": {"Value": d}})) == want
    assert each_set(lambda d: update(Key={"pk": S("vl-d")}, UpdateExpression="SET o = :o",
                                     ConditionExpression="attribute_not_exists(pk) OR s = :t",
                                     ExpressionAttributeValues={":o": N("1"), ":t": d})) == want
    assert each_set(lambda d: update(Key={"pk": S("vl-d")},
                                     AttributeUpdates={"s": {"Action": "PUT", "Value": d}})) == want
    assert each_set(lambda d: update(Key={"pk": d}, UpdateExpression="SET o = :o",
                                     ExpressionAttributeValues={":o": N("1")})) == want
    assert each_set(lambda d: refusal(client, "delete_item", TableName=table, Key={"pk": d})) == want


def test_duplicate_set_members_on_reads_bare(client, t):
    table = t["hash"]
    assert each_set(lambda d: refusal(client, "get_item", TableName=table, Key={"pk": d})) == DUPE_CURRENT
    assert each_set(lambda d: refusal(client, "batch_get_item",
                                      RequestItems={table: {"Keys": [{"pk": d}]}})) == DUPE_CURRENT
    query = lambda **params: refusal(client, "query", TableName=table, **params)  # noqa: E731
    assert each_set(lambda d: query(KeyConditionExpression="pk = :t",
                                    ExpressionAttributeValues={":t": d})) == DUPE_CURRENT
    assert each_set(lambda d: query(KeyConditionExpression="pk = :p", FilterExpression="s = :t",
                                    ExpressionAttributeValues={":p": S("vl-d"), ":t": d})) == DUPE_CURRENT
    assert each_set(lambda d: query(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S("vl-d")},
                                    ExclusiveStartKey={"pk": d})) == DUPE_CURRENT
    assert each_set(lambda d: query(
        KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("vl-d")]}},
        QueryFilter={"s": {"ComparisonOperator": "EQ", "AttributeValueList": [d]}})) == DUPE_CURRENT


def test_duplicate_set_members_in_the_older_layer(client, t):
    table = t["hash"]
    batch = lambda request: refusal(client, "batch_write_item", RequestItems={table: [request]})  # noqa: E731
    assert each_set(lambda d: batch({"PutRequest": {"Item": {"pk": S("vl-d"), "s": d}}})) == DUPE_OLDER
    assert each_set(lambda d: batch({"DeleteRequest": {"Key": {"pk": d}}})) == DUPE_OLDER
    transact = lambda action: refusal(client, "transact_write_items", TransactItems=[action])  # noqa: E731
    assert each_set(lambda d: transact({"Put": {"TableName": table, "Item": {"pk": S("vl-d"), "s": d}}})) == DUPE_OLDER
    assert each_set(lambda d: transact({"Delete": {"TableName": table, "Key": {"pk": d}}})) == DUPE_OLDER
    condition = {"ConditionExpression": "attribute_not_exists(pk) OR s = :t"}
    shapes = [
        lambda d: {"Put": {"TableName": table, "Item": {"pk": S("vl-d")}, **condition,
                           "ExpressionAttributeValues": {":t": d}}},
        lambda d: {"Update": {"TableName": table, "Key": {"pk": S("vl-d")}, "UpdateExpression": "SET s = :t",
                              "ExpressionAttributeValues": {":t": d}}},
        lambda d: {"Delete": {"TableName": table, "Key": {"pk": S("vl-d")}, **condition,
                              "ExpressionAttributeValues": {":t": d}}},
        lambda d: {"ConditionCheck": {"TableName": table, "Key": {"pk": S("vl-d")}, **condition,
                                      "ExpressionAttributeValues": {":t": d}}},
    ]
    for shape in shapes:
        assert each_set(lambda d: transact(shape(d))) == for_key(DUPE_OLDER, ":t")
    assert each_set(lambda d: refusal(client, "transact_get_items", TransactItems=[
        {"Get": {"TableName": table, "Key": {"pk": d}}}])) == DUPE_OLDER


# ---- Which failure wins (tests/tier3/validation-ordering) ---------------------

ENUM_RCC = ("Value 'BOGUS' at 'returnConsumedCapacity' failed to satisfy constraint: Member must "
            "satisfy enum value set: [INDEXES, TOTAL, NONE]")
ENUM_RICM = ("Value 'BOGUS2' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member "
             "must satisfy enum value set: [SIZE, NONE]")
ABSENT = "vo_absent_table"


def test_batch_and_transaction_enums_come_first(client, t):
    table = t["hash"]
    put = lambda name, pk: {name: [{"PutRequest": {"Item": {"pk": S(pk)}}}]}  # noqa: E731
    assert refusal(client, "batch_write_item", RequestItems=put(table, "vo-bw-rcc"),
                   ReturnConsumedCapacity="BOGUS") == ONE + ENUM_RCC
    assert refusal(client, "batch_write_item", RequestItems=put(table, "vo-bw-ricm"),
                   ReturnItemCollectionMetrics="BOGUS2") == ONE + ENUM_RICM
    assert refusal(client, "batch_write_item", RequestItems=put(table, "vo-bw-both"), ReturnConsumedCapacity="BOGUS",
                   ReturnItemCollectionMetrics="BOGUS2") == f"2 validation errors detected: {ENUM_RCC}; {ENUM_RICM}"
    assert refusal(client, "batch_write_item", RequestItems=put(ABSENT, "a"),
                   ReturnConsumedCapacity="BOGUS") == ONE + ENUM_RCC
    for name in (table, ABSENT):
        assert refusal(client, "batch_get_item", RequestItems={name: {"Keys": [{"pk": S("a")}]}},
                       ReturnConsumedCapacity="BOGUS") == ONE + ENUM_RCC
    for pk in ("vo-bw-rcc", "vo-bw-ricm", "vo-bw-both"):
        assert "Item" not in client.get_item(TableName=table, Key={"pk": S(pk)}, ConsistentRead=True)
    put_action = lambda name, pk: {"Put": {"TableName": name, "Item": {"pk": S(pk)}}}  # noqa: E731
    assert refusal(client, "transact_write_items", TransactItems=[put_action(table, "vo-tx-rcc")],
                   ReturnConsumedCapacity="BOGUS") == ONE + ENUM_RCC
    assert refusal(client, "transact_write_items", TransactItems=[put_action(table, "vo-tx-ricm")],
                   ReturnItemCollectionMetrics="BOGUS2") == ONE + ENUM_RICM
    assert refusal(client, "transact_write_items", TransactItems=[put_action(ABSENT, "a")],
                   ReturnConsumedCapacity="BOGUS") == ONE + ENUM_RCC
    assert refusal(client, "transact_write_items", TransactItems=[
        put_action(table, "vo-tx-dup"), {"Delete": {"TableName": table, "Key": {"pk": S("vo-tx-dup")}}}],
        ReturnConsumedCapacity="BOGUS") == ONE + ENUM_RCC
    get = lambda name: {"Get": {"TableName": name, "Key": {"pk": S("vo-tg")}}}  # noqa: E731
    for items in ([get(table)], [get(ABSENT)], [get(table), get(table)]):
        assert refusal(client, "transact_get_items", TransactItems=items, ReturnConsumedCapacity="BOGUS") == \
            ONE + ENUM_RCC


def deep(depth: int) -> dict:
    value = S("leaf")
    for _ in range(depth):
        value = {"M": {"n": value}}
    return value


NEST = ("Nesting Levels have exceeded supported limits: Attributes in the item have nested levels "
        "beyond supported limit")


def test_transact_write_items_checks_actions_in_order_before_tables(client, t):
    table = t["hash"]
    syntax = 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "("'
    check = {"ConditionCheck": {"TableName": table, "Key": {"pk": S("vo-tx-cc")},
                                "ConditionExpression": "attribute_not_exists("}}
    missing = {"Put": {"TableName": ABSENT, "Item": {"pk": S("a")}}}
    too_deep = {"Put": {"TableName": table, "Item": {"pk": S("vo-tx-deep"), "data": deep(32)}}}
    assert refusal(client, "transact_write_items", TransactItems=[missing, check]) == syntax
    assert refusal(client, "transact_write_items", TransactItems=[check, too_deep]) == syntax
    assert refusal(client, "transact_write_items", TransactItems=[too_deep, check]) == NEST
    unused = {"ConditionCheck": {"TableName": table, "Key": {"pk": S("vo-tx-cc")},
                                 "ConditionExpression": "attribute_not_exists(pk)",
                                 "ExpressionAttributeValues": {":v": S("x")}}}
    message = "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}"
    assert refusal(client, "transact_write_items", TransactItems=[missing, unused]) == message
    assert refusal(client, "transact_write_items", TransactItems=[unused, missing]) == message
    assert refusal(client, "transact_write_items", TransactItems=[
        {"Put": {"TableName": table, "Item": {"pk": S("vo-tx-cc")}}}, unused]) == message
    assert "Item" not in client.get_item(TableName=table, Key={"pk": S("vo-tx-cc")}, ConsistentRead=True)


def test_transact_write_items_token_length(client, t):
    token = "x" * 37
    generic = ONE + "Value at 'ClientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36"
    echoed = f"Value '{token}' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36"
    action = {"Put": {"TableName": t["hash"], "Item": {"pk": S("vo-tx-token")}}}
    assert refusal(client, "transact_write_items", TransactItems=[action], ClientRequestToken=token) in (
        generic, ONE + echoed)
    assert refusal(client, "transact_write_items", TransactItems=[action], ClientRequestToken=token,
                   ReturnConsumedCapacity="BOGUS") in (generic, f"2 validation errors detected: {echoed}; {ENUM_RCC}")


def test_deep_transactions_report_the_first_action(client):
    table = ABSENT
    key = lambda pk: {"pk": pk, "sk": S("1")}  # noqa: E731
    send = lambda *items: refusal(client, "transact_write_items", TransactItems=list(items))  # noqa: E731
    assert send({"Put": {"TableName": table, "Item": {**key(S("b")), "d": deep(40)}}},
                {"Put": {"TableName": table, "Item": {**key(S("a")), "": S("x")}}}) == NEST
    empty_name = "Empty attribute name"
    assert send({"Put": {"TableName": table, "Item": {**key(S("a")), "": S("x")}}},
                {"Put": {"TableName": table, "Item": {**key(S("b")), "d": deep(100)}}}) == empty_name
    assert send({"Put": {"TableName": table, "Item": {**key(S("a")), "": S("x"), "d": deep(100)}}}) == empty_name
    assert send({"Put": {"TableName": table, "Item": {**key(S("a")), "d": deep(100), "": S("x")}}}) == empty_name
    assert send({"Put": {"TableName": table, "Item": {**key(S("a")), "": S("x")}}},
                {"ConditionCheck": {"TableName": table, "Key": key(S("b")), "ConditionExpression": "d = :deep",
                                    "ExpressionAttributeValues": {":deep": deep(100)}}}) == empty_name
    assert send({"Put": {"TableName": table, "Item": {**key(S("a")), "m": {"M": {"": S("x")}}, "d": deep(40)}}}) == NEST
    assert send({"Delete": {"TableName": table, "Key": key(deep(40))}},
                {"Put": {"TableName": table, "Item": key(S("a")), "ConditionExpression": "a = = b"}}) == NEST
    assert send({"Put": {"TableName": table, "Item": key(S("a")), "ConditionExpression": "a = = b"}},
                {"Delete": {"TableName": table, "Key": key(deep(100))}}) == \
        'Invalid ConditionExpression: Syntax error; token: "=", near: "= = b"'
    condition = "a = :v" + " AND a = :v" * 373
    assert send({"Delete": {"TableName": table, "Key": key(deep(100)), "ConditionExpression": condition,
                            "ExpressionAttributeValues": {":v": S("x")}}}) == \
        "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: 4109"
    update = "SET " + ", ".join(f"a{i} = :v" for i in range(500))
    assert send({"Update": {"TableName": table, "Key": key(S("a")), "UpdateExpression": update,
                            "ExpressionAttributeValues": {":v": S("x")}}},
                {"ConditionCheck": {"TableName": table, "Key": key(deep(100)),
                                    "ConditionExpression": "attribute_exists(a)"}}) == \
        "Invalid UpdateExpression: Expression size has exceeded the maximum allowed size;"


# ---- ItemCollectionMetrics, sizes, limits ----------------------------------------

def lsi_table(client) -> str:
    name = "t-icm-" + __import__("uuid").uuid4().hex[:8]
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "lsi1sk")],
        LocalSecondaryIndexes=[{"IndexName": "lsi1", "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "lsi1sk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}])
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    return name


def test_item_collection_metrics_on_single_item_writes(client):
    table = lsi_table(client)
    item = lambda pk: {"pk": S(pk), "sk": S("a"), "lsi1sk": S("lval"), "data": S("hello")}  # noqa: E731
    put = client.put_item(TableName=table, Item=item("icm-put"), ReturnItemCollectionMetrics="SIZE")
    assert put["ItemCollectionMetrics"] == {"ItemCollectionKey": {"pk": S("icm-put")},
                                            "SizeEstimateRangeGB": [0.0, 1.0]}
    update = client.update_item(TableName=table, Key={"pk": S("icm-put"), "sk": S("a")},
                                UpdateExpression="SET #d = :v", ExpressionAttributeNames={"#d": "data"},
                                ExpressionAttributeValues={":v": S("updated")}, ReturnItemCollectionMetrics="SIZE")
    assert update["ItemCollectionMetrics"]["SizeEstimateRangeGB"] == [0.0, 1.0]
    delete = client.delete_item(TableName=table, Key={"pk": S("icm-put"), "sk": S("a")},
                                ReturnItemCollectionMetrics="SIZE")
    assert delete["ItemCollectionMetrics"]["ItemCollectionKey"] == {"pk": S("icm-put")}
    none = client.put_item(TableName=table, Item=item("icm-none"), ReturnItemCollectionMetrics="NONE")
    assert "ItemCollectionMetrics" not in none


def sized(key: str, size: int) -> dict:
    """An item of exactly `size` bytes (key "pk" included, attribute "p")."""
    return {"pk": S(key), "p": S("x" * (size - len("pk") - len(key) - len("p")))}


def test_transactions_of_a_hundred_items_and_of_three_megabytes_succeed(client, t):
    table = t["hash"]
    hundred = [{"Put": {"TableName": table, "Item": {"pk": S(f"tx100-{i}")}}} for i in range(100)]
    client.transact_write_items(TransactItems=hundred)
    assert len(client.transact_get_items(TransactItems=[
        {"Get": {"TableName": table, "Key": {"pk": S(f"tx100-{i}")}}} for i in range(100)])["Responses"]) == 100
    big = [{"Put": {"TableName": table, "Item": sized(f"tx3mb-{i}", 300_000)}} for i in range(10)]
    client.transact_write_items(TransactItems=big)
    assert client.get_item(TableName=table, Key={"pk": S("tx3mb-9")})["Item"]["p"] == big[9]["Put"]["Item"]["p"]


def test_a_transaction_over_four_megabytes_is_refused(client, t):
    table = t["hash"]
    items = [{"Put": {"TableName": table, "Item": sized(f"tx5mb-{i}", 400_000)}} for i in range(11)]
    assert refusal(client, "transact_write_items", TransactItems=items) == \
        "Transaction size exceeded the maximum allowed size of 4 MB"
    assert "Item" not in client.get_item(TableName=table, Key={"pk": S("tx5mb-0")})


def test_update_item_near_the_item_size_limit(client, t):
    table = t["hash"]
    value = "x" * (409_600 - len("pk") - len("upd-big") - len("p") - 100)
    client.update_item(TableName=table, Key={"pk": S("upd-big")}, UpdateExpression="SET p = :v",
                       ExpressionAttributeValues={":v": S(value)})
    assert len(client.get_item(TableName=table, Key={"pk": S("upd-big")})["Item"]["p"]["S"]) == len(value)
    message = refusal(client, "update_item", TableName=table, Key={"pk": S("upd-big")},
                      UpdateExpression="SET q = :v", ExpressionAttributeValues={":v": S("y" * 200)})
    assert "Item size to update has exceeded the maximum allowed size" in message


@pytest.mark.parametrize("request_items", [
    lambda table: {table: [{}]},
    lambda table: {table: [{"PutRequest": {}}]},
    lambda table: {table: [{"DeleteRequest": {}}]},
    lambda table: {table: [{"PutRequest": {"Item": {"pk": S("a")}}, "DeleteRequest": {"Key": {"pk": S("a")}}}]},
    lambda table: {table: [{"PutRequest": {"Item": {}}}]},
    lambda table: {table: [{"DeleteRequest": {"Key": {}}}]},
    lambda table: {table: [{"PutRequest": {"Item": {"pk": {}}}}]},
    lambda table: {table: [{"PutRequest": {"Item": {"pk": S("a"), "x": {"M": {"y": {}}}}}}]},
])
def test_invalid_batch_write_payloads_are_validation_errors(client, t, request_items):
    error = failure(client, "batch_write_item", RequestItems=request_items(t["hash"]))
    assert error.response["Error"]["Code"] == "ValidationException", error.response
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("condition,values,expected", [
    ("size(a) = :v AND size(b)", {":v": N("1")},
     "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; "
     "function: size"),
    ("size(a, b) = :n", {":n": N("1")},
     "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or "
     "function: size, number of operands: 2"),
    ("begins_with(a, :n)", {":n": N("1")},
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: "
     "begins_with, operand type: N"),
    ("a < :b", {":b": {"BOOL": True}},
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: "
     "<, operand type: BOOL"),
])
def test_expression_function_and_type_errors(client, t, condition, values, expected):
    assert refusal(client, "put_item", TableName=t["hash"], Item={"pk": S("fn")},
                   ConditionExpression=condition, ExpressionAttributeValues=values) == ONE + expected


# ---- UpdateItem document paths (tests/tier1/updateItem/paths.test.ts) -------------

@pytest.mark.parametrize("before,expression,names,values,after", [
    ({"mymap": {"M": {"nested": S("old")}}}, "SET #m.#n = :v", {"#m": "mymap", "#n": "nested"},
     {":v": S("updated")}, {"mymap": {"M": {"nested": S("updated")}}}),
    ({"mylist": {"L": [S("a"), S("b"), S("c")]}}, "SET #l[5] = :v", {"#l": "mylist"}, {":v": S("inserted")},
     {"mylist": {"L": [S("a"), S("b"), S("c"), S("inserted")]}}),
    ({"a": {"M": {"b": {"M": {"c": S("old")}}}}}, "SET #a.#b.#c = :v", {"#a": "a", "#b": "b", "#c": "c"},
     {":v": S("new")}, {"a": {"M": {"b": {"M": {"c": S("new")}}}}}),
    ({"mymap": {"M": {"counter": N("10")}}}, "SET #m.#c = #m.#c + :inc", {"#m": "mymap", "#c": "counter"},
     {":inc": N("5")}, {"mymap": {"M": {"counter": N("15")}}}),
    ({"mymap": {"M": {"nested": S("gone"), "keep": S("stay")}}}, "REMOVE #m.#n", {"#m": "mymap", "#n": "nested"},
     None, {"mymap": {"M": {"keep": S("stay")}}}),
    ({"mylist": {"L": [S("a"), S("b"), S("c"), S("d")]}}, "REMOVE #l[1]", {"#l": "mylist"}, None,
     {"mylist": {"L": [S("a"), S("c"), S("d")]}}),
    ({"mylist": {"L": [S("x"), S("y")]}}, "REMOVE #l[1]", {"#l": "mylist"}, None, {"mylist": {"L": [S("x")]}}),
    ({"mylist": {"L": []}}, "SET #l[0] = :v", {"#l": "mylist"}, {":v": S("first")}, {"mylist": {"L": [S("first")]}}),
    ({"parent": {"M": {"keep": S("k")}}}, "SET parent.child = :v", None, {":v": S("nested")},
     {"parent": {"M": {"keep": S("k"), "child": S("nested")}}}),
])
def test_update_item_document_paths(client, t, before, expression, names, values, after):
    table, key = t["hash"], {"pk": S("paths-" + expression)}
    client.put_item(TableName=table, Item={**key, **before})
    extra = {"ExpressionAttributeNames": names} if names else {}
    if values:
        extra["ExpressionAttributeValues"] = values
    client.update_item(TableName=table, Key=key, UpdateExpression=expression, **extra)
    assert client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"] == {**key, **after}


def test_update_item_paths_that_cannot_be_written(client, t):
    table, key = t["hash"], {"pk": S("paths-missing")}
    client.put_item(TableName=table, Item={**key, "topLevel": S("val")})
    assert refusal(client, "update_item", TableName=table, Key=key, UpdateExpression="SET #a.#b.#c = :v",
                   ExpressionAttributeNames={"#a": "missing", "#b": "nested", "#c": "deep"},
                   ExpressionAttributeValues={":v": S("test")}) == \
        "The document path provided in the update expression is invalid for update"
    assert refusal(client, "update_item", TableName=table, Key=key, UpdateExpression="SET #v = :a, #v = :b",
                   ExpressionAttributeNames={"#v": "val"},
                   ExpressionAttributeValues={":a": S("first"), ":b": S("second")}) != "(accepted)"
    client.put_item(TableName=table, Item={**key, "a": {"M": {"existing": S("e")}}})
    response = client.update_item(TableName=table, Key=key, UpdateExpression="SET #a.#b = :x, #a.#c = :y",
                                  ExpressionAttributeNames={"#a": "a", "#b": "b", "#c": "c"},
                                  ExpressionAttributeValues={":x": S("x"), ":y": S("y")}, ReturnValues="UPDATED_NEW")
    assert response["Attributes"] == {"a": {"M": {"b": S("x"), "c": S("y")}}}


def test_sets_are_read_in_dynamodbs_order(client, t):
    # strings and binaries bytewise, numbers by value, whatever order they
    # were written in (updateItem/basic.test.ts, eu-west-2 2026-10)
    table, key = t["hash"], {"pk": S("set-order")}
    client.put_item(TableName=table, Item={**key, "ss": {"SS": ["b", "a", ""]}, "ns": {"NS": ["10", "9", "-1.5"]},
                                           "bs": {"BS": [b"\xff", b"\x00", b"\x01"]}})
    item = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert item["ss"] == {"SS": ["", "a", "b"]}
    assert item["ns"] == {"NS": ["-1.5", "9", "10"]}
    assert item["bs"] == {"BS": [b"\x00", b"\x01", b"\xff"]}
    client.update_item(TableName=table, Key=key, UpdateExpression="ADD ss :v, ns :n",
                       ExpressionAttributeValues={":v": {"SS": ["0", "Z"]}, ":n": {"NS": ["2"]}})
    item = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert item["ss"] == {"SS": ["", "0", "Z", "a", "b"]} and item["ns"] == {"NS": ["-1.5", "2", "9", "10"]}
    client.update_item(TableName=table, Key=key, UpdateExpression="ADD tags :v",
                       ExpressionAttributeValues={":v": {"SS": [""]}})
    assert client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["tags"] == {"SS": [""]}


@pytest.mark.parametrize("before,expression,values,after", [
    ({"bins": {"BS": [b"\x01"]}}, "ADD bins :v", {":v": {"BS": [b""]}}, {"bins": {"BS": [b"", b"\x01"]}}),
    ({"tags": {"SS": ["a", "b"]}}, "DELETE tags :v", {":v": {"SS": ["a", "b"]}}, {}),
    ({"tags": {"SS": ["", "a"]}}, "DELETE tags :v", {":v": {"SS": [""]}}, {"tags": {"SS": ["a"]}}),
    ({"tags": {"SS": [""]}}, "DELETE tags :v", {":v": {"SS": [""]}}, {}),
    ({"tags": {"SS": ["", "a"]}}, "DELETE tags :v", {":v": {"SS": ["a"]}}, {"tags": {"SS": [""]}}),
    ({"a": S("OLD")}, "SET a = :v, b = a", {":v": S("NEW")}, {"a": S("NEW"), "b": S("OLD")}),
    ({"c": N("10")}, "SET c = (c - :v)", {":v": N("3")}, {"c": N("7")}),
    ({"v": N("10")}, "SET v = if_not_exists(v, :d) - :amt", {":d": N("0"), ":amt": N("3")}, {"v": N("7")}),
    ({}, "SET mylist = list_append(if_not_exists(mylist, :empty), :more)",
     {":empty": {"L": []}, ":more": {"L": [S("x")]}}, {"mylist": {"L": [S("x")]}}),
    ({"vals": {"L": [S("b"), S("c")]}}, "SET vals = list_append(:new, vals)", {":new": {"L": [S("a")]}},
     {"vals": {"L": [S("a"), S("b"), S("c")]}}),
])
def test_update_item_semantics(client, t, before, expression, values, after):
    table, key = t["hash"], {"pk": S("sem-" + expression)}
    client.put_item(TableName=table, Item={**key, **before})
    client.update_item(TableName=table, Key=key, UpdateExpression=expression, ExpressionAttributeValues=values)
    assert client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"] == {**key, **after}


def test_update_item_return_values_granularity(client, t):
    table = t["hash"]
    created = client.update_item(TableName=table, Key={"pk": S("rv-create")}, UpdateExpression="SET a = :a",
                                 ExpressionAttributeValues={":a": S("x")}, ReturnValues="UPDATED_NEW")
    assert created["Attributes"] == {"a": S("x")}
    client.put_item(TableName=table, Item={"pk": S("rv-nested"), "parent": {"M": {"keep": S("k"), "child": S("old")}}})
    nested = client.update_item(TableName=table, Key={"pk": S("rv-nested")}, UpdateExpression="SET parent.child = :v",
                                ExpressionAttributeValues={":v": S("new")}, ReturnValues="UPDATED_NEW")
    assert nested["Attributes"] == {"parent": {"M": {"child": S("new")}}}
    client.put_item(TableName=table, Item={"pk": S("rv-remove"), "x": S("keep"), "y": S("drop")})
    removed = client.update_item(TableName=table, Key={"pk": S("rv-remove")}, UpdateExpression="REMOVE y",
                                 ReturnValues="UPDATED_NEW")
    assert "Attributes" not in removed
    noop = client.update_item(TableName=table, Key={"pk": S("upd-noop")})
    assert "Attributes" not in noop
    assert client.get_item(TableName=table, Key={"pk": S("upd-noop")}, ConsistentRead=True)["Item"] == {"pk": S("upd-noop")}


def test_deep_requests_legacy_conditions_and_return_values(client):
    key = {"pk": S("a"), "sk": S("1")}
    xor = ONE + ("Value 'XOR' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy "
                 "enum value set: [OR, AND]")
    expected = {"a": {"Value": deep(100)}, "b": {"Exists": False}}
    assert refusal(client, "put_item", TableName=ABSENT, Item=key, Expected=expected, ConditionalOperator="XOR") == xor
    assert refusal(client, "update_item", TableName=ABSENT, Key=key, Expected=expected, ConditionalOperator="XOR",
                   AttributeUpdates={"x": {"Action": "PUT", "Value": S("1")}}) == xor
    bogus = ONE + ("Value 'BOGUS' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value "
                   "set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]")
    condition = {"ConditionExpression": "#d = :deep", "ExpressionAttributeNames": {"#d": "d"}}
    assert refusal(client, "delete_item", TableName=ABSENT, Key=key, ReturnValues="BOGUS", **condition,
                   ExpressionAttributeValues={":deep": deep(63)}) == bogus
    assert refusal(client, "delete_item", TableName=ABSENT, Key={"pk": deep(100), "sk": S("1")},
                   ReturnValues="BOGUS") == bogus
    assert refusal(client, "scan", TableName=ABSENT, ScanFilter={
        "a": {"ComparisonOperator": "EQ", "AttributeValueList": [deep(40)]}}, ConditionalOperator="AND") in (
        NEST, "ConditionalOperator can only be used when Filter or Expected has two or more elements")


def test_item_size_limit_by_surface(client, t):
    # itemSizeBySurface.test.ts: a put's size is known from the request (a
    # top-level refusal), an update's only once the transaction runs (a
    # cancellation, in the update wording)
    table = t["hash"]
    client.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": sized("bwi-at", 409_600)}}]})
    assert "Item size has exceeded the maximum allowed size" in refusal(
        client, "batch_write_item", RequestItems={table: [{"PutRequest": {"Item": sized("bwi-over", 409_601)}}]})
    client.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": sized("txp-at", 409_600)}}])
    assert "Item size has exceeded the maximum allowed size" in refusal(
        client, "transact_write_items", TransactItems=[{"Put": {"TableName": table, "Item": sized("txp-over", 409_601)}}])
    over = sized("txu-over", 409_601)
    error = failure(client, "transact_write_items", TransactItems=[{"Update": {
        "TableName": table, "Key": {"pk": over["pk"]}, "UpdateExpression": "SET p = :p",
        "ExpressionAttributeValues": {":p": over["p"]}}}])
    assert error.response["Error"]["Code"] == "TransactionCanceledException"
    reason = error.response["CancellationReasons"][0]
    assert reason["Code"] == "ValidationError"
    assert "Item size to update has exceeded the maximum allowed size" in reason["Message"]
    at = sized("txu-at", 409_600)
    client.transact_write_items(TransactItems=[{"Update": {
        "TableName": table, "Key": {"pk": at["pk"]}, "UpdateExpression": "SET p = :p",
        "ExpressionAttributeValues": {":p": at["p"]}}}])
    assert client.get_item(TableName=table, Key={"pk": at["pk"]}, ConsistentRead=True)["Item"] == at

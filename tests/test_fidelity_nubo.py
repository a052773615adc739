"""The data plane answers as the public suite nubo-db/dynamodb-conformance
expects (written against AWS, 2026 captures): tests/tier3/limits,
tests/tier3/error-messages, tests/tier3/validation-ordering and tests/tier1,
ported file by file. Where its expectation differs from paritysuite's (ported
in test_fidelity_*.py), the most recent AWS capture wins and the test says so.
"""
from __future__ import annotations

import re

import pytest
from fidelity_support import EMPTY_B_KEY, EMPTY_S_KEY, INVALID, NOT_VALID, SCHEMA, loose_client
from support import create_table, unique_name

S = lambda s: {"S": s}  # noqa: E731 - the suite's shorthands
N = lambda n: {"N": n}  # noqa: E731
ITEM_TOO_BIG = "Item size has exceeded the maximum allowed size"
CANCELLED = "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]"
EMPTY_UPDATED_INDEX_KEY = (NOT_VALID + "The update expression attempted to update a secondary index "
                           "key to a value that is not supported. The AttributeValue for a key "
                           "attribute cannot contain an empty {} value.")
_TABLES: dict[str, dict[str, str]] = {}


@pytest.fixture(params=["http", "embedded"])
def client(request, server_url, embedded_db):
    return loose_client(request, server_url, embedded_db)


def _index(name: str, hash_key: str, range_key: str | None = None, include=None) -> dict:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    projection = ({"ProjectionType": "INCLUDE", "NonKeyAttributes": include} if include
                  else {"ProjectionType": "ALL"})
    return {"IndexName": name, "KeySchema": schema, "Projection": projection}


def indexed_table(client, key: list[tuple[str, str]], others: list[tuple[str, str]], **indexes) -> str:
    """An on-demand table keyed on `key` ((name, type): HASH then RANGE) with
    `indexes` (LocalSecondaryIndexes / GlobalSecondaryIndexes), ACTIVE."""
    name = unique_name()
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": n, "KeyType": kind} for (n, _), kind in zip(key, ("HASH", "RANGE"))],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in key + others],
        **indexes)
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    return name


@pytest.fixture
def t(client) -> dict[str, str]:
    """The suite's tables (src/helpers.ts), made once per transport."""
    endpoint = client.meta.endpoint_url
    if endpoint not in _TABLES:
        _TABLES[endpoint] = {
            "hash": create_table(client), "hash_n": create_table(client, "N"),
            "hash_b": create_table(client, "B"), "composite_n": create_table(client, "S", "N"),
            "composite": create_table(client, "S", "S"),
            # compositeIndexedTableDef: two LSIs and two GSIs over lsi1sk / lsi2sk
            "indexed": indexed_table(
                client, [("pk", "S"), ("sk", "S")], [("lsi1sk", "S"), ("lsi2sk", "S")],
                LocalSecondaryIndexes=[_index("lsi1", "pk", "lsi1sk"),
                                       _index("lsi2", "pk", "lsi2sk", ["lsi1sk"])],
                GlobalSecondaryIndexes=[_index("gsi1", "lsi1sk"),
                                        _index("gsi2", "lsi1sk", "lsi2sk", ["data"])]),
            # gsiBTableDef: a binary GSI key
            "gsi_b": indexed_table(client, [("pk", "S")], [("bidx", "B")],
                                   GlobalSecondaryIndexes=[_index("gsib", "bidx")]),
        }
    return _TABLES[endpoint]


def answer(client, operation: str, **params) -> tuple[str, str, dict]:
    """(error code, message, response) of a refused call; ("", "", response) if accepted."""
    try:
        return "", "", getattr(client, operation)(**params)
    except client.exceptions.ClientError as error:
        return error.response["Error"]["Code"], error.response["Error"]["Message"], error.response


def refused(client, operation: str, **params) -> str:
    code, message, response = answer(client, operation, **params)
    assert code == "ValidationException", response
    return message


# ---- tier3/limits/itemSize, keyLength, emptyValues ---------------------------------

def sized_item(total: int, attributes: int = 1) -> dict:
    """An item of exactly `total` bytes (names plus values), as the suite's itemOfBytes."""
    item, used = {"pk": S("gate")}, len("pk") + len("gate")
    for i in range(1, attributes):
        item[f"a{i}"] = S("y" * 10)
        used += len(f"a{i}") + 10
    item["a0"] = S("z" * (total - used - len("a0")))
    return item


@pytest.mark.parametrize("attributes", [1, 2, 5, 10])
def test_the_item_size_gate_sits_at_409600_bytes(client, t, attributes):
    client.put_item(TableName=t["hash"], Item=sized_item(409_600, attributes))
    got = client.get_item(TableName=t["hash"], Key={"pk": S("gate")}, ConsistentRead=True)["Item"]
    assert got == sized_item(409_600, attributes)
    assert ITEM_TOO_BIG in refused(client, "put_item", TableName=t["hash"],
                                   Item=sized_item(409_601, attributes))


@pytest.mark.parametrize("extra", [
    {f"attr{'a' * 200}{i:03}": S("x" * 3_900) for i in range(100)},  # names count
    {"nested": {"M": {"l1": {"M": {"l2": {"M": {"p": S("x" * 410_000)}}}}}}},
    {"set": {"SS": ["x" * 4_200 + str(i) for i in range(100)]}},
    {"list": {"L": [S("x" * 4_200 + str(i)) for i in range(100)]}},
    {"bin": {"B": bytes(410_000)}},
], ids=["names", "nested map", "set", "list", "binary"])
def test_every_part_of_an_item_counts_toward_its_size(client, t, extra):
    assert ITEM_TOO_BIG in refused(client, "put_item", TableName=t["hash"],
                                   Item={"pk": S("lim-is"), **extra})


def test_numbers_are_sized_by_their_digits(client, t):
    # 38 nines are ~20 bytes, not 38: 15000 fit in 400 KB, 21000 do not.
    numbers = lambda count: {"L": [N("9" * 38)] * count}  # noqa: E731
    client.put_item(TableName=t["hash_n"], Item={"pk": N("1"), "nums": numbers(15_000)})
    got = client.get_item(TableName=t["hash_n"], Key={"pk": N("1")}, ConsistentRead=True)
    assert len(got["Item"]["nums"]["L"]) == 15_000
    assert ITEM_TOO_BIG in refused(client, "put_item", TableName=t["hash_n"],
                                   Item={"pk": N("2"), "nums": numbers(21_000)})
    client.put_item(TableName=t["hash"], Item={"pk": S("bin"), "b": {"B": bytes(350_000)}})


def test_a_partition_key_may_be_2048_bytes_on_writes_and_reads(client, t):
    client.put_item(TableName=t["hash"], Item={"pk": S("a" * 2048)})
    refused(client, "put_item", TableName=t["hash"], Item={"pk": S("a" * 2049)})
    refused(client, "get_item", TableName=t["hash"], Key={"pk": S("a" * 2049)})


def test_empty_values(client, t):
    client.put_item(TableName=t["hash"], Item={"pk": S("ev"), "s": S(""), "b": {"B": b""},
                                               "l": {"L": [S(""), S("hello")]}})
    got = client.get_item(TableName=t["hash"], Key={"pk": S("ev")}, ConsistentRead=True)["Item"]
    assert got["s"] == S("") and got["b"] == {"B": b""} and got["l"]["L"][0] == S("")
    assert refused(client, "put_item", TableName=t["hash"], Item={"pk": S("")}) == EMPTY_S_KEY
    refused(client, "put_item", TableName=t["composite"], Item={"pk": S("x"), "sk": S("")})
    for nested in ({"M": {"inner": {"SS": []}}}, {"L": [{"SS": []}]}):
        refused(client, "put_item", TableName=t["hash"], Item={"pk": S("ev"), "a": nested})


# ---- tier3/limits/numberPrecision ------------------------------------------------------

@pytest.mark.parametrize("written,read", [
    ("12345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
    ("00042", "42"), ("1.5E2", "150"), ("-0", "0"), ("1.0", "1"), ("3.1400", "3.14"), ("1E2", "100"),
])
def test_numbers_round_trip_normalized(client, t, written, read):
    client.put_item(TableName=t["hash"], Item={"pk": S("np"), "v": N(written)})
    assert client.get_item(TableName=t["hash"], Key={"pk": S("np")})["Item"]["v"] == N(read)


@pytest.mark.parametrize("number", ["9.9999999999999999999999999999999999999E+125",
                                    "-9.9999999999999999999999999999999999999E+125", "1E-130",
                                    "0.00000000000000000000000000000000000001"])
def test_numbers_at_the_limits_are_kept(client, t, number):
    client.put_item(TableName=t["hash"], Item={"pk": S("np-edge"), "v": N(number)})
    got = client.get_item(TableName=t["hash"], Key={"pk": S("np-edge")})["Item"]["v"]["N"]
    assert float(got) == float(number)


@pytest.mark.parametrize("number", ["123456789012345678901234567890123456789", "1E+126",
                                    "-1E+126", "1E-131"])
def test_numbers_past_the_limits_are_refused(client, t, number):
    refused(client, "put_item", TableName=t["hash"], Item={"pk": S("np-bad"), "v": N(number)})


def test_extreme_numbers_in_sets_and_sort_keys(client, t):
    extremes = ["9.9999999999999999999999999999999999999E+125",
                "-9.9999999999999999999999999999999999999E+125", "1E-130", "0"]
    client.put_item(TableName=t["hash"], Item={"pk": S("np-ns"), "nums": {"NS": extremes}})
    got = client.get_item(TableName=t["hash"], Key={"pk": S("np-ns")})["Item"]["nums"]["NS"]
    assert sorted(map(float, got)) == sorted(map(float, extremes))
    for sort_key in ["99999999999999999999999999999999999999", "1E-130", "0"]:
        client.put_item(TableName=t["composite_n"], Item={"pk": S("np-sk"), "sk": N(sort_key)})
    items = client.query(TableName=t["composite_n"], KeyConditionExpression="pk = :p",
                         ExpressionAttributeValues={":p": S("np-sk")})["Items"]
    assert [float(i["sk"]["N"]) for i in items] == [0, 1e-130, float("9" * 38)]
    assert "Number overflow" in refused(
        client, "update_item", TableName=t["hash"], Key={"pk": S("np-overflow")},
        UpdateExpression="SET n = :a + :b", ExpressionAttributeValues={":a": N("9.9e125"),
                                                                      ":b": N("9.9e125")})


# ---- tier3/limits/transactionLimits, tier3/error-messages/transact* -------------------

def puts(table: str, count: int, prefix: str, payload: int = 0) -> list[dict]:
    extra = {"payload": S("x" * payload)} if payload else {}
    return [{"Put": {"TableName": table, "Item": {"pk": S(f"{prefix}{i}"), **extra}}}
            for i in range(count)]


def test_transaction_item_counts_and_sizes(client, t):
    client.transact_write_items(TransactItems=puts(t["hash"], 100, "tw100-"))
    client.transact_write_items(TransactItems=puts(t["hash"], 10, "tw4mb-ok-", 350_000))
    refused(client, "transact_write_items", TransactItems=puts(t["hash"], 12, "tw4mb-", 350_000))
    gets = [{"Get": {"TableName": t["hash"], "Key": {"pk": S(f"tw100-{i}")}}} for i in range(101)]
    assert len(client.transact_get_items(TransactItems=gets[:100])["Responses"]) == 100
    too_many = re.compile(r"^1 validation error detected: Value '\[.+\]' at 'transactItems' failed "
                          r"to satisfy constraint: Member must have length less than or equal to 100$",
                          re.S)
    assert too_many.match(refused(client, "transact_get_items", TransactItems=gets))
    assert too_many.match(refused(client, "transact_write_items",
                                  TransactItems=puts(t["hash"], 101, "tw101-")))
    at_least_one = ("1 validation error detected: Value '[]' at 'transactItems' failed to satisfy "
                    "constraint: Member must have length greater than or equal to 1")
    assert refused(client, "transact_write_items", TransactItems=[]) == at_least_one
    assert refused(client, "transact_get_items", TransactItems=[]) == at_least_one


def cancellation(client, items: list[dict]) -> tuple[str, list[dict]]:
    code, message, response = answer(client, "transact_write_items", TransactItems=items)
    assert code == "TransactionCanceledException", response
    return message, response["CancellationReasons"]


def test_cancellation_reasons_are_positional(client, t):
    for key in ("em-twi-multi-1", "em-twi-multi-2"):
        client.put_item(TableName=t["hash"], Item={"pk": S(key)})
    conditional = lambda key: {"Put": {"TableName": t["hash"], "Item": {"pk": S(key)},  # noqa: E731
                                       "ConditionExpression": "attribute_not_exists(pk)"}}
    message, reasons = cancellation(client, [conditional("em-twi-multi-1"), conditional("em-twi-multi-2")])
    assert message == CANCELLED.format("ConditionalCheckFailed, ConditionalCheckFailed")
    message, reasons = cancellation(client, [conditional("em-twi-pos-new"), conditional("em-twi-multi-2")])
    assert message == CANCELLED.format("None, ConditionalCheckFailed")
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"]
    assert reasons[1]["Message"] == "The conditional request failed"


def test_a_wrong_typed_key_cancels_with_a_validation_reason(client, t):
    index_mismatch = INVALID + "Type mismatch for Index Key lsi1sk Expected: S Actual: {} IndexName: gsi1"
    key = {"pk": S("em-twi-idx"), "sk": S("a")}
    cases = [
        ({"Put": {"TableName": t["hash"], "Item": {"pk": N("5")}}},
         INVALID + "Type mismatch for key pk expected: S actual: N"),
        ({"Put": {"TableName": t["hash"], "Item": {"pk": {"L": [S("x")]}}}},
         INVALID + "Type mismatch for key pk expected: S actual: L"),
        ({"Put": {"TableName": t["indexed"], "Item": {**key, "lsi1sk": N("5")}}},
         index_mismatch.format("N")),
        ({"Update": {"TableName": t["indexed"], "Key": key, "UpdateExpression": "SET lsi1sk = :v",
                     "ExpressionAttributeValues": {":v": {"L": [S("x")]}}}},
         index_mismatch.format("L")),
        ({"Delete": {"TableName": t["hash"], "Key": {"pk": N("5")}}}, SCHEMA),
        ({"ConditionCheck": {"TableName": t["hash"], "Key": {"pk": {"L": [S("x")]}},
                             "ConditionExpression": "attribute_not_exists(pk)"}}, SCHEMA),
    ]
    for action, reason in cases:
        message, reasons = cancellation(client, [action])
        assert message == CANCELLED.format("ValidationError")
        assert reasons == [{"Code": "ValidationError", "Message": reason}]


def test_an_empty_key_refuses_the_whole_transaction(client, t):
    # An empty value is a top-level ValidationException, also when an update
    # expression makes it (AWS eu-west-2 capture; it was a cancellation reason).
    key = {"pk": S("em-twi-idx-upd-empty"), "sk": S("c")}
    cases = [
        ({"Put": {"TableName": t["hash"], "Item": {"pk": S("")}}}, EMPTY_S_KEY),
        ({"Delete": {"TableName": t["hash_b"], "Key": {"pk": {"B": b""}}}}, EMPTY_B_KEY),
        ({"Put": {"TableName": t["indexed"], "Item": {**key, "lsi1sk": S("")}}},
         NOT_VALID + "A value specified for a secondary index key is not supported. The AttributeValue "
         "for a key attribute cannot contain an empty string value. IndexName: gsi1, IndexKey: lsi1sk"),
        ({"Update": {"TableName": t["indexed"], "Key": key, "UpdateExpression": "SET lsi1sk = :v",
                     "ExpressionAttributeValues": {":v": S("")}}},
         EMPTY_UPDATED_INDEX_KEY.format("string")),
        ({"Update": {"TableName": t["gsi_b"], "Key": {"pk": S("eb-twi-idx-upd")},
                     "UpdateExpression": "SET bidx = :v", "ExpressionAttributeValues": {":v": {"B": b""}}}},
         EMPTY_UPDATED_INDEX_KEY.format("binary")),
    ]
    for action, message in cases:
        assert refused(client, "transact_write_items", TransactItems=[action]) == message
    stored = client.get_item(TableName=t["indexed"], Key=key, ConsistentRead=True)
    assert "Item" not in stored


@pytest.mark.parametrize("table,value,kind", [("indexed", S(""), "string"), ("gsi_b", {"B": b""}, "binary")])
def test_an_update_that_empties_an_index_key_is_worded_as_aws_does(client, t, table, value, kind):
    attribute = "lsi1sk" if table == "indexed" else "bidx"
    key = {"pk": S("em-upd-idx"), "sk": S("a")} if table == "indexed" else {"pk": S("em-upd-idx")}
    assert refused(client, "update_item", TableName=t[table], Key=key,
                   UpdateExpression=f"SET {attribute} = :v",
                   ExpressionAttributeValues={":v": value}) == EMPTY_UPDATED_INDEX_KEY.format(kind)
    assert "Item" not in client.get_item(TableName=t[table], Key=key, ConsistentRead=True)


# ---- tier3/error-messages/query, scan, batch*, getItem ---------------------------------

def test_query_limit_zero_is_worded_apart_from_scans(client, t):
    # Query names 'Limit' without the value; Scan keeps "Value '0' at 'limit'"
    # (nubo-db/dynamodb-conformance tier3/error-messages/query.test.ts and scan.test.ts).
    assert refused(client, "query", TableName=t["composite"], KeyConditionExpression="pk = :v",
                   ExpressionAttributeValues={":v": S("v")}, Limit=0) == (
        "1 validation error detected: Value at 'Limit' failed to satisfy constraint: Member must "
        "have value greater than or equal to 1")
    assert refused(client, "scan", TableName=t["hash"], Limit=0) == (
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must "
        "have value greater than or equal to 1")
    client.query(TableName=t["composite"], KeyConditionExpression="pk = :v",
                 ExpressionAttributeValues={":v": S("v")}, Limit=1)


QUERY_REFUSALS = [
    ({"KeyConditionExpression": "sk = :v"}, "Query condition missed key schema element: pk"),
    ({"KeyConditionExpression": "attr1 = :v"}, "Query condition missed key schema element: pk"),
    ({"KeyConditionExpression": "pk = :v", "ExpressionAttributeNames": {"#unused": "x"}},
     "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}"),
    ({"KeyConditionExpression": "pk = :v", "Select": "INVALID_VALUE"},
     "1 validation error detected: Value 'INVALID_VALUE' at 'select' failed to satisfy constraint: Member "
     "must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]"),
    ({"KeyConditionExpression": "#hk = :v", "IndexName": "gsi1", "ConsistentRead": True,
      "ExpressionAttributeNames": {"#hk": "lsi1sk"}},
     "Consistent reads are not supported on global secondary indexes"),
    ({"KeyConditionExpression": ""}, "Invalid KeyConditionExpression: The expression can not be empty;"),
    ({"KeyConditionExpression": "pk = :v", "FilterExpression": "#missing = :v"},
     "Invalid FilterExpression: An expression attribute name used in the document path is not defined; "
     "attribute name: #missing"),
]


@pytest.mark.parametrize("params,expected", QUERY_REFUSALS)
def test_query_refusals(client, t, params, expected):
    assert refused(client, "query", TableName=t["indexed"], ExpressionAttributeValues={":v": S("v")},
                   **params) == expected


def test_batch_write_refusals(client, t):
    write = lambda table, request: refused(client, "batch_write_item",  # noqa: E731
                                           RequestItems={t[table]: [request]})
    key = {"pk": S("em-bw-idx"), "sk": S("a")}
    assert write("hash", {"PutRequest": {"Item": {"pk": N("5")}}}) == SCHEMA
    assert write("hash", {"PutRequest": {"Item": {"pk": {"L": [S("x")]}}}}) == SCHEMA
    assert write("hash", {"PutRequest": {"Item": {"pk": S("")}}}) == EMPTY_S_KEY
    assert write("hash_b", {"DeleteRequest": {"Key": {"pk": {"B": b""}}}}) == EMPTY_B_KEY
    assert write("indexed", {"PutRequest": {"Item": {**key, "lsi1sk": {"L": [S("x")]}}}}) == (
        INVALID + "Type mismatch for Index Key lsi1sk Expected: S Actual: L IndexName: gsi1")
    assert write("gsi_b", {"PutRequest": {"Item": {"pk": S("eb"), "bidx": {"B": b""}}}}) == (
        NOT_VALID + "A value specified for a secondary index key is not supported. The AttributeValue "
        "for a key attribute cannot contain an empty binary value. IndexName: gsib, IndexKey: bidx")
    assert refused(client, "batch_write_item", RequestItems={t["hash"]: [
        {"PutRequest": {"Item": {"pk": S("d")}}}, {"DeleteRequest": {"Key": {"pk": S("d")}}}]}) == \
        "Provided list of item keys contains duplicates"
    many = [{"PutRequest": {"Item": {"pk": S(f"bw-{i}")}}} for i in range(26)]
    assert re.match(r"^1 validation error detected: Value '\{" + re.escape(t["hash"]) + r"=\[.+\]\}' at "
                    r"'requestItems' failed to satisfy constraint: Map value must satisfy constraint: "
                    r"\[Member must have length less than or equal to 25, Member must have length "
                    r"greater than or equal to 1\]$",
                    refused(client, "batch_write_item", RequestItems={t["hash"]: many}), re.S)
    assert refused(client, "batch_write_item", RequestItems={}) == \
        "The requestItems parameter is required for BatchWriteItem"


OVERLAP = ("Invalid ProjectionExpression: Two document paths overlap with each other; must remove or "
           "rewrite one of these paths; path one: [a], path two: ")


def test_batch_get_refusals(client, t):
    get = lambda **tables: refused(client, "batch_get_item",  # noqa: E731
                                   RequestItems={t[name]: block for name, block in tables.items()})
    one = {"Keys": [{"pk": S("em-bg")}]}
    assert get(hash={"Keys": [{"pk": S(f"bg-{i}")} for i in range(101)]}) == (
        f"1 validation error detected: Value at 'RequestItems.{t['hash']}.member.Keys' failed to "
        "satisfy constraint: Member must have length less than or equal to 100")
    assert get(hash={"Keys": [{"pk": S("dup")}] * 2}) == "Provided list of item keys contains duplicates"
    assert "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}" \
        in get(hash={**one, "AttributesToGet": ["pk"], "ProjectionExpression": "pk"})
    assert get(hash_b={"Keys": [{"pk": {"B": b""}}]}) == EMPTY_B_KEY
    get(hash={**one, "ProjectionExpression": "pk"},
        composite={"Keys": [{"pk": S("b"), "sk": S("z")}], "AttributesToGet": ["pk"]})
    assert get(hash={**one, "ProjectionExpression": "a, a"}) == OVERLAP + "[a]"
    assert get(hash={**one, "ProjectionExpression": "#a, #b",
                     "ExpressionAttributeNames": {"#a": "a", "#b": "a"}}) == OVERLAP + "[a]"
    assert get(hash={**one, "ProjectionExpression": "a, a.b"}) == OVERLAP + "[a, b]"
    assert get(hash={**one, "ProjectionExpression": "a, a"},
               composite={"Keys": [{"pk": S("c"), "sk": S("z")}], "ProjectionExpression": "a"}) == \
        OVERLAP + "[a]"


def test_transact_get_refusals(client, t):
    get = lambda **action: {"Get": {"TableName": t["hash"], **action}}  # noqa: E731
    assert refused(client, "transact_get_items", TransactItems=[
        get(Key={"pk": S("x")}, ProjectionExpression="!!!")]) == \
        'Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"'
    code, message, response = answer(client, "transact_get_items", TransactItems=[get(Key={})])
    assert (code, message) == ("TransactionCanceledException", CANCELLED.format("ValidationError"))
    assert [r["Code"] for r in response["CancellationReasons"]] == ["ValidationError"]


@pytest.mark.parametrize("operation,params", [
    ("get_item", {"Key": {"pk": S("x")}}), ("scan", {}),
    ("batch_get_item", None), ("batch_write_item", None), ("transact_get_items", None),
    ("transact_write_items", None)])
def test_an_absent_table_is_requested_resource_not_found(client, operation, params):
    absent = "_conformance_does_not_exist_em"
    if params is None:
        params = {
            "batch_get_item": {"RequestItems": {absent: {"Keys": [{"pk": S("x")}]}}},
            "batch_write_item": {"RequestItems": {absent: [{"PutRequest": {"Item": {"pk": S("x")}}}]}},
            "transact_get_items": {"TransactItems": [{"Get": {"TableName": absent, "Key": {"pk": S("x")}}}]},
            "transact_write_items": {"TransactItems": [{"Put": {"TableName": absent,
                                                                "Item": {"pk": S("x")}}}]},
        }[operation]
    else:
        params = {"TableName": absent, **params}
    code, message, _ = answer(client, operation, **params)
    assert (code, message) == ("ResourceNotFoundException", "Requested resource not found")


def test_scan_segment_messages(client, t):
    scan = lambda **params: refused(client, "scan", TableName=t["hash"], **params)  # noqa: E731
    assert scan(Segment=0) == ("The TotalSegments parameter is required but was not present in the "
                               "request when Segment parameter is present")
    assert scan(TotalSegments=4) == ("The Segment parameter is required but was not present in the "
                                     "request when parameter TotalSegments is present")
    assert scan(Segment=5, TotalSegments=5) == (
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 5 "
        "is not less than TotalSegments: 5")
    assert "segment" in scan(Segment=-1, TotalSegments=4)


def test_a_missing_index_is_a_validation_error_on_reads(client, t):
    condition = {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": S("x")}}
    assert "does not have the specified index" in refused(
        client, "query", TableName=t["hash"], IndexName="does_not_exist", **condition)
    assert "does not have the specified index" in refused(
        client, "scan", TableName=t["hash"], IndexName="does_not_exist")
    code, message, _ = answer(client, "update_table", TableName=t["hash"],
                              GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "does_not_exist"}}])
    assert code == "ResourceNotFoundException" and "Requested resource not found" in message


# ---- tier3/limits/numberByteSize, itemSizeBySurface -------------------------------------

MAX_ITEM = 409_600
UPDATE_TOO_BIG = "Item size to update has exceeded the maximum allowed size"
# The suite's CAPTURED_NUMBER_BYTES (AWS eu-west-2, 2026-08-18): literal -> bytes.
NUMBER_BYTES = [("0", 1), ("1", 2), ("12", 2), ("123", 3), ("1234", 3), ("1" * 19 + "2" * 19, 20),
                ("0042", 2), ("100", 2), ("1010", 3), ("0.0000001", 2), ("1E125", 2), ("1E-100", 2),
                ("1.5", 3), ("15", 2), ("1.2", 3), ("1.200", 3), ("1.234", 4), ("3.14159", 5),
                ("123456", 4), ("100.5", 4), ("0.15", 2), ("-42", 3), ("-0", 1)]


def string_bytes(item: dict) -> int:
    """The size of an item of string values (names plus values, UTF-8)."""
    return sum(len(name.encode()) + len(value["S"].encode()) for name, value in item.items())


def padded(key: dict, total: int, pad: str = "p", **others) -> dict:
    """`key` plus `others` plus a string `pad`, `total` bytes in all (others
    given as (value, its size))."""
    rest = sum(len(name.encode()) + size for name, (_, size) in others.items())
    item = {**key, **{name: value for name, (value, _) in others.items()}}
    return {**item, pad: S("x" * (total - string_bytes(key) - rest - len(pad)))}


@pytest.mark.parametrize("literal,size", NUMBER_BYTES)
def test_a_number_costs_its_captured_bytes(client, t, literal, size):
    key = {"pk": S(f"lim-nbs-{literal}")}
    client.put_item(TableName=t["hash"], Item=padded(key, MAX_ITEM, n=(N(literal), size)))
    assert ITEM_TOO_BIG in refused(client, "put_item", TableName=t["hash"],
                                   Item=padded(key, MAX_ITEM + 1, n=(N(literal), size)))


def test_numbers_are_stored_trimmed_and_expanded(client, t):
    for literal, stored in (("0042.1200", "42.12"), ("1E125", "1" + "0" * 125)):
        client.put_item(TableName=t["hash"], Item={"pk": S("lim-nbs-rt"), "n": N(literal)})
        got = client.get_item(TableName=t["hash"], Key={"pk": S("lim-nbs-rt")}, ConsistentRead=True)
        assert got["Item"]["n"] == N(stored)


def test_every_put_surface_measures_the_item_flat(client, t):
    table = t["hash"]
    key = lambda name: {"pk": S(f"lim-surface-{name}")}  # noqa: E731
    client.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": padded(key("bwi"), MAX_ITEM)}}]})
    assert ITEM_TOO_BIG in refused(client, "batch_write_item", RequestItems={
        table: [{"PutRequest": {"Item": padded(key("bwi-over"), MAX_ITEM + 1)}}]})
    insert = f"INSERT INTO \"{table}\" VALUE {{'pk': ?, 'p': ?}}"
    item = padded(key("pql"), MAX_ITEM)
    client.execute_statement(Statement=insert, Parameters=[item["pk"], item["p"]])
    item = padded(key("pql-over"), MAX_ITEM + 1)
    assert ITEM_TOO_BIG in refused(client, "execute_statement", Statement=insert,
                                   Parameters=[item["pk"], item["p"]])
    client.transact_write_items(TransactItems=[{"Put": {"TableName": table,
                                                        "Item": padded(key("txn"), MAX_ITEM)}}])
    # A transacted Put over the limit is refused before the transaction opens.
    assert ITEM_TOO_BIG in refused(client, "transact_write_items", TransactItems=[
        {"Put": {"TableName": table, "Item": padded(key("txn-over"), MAX_ITEM + 1)}}])


def transacted_update(table: str, key: dict, total: int) -> dict:
    return {"Update": {"TableName": table, "Key": key, "UpdateExpression": "SET p = :p",
                       "ExpressionAttributeValues": {":p": padded(key, total)["p"]}}}


def test_a_transacted_update_over_the_limit_cancels(client, t):
    table = t["hash"]
    for name, seed in (("txn-upd-over", None), ("txn-upd-existing", S("small"))):
        key = {"pk": S(name)}
        if seed:
            client.put_item(TableName=table, Item={**key, "p": seed})
        message, reasons = cancellation(client, [transacted_update(table, key, MAX_ITEM + 1)])
        assert reasons[0]["Code"] == "ValidationError" and UPDATE_TOO_BIG in reasons[0]["Message"]
    # ... and at a one-byte key, where UpdateItem refuses, it writes the whole 409,600.
    key = {"pk": S("Y")}
    client.transact_write_items(TransactItems=[transacted_update(table, key, MAX_ITEM)])
    got = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert string_bytes(got) == MAX_ITEM


SET_COST, REMOVE_COST, BASE_COST = 19, 2, 3


def update_ceiling(client, table: str, accepted: dict, refused_key: dict, expression="SET b = :pad",
                   cost=BASE_COST + SET_COST, extra=None, untouched=None, seed=None, names=None):
    """Check UpdateItem's ceiling at this key and shape: min(409600, 409600 +
    what it does not write - its action cost); return it."""
    extra, untouched = extra or {}, untouched or {}
    ceiling = min(MAX_ITEM, MAX_ITEM + string_bytes(accepted) + string_bytes(untouched) - cost)

    def send(key: dict, total: int):
        padding = total - string_bytes(key) - string_bytes(extra) - string_bytes(untouched) - len("b")
        if seed or untouched:
            client.put_item(TableName=table, Item={**key, **(seed or {}), **untouched})
        values = {":pad": S("x" * padding), **{f":{name}": value for name, value in extra.items()}}
        return answer(client, "update_item", TableName=table, Key=key, UpdateExpression=expression,
                      ExpressionAttributeValues=values,
                      **({"ExpressionAttributeNames": names} if names else {}))

    assert send(accepted, ceiling)[0] == ""
    stored = client.get_item(TableName=table, Key=accepted, ConsistentRead=True)["Item"]
    assert string_bytes(stored) == ceiling
    code, message, _ = send(refused_key, ceiling + 1)
    assert code == "ValidationException" and UPDATE_TOO_BIG in message
    return ceiling


def test_update_item_does_not_charge_for_the_key(client, t):
    one_byte = update_ceiling(client, t["hash"], {"pk": S("K")}, {"pk": S("L")})
    assert one_byte == MAX_ITEM - 19  # 3 bytes of key against a 22-byte SET
    assert update_ceiling(client, t["hash"], {"pk": S("k" * 100)}, {"pk": S("l" * 100)}) == MAX_ITEM
    with_sort = update_ceiling(client, t["composite"], {"pk": S("S"), "sk": S("a")},
                               {"pk": S("T"), "sk": S("a")})
    assert with_sort - one_byte == len("sk") + 1


def test_update_item_charges_per_clause_not_per_value(client, t):
    plain = update_ceiling(client, t["hash"], {"pk": S("A1")}, {"pk": S("B1")})
    two_sets = update_ceiling(client, t["hash"], {"pk": S("A2")}, {"pk": S("B2")},
                              "SET b = :pad, c = :c", BASE_COST + 2 * SET_COST, extra={"c": S("y")})
    assert plain - two_sets == SET_COST
    big_second = update_ceiling(client, t["hash"], {"pk": S("A6")}, {"pk": S("B6")},
                                "SET b = :pad, c = :c", BASE_COST + 2 * SET_COST, extra={"c": S("y" * 500)})
    assert big_second == two_sets
    with_remove = update_ceiling(client, t["hash"], {"pk": S("A4")}, {"pk": S("B4")},
                                 "SET b = :pad REMOVE r", BASE_COST + SET_COST + REMOVE_COST,
                                 seed={"r": S("z")})
    assert plain - with_remove == REMOVE_COST
    untouched = update_ceiling(client, t["hash"], {"pk": S("Aa")}, {"pk": S("Ba")},
                               untouched={"u": S("y" * 10)})
    assert untouched - plain == len("u") + 10
    aliased = update_ceiling(client, t["hash"], {"pk": S("A8")}, {"pk": S("B8")},
                             "SET #twelvechars = :pad", names={"#twelvechars": "b"})
    assert aliased == plain


# ---- tier1 (expression hygiene, key conditions, capacity), tier2 (transactions, TTL) ----

@pytest.mark.parametrize("params", [
    {"UpdateExpression": "SET #s = :v", "ExpressionAttributeNames": {"s": "status"},
     "ExpressionAttributeValues": {":v": S("x")}},
    {"UpdateExpression": "SET #s = :v", "ExpressionAttributeNames": {"#s": "status"},
     "ExpressionAttributeValues": {"v": S("x")}},
    {"ExpressionAttributeNames": {"#s": "status"}},
    {"UpdateExpression": "SET #s = :v", "ExpressionAttributeNames": {"#s": "status", "#unused": "o"},
     "ExpressionAttributeValues": {":v": S("x")}},
], ids=["name without #", "value without :", "names without expression", "unused name"])
def test_update_expression_hygiene(client, t, params):
    refused(client, "update_item", TableName=t["hash"], Key={"pk": S("expr-hygiene")}, **params)


def test_key_condition_semantics(client, t):
    table = t["composite"]
    client.put_item(TableName=table, Item={"pk": S("kce-sem"), "sk": S("m")})
    names = {"#pk": "pk", "#sk": "sk"}
    items = client.query(TableName=table, KeyConditionExpression="#pk = :pk AND :lo <= #sk",
                         ExpressionAttributeNames=names,
                         ExpressionAttributeValues={":pk": S("kce-sem"), ":lo": S("a")})["Items"]
    assert [item["sk"] for item in items] == [S("m")]
    assert "KeyConditionExpressions cannot have conditions on nested attributes" in refused(
        client, "query", TableName=table, KeyConditionExpression="#pk = :pk AND #sk.foo = :v",
        ExpressionAttributeNames=names, ExpressionAttributeValues={":pk": S("kce-sem"), ":v": S("x")})
    refused(client, "scan", TableName=t["hash"], FilterExpression="begins_with(#p, :n)",
            ExpressionAttributeNames={"#p": "no_such_attr_xyz"}, ExpressionAttributeValues={":n": N("5")})


def test_reads_are_charged_before_the_filter_and_projection(client, t):
    table = create_table(client, "S", "S")  # its six rows alone
    for i in range(6):
        client.put_item(TableName=table, Item={"pk": S("read-cc"), "sk": S(f"s{i}"),
                                               "keep": S("yes" if i == 0 else "no"), "filler": S("x" * 200)})

    def units(operation: str, **params) -> tuple[float, int]:
        if operation == "query":
            values = {":p": S("read-cc"), **params.pop("ExpressionAttributeValues", {})}
            params.update(KeyConditionExpression="pk = :p", ExpressionAttributeValues=values)
        answer_ = getattr(client, operation)(TableName=table, ReturnConsumedCapacity="TOTAL", **params)
        return answer_["ConsumedCapacity"]["CapacityUnits"], answer_["Count"]

    for operation in ("scan", "query"):
        plain = units(operation)
        kept = units(operation, FilterExpression="keep = :k", ExpressionAttributeValues={":k": S("yes")})
        none = units(operation, FilterExpression="keep = :k",
                     ExpressionAttributeValues={":k": S("no-such-value")})
        projected = units(operation, ProjectionExpression="sk")
        assert kept[1] < plain[1] and none[1] == 0
        assert kept[0] == none[0] == projected[0] == plain[0]


def test_index_write_capacity(client):
    table = indexed_table(
        client, [("pk", "S"), ("sk", "S")], [("gsiPk", "S"), ("lsiSk", "S")],
        GlobalSecondaryIndexes=[_index("gsi-inc", "gsiPk", include=["proj"])],
        LocalSecondaryIndexes=[_index("lsi1", "pk", "lsiSk")])
    counter = iter(range(1000))

    def arms(capacity: dict) -> tuple:
        gsi = capacity.get("GlobalSecondaryIndexes", {}).get("gsi-inc", {}).get("CapacityUnits")
        lsi = capacity.get("LocalSecondaryIndexes", {}).get("lsi1", {}).get("CapacityUnits")
        return capacity["CapacityUnits"], capacity["Table"]["CapacityUnits"], gsi, lsi

    def put(**attributes) -> tuple:
        item = {"pk": S(f"item-{next(counter)}"), "sk": S("1"), **{k: S(v) for k, v in attributes.items()}}
        return item, arms(client.put_item(TableName=table, Item=item,
                                          ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"])

    assert put(gsiPk="g1", proj="p")[1] == (2, 1, 1, None)
    assert put(other="o")[1] == (1, 1, None, None)
    assert put(lsiSk="L1")[1] == (2, 1, None, 1)
    item, first = put(gsiPk="g4", lsiSk="L1", proj="p")
    repeat = client.put_item(TableName=table, Item=item, ReturnConsumedCapacity="INDEXES")
    assert first == (3, 1, 1, 1) and arms(repeat["ConsumedCapacity"]) == (1, 1, None, None)
    ladder = [("SET #o = :v", {":v": S("o2")}, (2, 1, None, 1)),
              ("SET proj = :v", {":v": S("p2")}, (3, 1, 1, 1)),
              ("SET gsiPk = :v", {":v": S("g-moved")}, (4, 1, 2, 1)),
              ("REMOVE gsiPk", None, (3, 1, 1, 1)),
              ("SET lsiSk = :v", {":v": S("L2")}, (3, 1, None, 2))]
    for expression, values, expected in ladder:
        seeded, _ = put(gsiPk="g-ladder", lsiSk="L1", proj="p", other="o")
        key = {"pk": seeded["pk"], "sk": S("1")}
        extra = {"ExpressionAttributeValues": values} if values else {}
        if "#o" in expression:  # OTHER is a reserved word
            extra["ExpressionAttributeNames"] = {"#o": "other"}
        response = client.update_item(TableName=table, Key=key, UpdateExpression=expression,
                                      ReturnConsumedCapacity="INDEXES", **extra)
        assert arms(response["ConsumedCapacity"]) == expected, expression
        deleted = client.delete_item(TableName=table, Key=key, ReturnConsumedCapacity="INDEXES")
        assert arms(deleted["ConsumedCapacity"])[1] == 1


def test_transaction_semantics(client, t):
    table = t["hash"]
    put = lambda key, value: {"Put": {"TableName": table, "Item": {"pk": S(key), "val": S(value)}}}  # noqa: E731
    token = unique_name("idem")
    client.transact_write_items(ClientRequestToken=token, TransactItems=[put("tw-idem", "first")])
    client.transact_write_items(ClientRequestToken=token, TransactItems=[put("tw-idem", "first")])
    code, _, _ = answer(client, "transact_write_items", ClientRequestToken=token,
                        TransactItems=[put("tw-idem", "different")])
    assert code == "IdempotentParameterMismatchException"
    client.put_item(TableName=table, Item={"pk": S("tw-rvocf"), "data": S("original")})
    _, reasons = cancellation(client, [{"Put": {
        "TableName": table, "Item": {"pk": S("tw-rvocf")}, "ConditionExpression": "attribute_not_exists(pk)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}])
    assert reasons[0]["Item"] == {"pk": S("tw-rvocf"), "data": S("original")}
    _, reasons = cancellation(client, [{"Update": {
        "TableName": table, "Key": {"pk": S("tw-cond-noexist")}, "UpdateExpression": "ADD hit_count :inc",
        "ConditionExpression": "attribute_exists(pk)", "ExpressionAttributeValues": {":inc": N("1")}}}])
    assert reasons[0]["Code"] == "ConditionalCheckFailed"
    assert "Item" not in client.get_item(TableName=table, Key={"pk": S("tw-cond-noexist")})
    response = client.transact_write_items(ReturnConsumedCapacity="TOTAL",
                                           TransactItems=[put("tw-cap-1", "v"), put("tw-cap-2", "v")])
    assert sum(c["CapacityUnits"] for c in response["ConsumedCapacity"]) == 4


def test_time_to_live_settings(client):
    table = create_table(client)
    assert client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]["TimeToLiveStatus"] == \
        "DISABLED"
    refused(client, "update_time_to_live", TableName=table,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ""})
    answer_ = client.update_time_to_live(TableName=table,
                                         TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"})
    assert answer_["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "expiresAt"}
    described = client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert described["AttributeName"] == "expiresAt" and described["TimeToLiveStatus"] in ("ENABLED", "ENABLING")
    for operation, params in (("describe_time_to_live", {}), ("update_time_to_live", {
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "ttl"}})):
        code, _, _ = answer(client, operation, TableName="_conformance_nonexistent_table", **params)
        assert code == "ResourceNotFoundException"


def test_update_item_charges_a_document_path_as_its_attribute(client, t):
    # Bisected against the plain clause writing the same finished value: a
    # nested path costs the same, a list index one byte more.
    table = t["hash"]
    here, there = {"pk": S("D")}, {"pk": S("E")}

    def accepts(key: dict, expression: str, values: dict, names=None) -> bool:
        code, message, _ = answer(client, "update_item", TableName=table, Key=key, UpdateExpression=expression,
                                  ExpressionAttributeValues=values,
                                  **({"ExpressionAttributeNames": names} if names else {}))
        assert code in ("", "ValidationException") and (code == "" or "Item size" in message), message
        return code == ""

    def largest(whole) -> int:
        low, high = MAX_ITEM - 256, MAX_ITEM
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if accepts(here, "SET d = :w", {":w": whole(middle)}) else (low, middle)
        return low

    documents = [(lambda n: {"M": {"leaf": S("x" * n)}}, "SET d.#leaf = :pad", {"#leaf": "leaf"}, 0),
                 (lambda n: {"L": [S("x" * n)]}, "SET d[0] = :pad", None, 1)]
    for whole, expression, names, extra_cost in documents:
        reference = largest(whole)
        for key in (here, there):
            client.put_item(TableName=table, Item={**key, "d": whole(1)})
        assert accepts(here, expression, {":pad": S("x" * (reference - extra_cost))}, names)
        assert not accepts(there, expression, {":pad": S("x" * (reference - extra_cost + 1))}, names)


# ---- tier3/limits/batchLimits, responseSize, reservedWords; tier3/legacy-api; tier1 projections ----

def test_batch_limits_and_one_megabyte_pages(client, t):
    table = t["hash"]
    for prefix, payload in (("w25", 0), ("wlg", 20_000)):
        written = client.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": {"pk": S(f"lim-batch-{prefix}-{i}"), **({"p": S("x" * payload)} if payload else {})}}}
            for i in range(25)]})
        assert not written["UnprocessedItems"].get(table)
    keys = [{"pk": S(f"lim-batch-w25-{i}")} for i in range(25)] + [{"pk": S(f"none-{i}")} for i in range(75)]
    got = client.batch_get_item(RequestItems={table: {"Keys": keys, "ConsistentRead": True}})
    assert len(got["Responses"][table]) == 25
    for i in range(20):
        client.put_item(TableName=t["composite"], Item={"pk": S("lim-resp"), "sk": S(f"sk-{i:03}"),
                                                        "payload": S("x" * 60_000)})
    query = dict(TableName=t["composite"], KeyConditionExpression="pk = :p",
                 ExpressionAttributeValues={":p": S("lim-resp")}, ConsistentRead=True)
    first = client.query(**query)
    assert "LastEvaluatedKey" in first and 0 < len(first["Items"]) < 20
    second = client.query(**query, ExclusiveStartKey=first["LastEvaluatedKey"])
    assert len(first["Items"]) + len(second["Items"]) == 20 and "LastEvaluatedKey" not in second
    limited = client.query(**query, Limit=5)
    assert len(limited["Items"]) == 5 and "LastEvaluatedKey" in limited


@pytest.mark.parametrize("word,value", [("status", S("active")), ("name", S("Alice")), ("data", S("p")),
                                        ("count", N("42")), ("items", {"L": [S("a")]})])
def test_reserved_words_work_through_names_only(client, t, word, value):
    table, key = t["hash"], {"pk": S(f"rw-{word}")}
    client.put_item(TableName=table, Item={**key, word: value})
    got = client.get_item(TableName=table, Key=key, ProjectionExpression=f"pk, #{word}",
                          ExpressionAttributeNames={f"#{word}": word}, ConsistentRead=True)
    assert got["Item"][word] == value
    values = {":v": value}
    for operation, params in (
            ("put_item", {"Item": key, "ConditionExpression": f"{word} = :v", "ExpressionAttributeValues": values}),
            ("update_item", {"Key": key, "UpdateExpression": f"SET {word} = :v", "ExpressionAttributeValues": values}),
            ("scan", {"FilterExpression": f"{word} = :v", "ExpressionAttributeValues": values}),
            ("get_item", {"Key": key, "ProjectionExpression": f"pk, {word}"})):
        assert "reserved keyword" in refused(client, operation, TableName=table, **params)


def test_attribute_updates(client, t):
    table, key = t["hash"], {"pk": S("attrupd")}
    client.put_item(TableName=table, Item={**key, "tags": {"SS": ["a", "b", "c"]}, "counter": N("10"),
                                           "name": S("old"), "extra": S("remove-me")})
    client.update_item(TableName=table, Key=key, AttributeUpdates={
        "tags": {"Action": "DELETE", "Value": {"SS": ["b"]}}, "counter": {"Action": "ADD", "Value": N("5")},
        "name": {"Action": "PUT", "Value": S("new")}, "extra": {"Action": "DELETE"},
        "col": {"Value": S("written")}})  # no Action is PUT
    got = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert sorted(got["tags"]["SS"]) == ["a", "c"] and got["counter"] == N("15")
    assert got["name"] == S("new") and got["col"] == S("written") and "extra" not in got
    refused(client, "update_item", TableName=table, Key=key,
            AttributeUpdates={"pk": {"Action": "PUT", "Value": S("new-key")}})


def test_projection_validation(client, t):
    table, key = t["hash"], {"pk": S("proj-val")}
    client.put_item(TableName=table, Item={**key, "a": {"M": {"b": S("bb")}},
                                           "l": {"L": [S("l0"), S("l1"), S("l2")]}})
    for projection, names in (("#a, #a.#b", {"#a": "a", "#b": "b"}), ("#a, #a", {"#a": "a"})):
        refused(client, "get_item", TableName=table, Key=key, ProjectionExpression=projection,
                ExpressionAttributeNames=names)
    got = client.get_item(TableName=table, Key=key, ProjectionExpression="#l[2], #l[0]",
                          ExpressionAttributeNames={"#l": "l"})
    assert got["Item"]["l"] == {"L": [S("l0"), S("l2")]}
    refused(client, "scan", TableName=table, FilterExpression="pk = :never",
            ExpressionAttributeValues={":never": S("no-such-pk")}, ProjectionExpression="#undef")


def test_a_global_index_scan_pages_through_one_index_partition(client):
    table = indexed_table(client, [("ID", "S")], [("Type", "S")],
                          GlobalSecondaryIndexes=[_index("TypeIndex", "Type", "ID")])
    for i in range(50):
        client.put_item(TableName=table, Item={"ID": S(f"item-{i:03}"), "Type": S("widget"), "Num": N(str(i))})
    values = {f":v{i}": N(str(i * 5)) for i in range(10)}
    for extra, expected in (({}, 50), ({"FilterExpression": f"Num IN ({', '.join(values)})",
                                        "ExpressionAttributeValues": values}, 10)):
        items, start, pages = [], None, 0
        while pages == 0 or start:
            page = client.scan(TableName=table, IndexName="TypeIndex", Limit=10, **extra,
                               **({"ExclusiveStartKey": start} if start else {}))
            items += page["Items"]
            start, pages = page.get("LastEvaluatedKey"), pages + 1
            assert pages <= 11
        assert len(items) == expected


def test_item_collection_metrics_on_single_writes(client, t):
    table, key = t["indexed"], {"pk": S("icm"), "sk": S("a")}
    answers = [
        client.put_item(TableName=table, Item={**key, "lsi1sk": S("l"), "data": S("h")},
                        ReturnItemCollectionMetrics="SIZE"),
        client.update_item(TableName=table, Key=key, UpdateExpression="SET #d = :v",
                           ExpressionAttributeNames={"#d": "data"}, ExpressionAttributeValues={":v": S("u")},
                           ReturnItemCollectionMetrics="SIZE"),
        client.delete_item(TableName=table, Key=key, ReturnItemCollectionMetrics="SIZE")]
    for answer_ in answers:
        metrics = answer_["ItemCollectionMetrics"]
        assert metrics["ItemCollectionKey"] == {"pk": S("icm")} and len(metrics["SizeEstimateRangeGB"]) == 2
    quiet = client.put_item(TableName=table, Item=key, ReturnItemCollectionMetrics="NONE")
    assert "ItemCollectionMetrics" not in quiet


def test_a_hash_only_index_pages_by_the_table_sort_key(client):
    table = indexed_table(client, [("pk", "S"), ("sk", "S")], [("gh", "S")],
                          GlobalSecondaryIndexes=[_index("gho", "gh")])
    for i in range(5):
        client.put_item(TableName=table, Item={"pk": S("p"), "sk": S(f"s{i}"), "gh": S("shared")})
    seen, start = [], None
    for _ in range(10):
        page = client.query(TableName=table, IndexName="gho", KeyConditionExpression="gh = :g",
                            ExpressionAttributeValues={":g": S("shared")}, Limit=2,
                            **({"ExclusiveStartKey": start} if start else {}))
        seen += [item["sk"]["S"] for item in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    assert sorted(seen) == [f"s{i}" for i in range(5)]


# ---- tier3/legacy-api: queryFilter, scanFilter, expected, attributesToGet --------------

def test_legacy_key_conditions_and_filters(client, t):
    table = t["composite"]
    rows = [("alpha", "1", "hello-world"), ("beta", "2", "hello-there"), ("gamma", "3", "goodbye"),
            ("delta", "4", "hello-again"), ("epsilon", "5", "world")]
    for sort_key, value, tag in rows:
        client.put_item(TableName=table, Item={"pk": S("legacy-query"), "sk": S(sort_key), "val": N(value),
                                               "tag": S(tag)})
    hash_eq = {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("legacy-query")]}}

    def sort_keys(sort_condition=None, **params) -> list[str]:
        conditions = {**hash_eq, **({"sk": sort_condition} if sort_condition else {})}
        page = client.query(TableName=table, KeyConditions=conditions, ConsistentRead=True, **params)
        return [item["sk"]["S"] for item in page["Items"]]

    assert sort_keys({"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [S("al")]}) == ["alpha"]
    assert sort_keys({"ComparisonOperator": "BETWEEN", "AttributeValueList": [S("beta"), S("epsilon")]}) == \
        ["beta", "delta", "epsilon"]
    assert sort_keys({"ComparisonOperator": "GT", "AttributeValueList": [S("delta")]}) == ["epsilon", "gamma"]
    assert sort_keys(ScanIndexForward=False) == ["gamma", "epsilon", "delta", "beta", "alpha"]
    contains = client.query(TableName=table, KeyConditions=hash_eq, QueryFilter={
        "tag": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [S("hello")]}})
    assert (contains["Count"], contains["ScannedCount"]) == (3, 5)
    refused(client, "query", TableName=table, KeyConditions=hash_eq, KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": S("legacy-query")})


@pytest.mark.parametrize("operator", ["EQ", "NE"])
def test_legacy_eq_and_ne_take_any_type(client, t, operator):
    # A BOOL (or list, map, NULL) is a valid EQ / NE argument; we refused it
    # as "ComparisonOperator EQ is not valid for BOOL AttributeValue type".
    table = t["composite"]
    for sort_key, flag in (("a", True), ("b", False)):
        client.put_item(TableName=table, Item={"pk": S("legacy-bool"), "sk": S(sort_key), "flag": {"BOOL": flag},
                                               "doc": {"L": [S(sort_key)]}})
    hash_eq = {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("legacy-bool")]}}
    wanted = "a" if operator == "EQ" else "b"
    for attribute, value in (("flag", {"BOOL": True}), ("doc", {"L": [S("a")]})):
        page = client.query(TableName=table, KeyConditions=hash_eq, QueryFilter={
            attribute: {"ComparisonOperator": operator, "AttributeValueList": [value]}})
        assert [item["sk"]["S"] for item in page["Items"]] == [wanted]
    client.put_item(TableName=table, Item={"pk": S("legacy-bool"), "sk": S("a"), "flag": {"BOOL": True}},
                    Expected={"flag": {"ComparisonOperator": operator, "AttributeValueList": [
                        {"BOOL": operator == "EQ"}]}})


def test_legacy_scan_filter_and_expected(client, t):
    table = create_table(client)  # a scan of its own rows: the shared table outgrows a 1 MB page
    rows = [("10", "alpha-one"), ("20", "beta-two"), ("30", "alpha-three"), ("40", "gamma-four"),
            ("50", "alpha-five")]
    for i, (value, name) in enumerate(rows, 1):
        client.put_item(TableName=table, Item={"pk": S(f"scanfilt-{i}"), "val": N(value), "name": S(name)})

    def matching(scan_filter: dict, **params) -> list[str]:
        items = client.scan(TableName=table, ScanFilter=scan_filter, **params)["Items"]
        return sorted(item["pk"]["S"] for item in items if item["pk"]["S"].startswith("scanfilt-"))

    alpha = {"name": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [S("alpha")]}}
    assert matching({"val": {"ComparisonOperator": "GT", "AttributeValueList": [N("30")]}}) == \
        ["scanfilt-4", "scanfilt-5"]
    assert matching({**alpha, "val": {"ComparisonOperator": "GT", "AttributeValueList": [N("20")]}},
                    ConditionalOperator="AND") == ["scanfilt-3", "scanfilt-5"]
    refused(client, "scan", TableName=table, FilterExpression="val = :v", ExpressionAttributeValues={":v": N("1")},
            ScanFilter={"val": {"ComparisonOperator": "EQ", "AttributeValueList": [N("10")]}})
    key = {"pk": S("expected-1")}
    client.put_item(TableName=table, Item={**key, "status": S("active"), "role": S("user")},
                    Expected={"pk": {"Exists": False}})
    code, _, _ = answer(client, "put_item", TableName=table, Item=key, Expected={"pk": {"Exists": False}})
    assert code == "ConditionalCheckFailedException"
    either = {"status": {"ComparisonOperator": "EQ", "AttributeValueList": [S("active")]},
              "role": {"ComparisonOperator": "EQ", "AttributeValueList": [S("admin")]}}
    client.put_item(TableName=table, Item={**key, "status": S("active"), "role": S("user")}, Expected=either,
                    ConditionalOperator="OR")
    code, _, _ = answer(client, "put_item", TableName=table, Item=key, Expected=either, ConditionalOperator="AND")
    assert code == "ConditionalCheckFailedException"
    client.delete_item(TableName=table, Key=key, Expected={"status": {"Exists": True, "Value": S("active")}})
    assert "Item" not in client.get_item(TableName=table, Key=key, ConsistentRead=True)


def test_attributes_to_get(client, t):
    table, key = t["hash"], {"pk": S("a2g-1")}
    client.put_item(TableName=table, Item={**key, "name": S("alice"), "age": N("30"), "role": S("admin")})
    got = lambda names: client.get_item(TableName=table, Key=key, AttributesToGet=names)["Item"]  # noqa: E731
    assert got(["name", "age"]) == {"name": S("alice"), "age": N("30")}  # the key is not added
    assert list(got(["role"])) == ["role"] and got(["name", "nonexistent"]) == {"name": S("alice")}
    batch = client.batch_get_item(RequestItems={table: {"Keys": [key], "AttributesToGet": ["pk", "role"]}})
    assert batch["Responses"][table] == [{"pk": S("a2g-1"), "role": S("admin")}]
    refused(client, "get_item", TableName=table, Key=key, AttributesToGet=["name"], ProjectionExpression="#n",
            ExpressionAttributeNames={"#n": "name"})


# ---- tier1/query/select, getItem and putItem consumedCapacity -----------------------------

def test_query_select_modes(client, t):
    table = t["indexed"]
    for sort_key, status in (("a", "active"), ("b", "inactive"), ("c", "active")):
        client.put_item(TableName=table, Item={"pk": S("query-select-count"), "sk": S(sort_key),
                                               "status": S(status)})
    condition = {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": S("query-select-count")}}
    counted = client.query(TableName=table, Select="COUNT", **condition)
    assert (counted["Count"], counted["ScannedCount"]) == (3, 3) and "Items" not in counted
    filtered = client.query(TableName=table, Select="COUNT", FilterExpression="#s = :st",
                            ExpressionAttributeNames={"#s": "status"},
                            KeyConditionExpression="pk = :pk",
                            ExpressionAttributeValues={":pk": S("query-select-count"), ":st": S("active")})
    assert (filtered["Count"], filtered["ScannedCount"]) == (2, 3) and "Items" not in filtered
    for sort_key in ("a", "b"):
        client.put_item(TableName=table, Item={"pk": S("query-select-idx"), "sk": S(sort_key), "lsi1sk": S("gh1"),
                                               "lsi2sk": S(f"r-{sort_key}"), "data": S("d"), "extra": S("e")})
    projected = client.query(TableName=table, IndexName="gsi2", Select="ALL_PROJECTED_ATTRIBUTES",
                             KeyConditionExpression="lsi1sk = :h", ExpressionAttributeValues={":h": S("gh1")})
    assert [sorted(item) for item in projected["Items"]] == [["data", "lsi1sk", "lsi2sk", "pk", "sk"]] * 2
    everything = client.query(TableName=table, IndexName="lsi1", Select="ALL_ATTRIBUTES",
                              KeyConditionExpression="pk = :pk",
                              ExpressionAttributeValues={":pk": S("query-select-idx")})
    assert all("extra" in item for item in everything["Items"]) and len(everything["Items"]) == 2
    assert "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES" in refused(
        client, "query", TableName=table, Select="ALL_ATTRIBUTES", ProjectionExpression="sk", **condition)
    assert "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName" in refused(
        client, "query", TableName=table, Select="ALL_PROJECTED_ATTRIBUTES", **condition)
    refused(client, "query", TableName=table, Select="SPECIFIC_ATTRIBUTES", **condition)


def test_single_item_capacity_has_no_read_write_split(client, t):
    table, key = t["hash"], {"pk": S("cc-split")}
    written = client.put_item(TableName=table, Item={**key, "data": S("x")}, ReturnConsumedCapacity="INDEXES")
    assert written["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 1.0, "Table": {"CapacityUnits": 1.0}}
    strong = client.get_item(TableName=table, Key=key, ConsistentRead=True, ReturnConsumedCapacity="TOTAL")
    eventual = client.get_item(TableName=table, Key=key, ReturnConsumedCapacity="TOTAL")
    assert strong["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 1.0}
    assert eventual["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 0.5}
    updated = client.update_item(TableName=table, Key=key, UpdateExpression="SET #d = :v",
                                 ExpressionAttributeNames={"#d": "data"}, ExpressionAttributeValues={":v": S("y")},
                                 ReturnConsumedCapacity="TOTAL")
    deleted = client.delete_item(TableName=table, Key=key, ReturnConsumedCapacity="TOTAL")
    assert updated["ConsumedCapacity"] == deleted["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 1.0}
    assert "ConsumedCapacity" not in client.put_item(TableName=table, Item=key, ReturnConsumedCapacity="NONE")


# ---- tier1 parentheses: keyConditionParens, filterExpressionParens, conditionExpressionParens ----

@pytest.mark.parametrize("condition,sort_key", [("(#pk = :pk) AND (#sk = :sk)", "1"),
                                                ("(#pk = :pk AND #sk = :sk)", "2"),
                                                ("((#pk = :pk)) AND ((#sk = :sk))", "3")])
def test_key_conditions_accept_parentheses_even_redundant_ones(client, t, condition, sort_key):
    # A key condition's doubled parentheses are accepted (a condition's are
    # "The expression has redundant parentheses;", test_fidelity_items.py).
    table = t["composite"]
    client.put_item(TableName=table, Item={"pk": S("kce-parens"), "sk": S(sort_key), "data": S(f"d{sort_key}")})
    items = client.query(TableName=table, KeyConditionExpression=condition,
                         ExpressionAttributeNames={"#pk": "pk", "#sk": "sk"},
                         ExpressionAttributeValues={":pk": S("kce-parens"), ":sk": S(sort_key)})["Items"]
    assert [item["data"] for item in items] == [S(f"d{sort_key}")]


def test_filters_and_conditions_accept_parentheses(client, t):
    table = t["composite"]
    rows = [("1", "alpha", "active", "alice"), ("2", "beta", "inactive", "bob"), ("3", "gamma", "active", "alex"),
            ("4", "alpha", "active", "carol")]
    for sort_key, kind, status, name in rows:
        client.put_item(TableName=table, Item={"pk": S("feq-parens"), "sk": S(sort_key), "type": S(kind),
                                               "status": S(status), "name": S(name)})
    names = {"#pk": "pk", "#t": "type", "#s": "status", "#n": "name"}
    values = {":pk": S("feq-parens"), ":a": S("alpha"), ":b": S("beta"), ":s": S("active"), ":p": S("al")}
    for expression, expected in (("(#t = :a) OR (#t = :b)", ["1", "2", "4"]), ("(#t = :a OR #t = :b)", ["1", "2", "4"]),
                                 ("(#t = :a OR (#t = :b))", ["1", "2", "4"]),
                                 ("(#s = :s) AND (begins_with(#n, :p))", ["1", "3"])):
        used = [key for key in names if key in expression or key == "#pk"]
        page = client.query(TableName=table, KeyConditionExpression="#pk = :pk", FilterExpression=expression,
                            ExpressionAttributeNames={key: names[key] for key in used},
                            ExpressionAttributeValues={key: value for key, value in values.items()
                                                       if key in expression or key == ":pk"})
        assert sorted(item["sk"]["S"] for item in page["Items"]) == expected, expression
    for i, condition in enumerate(("(attribute_not_exists(pk)) AND (attribute_not_exists(#s))",
                                   "(attribute_not_exists(pk) AND attribute_not_exists(#s))",
                                   "(attribute_not_exists(pk) AND (attribute_not_exists(#s)))")):
        client.put_item(TableName=t["hash"], Item={"pk": S(f"put-cep-{i}")}, ConditionExpression=condition,
                        ExpressionAttributeNames={"#s": "status"})


# ---- tier1/scan: filterOperators, parallel, select ----------------------------------------

def test_scan_filter_operators_on_each_type(client, t):
    table = create_table(client)  # a scan of its own rows: the shared table outgrows a 1 MB page
    rows = [("apple", "10", b"\1\2", ["a", "b"]), ("banana", "20", b"\3\4", ["b", "c"]),
            ("cherry", "30", b"\5\6", ["a", "c"])]
    for i, (text, number, binary, members) in enumerate(rows, 1):
        client.put_item(TableName=table, Item={"pk": S(f"fo-{i}"), "strVal": S(text), "numVal": N(number),
                                               "binVal": {"B": binary}, "setVal": {"SS": members}})

    def matching(condition: str, names: dict, values: dict) -> list[str]:
        items = client.scan(TableName=table, FilterExpression=f"({condition}) AND begins_with(#pk, :prefix)",
                            ExpressionAttributeNames={**names, "#pk": "pk"},
                            ExpressionAttributeValues={**values, ":prefix": S("fo-")}, ConsistentRead=True)["Items"]
        return sorted(item["pk"]["S"] for item in items)

    cases = [("#v = :x", "strVal", {":x": S("banana")}, ["fo-2"]),
             ("#v <> :x", "numVal", {":x": N("20")}, ["fo-1", "fo-3"]),
             ("#v > :x", "numVal", {":x": N("15")}, ["fo-2", "fo-3"]),
             ("#v <= :x", "strVal", {":x": S("banana")}, ["fo-1", "fo-2"]),
             ("contains(#v, :x)", "strVal", {":x": S("an")}, ["fo-2"]),
             ("attribute_exists(#v)", "strVal", {}, ["fo-1", "fo-2", "fo-3"]),
             ("#v > :x", "binVal", {":x": {"B": b"\3\4"}}, ["fo-3"]),
             ("begins_with(#v, :x)", "binVal", {":x": {"B": b"\3"}}, ["fo-2"]),
             ("#v BETWEEN :x AND :y", "binVal", {":x": {"B": b"\1\2"}, ":y": {"B": b"\3\4"}}, ["fo-1", "fo-2"]),
             ("#v = :x", "setVal", {":x": {"SS": ["b", "a"]}}, ["fo-1"]),
             ("#v <> :x", "setVal", {":x": {"SS": ["a", "b"]}}, ["fo-2", "fo-3"])]
    for condition, attribute, values, expected in cases:
        assert matching(condition, {"#v": attribute}, values) == expected, (condition, attribute)
    assert "Incorrect operand type" in refused(client, "scan", TableName=table, FilterExpression="begins_with(#a, :n)",
                                               ExpressionAttributeNames={"#a": "strVal"},
                                               ExpressionAttributeValues={":n": N("1")})
    assert "redundant parentheses" in refused(client, "scan", TableName=table, FilterExpression="((#a = :v))",
                                              ExpressionAttributeNames={"#a": "strVal"},
                                              ExpressionAttributeValues={":v": S("apple")})


def test_parallel_segments_are_disjoint_and_cover_the_table(client):
    table = create_table(client)
    for i in range(20):
        client.put_item(TableName=table, Item={"pk": S(f"parallel-scan-{i:03}"), "val": N(str(i))})
    seen = []
    for segment in range(4):
        start = None
        while True:
            page = client.scan(TableName=table, TotalSegments=4, Segment=segment, ConsistentRead=True,
                               **({"ExclusiveStartKey": start} if start else {}))
            seen += [item["pk"]["S"] for item in page["Items"]]
            start = page.get("LastEvaluatedKey")
            if not start:
                break
    assert sorted(seen) == [f"parallel-scan-{i:03}" for i in range(20)]


def test_scan_select_modes(client, t):
    table = create_table(client)  # a scan of its own rows: the shared table outgrows a 1 MB page
    for i, category in enumerate(("alpha", "beta", "alpha")):
        client.put_item(TableName=table, Item={"pk": S(f"scan-select-{i}"), "category": S(category)})
    counted = client.scan(TableName=table, Select="COUNT", FilterExpression="#c = :cat AND begins_with(pk, :p)",
                          ExpressionAttributeNames={"#c": "category"},
                          ExpressionAttributeValues={":cat": S("alpha"), ":p": S("scan-select-")})
    assert counted["Count"] == 2 and counted["ScannedCount"] >= 3 and "Items" not in counted
    assert "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES" in refused(
        client, "scan", TableName=table, Select="ALL_ATTRIBUTES", ProjectionExpression="pk")
    # "Querying", even on a Scan
    assert "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName" in refused(
        client, "scan", TableName=table, Select="ALL_PROJECTED_ATTRIBUTES")


def test_a_local_index_scan_pages_past_duplicate_index_keys(client):
    table = indexed_table(client, [("ID", "S"), ("SK", "S")], [("Lsk", "S")],
                          LocalSecondaryIndexes=[_index("LsiIndex", "ID", "Lsk")])
    for i in range(50):
        client.put_item(TableName=table, Item={"ID": S("widget"), "SK": S(f"item-{i:03}"),
                                               "Lsk": S(f"group-{i % 5}"), "Num": N(str(i))})
    values = {f":v{i}": N(str(i * 5)) for i in range(10)}
    for extra, expected, most_pages in (({}, 50, 10), ({"FilterExpression": f"Num IN ({', '.join(values)})",
                                                        "ExpressionAttributeValues": values}, 10, 20)):
        keys, start, pages = [], None, 0
        while pages == 0 or start:
            page = client.scan(TableName=table, IndexName="LsiIndex", Limit=10, **extra,
                               **({"ExclusiveStartKey": start} if start else {}))
            keys += [item["SK"]["S"] for item in page["Items"]]
            start, pages = page.get("LastEvaluatedKey"), pages + 1
        assert len(keys) == len(set(keys)) == expected and pages <= most_pages


def test_documents_of_every_type_round_trip(client, t):
    table, key = t["hash"], {"pk": S("dt-round-trip")}
    item = {**key, "nested": {"M": {"a": {"M": {"b": {"M": {"c": S("deep")}}}}}},
            "mixed": {"L": [S("str"), N("1"), {"BOOL": True}, {"NULL": True}, {"M": {"x": S("y")}}]},
            "outer": {"M": {"items": {"L": [{"M": {"name": S("first"), "value": N("100")}},
                                           {"M": {"name": S("second"), "value": N("200")}}]}}},
            "empty": S(""), "big": S("x" * 100 * 1024), "precise": N("12345678901234567890123456789012345678")}
    client.put_item(TableName=table, Item=item)
    assert client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"] == item

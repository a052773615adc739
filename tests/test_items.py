"""PutItem, GetItem and DeleteItem end to end, over HTTP and embedded."""
from __future__ import annotations

import base64
from decimal import Decimal

import pytest
from support import create_table, error_of, unique_name


def test_put_get_delete_round_trip(client, table):
    item = {"pk": {"S": "a"}, "n": {"N": "001.500"}, "b": {"B": b"\x00\x01"},
            "ss": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2.50"]}, "bs": {"BS": [b"z"]},
            "m": {"M": {"inner": {"L": [{"S": ""}, {"NULL": True}, {"BOOL": False}]}}},
            "empty": {"S": ""}}
    assert "Attributes" not in client.put_item(TableName=table, Item=item)
    got = client.get_item(TableName=table, Key={"pk": {"S": "a"}})["Item"]
    assert got["n"] == {"N": "1.5"}  # numbers come back normalised
    assert sorted(got["ns"]["NS"]) == ["1", "2.5"]
    assert got["b"] == {"B": b"\x00\x01"} and got["m"] == item["m"] and got["empty"] == {"S": ""}
    deleted = client.delete_item(TableName=table, Key={"pk": {"S": "a"}}, ReturnValues="ALL_OLD")
    assert deleted["Attributes"]["pk"] == {"S": "a"}
    assert "Item" not in client.get_item(TableName=table, Key={"pk": {"S": "a"}})


def test_put_returns_old_item_and_replaces_it(client, table):
    client.put_item(TableName=table, Item={"pk": {"S": "k"}, "v": {"N": "1"}})
    response = client.put_item(TableName=table, Item={"pk": {"S": "k"}, "w": {"N": "2"}},
                               ReturnValues="ALL_OLD")
    assert response["Attributes"] == {"pk": {"S": "k"}, "v": {"N": "1"}}
    assert client.get_item(TableName=table, Key={"pk": {"S": "k"}})["Item"] == {
        "pk": {"S": "k"}, "w": {"N": "2"}}


def test_delete_missing_item_returns_nothing(client, table):
    response = client.delete_item(TableName=table, Key={"pk": {"S": "nope"}}, ReturnValues="ALL_OLD",
                                  ReturnConsumedCapacity="TOTAL")
    assert "Attributes" not in response
    assert response["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 1.0}


def test_return_values_other_than_all_old_rejected(client, table):
    code, message = error_of(client.put_item, TableName=table, Item={"pk": {"S": "a"}},
                             ReturnValues="ALL_NEW")
    assert (code, message) == ("ValidationException",
                               "1 validation error detected: ReturnValues can only be ALL_OLD or NONE")


def test_resource_round_trip(resource, client):
    name = create_table(client, "S", "N")
    table = resource.Table(name)
    table.put_item(Item={"pk": "p", "sk": 3, "price": Decimal("9.99"), "tags": {"a", "b"}})
    item = table.get_item(Key={"pk": "p", "sk": 3})["Item"]
    assert item == {"pk": "p", "sk": 3, "price": Decimal("9.99"), "tags": {"a", "b"}}
    table.delete_item(Key={"pk": "p", "sk": 3})
    assert "Item" not in table.get_item(Key={"pk": "p", "sk": 3})


def test_consumed_capacity_units(client, table):
    big = "x" * 5000  # 5,000 + names: 5 KB, so 5 write units and 2 strong read units
    response = client.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"S": big}},
                               ReturnConsumedCapacity="TOTAL")
    assert response["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 5.0}
    strong = client.get_item(TableName=table, Key={"pk": {"S": "a"}}, ConsistentRead=True,
                             ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert strong == {"TableName": table, "CapacityUnits": 2.0, "Table": {"CapacityUnits": 2.0}}
    eventual = client.get_item(TableName=table, Key={"pk": {"S": "a"}},
                               ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert eventual["CapacityUnits"] == 1.0
    missing = client.get_item(TableName=table, Key={"pk": {"S": "b"}},
                              ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert missing["CapacityUnits"] == 0.5
    # Replacing a 5 KB item with a tiny one is charged for the larger of the two.
    replaced = client.put_item(TableName=table, Item={"pk": {"S": "a"}}, ReturnConsumedCapacity="TOTAL")
    assert replaced["ConsumedCapacity"]["CapacityUnits"] == 5.0
    assert "ConsumedCapacity" not in client.get_item(TableName=table, Key={"pk": {"S": "a"}},
                                                     ReturnConsumedCapacity="NONE")


def test_projection_and_attributes_to_get(client, table):
    client.put_item(TableName=table, Item={"pk": {"S": "a"}, "x": {"N": "1"}, "y": {"N": "2"},
                                           "status": {"S": "s"}})
    by_expression = client.get_item(TableName=table, Key={"pk": {"S": "a"}},
                                    ProjectionExpression="x, #s",
                                    ExpressionAttributeNames={"#s": "status"})
    assert by_expression["Item"] == {"x": {"N": "1"}, "status": {"S": "s"}}
    legacy = client.get_item(TableName=table, Key={"pk": {"S": "a"}}, AttributesToGet=["y", "zz"])
    assert legacy["Item"] == {"y": {"N": "2"}}
    code, message = error_of(client.get_item, TableName=table, Key={"pk": {"S": "a"}},
                             AttributesToGet=["y"], ProjectionExpression="x")
    assert message == ("Can not use both expression and non-expression parameters in the same "
                       "request: Non-expression parameters: {AttributesToGet} Expression "
                       "parameters: {ProjectionExpression}")
    code, message = error_of(client.get_item, TableName=table, Key={"pk": {"S": "a"}},
                             ProjectionExpression="x", ExpressionAttributeNames={"#s": "status"})
    assert message == "Value provided in ExpressionAttributeNames unused in expressions: keys: {#s}"
    code, message = error_of(client.get_item, TableName=table, Key={"pk": {"S": "a"}},
                             AttributesToGet=["y", "y"])
    assert message == "One or more parameter values were invalid: Duplicate value in attribute name: y"


@pytest.mark.parametrize("key, message", [
    ({"pk": {"N": "1"}}, "The provided key element does not match the schema"),
    ({"pk": {"S": "a"}, "other": {"S": "b"}}, "The provided key element does not match the schema"),
    ({"other": {"S": "b"}}, "The provided key element does not match the schema"),
])
def test_get_item_key_mismatch(client, table, key, message):
    assert error_of(client.get_item, TableName=table, Key=key) == ("ValidationException", message)


def test_missing_table(client):
    code, message = error_of(client.get_item, TableName=unique_name(), Key={"pk": {"S": "a"}})
    assert (code, message) == ("ResourceNotFoundException", "Requested resource not found")
    code, _ = error_of(client.put_item, TableName=unique_name(), Item={"pk": {"S": "a"}})
    assert code == "ResourceNotFoundException"


# the value errors come before the table lookup, enveloped; the key errors after
# it, bare (AWS captures of 2026: tests/test_fidelity_items.py)
@pytest.mark.parametrize("item, message", [
    ({"x": {"S": "a"}}, "One or more parameter values were invalid: Missing the key pk in the item"),
    ({"pk": {"N": "1"}},
     "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"),
    ({"pk": {"S": "a"}, "s": {"SS": []}},
     "1 validation error detected: One or more parameter values were invalid: An string set  may not be empty"),
    ({"pk": {"S": "a"}, "n": {"N": "1e126"}},
     "1 validation error detected: Number overflow. Attempting to store a number with magnitude larger than supported range"),
    ({"pk": {"S": "a"}, "n": {"N": "1" * 39}},
     "1 validation error detected: Attempting to store more than 38 significant digits in a Number"),
    ({"pk": {"S": "a"}, "n": {"NULL": False}},
     "1 validation error detected: One or more parameter values were invalid: Null attribute value types must have the value of true"),
])
def test_put_item_invalid_items(client, table, item, message):
    assert error_of(client.put_item, TableName=table, Item=item) == ("ValidationException", message)


def test_empty_string_key_rejected(client, table):
    code, message = error_of(client.put_item, TableName=table, Item={"pk": {"S": ""}})
    assert code == "ValidationException"
    assert "The AttributeValue for a key attribute cannot contain an empty string value. Key: pk" in message


def test_item_size_limit_boundary(client, table):
    # size = len("pk") + len("k") + len("v") + value length
    filler = 409_600 - (2 + 1 + 1)
    client.put_item(TableName=table, Item={"pk": {"S": "k"}, "v": {"S": "x" * filler}})
    stored = client.get_item(TableName=table, Key={"pk": {"S": "k"}})["Item"]
    assert len(stored["v"]["S"]) == filler
    code, message = error_of(client.put_item, TableName=table,
                             Item={"pk": {"S": "k"}, "v": {"S": "x" * (filler + 1)}})
    assert (code, message) == ("ValidationException",
                               "1 validation error detected: Item size has exceeded the maximum allowed size")
    # the rejected write left the stored item untouched
    assert len(client.get_item(TableName=table, Key={"pk": {"S": "k"}})["Item"]["v"]["S"]) == filler


def test_key_size_limits(client):
    name = create_table(client, "S", "B")
    hash_key, range_key = "h" * 2048, b"r" * 1024
    client.put_item(TableName=name, Item={"pk": {"S": hash_key}, "sk": {"B": range_key}})
    key = {"pk": {"S": hash_key}, "sk": {"B": range_key}}
    assert client.get_item(TableName=name, Key=key)["Item"] == key
    code, message = error_of(client.put_item, TableName=name,
                             Item={"pk": {"S": hash_key + "h"}, "sk": {"B": b"r"}})
    assert message == ("One or more parameter values were invalid: Size of hashkey has exceeded "
                       "the maximum size limit of2048 bytes")
    code, message = error_of(client.put_item, TableName=name,
                             Item={"pk": {"S": "h"}, "sk": {"B": range_key + b"r"}})
    assert message == ("One or more parameter values were invalid: Aggregated size of all range "
                       "keys has exceeded the size limit of 1024 bytes")
    client.delete_item(TableName=name, Key=key)
    assert "Item" not in client.get_item(TableName=name, Key=key)


def test_maximum_keys_that_share_a_long_prefix_stay_distinct(client):
    name = create_table(client, "S", "S")
    hash_key = "p" * 2048
    sort_keys = ["s" * 1000 + suffix for suffix in ("c", "a", "b")] + ["s" * 1024]
    for index, sort_key in enumerate(sort_keys):
        client.put_item(TableName=name, Item={"pk": {"S": hash_key}, "sk": {"S": sort_key},
                                               "i": {"N": str(index)}})
    for index, sort_key in enumerate(sort_keys):
        got = client.get_item(TableName=name, Key={"pk": {"S": hash_key}, "sk": {"S": sort_key}})
        assert got["Item"]["i"] == {"N": str(index)}
    description = client.describe_table(TableName=name)["Table"]
    assert description["ItemCount"] == 4


def test_binary_values_round_trip_through_base64(client, table):
    raw = bytes(range(256))
    client.put_item(TableName=table, Item={"pk": {"S": "b"}, "data": {"B": raw}})
    assert client.get_item(TableName=table, Key={"pk": {"S": "b"}})["Item"]["data"]["B"] == raw
    assert base64.b64encode(raw)  # sanity: the wire carries base64

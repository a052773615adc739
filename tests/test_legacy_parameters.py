"""Legacy parameters end to end (HTTP and embedded): Expected with
ConditionalOperator, AttributeUpdates, QueryFilter and ScanFilter."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

ITEM = {"pk": {"S": "k"}, "n": {"N": "5"}, "s": {"S": "hello"}, "ss": {"SS": ["a", "b"]}}


def put_expected(client, table, expected, operator=None):
    request = {"TableName": table, "Item": {**ITEM, "written": {"BOOL": True}},
               "Expected": expected}
    if operator:
        request["ConditionalOperator"] = operator
    return client.put_item(**request)


def holds(client, table, expected, operator=None) -> bool:
    client.put_item(TableName=table, Item=ITEM)
    try:
        put_expected(client, table, expected, operator)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ConditionalCheckFailedException"
        return False
    return True


def cmp(operator, *values):
    return {"ComparisonOperator": operator, "AttributeValueList": list(values)}


@pytest.mark.parametrize("expected, operator, result", [
    ({"n": {"Value": {"N": "5"}}}, None, True),
    ({"n": {"Value": {"N": "6"}}}, None, False),
    ({"n": {"Exists": True, "Value": {"N": "5.0"}}}, None, True),
    ({"absent": {"Exists": False}}, None, True),
    ({"n": {"Exists": False}}, None, False),
    ({"n": cmp("EQ", {"N": "5"})}, None, True),
    ({"n": cmp("NE", {"N": "5"})}, None, False),
    ({"absent": cmp("NE", {"N": "5"})}, None, True),
    ({"n": cmp("LT", {"N": "6"})}, None, True),
    ({"n": cmp("GE", {"N": "6"})}, None, False),
    ({"s": cmp("BEGINS_WITH", {"S": "he"})}, None, True),
    ({"s": cmp("CONTAINS", {"S": "ll"})}, None, True),
    ({"ss": cmp("CONTAINS", {"S": "c"})}, None, False),
    ({"ss": cmp("NOT_CONTAINS", {"S": "c"})}, None, True),
    ({"absent": cmp("NOT_CONTAINS", {"S": "c"})}, None, True),
    ({"n": cmp("IN", {"N": "1"}, {"N": "5"})}, None, True),
    ({"n": cmp("BETWEEN", {"N": "1"}, {"N": "4"})}, None, False),
    ({"n": cmp("NOT_NULL")}, None, True),
    ({"absent": cmp("NULL")}, None, True),
    ({"n": {"ComparisonOperator": "EQ", "Value": {"N": "5"}}}, None, True),
    ({"n": cmp("EQ", {"N": "1"}), "s": cmp("EQ", {"S": "hello"})}, "OR", True),
    ({"n": cmp("EQ", {"N": "1"}), "s": cmp("EQ", {"S": "hello"})}, "AND", False),
    ({"n": cmp("EQ", {"N": "1"}), "s": cmp("EQ", {"S": "hello"})}, None, False),
])
def test_expected_semantics(client, table, expected, operator, result):
    assert holds(client, table, expected, operator) is result


@pytest.mark.parametrize("expected, extra, message", [
    ({"a": {"Exists": True}}, {},
     "One or more parameter values were invalid: Value must be provided when Exists is true "
     "for Attribute: a"),
    ({"a": {}}, {},
     "One or more parameter values were invalid: Value must be provided when Exists is null "
     "for Attribute: a"),
    ({"a": {"Exists": False, "Value": {"S": "x"}}}, {},
     "One or more parameter values were invalid: Value cannot be used when Exists is false for "
     "Attribute: a"),
    ({"a": {"Value": {"S": "x"}, "ComparisonOperator": "EQ",
            "AttributeValueList": [{"S": "x"}]}}, {},
     "One or more parameter values were invalid: Value and AttributeValueList cannot be used "
     "together for Attribute: a"),
    ({"a": {"ComparisonOperator": "EQ"}}, {},
     "One or more parameter values were invalid: Value or AttributeValueList must be used with "
     "ComparisonOperator: EQ for Attribute: a"),
    ({"a": cmp("BETWEEN", {"S": "x"})}, {},
     "One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN "
     "ComparisonOperator"),
    ({"a": {"AttributeValueList": [{"S": "x"}]}}, {},
     "One or more parameter values were invalid: AttributeValueList can only be used with a "
     "ComparisonOperator for Attribute: a"),
    ({"a": {"Exists": False}}, {"ConditionExpression": "attribute_exists(b)"},
     "Can not use both expression and non-expression parameters in the same request: "
     "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"),
])
def test_expected_errors(client, table, expected, extra, message):
    with pytest.raises(ClientError) as info:
        client.put_item(TableName=table, Item={"pk": {"S": "e"}}, Expected=expected, **extra)
    # enveloped: found before the table lookup (AWS 2026, tests/test_fidelity_items.py)
    assert info.value.response["Error"] == {"Code": "ValidationException",
                                            "Message": "1 validation error detected: " + message}


def test_attribute_updates(client, table):
    client.put_item(TableName=table, Item={**ITEM, "l": {"L": [{"S": "x"}]}, "gone": {"N": "1"}})
    response = client.update_item(
        TableName=table, Key={"pk": {"S": "k"}}, ReturnValues="UPDATED_NEW",
        AttributeUpdates={
            "n": {"Action": "ADD", "Value": {"N": "2"}},
            "ss": {"Action": "DELETE", "Value": {"SS": ["a"]}},
            "l": {"Action": "ADD", "Value": {"L": [{"S": "y"}]}},
            "s": {"Value": {"S": "bye"}},
            "gone": {"Action": "DELETE"},
            "fresh": {"Action": "ADD", "Value": {"NS": ["1"]}}},
        Expected={"n": {"Value": {"N": "5"}}})
    assert response["Attributes"] == {"n": {"N": "7"}, "ss": {"SS": ["b"]},
                                      "l": {"L": [{"S": "x"}, {"S": "y"}]}, "s": {"S": "bye"},
                                      "fresh": {"NS": ["1"]}}
    stored = client.get_item(TableName=table, Key={"pk": {"S": "k"}})["Item"]
    assert "gone" not in stored and stored["n"] == {"N": "7"}


@pytest.mark.parametrize("updates, message", [
    ({"pk": {"Value": {"S": "x"}}},
     "One or more parameter values were invalid: Cannot update attribute pk. This attribute is "
     "part of the key"),
    ({"a": {"Action": "PUT"}},  # this and the rest: before the table lookup, enveloped
     "1 validation error detected: One or more parameter values were invalid: Only DELETE action is allowed when no "
     "attribute value is specified: a"),
    ({"a": {"Action": "ADD", "Value": {"S": "x"}}},
     "1 validation error detected: One or more parameter values were invalid: ADD action is not supported for the type S"),
    ({"a": {"Action": "DELETE", "Value": {"S": "x"}}},
     "1 validation error detected: One or more parameter values were invalid: DELETE action with value is not supported for "
     "the type S"),
])
def test_attribute_update_errors(client, table, updates, message):
    with pytest.raises(ClientError) as info:
        client.update_item(TableName=table, Key={"pk": {"S": "k"}}, AttributeUpdates=updates)
    assert info.value.response["Error"] == {"Code": "ValidationException", "Message": message}


def test_scan_and_query_filters(client, range_table):
    for index in range(6):
        client.put_item(TableName=range_table, Item={
            "pk": {"S": "p"}, "sk": {"S": f"{index}"}, "n": {"N": str(index)}})
    scanned = client.scan(TableName=range_table, ConditionalOperator="OR", ScanFilter={
        "n": cmp("LT", {"N": "2"}), "sk": cmp("EQ", {"S": "5"})})
    assert sorted(i["sk"]["S"] for i in scanned["Items"]) == ["0", "1", "5"]
    assert (scanned["Count"], scanned["ScannedCount"]) == (3, 6)
    queried = client.query(TableName=range_table, KeyConditions={
        "pk": cmp("EQ", {"S": "p"})}, QueryFilter={"n": cmp("BETWEEN", {"N": "2"}, {"N": "3"})})
    assert [i["sk"]["S"] for i in queried["Items"]] == ["2", "3"]
    with pytest.raises(ClientError) as info:
        client.scan(TableName=range_table, ConditionalOperator="OR")
    assert info.value.response["Error"]["Message"] == (
        "ConditionalOperator cannot be used without Filter or Expected")
    with pytest.raises(ClientError) as info:
        client.scan(TableName=range_table, ConditionalOperator="AND",
                    ScanFilter={"n": cmp("NOT_NULL")})
    assert info.value.response["Error"]["Message"] == (
        "ConditionalOperator can only be used when Filter or Expected has two or more elements")

"""FilterCriteria patterns on DynamoDB stream records (spec §3.10)."""
from __future__ import annotations

import json

import pytest

from dynalite_py.errors import DynamoError
from dynalite_py.lambda_.mappings.filters import compile_filters

pytestmark = pytest.mark.any_store("filter patterns match records in memory")

RECORD = {"eventName": "MODIFY", "eventSource": "aws:dynamodb",
          "dynamodb": {"ApproximateCreationDateTime": 1700000000,
                       "Keys": {"id": {"N": "101"}},
                       "NewImage": {"status": {"S": "DONE"}, "count": {"N": "7"},
                                    "tags": {"SS": ["a", "b"]}},
                       "OldImage": {"status": {"S": "OPEN"}}}}
TTL_REMOVE = {"eventName": "REMOVE", "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"}}


def matches(*patterns, record=RECORD) -> bool:
    return compile_filters({"Filters": [{"Pattern": json.dumps(p)} for p in patterns]})(record)


@pytest.mark.parametrize("pattern, expected", [
    ({"eventName": ["MODIFY"]}, True),
    ({"eventName": ["INSERT", "REMOVE"]}, False),
    ({"dynamodb": {"NewImage": {"status": {"S": ["DONE"]}}}}, True),
    ({"dynamodb": {"NewImage": {"status": ["DONE"]}}}, False),  # the type key is needed
    ({"dynamodb": {"NewImage": {"status": {"S": [{"prefix": "DO"}]}}}}, True),
    ({"dynamodb": {"NewImage": {"status": {"S": [{"suffix": "NE"}]}}}}, True),
    ({"dynamodb": {"NewImage": {"status": {"S": [{"equals-ignore-case": "done"}]}}}}, True),
    ({"dynamodb": {"NewImage": {"status": {"S": [{"prefix": {"equals-ignore-case": "do"}}]}}}}, True),
    ({"dynamodb": {"NewImage": {"count": {"N": [{"numeric": [">", 5]}]}}}}, False),  # N is a string
    ({"dynamodb": {"NewImage": {"count": {"N": ["7"]}}}}, True),
    ({"dynamodb": {"ApproximateCreationDateTime": [{"numeric": [">", 1600000000, "<=", 1800000000]}]}}, True),
    ({"dynamodb": {"NewImage": {"status": {"S": ["DONE"]}}, "OldImage": {"status": {"S": [{"anything-but": ["DONE"]}]}}}}, True),
    ({"dynamodb": {"OldImage": {"missing": {"S": [{"anything-but": "x"}]}}}}, False),
    ({"dynamodb": {"NewImage": {"status": {"S": [{"exists": True}]}}}}, True),
    ({"dynamodb": {"NewImage": {"absent": {"S": [{"exists": False}]}}}}, True),
    ({"dynamodb": {"NewImage": {"status": [{"exists": False}]}}}, True),  # AWS's object-leaf quirk
    ({"dynamodb": {"NewImage": {"tags": {"SS": ["b"]}}}}, True),  # any array element
    ({"$or": [{"eventName": ["INSERT"]}, {"dynamodb": {"Keys": {"id": {"N": ["101"]}}}}]}, True),
    ({"$or": [{"eventName": ["INSERT"]}, {"eventName": ["REMOVE"]}]}, False),
])
def test_rules(pattern, expected):
    assert matches(pattern) is expected


def test_filters_are_or_ed_and_none_means_all():
    assert matches({"eventName": ["INSERT"]}, {"eventName": ["MODIFY"]})
    assert compile_filters(None)(RECORD) and compile_filters({})(RECORD)
    assert matches({"userIdentity": {"type": ["Service"]}}, record=TTL_REMOVE)


@pytest.mark.parametrize("pattern", [
    "{not json", "[]", '"text"', json.dumps({"eventName": []}), json.dumps({"eventName": "MODIFY"}),
    json.dumps({"a": [{"wildcard": "x*"}]}), json.dumps({"a": [{"anything-but": {"prefix": "x"}}]}),
    json.dumps({"a": [{"numeric": [">", "5"]}]}), "x" * 5000,
])
def test_invalid_patterns(pattern):
    with pytest.raises(DynamoError) as info:
        compile_filters({"Filters": [{"Pattern": pattern}]})
    assert (info.value.name, info.value.message) == (
        "InvalidParameterValueException", "Invalid filter pattern definition.")

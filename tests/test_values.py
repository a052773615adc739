"""Tests for dynalite_py.model.values: value rules, item size, key checks.

"dynalite putItem" below means architect/dynalite test/putItem.js, test
"should return ValidationException for invalid values in Item" unless another
test is named; getItem/deleteItem likewise.
"""
from __future__ import annotations

import base64
import copy

import pytest

from dynalite_py.errors import DynamoError
from dynalite_py.model.values import (
    MAX_ITEM_SIZE,
    UPDATE_TOO_BIG,
    base64_decoded_length,
    check_item_size,
    item_size,
    key_attributes,
    validate_attribute_value,
    validate_index_keys,
    validate_item,
    validate_item_key,
    validate_key,
    value_size,
)

pytestmark = pytest.mark.any_store("value rules are the model's")

PREFIX = "One or more parameter values were invalid: "
EMPTY = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
MULTI = (
    "Supplied AttributeValue has more than one datatypes set, "
    "must contain exactly one of the supported datatypes"
)
NESTING = (
    "Nesting Levels have exceeded supported limits: "
    "Attributes in the item have nested levels beyond supported limit"
)
NOT_NUMERIC = "The parameter cannot be converted to a numeric value"


def _message(call, *args, **kwargs) -> str:
    with pytest.raises(DynamoError) as caught:
        call(*args, **kwargs)
    assert caught.value.name == "ValidationException"
    assert caught.value.status == 400
    return caught.value.message


def _nested_maps(wraps: int, leaf: dict | None = None) -> dict:
    value = leaf if leaf is not None else {"S": "leaf"}
    for _ in range(wraps):
        value = {"M": {"n": value}}
    return value


def _nested_lists(wraps: int, leaf: dict | None = None) -> dict:
    value = leaf if leaf is not None else {"S": "leaf"}
    for _ in range(wraps):
        value = {"L": [value]}
    return value


# --- validate_item: errors ------------------------------------------------------

INVALID_VALUES = [
    # dynalite putItem "should return ValidationException for unsupported datatype in Item".
    ({}, EMPTY),
    ({"a": ""}, EMPTY),  # unknown members are dropped first
    ({"S": None}, EMPTY),  # a JSON null member counts as absent
    ({"M": {"a": {}}}, EMPTY),
    ({"L": [{}]}, EMPTY),
    ({"L": [{"a": {}}]}, EMPTY),
    # dynalite putItem "should return ValidationException for invalid values in Item".
    ({"NULL": False}, PREFIX + "Null attribute value types must have the value of true"),
    ({"SS": []}, PREFIX + "An string set  may not be empty"),
    ({"NS": []}, PREFIX + "An number set  may not be empty"),
    ({"BS": []}, PREFIX + "Binary sets should not be empty"),
    ({"SS": ["a", "a"]}, PREFIX + "Input collection [a, a] contains duplicates."),
    # The whole collection is printed, not just the repeated element.
    ({"SS": ["b", "a", "b"]}, PREFIX + "Input collection [b, a, b] contains duplicates."),
    ({"BS": ["Yg==", "Yg=="]},
     PREFIX + "Input collection [Yg==, Yg==]of type BS contains duplicates."),
    # dynalite putItem "should return ValidationException for empty/invalid numbers in Item".
    ({"S": "", "N": ""}, NOT_NUMERIC),
    ({"S": "a", "N": ""}, NOT_NUMERIC),
    ({"S": "a", "N": "b"}, NOT_NUMERIC + ": b"),
    ({"NS": ["1", ""]}, NOT_NUMERIC),
    ({"NS": ["1", "b"]}, NOT_NUMERIC + ": b"),
    ({"NS": ["1", "1"]}, "Input collection contains duplicates"),
    ({"N": "123456789012345678901234567890123456789"},
     "Attempting to store more than 38 significant digits in a Number"),
    ({"N": "1e126"},
     "Number overflow. Attempting to store a number with magnitude larger than supported range"),
    ({"N": "-1e-131"},
     "Number underflow. Attempting to store a number with magnitude smaller than supported range"),
    # NS duplicates are numeric: dynalite normalizes each element before its
    # duplicate check; an AWS-checked emulator note reports ["1","2","2.0"] rejected.
    ({"NS": ["1", "2", "2.0"]}, "Input collection contains duplicates"),
    ({"NS": ["1e2", "100"]}, "Input collection contains duplicates"),
    # dynalite putItem "should return ValidationException for multiple datatypes in Item".
    ({"S": "a", "N": "1"}, MULTI),
    ({"BOOL": True, "NULL": True}, MULTI),
    # Errors deep inside documents.
    ({"L": [{"S": "ok"}, {"N": "x"}]}, NOT_NUMERIC + ": x"),
    ({"M": {"a": {"M": {"b": {"NS": ["1", "1.00"]}}}}}, "Input collection contains duplicates"),
    ({"M": {"a": {"NULL": False}}},
     PREFIX + "Null attribute value types must have the value of true"),
    ({"L": [{"SS": []}]}, PREFIX + "An string set  may not be empty"),
]


def _older_message(call, *args) -> str:
    """The older checking layer's wording (errors.LayeredError; the wording
    dynalite's captures have): BatchWriteItem, the transactions, Scan."""
    with pytest.raises(DynamoError) as caught:
        call(*args)
    assert caught.value.name == "ValidationException"
    return getattr(caught.value, "older", caught.value.message)


@pytest.mark.parametrize("value,message", INVALID_VALUES)
def test_invalid_attribute_values(value: dict, message: str) -> None:
    assert _older_message(validate_item, {"a": copy.deepcopy(value)}) == message
    assert _older_message(validate_attribute_value, copy.deepcopy(value)) == message


@pytest.mark.parametrize("value,message", [
    # the current layer's wording (AWS captures of 2026, conformance suite
    # valueLayers.test.ts): members quoted, sorted up to the first repeat
    ({"SS": ["b", "a", "b"]}, PREFIX + 'Input collection ["a", "b", "b"] contains duplicates.'),
    ({"SS": ["a", "c", "b", "c", "a"]},
     PREFIX + 'Input collection ["a", "b", "c", "c", "a"] contains duplicates.'),
    ({"BS": ["/w==", "AA==", "AA=="]},
     PREFIX + 'Input collection ["AA==","/w==","AA=="]of type BS contains duplicates.'),
    ({"NS": ["2", "1", "2"]}, PREFIX + "Input collection contains duplicates."),
    ({"N": ""}, NOT_NUMERIC + ": "),
    ({"N": "1e2147483647"}, "Number overflow. Attempting to store a number with magnitude "
                            "larger than supported range"),
])
def test_current_layer_wording(value: dict, message: str) -> None:
    assert _message(validate_attribute_value, value) == message


def test_first_member_in_order_reports_first() -> None:
    # dynalite validateAttributeValue walks the members in order, so an empty
    # set listed first wins over a bad number listed second.
    first = _message(validate_item, {"a": {"SS": [], "N": "x"}})
    assert first == PREFIX + "An string set  may not be empty"
    assert _message(validate_item, {"a": {"N": "x", "SS": []}}) == NOT_NUMERIC + ": x"


def test_first_bad_attribute_reports() -> None:
    item = {"ok": {"S": "x"}, "bad1": {"N": "one"}, "bad2": {"SS": []}}
    assert _message(validate_item, item) == NOT_NUMERIC + ": one"


# --- validate_item: accepted values and normalization -------------------------------

def test_empty_strings_and_binaries_are_allowed() -> None:
    # dynalite putItem "should put empty values" (DynamoDB allows them since 2020).
    item = {"b": {"S": ""}, "c": {"B": ""}, "d": {"SS": [""]}, "e": {"BS": [""]}}
    checked = copy.deepcopy(item)
    assert validate_item(checked) == item_size(item) == 4
    assert checked == item


def test_all_types_accepted() -> None:
    # dynalite putItem "should put multi attribute item".
    item = {
        "a": {"S": "x"},
        "b": {"N": "-56.789"},
        "c": {"B": "Yg=="},
        "d": {"BOOL": False},
        "e": {"NULL": True},
        "f": {"SS": ["a"]},
        "g": {"NS": ["-56.789"]},
        "h": {"BS": ["Yg=="]},
        "i": {"L": [{"S": "a"}, {"N": "-56.789"}, {"L": []}, {"M": {}}]},
        "j": {"M": {"a": {"M": {}}, "b": {"L": []}}},
    }
    checked = copy.deepcopy(item)
    assert validate_item(checked) == item_size(item)  # sized in the same pass
    assert checked == item


def test_numbers_are_normalized_in_place_everywhere() -> None:
    item = {
        "n": {"N": "1.50"},
        "ns": {"NS": ["001", "1e3", "-0"]},
        "l": {"L": [{"N": "+5"}, {"M": {"x": {"N": "1.2E-3"}}}]},
    }
    size = validate_item(item)
    assert size == item_size(item)  # of the normalized numbers
    assert item == {
        "n": {"N": "1.5"},
        "ns": {"NS": ["0", "1", "1000"]},  # and in set order (by value)
        "l": {"L": [{"N": "5"}, {"M": {"x": {"N": "0.0012"}}}]},
    }


def test_unknown_members_are_dropped_beside_a_real_type() -> None:
    value = {"S": "x", "Q": "ignored", "N": None}
    assert validate_attribute_value(value) == {"S": "x"}


# --- nesting depth ------------------------------------------------------------------
# Real DynamoDB counts the attribute itself as level 1: a scalar under 31
# maps (level 32) is accepted, under 32 maps (level 33) rejected (AWS capture,
# eu-west-2 2026-06, in a public conformance suite; full message from there).

@pytest.mark.parametrize("wrap", [_nested_maps, _nested_lists])
def test_nesting_limit(wrap) -> None:
    validate_item({"data": wrap(31)})
    assert _message(validate_item, {"data": wrap(32)}) == NESTING
    assert _message(validate_attribute_value, wrap(32)) == NESTING


def test_nesting_limit_counts_containers_as_values() -> None:
    # 32 levels of containers with an empty innermost map: every value is at
    # level <= 32, so it is accepted; one more level is not.
    validate_item({"data": _nested_maps(31, {"M": {}})})
    assert _message(validate_item, {"data": _nested_maps(32, {"M": {}})}) == NESTING
    mixed = {"L": [_nested_maps(15, _nested_lists(15))]}  # 1 + 15 + 15 + leaf = 32
    validate_item({"data": mixed})
    deeper = {"L": [_nested_maps(16, _nested_lists(15))]}
    assert _message(validate_item, {"data": deeper}) == NESTING


# --- sizes (spec §6.1) ----------------------------------------------------------------

def test_doc_example_size() -> None:
    # DynamoDB Developer Guide: {"shirt-color":"R","shirt-size":"M"} is 23 bytes.
    assert item_size({"shirt-color": {"S": "R"}, "shirt-size": {"S": "M"}}) == 23


VALUE_SIZES = [
    ({"S": "abc"}, 3),
    ({"S": ""}, 0),
    ({"S": "é"}, 2),  # UTF-8 bytes, not characters
    ({"S": "日本"}, 6),
    ({"S": "😀"}, 4),
    ({"N": "1"}, 2),
    ({"N": "-1"}, 3),
    ({"N": "0"}, 1),
    ({"N": "1.2"}, 3),
    ({"B": ""}, 0),
    ({"B": "Yg=="}, 1),
    ({"B": "YWI="}, 2),
    ({"B": "YWJj"}, 3),
    ({"BOOL": False}, 1),
    ({"NULL": True}, 1),
    ({"SS": ["a", "bc"]}, 3),  # sum of elements, no overhead
    ({"NS": ["1", "-1"]}, 5),
    ({"BS": ["Yg==", "YWJj"]}, 4),
    ({"L": []}, 3),  # empty L or M is 3 bytes
    ({"M": {}}, 3),
    ({"L": [{"S": "xy"}]}, 3 + 1 + 2),
    ({"L": [{"N": "1"}, {"NULL": True}]}, 3 + (1 + 2) + (1 + 1)),
    ({"M": {"k": {"S": "v"}}}, 3 + 1 + 1 + 1),
    ({"M": {"ké": {"L": [{"BOOL": True}]}}}, 3 + 1 + 3 + (3 + 1 + 1)),
]


@pytest.mark.parametrize("value,size", VALUE_SIZES)
def test_value_size(value: dict, size: int) -> None:
    assert value_size(value) == size
    assert item_size({"x": value}) == 1 + size


def test_item_size_of_a_mixed_item() -> None:
    item = {
        "id": {"S": "abc"},  # 2 + 3
        "n": {"N": "12345"},  # 1 + (1 + ceil(6/2)) = 1 + 4
        "flag": {"BOOL": True},  # 4 + 1
        "l": {"L": [{"S": "xy"}]},  # 1 + (3 + 1 + 2)
        "名": {"S": "x"},  # 3 + 1
    }
    assert item_size(item) == 5 + 5 + 5 + 7 + 4


def test_base64_length_without_decoding() -> None:
    for length in range(0, 50):
        data = bytes(range(length))
        assert base64_decoded_length(base64.b64encode(data).decode()) == length


def test_item_size_limit_boundary() -> None:
    # dynalite putItem "should return ValidationException if item is too big
    # with small attribute" and "... ResourceNotFoundException if item is just
    # small enough": 409,600 passes, 409,601 fails.
    key = "abcdef"
    filler = "a" * (MAX_ITEM_SIZE - 1 - len(key) - 1)
    fits = {"a": {"S": key}, "b": {"S": filler}}
    assert check_item_size(fits) == MAX_ITEM_SIZE
    too_big = {"a": {"S": key}, "b": {"S": filler + "a"}}
    assert _message(check_item_size, too_big) == "Item size has exceeded the maximum allowed size"
    assert _message(check_item_size, too_big, UPDATE_TOO_BIG) == (
        "Item size to update has exceeded the maximum allowed size"
    )


def test_item_size_limit_with_big_numbers() -> None:
    # dynalite putItem "... too big with multi number attribute": two numbers
    # of 5 bytes each plus their 1-byte names.
    number = "1111111" + "0" * 119
    key = "abcdef"
    filler = "a" * (MAX_ITEM_SIZE - len(key) - 1 - 1 - 5 - 1 - 5 - 1)
    item = {"a": {"S": key}, "b": {"S": filler}, "c": {"N": number}, "d": {"N": number}}
    assert check_item_size(item) == MAX_ITEM_SIZE
    item["b"]["S"] += "a"
    assert _message(check_item_size, item) == "Item size has exceeded the maximum allowed size"


# --- validate_item_key (PutItem Item) ------------------------------------------------

HASH = [{"AttributeName": "a", "KeyType": "HASH"}]
RANGE = [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "RANGE"}]
TYPES_S = {"a": "S", "b": "S"}
TYPES_B = {"a": "S", "b": "B"}
TYPES_N = {"a": "N", "b": "N"}

ITEM_KEY_ERRORS = [
    # dynalite putItem "should return ValidationException if missing key".
    (HASH, TYPES_S, {}, PREFIX + "Missing the key a in the item"),
    (HASH, TYPES_S, {"b": {"S": "a"}}, PREFIX + "Missing the key a in the item"),
    # dynalite putItem "should return ValidationException if missing range key".
    (RANGE, TYPES_S, {"a": {"S": "a"}}, PREFIX + "Missing the key b in the item"),
    # dynalite putItem "should return ValidationException if type mismatch for key".
    *[
        (HASH, TYPES_S, {"a": value},
         PREFIX + f"Type mismatch for key a expected: S actual: {next(iter(value))}")
        for value in [
            {"B": "abcd"}, {"N": "1"}, {"BOOL": True}, {"NULL": True}, {"SS": ["a"]},
            {"NS": ["1"]}, {"BS": ["aaaa"]}, {"M": {}}, {"L": []},
        ]
    ],
    (RANGE, TYPES_N, {"a": {"N": "1"}, "b": {"S": "x"}},
     PREFIX + "Type mismatch for key b expected: N actual: S"),
    # dynalite putItem "should return ValidationException if empty string key"
    # and "... if empty binary key" (note "are not valid." here).
    (HASH, TYPES_S, {"a": {"S": ""}},
     "One or more parameter values are not valid. The AttributeValue for a key attribute "
     "cannot contain an empty string value. Key: a"),
    (RANGE, TYPES_B, {"a": {"S": "a"}, "b": {"B": ""}},
     "One or more parameter values are not valid. The AttributeValue for a key attribute "
     "cannot contain an empty binary value. Key: b"),
    # Key attributes are checked hash first: a bad hash wins over a missing range.
    (RANGE, TYPES_S, {"a": {"S": ""}},
     "One or more parameter values are not valid. The AttributeValue for a key attribute "
     "cannot contain an empty string value. Key: a"),
    # dynalite putItem "should return ValidationException if hash key is too big" / "range key".
    (HASH, TYPES_S, {"a": {"S": "a" * 2049}},
     PREFIX + "Size of hashkey has exceeded the maximum size limit of2048 bytes"),
    (RANGE, TYPES_S, {"a": {"S": "a"}, "b": {"S": "a" * 1025}},
     PREFIX + "Aggregated size of all range keys has exceeded the size limit of 1024 bytes"),
    # Key sizes are UTF-8 bytes (1025 characters of 2 bytes each is over 2048).
    (HASH, TYPES_S, {"a": {"S": "é" * 1025}},
     PREFIX + "Size of hashkey has exceeded the maximum size limit of2048 bytes"),
    # B keys count decoded bytes: 1025 bytes is 1368 base64 characters.
    (RANGE, TYPES_B, {"a": {"S": "a"}, "b": {"B": base64.b64encode(b"x" * 1025).decode()}},
     PREFIX + "Aggregated size of all range keys has exceeded the size limit of 1024 bytes"),
]


@pytest.mark.parametrize("schema,types,item,message", ITEM_KEY_ERRORS)
def test_item_key_errors(schema, types, item, message) -> None:
    assert _message(validate_item_key, item, key_attributes(schema, types)) == message


def test_item_key_accepts_limits_and_returns_the_key() -> None:
    item = {"a": {"S": "a" * 2048}, "b": {"S": "é" * 512}, "c": {"N": "1"}}
    assert validate_item_key(item, key_attributes(RANGE, TYPES_S)) == {"a": item["a"], "b": item["b"]}
    binary = {"a": {"S": "x"}, "b": {"B": base64.b64encode(b"x" * 1024).decode()}}
    assert validate_item_key(binary, key_attributes(RANGE, TYPES_B)) == binary
    # Numbers never hit the key size limits (dynalite db checkKeySize).
    numbers = {"a": {"N": "9" * 38}, "b": {"N": "-" + "9" * 38}}
    assert validate_item_key(numbers, key_attributes(RANGE, TYPES_N)) == numbers


# --- validate_key (GetItem / DeleteItem / UpdateItem Key) -------------------------------

MISMATCH = "The provided key element does not match the schema"

KEY_ERRORS = [
    # dynalite getItem/deleteItem "should return ValidationException if key does not match schema".
    *[
        (HASH, TYPES_S, key, MISMATCH)
        for key in [
            {}, {"b": {"S": "a"}}, {"a": {"S": "a"}, "b": {"S": "a"}}, {"a": {"B": "abcd"}},
            {"a": {"N": "1"}}, {"a": {"BOOL": True}}, {"a": {"NULL": True}}, {"a": {"SS": ["a"]}},
            {"a": {"NS": ["1"]}}, {"a": {"BS": ["aaaa"]}}, {"a": {"M": {}}}, {"a": {"L": []}},
        ]
    ],
    # dynalite getItem/deleteItem "should return ValidationException if range
    # key does not match schema".
    (RANGE, TYPES_S, {"a": {"S": "a"}}, MISMATCH),
    (RANGE, TYPES_S, {"a": {"S": "a"}, "c": {"S": "a"}}, MISMATCH),
    # An extra attribute is a mismatch even when its value is empty.
    (HASH, TYPES_S, {"a": {"S": ""}, "b": {"S": "x"}}, MISMATCH),
    # dynalite getItem "should return ValidationException if string key has
    # empty string" / "binary key has empty string"; the prefix is current
    # AWS's "are not valid." (2026 capture), not dynalite's older "were invalid:".
    (HASH, TYPES_S, {"a": {"S": ""}},
     "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. "
     "Key: a"),
    (RANGE, TYPES_B, {"a": {"S": "a"}, "b": {"B": ""}},
     "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. "
     "Key: b"),
    # dynalite getItem "should return ValidationException if hash key is too big" / "range key".
    (HASH, TYPES_S, {"a": {"S": "a" * 2049}},
     PREFIX + "Size of hashkey has exceeded the maximum size limit of2048 bytes"),
    (RANGE, TYPES_S, {"a": {"S": "a"}, "b": {"S": "a" * 1025}},
     PREFIX + "Aggregated size of all range keys has exceeded the size limit of 1024 bytes"),
]


@pytest.mark.parametrize("schema,types,key,message", KEY_ERRORS)
def test_key_errors(schema, types, key, message) -> None:
    assert _message(validate_key, key, key_attributes(schema, types)) == message


def test_valid_key_is_returned() -> None:
    key = {"a": {"S": "x"}, "b": {"S": "y"}}
    assert validate_key(key, key_attributes(RANGE, TYPES_S)) is key
    assert validate_key({"a": {"N": "0"}}, key_attributes(HASH, {"a": "N"})) == {"a": {"N": "0"}}


# --- validate_index_keys ---------------------------------------------------------------

INDEXES = [
    ("index1", [
        {"AttributeName": "c", "KeyType": "HASH"},
        {"AttributeName": "d", "KeyType": "RANGE"},
    ]),
]
INDEX_TYPES = {"a": "S", "c": "S", "d": "B"}


def test_index_key_type_mismatch() -> None:
    # dynalite putItem "should return ValidationException if secondary index key is incorrect type".
    item = {"a": {"S": "a"}, "c": {"N": "1"}}
    assert _message(validate_index_keys, item, INDEXES, INDEX_TYPES) == (
        PREFIX + "Type mismatch for Index Key c Expected: S Actual: N IndexName: index1"
    )


def test_index_key_empty_values() -> None:
    # Message recorded from real DynamoDB in several public projects (moto,
    # an AWS conformance suite): "are not valid. A value specified for a secondary index key ...".
    expected = (
        "One or more parameter values are not valid. A value specified for a secondary index key "
        "is not supported. The AttributeValue for a key attribute cannot contain an empty {kind} "
        "value. IndexName: index1, IndexKey: {name}"
    )
    item = {"a": {"S": "a"}, "c": {"S": ""}}
    assert _message(validate_index_keys, item, INDEXES, INDEX_TYPES) == expected.format(
        kind="string", name="c"
    )
    item = {"a": {"S": "a"}, "c": {"S": "x"}, "d": {"B": ""}}
    assert _message(validate_index_keys, item, INDEXES, INDEX_TYPES) == expected.format(
        kind="binary", name="d"
    )


def test_items_without_index_keys_are_fine() -> None:
    validate_index_keys({"a": {"S": "a"}}, INDEXES, INDEX_TYPES)
    validate_index_keys({"a": {"S": "a"}, "c": {"S": "x"}}, INDEXES, INDEX_TYPES)

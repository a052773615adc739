"""The semantic item model: attribute value rules, item size and key checks.

Items stay in DynamoDB's wire form (`{"name": {"S": "x"}, ...}`). A separate
shape checker has already made the JSON types right (an "S" holds a str, a
"B" a valid base64 str, "NULL" a bool, ...); this module enforces what
DynamoDB checks on top, with its exact messages.

Suggested order for a write, as DynamoDB (and dynalite) does it:
  1. `validate_item(item)` - every value; numbers normalized in place;
     returns the item's size;
  2. `check_size(size)` - still before the table is looked up;
  3. `validate_item_key(item, key_attributes)` then `validate_index_keys(item, ...)`
     once the table's schema is known.
For a `Key` parameter (GetItem, DeleteItem, UpdateItem): `validate_item(key)`
then `validate_key(key, key_attributes)`.

Messages were checked against architect/dynalite (`validations/index.js`,
`db/index.js`, `test/putItem.js`, `test/getItem.js`, `test/deleteItem.js`)
and, where dynalite predates a DynamoDB change, against recorded AWS output
(see the notes beside each message).
"""
from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from dynalite_py.errors import VALIDATION_PREFIX, LayeredError, invalid_parameter, validation_error
from dynalite_py.model.numbers import normalize_number, number_size

AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]

MAX_ITEM_SIZE = 409_600
MAX_HASH_KEY_SIZE = 2048
MAX_RANGE_KEY_SIZE = 1024
# Real DynamoDB counts the top-level attribute value as level 1 and accepts a
# scalar nested under 31 maps (so at level 32); one more level is rejected
# (AWS capture, eu-west-2 2026-06, in a public DynamoDB conformance suite).
MAX_NESTING_LEVEL = 32

VALUE_TYPES = frozenset(("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"))

# --- Messages ----------------------------------------------------------------
EMPTY_VALUE = (
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
)
MULTIPLE_TYPES = (
    "Supplied AttributeValue has more than one datatypes set, "
    "must contain exactly one of the supported datatypes"
)
NULL_NOT_TRUE = "Null attribute value types must have the value of true"
# "An string set  may not be empty" has two spaces in DynamoDB's own text.
EMPTY_SET = {
    "SS": "An string set  may not be empty",
    "NS": "An number set  may not be empty",
    "BS": "Binary sets should not be empty",
}
# The older layer (errors.LayeredError) has no "One or more ..." prefix and no full stop.
NS_DUPLICATES = "Input collection contains duplicates"
# A JSON null where an attribute value belongs. DynamoDB Local's InputConverter
# raises this for a null map value, with ": <name> is null" after it, and alone
# for a null list element or ExpressionAttributeValues entry;
# aws/aws-sdk-java#2103 shows the real service answering a null list element
# with the bare text.
NULL_VALUE = "The supplied Item contains a null AttributeValue"
# Null set members: DynamoDB Local's string-set check; dynalite's
# validateAttributeValue for binary and number sets (its `!x` test covers null).
NULL_SET_MEMBER = {
    "SS": "An string set may not have a null string as a member",
    "BS": "Binary sets may not contain null or empty values",
}
NULL_NUMBER = "The parameter cannot be converted to a numeric value"
# dynalite has no nesting check. The AWS API reference lists only the first
# sentence; the full text is from the AWS capture cited at MAX_NESTING_LEVEL.
NESTING_TOO_DEEP = (
    "Nesting Levels have exceeded supported limits: "
    "Attributes in the item have nested levels beyond supported limit"
)
ITEM_TOO_BIG = "Item size has exceeded the maximum allowed size"
EMPTY_ATTRIBUTE_NAME = "Empty attribute name"
UPDATE_TOO_BIG = "Item size to update has exceeded the maximum allowed size"
KEY_MISMATCH = "The provided key element does not match the schema"
HASH_KEY_TOO_BIG = "Size of hashkey has exceeded the maximum size limit of2048 bytes"
RANGE_KEY_TOO_BIG = "Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
# An empty S/B key in an Item is "are not valid." (dynalite test/putItem.js,
# matching AWS captures); in a Key parameter dynalite's test/getItem.js has
# "were invalid:". See `_empty_key_message`.
_EMPTY_KEY = (
    "The AttributeValue for a key attribute cannot contain an empty {kind} value. Key: {name}"
)
NOT_VALID = "One or more parameter values are not valid. "
_EMPTY_INDEX_KEY = (
    "One or more parameter values are not valid. A value specified for a secondary index "
    "key is not supported. The AttributeValue for a key attribute cannot contain an empty "
    "{kind} value. IndexName: {index}, IndexKey: {name}"
)
# An update that empties an index key names neither index nor key (AWS
# captures, nubo-db/dynamodb-conformance transactWriteItems.test.ts).
_EMPTY_UPDATED_INDEX_KEY = (
    "One or more parameter values are not valid. The update expression attempted to update a "
    "secondary index key to a value that is not supported. The AttributeValue for a key "
    "attribute cannot contain an empty {kind} value."
)
_EMPTY_KIND = {"S": "string", "B": "binary"}


# --- Attribute value validation ---------------------------------------------

def validate_item(item: Item) -> int:
    """Check every attribute value of `item`; normalize N and NS in place.

    Returns the item's size, computed in the same pass. Raises the first
    error DynamoDB would report.
    """
    size = 0
    try:
        for name, value in item.items():
            size += len(name) if name.isascii() else len(name.encode("utf-8"))
            # Inline fast path for the scalar types that need no or little work.
            if len(value) == 1:
                kind = next(iter(value))
                data = value[kind]
                if data is not None:
                    if kind == "S":
                        size += len(data) if data.isascii() else len(data.encode("utf-8"))
                        continue
                    if kind == "N":
                        value["N"] = data = normalize_number(data)
                        size += number_size(data)
                        continue
                    if kind == "BOOL":
                        size += 1
                        continue
            _check_value(value, 1)
            size += value_size(value)
    except TypeError:  # len(None): a JSON null as a value (costs nothing until raised)
        _check_not_null(item)
        raise
    return size


def _check_not_null(attributes: Mapping[str, AttributeValue | None]) -> None:
    """DynamoDB's error for the first null value of an attribute map."""
    for name, value in attributes.items():
        if value is None:
            raise validation_error(f"{NULL_VALUE}: {name} is null")


def validate_attribute_value(value: AttributeValue) -> AttributeValue:
    """Check one attribute value (e.g. an ExpressionAttributeValues entry).

    Normalizes numbers in place and returns `value`.
    """
    _check_value(value, 1)
    return value


def _check_value(value: AttributeValue, level: int) -> None:
    if value is None:
        raise validation_error(NULL_VALUE)
    if level > MAX_NESTING_LEVEL:
        raise validation_error(NESTING_TOO_DEEP)
    if len(value) == 1:
        kind = next(iter(value))
        data = value[kind]
        if data is not None:
            check = _CHECKS.get(kind)
            if check is not None:
                check(value, data, level)
                return
    _check_irregular(value, level)


def _check_irregular(value: AttributeValue, level: int) -> None:
    """A value with zero, several or unknown type members.

    Like DynamoDB, members that are unknown or JSON null count as absent
    (they are removed). Each present member is checked in order before the
    "more than one datatypes" error, so {"S": "a", "N": "b"} reports the bad
    number first (dynalite test/putItem.js).
    """
    for kind in [k for k, v in value.items() if v is None or k not in VALUE_TYPES]:
        del value[kind]
    if not value:
        raise validation_error(EMPTY_VALUE)
    for kind, data in list(value.items()):
        _CHECKS[kind](value, data, level)
    if len(value) > 1:
        raise validation_error(MULTIPLE_TYPES)


def _check_nothing(value: AttributeValue, data: Any, level: int) -> None:
    """S, B and BOOL: any well-formed value is valid; empty S and B included."""


def _check_number(value: AttributeValue, data: str, level: int) -> None:
    value["N"] = normalize_number(data)


def _check_null(value: AttributeValue, data: bool, level: int) -> None:
    if data is not True:
        raise invalid_parameter(NULL_NOT_TRUE)


def _check_string_set(value: AttributeValue, data: list[str], level: int) -> None:
    if not data:
        raise invalid_parameter(EMPTY_SET["SS"])
    if len(set(data)) != len(data):
        raise _duplicates(data, " contains duplicates.", quoted=", ")
    if None in data:  # after the duplicates, as DynamoDB Local checks them
        raise invalid_parameter(NULL_SET_MEMBER["SS"])
    value["SS"] = in_set_order("SS", data)


def _check_binary_set(value: AttributeValue, data: list[str], level: int) -> None:
    if not data:
        raise invalid_parameter(EMPTY_SET["BS"])
    # Base64 text is canonical after the shape check, so equal text means
    # equal bytes. The missing space before "of" is DynamoDB's.
    if len(set(data)) != len(data):
        raise _duplicates(data, "of type BS contains duplicates.", quoted=",",
                          order=lambda text: base64.b64decode(text))
    if None in data:
        raise invalid_parameter(NULL_SET_MEMBER["BS"])
    value["BS"] = in_set_order("BS", data)


def _check_number_set(value: AttributeValue, data: list[str], level: int) -> None:
    if not data:
        raise invalid_parameter(EMPTY_SET["NS"])
    if None in data:
        raise validation_error(NULL_NUMBER)
    # All elements are validated before duplicates are looked for, and
    # duplicates are numeric: ["1", "1.0"] is rejected.
    canonical = [normalize_number(text) for text in data]
    if len(set(canonical)) != len(canonical):
        raise LayeredError(f"{VALIDATION_PREFIX}{NS_DUPLICATES}.", NS_DUPLICATES)
    value["NS"] = in_set_order("NS", canonical)


def _check_list(value: AttributeValue, data: list[AttributeValue], level: int) -> None:
    level += 1
    for element in data:
        _check_value(element, level)


def _check_map(value: AttributeValue, data: dict[str, AttributeValue], level: int) -> None:
    level += 1
    for name, element in data.items():
        if element is None:
            raise validation_error(f"{NULL_VALUE}: {name} is null")
        _check_value(element, level)


_SET_ORDER = {"SS": lambda member: member.encode("utf-8", "surrogatepass"),
              "BS": base64.b64decode, "NS": Decimal}


def in_set_order(kind: str, members: list[str]) -> list[str]:
    """A set's members in DynamoDB's own order, the one reads return them in:
    strings and binaries bytewise, numbers by value (AWS, eu-west-2
    2026-10, conformance suite updateItem/basic.test.ts)."""
    return sorted(members, key=_SET_ORDER[kind])


def _duplicates(data: list[str], tail: str, quoted: str, order=None) -> LayeredError:
    """A set with a repeated member. The current layer quotes the members and
    lists them as a sorted set would hold them when the first repeat arrives,
    then the repeat, then the rest as sent; the older layer prints them as
    sent, unquoted (AWS captures, 2026). The missing space in "]of type BS"
    is DynamoDB's."""
    seen: set[str] = set()
    for index, member in enumerate(data):
        if member in seen:
            break
        seen.add(member)
    known = sorted((member for member in seen if member is not None), key=order)
    shown = known + data[index:]
    current = "[" + quoted.join("null" if m is None else f'"{m}"' for m in shown) + "]"
    return LayeredError(f"{VALIDATION_PREFIX}Input collection {current}{tail}",
                        f"{VALIDATION_PREFIX}Input collection {_render(data)}{tail}")


def _render(elements: Sequence[str]) -> str:
    """How DynamoDB prints a collection in a message: [a, b]."""
    return "[" + ", ".join("null" if element is None else element for element in elements) + "]"


_CHECKS = {
    "S": _check_nothing,
    "B": _check_nothing,
    "BOOL": _check_nothing,
    "N": _check_number,
    "NULL": _check_null,
    "SS": _check_string_set,
    "NS": _check_number_set,
    "BS": _check_binary_set,
    "L": _check_list,
    "M": _check_map,
}


# --- Sizes (spec §6.1) -----------------------------------------------------------

def utf8_length(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def base64_decoded_length(text: str) -> int:
    """Byte length of canonical base64 text, without decoding it."""
    padding = 2 if text.endswith("==") else 1 if text.endswith("=") else 0
    return len(text) // 4 * 3 - padding


def item_size(item: Mapping[str, AttributeValue]) -> int:
    """DynamoDB's size of an item: attribute name bytes plus value sizes."""
    size = 0
    for name, value in item.items():
        size += len(name) if name.isascii() else len(name.encode("utf-8"))
        for kind, data in value.items():  # exactly one member once validated
            if kind == "S":
                size += len(data) if data.isascii() else len(data.encode("utf-8"))
            elif kind == "N":
                size += number_size(data)
            else:
                size += _SIZERS[kind](data)
    return size


def value_size(value: AttributeValue) -> int:
    """DynamoDB's size of one (validated, normalized) attribute value."""
    for kind, data in value.items():
        if kind == "S":
            return len(data) if data.isascii() else len(data.encode("utf-8"))
        return _SIZERS[kind](data)
    raise ValueError("empty attribute value")


def _list_size(data: list[AttributeValue]) -> int:
    return 3 + sum(1 + value_size(element) for element in data)


def _map_size(data: dict[str, AttributeValue]) -> int:
    return 3 + sum(1 + utf8_length(key) + value_size(element) for key, element in data.items())


def _one_byte(data: Any) -> int:
    return 1


_SIZERS = {
    "S": utf8_length,
    "N": number_size,
    "B": base64_decoded_length,
    "SS": lambda data: sum(map(utf8_length, data)),
    "NS": lambda data: sum(map(number_size, data)),
    "BS": lambda data: sum(map(base64_decoded_length, data)),
    "BOOL": _one_byte,
    "NULL": _one_byte,
    "L": _list_size,
    "M": _map_size,
}


def check_item_size(item: Mapping[str, AttributeValue], message: str = ITEM_TOO_BIG) -> int:
    """Raise if `item` is over 400 KB; return its size otherwise.

    UpdateItem passes `UPDATE_TOO_BIG` as the message.
    """
    return check_size(item_size(item), message)


def validate_written_item(item: Item) -> int:
    """An item a put writes whole: its attribute names (none empty, checked
    before any value, as the AWS captures of 2026 show), every value, and
    its size; returns the size."""
    if "" in item:
        raise validation_error(EMPTY_ATTRIBUTE_NAME)
    return check_size(validate_item(item))


def check_size(size: int, message: str = ITEM_TOO_BIG) -> int:
    """Raise if an item of `size` bytes is over 400 KB; return the size."""
    if size > MAX_ITEM_SIZE:
        raise validation_error(message)
    return size


# --- Primary and index keys --------------------------------------------------

KeySchema = Sequence[Mapping[str, str]]  # [{"AttributeName": ..., "KeyType": ...}]
AttributeTypes = Mapping[str, str]  # attribute name -> "S" | "N" | "B"
KeyAttributes = tuple[tuple[str, str, bool], ...]  # (name, type, is hash key), in order


def key_attributes(key_schema: KeySchema, attribute_types: AttributeTypes) -> KeyAttributes:
    """A key schema as the key checks read it: (name, type, is hash key), in
    schema order (tables keep it, catalog.Table.key_attributes)."""
    return tuple((element["AttributeName"], attribute_types[element["AttributeName"]],
                  element["KeyType"] == "HASH") for element in key_schema)


def validate_item_key(item: Item, key: KeyAttributes) -> Item:
    """Check a PutItem `Item` against the table key; return its key attributes.

    Key attributes are checked in schema order; for each: present, right
    type, not empty, not too big.
    """
    found: Item = {}
    for name, expected, is_hash in key:
        value = item.get(name)
        if value is None:
            raise invalid_parameter(f"Missing the key {name} in the item")
        data = value.get(expected)
        if data is None:
            actual = next(iter(value), "")
            raise invalid_parameter(
                f"Type mismatch for key {name} expected: {expected} actual: {actual}"
            )
        _check_key_data(name, expected, data, is_hash)
        found[name] = value
    return found


def validate_key(key: Item, schema: KeyAttributes) -> Item:
    """Check a `Key` parameter (GetItem, DeleteItem, UpdateItem) against the
    table's key attributes; return it.

    A missing, extra or wrongly typed attribute is always "The provided key
    element does not match the schema" (dynalite test/getItem.js).
    """
    if len(key) != len(schema):
        raise validation_error(KEY_MISMATCH)
    for name, expected, is_hash in schema:
        value = key.get(name)
        data = None if value is None else value.get(expected)
        if data is None:
            raise validation_error(KEY_MISMATCH)
        _check_key_data(name, expected, data, is_hash)
    return key


def validate_index_keys(
    item: Item,
    indexes: Iterable[tuple[str, KeySchema]],
    attribute_types: AttributeTypes,
    updating: bool = False,
) -> None:
    """Check the index key attributes an item carries (PutItem; `updating`
    for the item an update made, whose empty index key is worded apart).

    `indexes` is (IndexName, KeySchema) pairs in the order to check them;
    dynalite walks the GSIs last-to-first, then the LSIs last-to-first. An
    item without an index key attribute is simply not in that index.
    """
    for index_name, key_schema in indexes:
        for element in key_schema:
            name = element["AttributeName"]
            value = item.get(name)
            if value is None:
                continue
            expected = attribute_types[name]
            data = value.get(expected)
            if data is None:
                actual = next(iter(value), "")
                raise invalid_parameter(
                    f"Type mismatch for Index Key {name} Expected: {expected} "
                    f"Actual: {actual} IndexName: {index_name}"
                )
            if expected != "N" and not data:
                wording = _EMPTY_UPDATED_INDEX_KEY if updating else _EMPTY_INDEX_KEY
                raise validation_error(
                    wording.format(kind=_EMPTY_KIND[expected], index=index_name, name=name))
            if len(data) > MAX_RANGE_KEY_SIZE // 4:
                _check_index_key_size(name, expected, data, element["KeyType"] == "HASH",
                                      index_name)


def _check_index_key_size(name: str, kind: str, data: str, is_hash: bool, index: str) -> None:
    """An index key has the table key's limits (2048 bytes for a partition
    key, 1024 for a sort key), worded as AWS does (quoted in
    architect/dynalite#35 and wellcomecollection/platform#2285)."""
    limit = MAX_HASH_KEY_SIZE if is_hash else MAX_RANGE_KEY_SIZE
    size = key_value_size(kind, data)
    if size > limit:
        raise invalid_parameter(f"Size limit exceeded for Index Key {name} Actual Size: {size} "
                                f"bytes Max Size: {limit} bytes IndexName: {index}")


def key_value_size(kind: str, data: str) -> int:
    """Size counted against the key limits: bytes of an S or B key.

    Numbers are never rejected by the key size checks (dynalite's
    `checkKeySize`: "Numbers are always fine"); at most 21 bytes anyway.
    """
    if kind == "S":
        return utf8_length(data)
    if kind == "B":
        return base64_decoded_length(data)
    return 0


def _check_key_data(name: str, kind: str, data: str, is_hash: bool) -> None:
    if kind != "N" and not data:
        raise validation_error(_empty_key_message(name, kind))
    if len(data) <= MAX_RANGE_KEY_SIZE // 4:
        return  # at most 4 UTF-8 bytes a character, and base64 only shrinks: within both limits
    if is_hash:
        if key_value_size(kind, data) > MAX_HASH_KEY_SIZE:
            raise invalid_parameter(HASH_KEY_TOO_BIG)
    elif key_value_size(kind, data) > MAX_RANGE_KEY_SIZE:
        raise invalid_parameter(RANGE_KEY_TOO_BIG)


def _empty_key_message(name: str, kind: str) -> str:
    # Current AWS says "are not valid." for both Item and Key parameters
    # (2026 capture); dynalite's older getItem test had "were invalid:".
    return NOT_VALID + _EMPTY_KEY.format(kind=_EMPTY_KIND[kind], name=name)


"""Request shape checks derived from botocore's DynamoDB service model.

`check_request(operation, request)` runs the two checks DynamoDB's request
framework makes before any operation code sees a request, in its order:

1. Serialization: every member the model knows must have the right JSON type
   for its shape, else `SerializationException` with the Coral deserializer's
   wording. The whole body is checked first, members in body order, and the
   first mismatch wins. Unknown members and JSON nulls are ignored.
2. Constraints: required members, string/list/map lengths, numeric ranges,
   enums and patterns. Failures aggregate into one `ValidationException`,
   "N validation error(s) detected: ...; ...", at most 10 of them.

Checkers are compiled once per operation into closures (the model is loaded
lazily, once) so the hot path never walks the model dict.

Where the messages come from (facts only, the code is ours):
- architect/dynalite `test/helpers.js` (`assertType`, newest version) for the
  serialization wording per shape and position: a structure as a *field*
  (member of a structure) says "Unexpected field type", as a *value* (list
  element or map value) "Unexpected value type in payload"; a list or map
  that is itself a list element or map value fails with a Java cast message.
- architect/dynalite `validations/index.js` and the per-operation
  `validations/*.js` declarations and tests for constraint wording, the
  10-error cap, paths (`keySchema.1.member.attributeName`, map entries as
  `scanFilter.b.member.comparisonOperator`, walked in reverse key order) and
  member/enum order (DynamoDB's own order, not the model's).
- nubo-db/dynamodb-conformance AWS captures (2026) where DynamoDB changed
  after dynalite's tests were recorded (see `TableArn` below, and the
  PutItem/DeleteItem member order).

Table names. Since ARNs are accepted, botocore types `TableName` as
`TableArn` (length 1-1024, no pattern). Real DynamoDB (us-east-1 capture,
2026) reports '' as "length greater than or equal to 1" only, and for any
other value that is not an ARN still applies the old name rules: pattern
`[a-zA-Z0-9_.-]+`, length >= 3, length <= 255 ("ab" in CreateTable gives
"Member must have length greater than or equal to 3"). We do exactly that,
and drop dynalite's older "TableName must be at least 3 characters long and
at most 255 characters long" wording, which CreateTable no longer uses.

Side effects: values DynamoDB's parser converts are normalized in place, so
operations see what DynamoDB would: boolean members given as "true"/"no"/...
become bools, integer/long members given as decimals are truncated (and
clamped to the Java type's range), and null or unknown members of an
AttributeValue are dropped. A request body that is not a JSON object (`null`,
`1`, `"x"`, `[]`) is a SerializationException, as for any structure that is
not an object; JSON nulls inside attribute maps and lists are left for the
item model, which reports them as DynamoDB's operations do (model/values.py).
"""
from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable
from typing import Any

from .errors import DynamoError, serialization_error, validation_error
from .service_models import service_model

__all__ = ["check_request", "MAX_VALIDATION_ERRORS", "MAX_ATTRIBUTE_DEPTH"]

# Type checkers return None, or a replacement value for the container slot.
TypeChecker = Callable[[Any], Any]
# Constraint validators get a non-null value, the path prefix and the member
# name (the full path is prefix + name) and append messages to `errors`.
Validator = Callable[[Any, str, str, list], None]

MAX_VALIDATION_ERRORS = 10
# Guard against pathological nesting of L/M values (the item model enforces
# DynamoDB's real limit of 32 levels); keeps recursion far from Python's limit.
MAX_ATTRIBUTE_DEPTH = 200

_JAVA_PACKAGE = "com.amazonaws.dynamodb.v20120810"
_START_OF_OBJECT = "Start of structure or map found where not expected"
_UNEXPECTED_FIELD = "Unexpected field type"
_UNEXPECTED_VALUE = "Unexpected value type in payload"
# A list or map that is itself a list element / map value and gets a scalar.
_CAST_FAILURE = (
    "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to "
    "class java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and "
    "java.lang.Class are in module java.base of loader 'bootstrap')"
)
_BAD_BOOLEAN_TOKEN = "Unexpected token received from parser"
_NOT_BASE64_TEXT = "only base-64-encoded strings are convertible to bytes"
_BASE64_LENGTH = "Base64 encoded length is expected a multiple of 4 bytes but found: {}"
_BASE64_INVALID = "Invalid last non-pad Base64 character dectected"  # sic
_NESTING_TOO_DEEP = (
    "Nesting Levels have exceeded supported limits: "
    "Attributes in the item have nested levels beyond supported limit"
)
_NOT_NULL = "Member must not be null"
# botocore's TableName members point at this shape (names or ARNs).
_TABLE_ARN_SHAPE = "TableArn"
_TABLE_NAME_PATTERN = "[a-zA-Z0-9_.-]+"
_TABLE_NAME_RE = re.compile(_TABLE_NAME_PATTERN)
# Canonical base64: 4-char groups, then an optional padded group whose last
# data character carries no stray bits (what a decode/encode round trip keeps).
_BASE64_RE = re.compile(
    r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?"
)
# Strings Coral accepts for a boolean, case-insensitively (dynalite notes and
# tests: "no" for NULL reaches the item rules; "23" is a bad token).
_BOOLEAN_WORDS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}
_INT_RANGE = {"integer": (-2**31, 2**31 - 1), "long": (-2**63, 2**63 - 1)}
_JAVA_SCALAR = {
    "string": ("String", "java.lang.String"),
    "boolean": ("Boolean", "java.lang.Boolean"),
    "integer": ("Integer", "java.lang.Integer"),
    "long": ("Long", "java.lang.Long"),
    "double": ("Double", "java.lang.Double"),
    "float": ("Float", "java.lang.Float"),
    "timestamp": ("Date", "java.util.Date"),
    "blob": ("ByteBuffer", "java.nio.ByteBuffer"),
}

# --- DynamoDB facts that differ from botocore's model --------------------------

# Members DynamoDB reports first, in its order; others follow in model order.
# From dynalite's per-operation declarations and its fully ordered tests
# (test/scan.js, test/query.js, test/createTable.js, test/updateTable.js);
# PutItem/DeleteItem put ReturnValues first as in the 2026 AWS captures.
_MEMBER_ORDER: dict[str, tuple[str, ...]] = {
    "PutItemInput": (
        "ReturnValues", "ReturnConsumedCapacity", "TableName", "Item", "ConditionalOperator",
        "Expected", "ReturnItemCollectionMetrics", "ConditionExpression",
        "ExpressionAttributeValues", "ExpressionAttributeNames"),
    "DeleteItemInput": (
        "ReturnValues", "ReturnConsumedCapacity", "TableName", "ReturnItemCollectionMetrics",
        "Key", "ConditionalOperator", "Expected", "ConditionExpression",
        "ExpressionAttributeValues", "ExpressionAttributeNames"),
    "UpdateItemInput": (
        "ReturnConsumedCapacity", "TableName", "ReturnItemCollectionMetrics", "ReturnValues",
        "Key", "ConditionalOperator", "Expected", "AttributeUpdates", "ConditionExpression",
        "UpdateExpression", "ExpressionAttributeValues", "ExpressionAttributeNames"),
    "GetItemInput": (
        "ReturnConsumedCapacity", "AttributesToGet", "TableName", "Key", "ConsistentRead",
        "ProjectionExpression", "ExpressionAttributeNames"),
    "QueryInput": (
        "Limit", "ExclusiveStartKey", "ReturnConsumedCapacity", "AttributesToGet",
        "QueryFilter", "Select", "ConditionalOperator", "KeyConditions", "TableName",
        "ConsistentRead", "IndexName", "ScanIndexForward", "KeyConditionExpression",
        "FilterExpression", "ProjectionExpression", "ExpressionAttributeValues",
        "ExpressionAttributeNames"),
    "ScanInput": (
        "Limit", "TotalSegments", "ReturnConsumedCapacity", "AttributesToGet", "Select",
        "TableName", "Segment", "ScanFilter", "ConditionalOperator", "ExclusiveStartKey",
        "IndexName", "FilterExpression", "ProjectionExpression", "ExpressionAttributeValues",
        "ExpressionAttributeNames"),
    "ListTablesInput": ("Limit", "ExclusiveStartTableName"),
    "CreateTableInput": (
        "BillingMode", "AttributeDefinitions", "TableName", "ProvisionedThroughput",
        "KeySchema", "LocalSecondaryIndexes", "GlobalSecondaryIndexes"),
    "UpdateTableInput": ("TableName", "ProvisionedThroughput", "GlobalSecondaryIndexUpdates"),
    "BatchGetItemInput": ("ReturnConsumedCapacity", "RequestItems"),
    "BatchWriteItemInput": ("ReturnConsumedCapacity", "ReturnItemCollectionMetrics",
                            "RequestItems"),
    "KeysAndAttributes": ("Keys", "AttributesToGet", "ConsistentRead",
                          "ProjectionExpression", "ExpressionAttributeNames"),
    "WriteRequest": ("DeleteRequest", "PutRequest"),
    "ProvisionedThroughput": ("WriteCapacityUnits", "ReadCapacityUnits"),
    "LocalSecondaryIndex": ("Projection", "IndexName", "KeySchema"),
    "GlobalSecondaryIndex": ("Projection", "IndexName", "ProvisionedThroughput", "KeySchema"),
    "CreateGlobalSecondaryIndexAction": ("Projection", "IndexName", "ProvisionedThroughput",
                                         "KeySchema"),
    "ExpectedAttributeValue": ("AttributeValueList", "ComparisonOperator", "Exists", "Value"),
}

# Enum values as DynamoDB lists them in messages (dynalite declarations/tests).
_ENUM_ORDER: dict[str, tuple[str, ...]] = {
    "ReturnValue": ("ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"),
    "ComparisonOperator": ("IN", "NULL", "BETWEEN", "LT", "NOT_CONTAINS", "EQ", "GT",
                           "NOT_NULL", "NE", "LE", "BEGINS_WITH", "GE", "CONTAINS"),
    "ConditionalOperator": ("OR", "AND"),
    "Select": ("SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"),
    "ScalarAttributeType": ("B", "N", "S"),
    "ProjectionType": ("ALL", "INCLUDE", "KEYS_ONLY"),
}

# Per-member constraint overrides: (structure, member) -> changes.
#  - the table's (and an LSI's) KeySchema is at most 2 long (dynalite
#    test/createTable.js; AWS capture "... less than or equal to 2"); the
#    model dropped that max when GSIs got multi-attribute keys.
#  - CreateTable still requires AttributeDefinitions and KeySchema ("Value
#    null at 'keySchema' ...": dynalite test/createTable.js), which newer
#    models no longer mark as required.
#  - Tag operations report a missing/empty ResourceArn themselves
#    ("Invalid TableArn", an AccessDeniedException for ''): dynalite
#    test/tagResource.js, untagResource.js, listTagsOfResource.js.
_MEMBER_OVERRIDES: dict[tuple[str, str], dict[str, Any]] = {
    ("CreateTableInput", "KeySchema"): {"max": 2, "required": True},
    ("CreateTableInput", "AttributeDefinitions"): {"required": True},
    ("LocalSecondaryIndex", "KeySchema"): {"max": 2},
    ("TagResourceInput", "ResourceArn"): {"required": False, "unconstrained": True},
    ("TagResourceInput", "Tags"): {"required": False},
    ("UntagResourceInput", "ResourceArn"): {"required": False, "unconstrained": True},
    ("UntagResourceInput", "TagKeys"): {"required": False},
    ("ListTagsOfResourceInput", "ResourceArn"): {"required": False, "unconstrained": True},
    # BatchGetItem reports more than 100 keys itself, in a form without the
    # value echo (AWS capture 2026; see api/batch_get_item.py).
    ("KeysAndAttributes", "Keys"): {"max": 2 ** 31},
}
# Length limits botocore puts on the batch maps themselves; DynamoDB applies
# 25 to each table's request list ("Map value must satisfy constraint") and
# reports an empty map with its own message (see _EMPTY_MAP_REQUIRED).
_SHAPE_DROP_LENGTH = frozenset(("BatchWriteItemRequestMap", "BatchGetRequestMap"))

# Structures whose null elements in a list the operation reports itself, in
# DynamoDB's words (api/batch_write_item.py, model/values.py); a null element of any other list
# of structures is a null member at its position ('transactItems.1.member'),
# as DynamoDB words a null member of one ('transactItems.1.member.put.key',
# the form DynamoDB Local reproduces in its TransactionErrorMapper).
_NULL_ELEMENTS_LATER = frozenset(("WriteRequest", "AttributeValue"))

# Operations whose missing TableName is reported on its own, before any
# aggregated error (dynalite tests for these operations; AWS capture 2026 for
# CreateTable).
_REQUIRED_PARAMETER: dict[str, str] = {
    name: "TableName" for name in (
        "CreateTable", "DeleteTable", "DescribeTable", "UpdateTable",
        "DescribeTimeToLive", "UpdateTimeToLive")
}
# An empty RequestItems map (AWS capture 2026, us-east-1).
_EMPTY_MAP_REQUIRED: dict[str, str] = {
    "BatchGetItem": "RequestItems",
    "BatchWriteItem": "RequestItems",
}
# Java-only members DynamoDB prints when echoing a structure.
_HIDDEN_MEMBERS: dict[str, tuple[str, ...]] = {"PutRequest": ("workloadProfileName",)}
# How AttributeValue prints in an echoed value (AWS capture 2026).
_AV_FIELDS = ("s", "n", "b", "iNT", "dECIMAL", "dOUBLE", "sS", "nS", "bS", "iNTSET",
              "dECIMALSET", "dOUBLESET", "m", "l", "nULL", "bOOL")
_AV_WIRE = {"s": "S", "n": "N", "b": "B", "sS": "SS", "nS": "NS", "bS": "BS", "m": "M",
            "l": "L", "nULL": "NULL", "bOOL": "BOOL"}
# Order inside "Member must satisfy constraint: [...]"-style messages.
_AGGREGATE_ORDER = {"max": 0, "min": 1, "pattern": 2, "enum": 3}
# Java regex constructs in the model that Python's `re` spells differently.
_PATTERN_TRANSLATIONS = {
    r"\p{Print}": r"[\x20-\x7e]",
    r"\uD800\uDC00-\uDBFF\uDFFF": r"\U00010000-\U0010FFFF",
}


# --- Public API -----------------------------------------------------------------

def check_request(operation: str, request: object, service: str = "dynamodb") -> None:
    """Raise DynamoDB's SerializationException/ValidationException for a bad shape.

    `operation` must be an operation of `service`'s model ("dynamodb" or
    "dynamodbstreams"). `request` is the parsed JSON body. Returns None when
    the request passes the shape-level checks (some scalars may have been
    normalized in place, see the module notes).
    """
    checker_for(operation, service)(request)


def checker_for(operation: str, service: str = "dynamodb") -> Callable[[object], dict]:
    """`check_request` for one operation, as a function of the request (for
    callers that keep it). It returns the request as operations read it (a
    body that is not a JSON object is a SerializationException)."""
    checker = _CHECKERS.get((service, operation))
    if checker is None:
        checker = _compile_operation(service, operation)
    return checker


# --- Compilation and caching ------------------------------------------------------

_CHECKERS: dict[tuple[str, str], Callable[[object], dict]] = {}
_LOCK = threading.Lock()


def _compile_operation(service: str, operation: str) -> Callable[[object], dict]:
    with _LOCK:
        checker = _CHECKERS.get((service, operation))
        if checker is None:
            model = service_model(service)
            try:
                input_ref = model["operations"][operation].get("input")
            except KeyError:
                raise ValueError(f"unknown {service} operation: {operation}") from None
            checker = _OperationCompiler(model).compile(operation, input_ref)
            _CHECKERS[(service, operation)] = checker
        return checker


class _OperationCompiler:
    """Turns one operation's input shape into a checking closure."""

    def __init__(self, model: dict) -> None:
        self.shapes: dict = model["shapes"]
        self._types: dict[tuple[str, bool], TypeChecker] = {}
        self._validators: dict[tuple, Validator | None] = {}
        self._renderer = _Renderer(self.shapes)

    def compile(self, operation: str, input_ref: dict | None) -> Callable[[object], dict]:
        if input_ref is None:  # an operation without input accepts any object
            return _object_checker(operation)
        input_shape = input_ref["shape"]
        check_members = self._struct_members_checker(input_shape)
        validate = self._validator(input_shape) or _accept
        pre_checks = self._pre_checks(operation)
        # operations with checks of their own always take the full path
        plain_tests = {} if pre_checks else self._plain_tests(input_shape)
        plain_test = plain_tests.get
        required = self._required_members(input_shape)

        def check(request: object) -> dict:
            # Most requests: every member plainly valid (see _plain_test),
            # told without entering the two full passes.
            if type(request) is dict and required <= request.keys():
                try:
                    for name, value in request.items():
                        is_plain = plain_test(name)
                        if is_plain is None or not is_plain(value):
                            break
                    else:
                        return request
                except TypeError:  # an unhashable value: the full checks word it
                    pass
            if not isinstance(request, dict):
                raise _not_an_object(request, input_shape)
            check_members(request)
            for pre_check in pre_checks:
                pre_check(request)
            errors: list[str] = []
            validate(request, "", "", errors)
            if errors:
                raise _aggregate(errors)
            return request
        return check

    def _required_members(self, shape_name: str) -> frozenset[str]:
        """The members a structure requires: the model's, with our overrides."""
        shape = self.shapes[shape_name]
        required = set(shape.get("required", ()))
        return frozenset(name for name in shape["members"] if _MEMBER_OVERRIDES.get(
            (shape_name, name), {}).get("required", name in required))

    def _plain_tests(self, shape_name: str) -> dict[str, Callable[[Any], bool]]:
        """A test per member whose plainly valid values are told at a glance."""
        tests = {}
        for name, ref in self.shapes[shape_name]["members"].items():
            test = None if (shape_name, name) in _MEMBER_OVERRIDES else self._plain_test(
                ref["shape"])
            if test is not None:
                tests[name] = test
        return tests

    def _plain_test(self, shape_name: str) -> Callable[[Any], bool] | None:
        """A test that is True only for a value of the shape that passes both
        full passes untouched: the right JSON type, nothing to normalize,
        within every constraint. False sends the request down the full
        passes, which word the problem, if any. None: no such test."""
        if shape_name == _TABLE_ARN_SHAPE:
            return _VALID_TABLE_NAMES.__contains__
        if shape_name in _SHAPE_DROP_LENGTH:
            return None
        shape = self.shapes[shape_name]
        kind = shape["type"]
        if kind == "boolean":
            return _is_bool
        if kind in _INT_RANGE and not any(k in shape for k in ("enum", "pattern")):
            java_low, java_high = _INT_RANGE[kind]
            return _integer_test(max(shape.get("min", java_low), java_low),
                                 min(shape.get("max", java_high), java_high))
        if kind == "string" and "enum" in shape:
            return frozenset(shape["enum"]).__contains__  # unhashable: TypeError
        if kind == "string":
            longest = _plain_length(shape)
            return None if longest is None else _short_string_test(longest)
        if kind != "map" or "min" in shape or "max" in shape:
            return None
        longest_key = _plain_length(self.shapes[shape["key"]["shape"]])
        value_name = shape["value"]["shape"]
        if longest_key is None:
            return None
        if value_name == "AttributeValue":
            return _plain_attribute_map(longest_key)
        value_shape = self.shapes[value_name]
        longest_value = _plain_length(value_shape) if value_shape["type"] == "string" else None
        return None if longest_value is None else _plain_string_map(longest_key, longest_value)

    def _pre_checks(self, operation: str) -> tuple[Callable[[dict], None], ...]:
        checks = []
        member = _REQUIRED_PARAMETER.get(operation)
        if member is not None:
            checks.append(_required_parameter_check(member))
        member = _EMPTY_MAP_REQUIRED.get(operation)
        if member is not None:
            checks.append(_empty_map_check(member, operation))
        return tuple(checks)

    # --- serialization (type) checkers ---

    def _type_checker(self, shape_name: str, field: bool) -> TypeChecker:
        kind = self.shapes[shape_name]["type"]
        if shape_name == "AttributeValue":
            return _check_av_field if field else _check_av_value
        if kind not in ("structure", "list", "map"):
            field = True  # scalars read the same anywhere
        key = (shape_name, field)
        checker = self._types.get(key)
        if checker is None:
            # Placeholder so a recursive shape compiles to a late-bound call.
            self._types[key] = lambda value: self._types[key](value)
            checker = self._build_type_checker(shape_name, field)
            self._types[key] = checker
        return checker

    def _build_type_checker(self, shape_name: str, field: bool) -> TypeChecker:
        shape = self.shapes[shape_name]
        kind = shape["type"]
        if kind == "structure":
            members = self._struct_members_checker(shape_name)
            return _struct_checker(members, shape_name, field)
        if kind == "list":
            element = self._type_checker(shape["member"]["shape"], False)
            return _list_checker(element, field)
        if kind == "map":
            value_shape = shape["value"]["shape"]
            java_value = self._java_type(value_shape)
            if value_shape == "AttributeValue":
                return _attribute_map_checker(field, java_value)
            values = self._type_checker(value_shape, False)
            return _map_checker(values, field, java_value)
        return _scalar_checker(kind)

    def _struct_members_checker(self, shape_name: str) -> Callable[[dict], None]:
        members = {name: self._type_checker(ref["shape"], True)
                   for name, ref in self.shapes[shape_name]["members"].items()}
        return _members_checker(members)

    def _java_type(self, shape_name: str) -> str:
        """The Java type DynamoDB names for a map's values."""
        shape = self.shapes[shape_name]
        kind = shape["type"]
        if kind == "structure":
            return f"{_JAVA_PACKAGE}.{shape_name}"
        if kind == "list":
            return f"java.util.List<{self._java_type(shape['member']['shape'])}>"
        if kind == "map":
            return f"java.util.Map<java.lang.String, {self._java_type(shape['value']['shape'])}>"
        return _JAVA_SCALAR[kind][1]

    # --- constraint validators ---

    def _validator(self, shape_name: str, override: dict | None = None,
                   skip_length: bool = False) -> Validator | None:
        key = (shape_name, tuple(sorted((override or {}).items())), skip_length)
        if key in self._validators:
            return self._validators[key]
        self._validators[key] = None  # recursion (AttributeValue) has no constraints
        validator = self._build_validator(shape_name, override or {}, skip_length)
        self._validators[key] = validator
        return validator

    def _build_validator(self, shape_name: str, override: dict,
                         skip_length: bool) -> Validator | None:
        if shape_name == "AttributeValue" or override.get("unconstrained"):
            return None
        shape = self.shapes[shape_name]
        kind = shape["type"]
        if kind == "structure":
            return self._struct_validator(shape_name)
        render = self._renderer.bind(shape_name)
        checks = [] if skip_length else self._own_checks(shape_name, override)
        if kind == "list":
            return self._list_validator(shape, checks, render)
        if kind == "map":
            return self._map_validator(shape, checks, render)
        if shape_name == _TABLE_ARN_SHAPE:
            return _table_name_validator
        return _scalar_validator(checks, render) if checks else None

    def _struct_validator(self, shape_name: str) -> Validator | None:
        shape = self.shapes[shape_name]
        required = self._required_members(shape_name)
        entries = []
        for name in _ordered_members(shape_name, shape["members"]):
            override = _MEMBER_OVERRIDES.get((shape_name, name), {})
            is_required = name in required
            limits = {k: v for k, v in override.items() if k != "required"}
            validator = self._validator(shape["members"][name]["shape"], limits or None)
            if is_required or validator is not None:
                entries.append((name, _lower_first(name), is_required, validator))
        return _struct_validator(tuple(entries)) if entries else None

    def _list_validator(self, shape: dict, checks: list, render: Callable) -> Validator | None:
        element_name = shape["member"]["shape"]
        element = self.shapes[element_name]
        element_fails = element_message = nested = None
        if element["type"] in ("structure", "list", "map"):
            nested = self._validator(element_name)
        else:
            element_fails, element_message = self._aggregate_check(element_name,
                                                                   "Member must satisfy constraint")
        no_nulls = element["type"] == "structure" and element_name not in _NULL_ELEMENTS_LATER
        if not checks and element_fails is None and nested is None and not no_nulls:
            return None
        return _list_validator(tuple(checks), element_fails, element_message, nested, render,
                               no_nulls)

    def _map_validator(self, shape: dict, checks: list, render: Callable) -> Validator | None:
        key_fails, key_message = self._aggregate_check(shape["key"]["shape"],
                                                       "Map keys must satisfy constraint")
        value_name = shape["value"]["shape"]
        value_kind = self.shapes[value_name]["type"]
        value_fails = value_message = nested = None
        if value_kind in ("string", "list", "integer", "long", "double", "blob"):
            value_fails, value_message = self._aggregate_check(value_name,
                                                               "Map value must satisfy constraint")
        if value_kind in ("structure", "map"):
            nested = self._validator(value_name)
        elif value_kind == "list":
            nested = self._validator(value_name, skip_length=True)
        if not checks and key_fails is None and value_fails is None and nested is None:
            return None
        return _map_validator(tuple(checks), key_fails, key_message, value_fails,
                              value_message, nested, render)

    def _own_checks(self, shape_name: str, override: dict) -> list[tuple[Callable, str]]:
        """(fails(value), message) for a shape's own limits, in DynamoDB's order."""
        return [(fails, message) for _, fails, message in self._tagged_checks(shape_name,
                                                                              override)]

    def _tagged_checks(self, shape_name: str, override: dict) -> list[tuple[str, Callable, str]]:
        """(kind, fails, message) with kind in enum/pattern/min/max, reported in that order."""
        shape = self.shapes[shape_name]
        kind = shape["type"]
        limits = _limits(shape, override, shape_name in _SHAPE_DROP_LENGTH)
        checks: list[tuple[str, Callable, str]] = []
        if "enum" in shape:
            values = _ENUM_ORDER.get(shape_name, tuple(shape["enum"]))
            allowed = frozenset(values)
            checks.append(("enum", lambda v, a=allowed: v not in a,
                           f"Member must satisfy enum value set: [{', '.join(values)}]"))
        pattern = _compile_pattern(shape.get("pattern"))
        if pattern is not None:
            checks.append(("pattern", lambda v, p=pattern: p.fullmatch(v) is None,
                           f"Member must satisfy regular expression pattern: {shape['pattern']}"))
        low, high = limits.get("min"), limits.get("max")
        if kind in ("integer", "long", "double", "float"):
            if low is not None:
                checks.append(("min", lambda v, n=low: v < n,
                               f"Member must have value greater than or equal to {low}"))
            if high is not None:
                checks.append(("max", lambda v, n=high: v > n,
                               f"Member must have value less than or equal to {high}"))
            return checks
        length = _java_length if kind == "string" else len
        if low is not None:
            checks.append(("min", lambda v, n=low, ln=length: ln(v) < n,
                           f"Member must have length greater than or equal to {low}"))
        if high is not None:
            checks.append(("max", lambda v, n=high, ln=length: ln(v) > n,
                           f"Member must have length less than or equal to {high}"))
        return checks

    def _aggregate_check(self, shape_name: str,
                         label: str) -> tuple[Callable | None, str | None]:
        """Constraints reported once for a whole list/map: any_fails(items), message.

        Inside the brackets DynamoDB lists max, then min, then the pattern.
        """
        if shape_name == _TABLE_ARN_SHAPE:
            parts = ["Member must have length less than or equal to 255",
                     "Member must have length greater than or equal to 3",
                     f"Member must satisfy regular expression pattern: {_TABLE_NAME_PATTERN}"]
            return (lambda items: any(x is not None and _table_name_problems(x) for x in items),
                    f"{label}: [{', '.join(parts)}]")
        checks = self._tagged_checks(shape_name, {})
        if not checks:
            return None, None
        checks.sort(key=lambda check: _AGGREGATE_ORDER[check[0]])
        message = f"{label}: [{', '.join(text for _, _, text in checks)}]"
        shape = self.shapes[shape_name]
        if shape["type"] == "string" and [kind for kind, _, _ in checks] == ["max"]:
            return _long_string_finder(shape["max"]), message
        tests = tuple(fails for _, fails, _ in checks)
        return (lambda items: any(x is not None and any(fails(x) for fails in tests)
                                  for x in items)), message


# --- Serialization checkers (hot path) ------------------------------------------------

def _not_an_object(request: object, input_shape: str) -> DynamoError:
    """A body that is not a JSON object, read where the input structure is
    expected: Coral words it as for a structure given as a list element or map
    value (dynalite's assertType 'ValueStruct': a list is an unrecognized
    collection of the structure's class, anything else an unexpected value)."""
    if isinstance(request, list):
        return serialization_error(f"Unrecognized collection type class {_JAVA_PACKAGE}."
                                   f"{input_shape}")
    return serialization_error(_UNEXPECTED_VALUE)


def _object_checker(operation: str) -> Callable[[object], dict]:
    """The checker of an operation without input members (DescribeLimits, ...)."""
    input_shape = f"{operation}Request"

    def check(request: object) -> dict:
        if not isinstance(request, dict):
            raise _not_an_object(request, input_shape)
        return request
    return check


def _members_checker(members: dict[str, TypeChecker]) -> Callable[[dict], None]:
    get = members.get

    def check_members(value: dict) -> None:
        for name, item in value.items():
            if item is not None:
                checker = get(name)
                # Strings are most members: test them inline, skipping a call.
                if checker is _check_string and type(item) is str or checker is None:
                    continue
                fixed = checker(item)
                if fixed is not None:
                    value[name] = fixed
    return check_members


def _struct_checker(check_members: Callable[[dict], None], shape_name: str,
                    field: bool) -> TypeChecker:
    list_message = f"Unrecognized collection type class {_JAVA_PACKAGE}.{shape_name}"
    scalar_message = _UNEXPECTED_FIELD if field else _UNEXPECTED_VALUE

    def check(value: Any) -> None:
        if type(value) is not dict:
            if isinstance(value, dict):
                return check_members(value)
            raise serialization_error(list_message if isinstance(value, list) else scalar_message)
        check_members(value)
    return check


def _list_checker(element: TypeChecker, field: bool) -> TypeChecker:
    scalar_message = _UNEXPECTED_FIELD if field else _CAST_FAILURE

    def check(value: Any) -> None:
        if not isinstance(value, list):
            raise serialization_error(_START_OF_OBJECT if isinstance(value, dict)
                                      else scalar_message)
        for index, item in enumerate(value):
            if item is not None:
                fixed = element(item)
                if fixed is not None:
                    value[index] = fixed
    return check


def _map_checker(values: TypeChecker, field: bool, java_value: str) -> TypeChecker:
    list_message = f"Unrecognized collection type java.util.Map<java.lang.String, {java_value}>"
    scalar_message = _UNEXPECTED_FIELD if field else _CAST_FAILURE

    def check(value: Any) -> None:
        if not isinstance(value, dict):
            raise serialization_error(list_message if isinstance(value, list) else scalar_message)
        for key, item in value.items():
            if item is not None:
                fixed = values(item)
                if fixed is not None:
                    value[key] = fixed
    return check


def _attribute_map_checker(field: bool, java_value: str) -> TypeChecker:
    """A map of AttributeValue (Item, Key, ...): the hottest container."""
    list_message = f"Unrecognized collection type java.util.Map<java.lang.String, {java_value}>"
    scalar_message = _UNEXPECTED_FIELD if field else _CAST_FAILURE

    def check(value: Any) -> None:
        if type(value) is not dict and not isinstance(value, dict):
            raise serialization_error(list_message if isinstance(value, list) else scalar_message)
        for item in value.values():
            if item is not None:
                _check_av(item, False, 0)
    return check


def _plain_attribute_map(longest_name: float) -> Callable[[Any], bool]:
    """Whether a value is a map of names at most `longest_name` long to
    attribute values of the right JSON types. Lone S, N and BOOL values (most
    of them) are told inline; others go through `_check_av`, which also
    normalizes them as the full passes would. An AttributeValue has no
    constraints, so such a map passes both full passes."""
    def is_plain(value: Any) -> bool:
        if type(value) is not dict:
            return False
        for name, item in value.items():
            if len(name) > longest_name:
                return False
            if type(item) is dict and len(item) == 1 and (
                    type(item.get("S")) is str or type(item.get("N")) is str
                    or type(item.get("BOOL")) is bool):
                continue
            try:
                _check_av(item, False, 0)
            except DynamoError:  # the full passes report it, in their order
                return False
        return True
    return is_plain


def _plain_string_map(longest_key: float, longest_value: float) -> Callable[[Any], bool]:
    def is_plain(value: Any) -> bool:
        if type(value) is not dict:
            return False
        for key, item in value.items():
            if (type(item) is not str or len(item) > longest_value
                    or len(key) > longest_key):
                return False
        return True
    return is_plain


def _short_string_test(longest: float) -> Callable[[Any], bool]:
    return lambda value: type(value) is str and len(value) <= longest


def _integer_test(low: int, high: int) -> Callable[[Any], bool]:
    return lambda value: type(value) is int and low <= value <= high


def _is_bool(value: Any) -> bool:
    return value is True or value is False


def _plain_length(shape: dict) -> float | None:
    """For a string shape limited at most by a maximum length, the length a
    string may have and certainly be within it (a Java length is at most
    twice the code point count); None for a shape with other constraints."""
    if shape["type"] != "string" or any(k in shape for k in ("enum", "pattern", "min")):
        return None
    return shape["max"] // 2 if "max" in shape else math.inf


def _scalar_checker(kind: str) -> TypeChecker:
    if kind == "string":
        return _check_string
    if kind == "boolean":
        return _check_boolean
    if kind == "blob":
        return _check_blob
    if kind in _INT_RANGE:
        return _integer_checker(kind)
    return _number_checker(kind)  # double, float, timestamp


def _check_string(value: Any) -> None:
    if type(value) is not str and not isinstance(value, str):
        _raise_wrong_scalar(value, "string")


def _check_boolean(value: Any) -> bool | None:
    if type(value) is bool:
        return None
    if isinstance(value, str):
        converted = _BOOLEAN_WORDS.get(value.lower())
        if converted is None:
            raise serialization_error(_BAD_BOOLEAN_TOKEN)
        return converted
    _raise_wrong_scalar(value, "boolean")


def _integer_checker(kind: str) -> TypeChecker:
    low, high = _INT_RANGE[kind]

    def check(value: Any) -> int | None:
        if type(value) is int:
            if low <= value <= high:
                return None
            return low if value < low else high
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _to_java_integer(value, low, high)
        _raise_wrong_scalar(value, kind)
    return check


def _number_checker(kind: str) -> TypeChecker:
    def check(value: Any) -> None:
        if type(value) is float or type(value) is int:
            return
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            _raise_wrong_scalar(value, kind)
    return check


def _to_java_integer(value: float, low: int, high: int) -> int:
    """A JSON decimal read as an Integer/Long: truncated, saturated at the range."""
    if math.isnan(value):
        return 0
    if math.isinf(value):
        return high if value > 0 else low
    return max(low, min(high, int(value)))


def _check_blob(value: Any) -> None:
    if type(value) is not str:
        if not isinstance(value, str):
            _raise_wrong_scalar(value, "blob")
    if len(value) % 4:
        raise serialization_error(_BASE64_LENGTH.format(_java_length(value)))
    if _BASE64_RE.fullmatch(value) is None:
        raise serialization_error(_BASE64_INVALID)


def _raise_wrong_scalar(value: Any, kind: str) -> None:
    """Raise the Coral deserializer's message for a JSON value of the wrong type."""
    target, java_class = _JAVA_SCALAR[kind]
    if isinstance(value, dict):
        raise serialization_error(_START_OF_OBJECT)
    if isinstance(value, (list, tuple)):
        raise serialization_error(f"Unrecognized collection type class {java_class}")
    if kind == "blob":
        raise serialization_error(_NOT_BASE64_TEXT)
    raise serialization_error(f"{_json_token(value)} cannot be converted to {target}")


def _json_token(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE_VALUE" if value else "FALSE_VALUE"
    if isinstance(value, int):
        return "NUMBER_VALUE"
    if isinstance(value, str):
        return "STRING_VALUE"
    return "DECIMAL_VALUE"


# AttributeValue: hand-written because it is on every item and is recursive.

def _check_av_field(value: Any) -> None:
    _check_av(value, True, 0)


def _check_av_value(value: Any) -> None:
    _check_av(value, False, 0)


def _check_av(av: Any, field: bool, depth: int) -> None:
    if type(av) is not dict:
        if not isinstance(av, dict):
            if isinstance(av, list):
                raise serialization_error(
                    f"Unrecognized collection type class {_JAVA_PACKAGE}.AttributeValue")
            raise serialization_error(_UNEXPECTED_FIELD if field else _UNEXPECTED_VALUE)
    dropped = None
    for key, item in av.items():
        if item is None:
            dropped = (dropped or []) + [key]
        elif key == "S" or key == "N":
            if type(item) is not str:
                _check_string(item)
        elif key == "M":
            if type(item) is not dict:
                _raise_av_collection(item, is_map=True)
            if depth >= MAX_ATTRIBUTE_DEPTH:
                raise validation_error(_NESTING_TOO_DEEP)
            for child in item.values():
                if child is not None:
                    _check_av(child, False, depth + 1)
        elif key == "L":
            if type(item) is not list:
                _raise_av_collection(item, is_map=False)
            if depth >= MAX_ATTRIBUTE_DEPTH:
                raise validation_error(_NESTING_TOO_DEEP)
            for child in item:
                if child is not None:
                    _check_av(child, False, depth + 1)
        elif key == "BOOL" or key == "NULL":
            if type(item) is not bool:
                av[key] = _check_boolean(item)
        elif key == "B":
            _check_blob(item)
        elif key == "SS" or key == "NS" or key == "BS":
            if type(item) is not list:
                _raise_av_collection(item, is_map=False)
            element = _check_blob if key == "BS" else _check_string
            for child in item:
                if child is not None and (key == "BS" or type(child) is not str):
                    element(child)
        else:  # unknown members are ignored, as DynamoDB does
            dropped = (dropped or []) + [key]
    if dropped:
        for key in dropped:
            del av[key]


def _raise_av_collection(value: Any, is_map: bool) -> None:
    """L/M/SS/NS/BS are fields of AttributeValue holding the wrong JSON type."""
    if is_map and isinstance(value, dict) or not is_map and isinstance(value, list):
        return
    if is_map and isinstance(value, list):
        raise serialization_error(
            "Unrecognized collection type java.util.Map<java.lang.String, "
            f"{_JAVA_PACKAGE}.AttributeValue>")
    if not is_map and isinstance(value, dict):
        raise serialization_error(_START_OF_OBJECT)
    raise serialization_error(_UNEXPECTED_FIELD)


# --- Constraint validators ----------------------------------------------------

def _accept(value: Any, prefix: str, name: str, errors: list) -> None:
    return None


def _violation(rendered: str, path: str, message: str) -> str:
    return f"Value '{rendered}' at '{path}' failed to satisfy constraint: {message}"


def _null_violation(path: str) -> str:
    return f"Value null at '{path}' failed to satisfy constraint: {_NOT_NULL}"


def _struct_validator(entries: tuple) -> Validator:
    """Validate a structure's members, reporting in DynamoDB's member order.

    A first pass follows the body (cheap for a valid request, the common
    case); only when it finds a problem is the ordered pass run to word the
    errors in DynamoDB's order. Validators only append, so rerunning is safe.
    """
    by_name = {member: (member_path, validator) for member, member_path, _, validator in entries
               if validator is not None}
    required = tuple(member for member, _, is_required, _ in entries if is_required)
    find = by_name.get

    def validate(value: Any, prefix: str, name: str, errors: list) -> None:
        if not isinstance(value, dict):
            return
        child_prefix = f"{prefix}{name}." if name else prefix
        start = len(errors)
        for member, item in value.items():
            entry = find(member)
            if entry is not None and item is not None:
                entry[1](item, child_prefix, entry[0], errors)
        if len(errors) == start:
            get = value.get
            for member in required:
                if get(member) is None:
                    break
            else:
                return
        del errors[start:]
        _validate_in_order(value, child_prefix, entries, errors)
    return validate


def _validate_in_order(value: dict, child_prefix: str, entries: tuple, errors: list) -> None:
    get = value.get
    for member, member_path, required, validator in entries:
        item = get(member)
        if item is None:
            if required:
                errors.append(_null_violation(child_prefix + member_path))
        elif validator is not None:
            validator(item, child_prefix, member_path, errors)
        if len(errors) >= MAX_VALIDATION_ERRORS:
            return


def _scalar_validator(checks: list, render: Callable[[Any], str]) -> Validator:
    checks = tuple(checks)

    def validate(value: Any, prefix: str, name: str, errors: list) -> None:
        for fails, message in checks:
            if fails(value):
                errors.append(_violation(render(value), prefix + name, message))
    return validate


def _list_validator(checks: tuple, element_fails: Callable | None, element_message: str | None,
                    nested: Validator | None, render: Callable[[Any], str],
                    no_nulls: bool = False) -> Validator:
    """`no_nulls`: a null element (of a list of structures) is reported as a
    null member at its position, 'transactItems.1.member'."""
    def validate(value: Any, prefix: str, name: str, errors: list) -> None:
        if not isinstance(value, list):
            return
        for fails, message in checks:
            if fails(value):
                errors.append(_violation(render(value), prefix + name, message))
        if element_fails is not None and element_fails(value):
            errors.append(_violation(render(value), prefix + name, element_message))
        if nested is not None or no_nulls:
            base = f"{prefix}{name}."
            for index, item in enumerate(value, 1):
                if len(errors) >= MAX_VALIDATION_ERRORS:
                    return
                if item is None:
                    if no_nulls:
                        errors.append(_null_violation(f"{base}{index}.member"))
                elif nested is not None:
                    nested(item, f"{base}{index}.", "member", errors)
    return validate


def _map_validator(checks: tuple, key_fails: Callable | None, key_message: str | None,
                   value_fails: Callable | None, value_message: str | None,
                   nested: Validator | None, render: Callable[[Any], str]) -> Validator:
    if not checks and value_fails is None and nested is None and key_fails is not None:
        # Item, Key and friends: only the attribute-name length to check.
        def validate_keys(value: Any, prefix: str, name: str, errors: list) -> None:
            if key_fails(value):
                errors.append(_violation(render(value), prefix + name, key_message))
        return validate_keys

    def validate(value: Any, prefix: str, name: str, errors: list) -> None:
        if not isinstance(value, dict):
            return
        for fails, message in checks:
            if fails(value):
                errors.append(_violation(render(value), prefix + name, message))
        if key_fails is not None and key_fails(value):
            errors.append(_violation(render(value), prefix + name, key_message))
        if value_fails is not None and value_fails(value.values()):
            errors.append(_violation(render(value), prefix + name, value_message))
        if nested is not None:
            # dynalite walks map entries in reverse insertion order.
            path = prefix + name
            for key in reversed(list(value)):
                if len(errors) >= MAX_VALIDATION_ERRORS:
                    return
                item = value[key]
                if item is not None:
                    nested(item, f"{path}.{key}.", "member", errors)
    return validate


def _long_string_finder(limit: int) -> Callable[[Any], bool]:
    """any_fails for a max-length-only string: skips the walk when all are short."""
    half = limit // 2  # a Java length is at most twice the code point count

    def any_too_long(items: Any) -> bool:
        for item in items:
            if item is not None and len(item) > half and _java_length(item) > limit:
                return True
        return False
    return any_too_long


# Valid table names seen recently: a set lookup beats the regex on the hot path.
_VALID_TABLE_NAMES: set[str] = set()
_VALID_TABLE_NAMES_MAX = 4096


def _table_name_validator(value: Any, prefix: str, name: str, errors: list) -> None:
    if value in _VALID_TABLE_NAMES:
        return
    if 3 <= len(value) <= 255 and _TABLE_NAME_RE.fullmatch(value) is not None:
        if len(_VALID_TABLE_NAMES) >= _VALID_TABLE_NAMES_MAX:
            _VALID_TABLE_NAMES.clear()
        _VALID_TABLE_NAMES.add(value)
        return
    for message in _table_name_problems(value):
        errors.append(_violation(value, prefix + name, message))


def _table_name_problems(value: str) -> list[str]:
    """TableArn rules: length >= 1; then a name's rules, or an ARN's length."""
    length = _java_length(value)
    if length < 1:
        return ["Member must have length greater than or equal to 1"]
    if value.startswith("arn:"):
        return ["Member must have length less than or equal to 1024"] if length > 1024 else []
    problems = []
    if _TABLE_NAME_RE.fullmatch(value) is None:
        problems.append(f"Member must satisfy regular expression pattern: {_TABLE_NAME_PATTERN}")
    if length < 3:
        problems.append("Member must have length greater than or equal to 3")
    if length > 255:
        problems.append("Member must have length less than or equal to 255")
    return problems


def _required_parameter_check(member: str) -> Callable[[dict], None]:
    message = f"The parameter '{member}' is required but was not present in the request"

    def check(request: dict) -> None:
        if request.get(member) is None:
            raise validation_error(message)
    return check


def _empty_map_check(member: str, operation: str) -> Callable[[dict], None]:
    message = f"The {_lower_first(member)} parameter is required for {operation}"

    def check(request: dict) -> None:
        value = request.get(member)
        if isinstance(value, dict) and not value:
            raise validation_error(message)
    return check


def _aggregate(errors: list[str]) -> DynamoError:
    errors = errors[:MAX_VALIDATION_ERRORS]
    count = len(errors)
    plural = "s" if count > 1 else ""
    return validation_error(f"{count} validation error{plural} detected: {'; '.join(errors)}")


# --- Rendering values as DynamoDB echoes them (error path only) ---------------------

class _Renderer:
    """Java `toString` style: lists `[a, b]`, maps `{k=v}`, `Shape(member=v, ...)`."""

    def __init__(self, shapes: dict) -> None:
        self.shapes = shapes

    def bind(self, shape_name: str) -> Callable[[Any], str]:
        return lambda value: self.render(value, shape_name)

    def render(self, value: Any, shape_name: str) -> str:
        if value is None:
            return "null"
        if shape_name == "AttributeValue":
            return self._render_av(value)
        shape = self.shapes[shape_name]
        kind = shape["type"]
        if kind == "structure" and isinstance(value, dict):
            parts = [f"{_lower_first(name)}={self.render(value.get(name), ref['shape'])}"
                     for name, ref in shape["members"].items()]
            parts += [f"{hidden}=null" for hidden in _HIDDEN_MEMBERS.get(shape_name, ())]
            return f"{shape_name}({', '.join(parts)})"
        if kind == "list" and isinstance(value, list):
            element = shape["member"]["shape"]
            return "[" + ", ".join(self.render(item, element) for item in value) + "]"
        if kind == "map" and isinstance(value, dict):
            element = shape["value"]["shape"]
            return "{" + ", ".join(f"{key}={self.render(item, element)}"
                                   for key, item in value.items()) + "}"
        return _render_scalar(value, kind)

    def _render_av(self, value: Any) -> str:
        if not isinstance(value, dict):
            return _render_scalar(value, "string")
        parts = []
        for field in _AV_FIELDS:
            wire = _AV_WIRE.get(field)
            item = value.get(wire) if wire else None
            if item is None:
                parts.append(f"{field}=null")
            elif wire == "M":
                parts.append(f"{field}={{" + ", ".join(
                    f"{key}={self._render_av(child)}" for key, child in item.items()) + "}")
            elif wire in ("L", "SS", "NS", "BS"):
                render = self._render_av if wire == "L" else (
                    lambda x, w=wire: _render_scalar(x, "blob" if w == "BS" else "string"))
                parts.append(f"{field}=[" + ", ".join(render(child) for child in item) + "]")
            else:
                kind = {"B": "blob", "BOOL": "boolean", "NULL": "boolean"}.get(wire, "string")
                parts.append(f"{field}={_render_scalar(item, kind)}")
        return f"AttributeValue({', '.join(parts)})"


def _render_scalar(value: Any, kind: str) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind == "blob" and isinstance(value, str):
        size = len(value) // 4 * 3 - value[-2:].count("=") if value else 0
        return f"java.nio.HeapByteBuffer[pos=0 lim={size} cap={size}]"
    if isinstance(value, float):
        return _java_double(value)
    return str(value)


def _java_double(value: float) -> str:
    if math.isfinite(value) and value == int(value) and abs(value) < 1e7:
        return f"{value:.1f}"
    return repr(value).replace("e+", "E").replace("e-", "E-")


# --- Small helpers --------------------------------------------------------------

def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _java_length(text: str) -> int:
    """String length as Java counts it (UTF-16 code units)."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _ordered_members(shape_name: str, members: dict) -> list[str]:
    first = [name for name in _MEMBER_ORDER.get(shape_name, ()) if name in members]
    return first + [name for name in members if name not in first]


def _limits(shape: dict, override: dict, drop_length: bool) -> dict:
    limits = {} if drop_length else {k: shape[k] for k in ("min", "max") if k in shape}
    limits.update({k: v for k, v in override.items() if k in ("min", "max")})
    return limits


def _compile_pattern(pattern: str | None) -> re.Pattern | None:
    if not pattern:
        return None
    for java, python in _PATTERN_TRANSLATIONS.items():
        pattern = pattern.replace(java, python)
    try:
        return re.compile(pattern, re.ASCII)  # Java classes such as \w are ASCII
    except re.error:  # a Java-only construct we do not translate: skip the check
        return None

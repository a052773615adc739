"""DynamoDB's legacy (pre-expression) parameters, turned into what the
expression machinery evaluates.

Expected (PutItem/UpdateItem/DeleteItem) and QueryFilter/ScanFilter, with
ConditionalOperator, become condition trees whose values sit in a Scope
under synthetic placeholders, so `evaluation.holds` serves both forms.
AttributeUpdates (legacy UpdateItem) is applied directly: its ADD also
appends to lists, which no UpdateExpression does.
"""
from __future__ import annotations

import copy

from ..errors import invalid_parameter, validation_error
from ..model.keys import key_value_bytes
from ..model.values import validate_attribute_value
from .evaluation import SET_TYPES, Scope
from .updates import WRONG_TYPE, _added, _deleted

COMPARATORS = {"EQ": "=", "NE": "<>", "LE": "<=", "LT": "<", "GE": ">=", "GT": ">"}
# A Condition's argument counts and value types (Expected, QueryFilter,
# ScanFilter and Query's KeyConditions)
ARGUMENT_COUNTS = {"NULL": 0, "NOT_NULL": 0, "EQ": 1, "NE": 1, "LE": 1, "LT": 1, "GE": 1,
                   "GT": 1, "CONTAINS": 1, "NOT_CONTAINS": 1, "BEGINS_WITH": 1, "BETWEEN": 2}
SCALARS = ("S", "N", "B")
# EQ and NE take a value of any type, BOOL, NULL, lists and maps included (the
# developer guide's Condition reference; nubo-db/dynamodb-conformance
# tier3/legacy-api/queryFilter.test.ts filters on a BOOL with EQ)
VALUE_TYPES = {"LE": SCALARS, "LT": SCALARS, "GE": SCALARS, "GT": SCALARS, "CONTAINS": SCALARS,
               "NOT_CONTAINS": SCALARS, "BEGINS_WITH": ("S", "B"), "IN": SCALARS,
               "BETWEEN": SCALARS}
# A null Condition in KeyConditions, QueryFilter or ScanFilter, followed by
# ": <attribute>" (DynamoDB Local's InputConverter)
NULL_CONDITION = "The filter condition for an attribute cannot be null"


def check_condition(operator: str, values: list[dict]) -> None:
    """One Condition's argument count and value types."""
    expected = ARGUMENT_COUNTS.get(operator)
    if (len(values) != expected) if expected is not None else not values:
        raise invalid_parameter(f"Invalid number of argument(s) for the {operator} "
                                "ComparisonOperator")
    kinds = [next(iter(value)) for value in values]
    if any(kind != kinds[0] for kind in kinds):
        raise invalid_parameter("AttributeValues inside AttributeValueList must be of same type")
    allowed = VALUE_TYPES.get(operator)
    for kind in kinds:
        if allowed is not None and kind not in allowed:
            raise invalid_parameter(f"ComparisonOperator {operator} is not valid for {kind} "
                                    "AttributeValue type")
    if operator == "BETWEEN" and key_value_bytes(values[0]) > key_value_bytes(values[1]):
        raise validation_error("The BETWEEN condition was provided a range where the lower "
                               "bound is greater than the upper bound")


class _Builder:
    """Collects literal values under placeholders while trees are built."""

    def __init__(self) -> None:
        self.values: dict[str, dict] = {}

    def value(self, value: dict) -> tuple:
        name = f":legacy{len(self.values)}"
        self.values[name] = value
        return (":", name)

    def condition(self, name: str, operator: str, values: list[dict]) -> tuple:
        """The tree of one legacy condition on top-level attribute `name`."""
        path = ("path", [("name", name)])
        if operator in COMPARATORS:
            return ("compare", COMPARATORS[operator], path, self.value(values[0]))
        if operator == "NOT_NULL":
            return ("call", "attribute_exists", [path])
        if operator == "NULL":
            return ("call", "attribute_not_exists", [path])
        if operator == "CONTAINS":
            return ("call", "contains", [path, self.value(values[0])])
        if operator == "NOT_CONTAINS":  # a missing attribute does not contain it
            return ("not", ("call", "contains", [path, self.value(values[0])]))
        if operator == "BEGINS_WITH":
            return ("call", "begins_with", [path, self.value(values[0])])
        if operator == "IN":
            return ("in", path, [self.value(value) for value in values])
        return ("between", path, self.value(values[0]), self.value(values[1]))


def _combine(trees: list[tuple], operator: str | None) -> tuple:
    joiner = "or" if operator == "OR" else "and"
    tree = trees[0]
    for other in trees[1:]:
        tree = (joiner, tree, other)
    return tree


def _check_values(values: list[dict]) -> None:
    for value in values:
        validate_attribute_value(value)


def expected_condition(expected: dict, operator: str | None) -> tuple[tuple, Scope]:
    """Expected (Value/Exists or ComparisonOperator forms) as a condition."""
    builder = _Builder()
    trees = []
    for name, condition in expected.items():
        trees.append(_expected_one(builder, name, condition))
    return _combine(trees, operator), Scope(None, builder.values)


def _expected_one(builder: _Builder, name: str, condition: dict) -> tuple:
    if condition is None:  # DynamoDB Local's InputConverter wording
        raise invalid_parameter(f"ExpectedAttributeValue must not be null for Attribute: {name}")
    operator = condition.get("ComparisonOperator")
    value, values = condition.get("Value"), condition.get("AttributeValueList")
    if operator is not None:
        if condition.get("Exists") is not None:
            raise invalid_parameter("Exists and ComparisonOperator cannot be used together for "
                                    f"Attribute: {name}")
        if value is not None and values is not None:
            raise invalid_parameter("Value and AttributeValueList cannot be used together for "
                                    f"Attribute: {name}")
        if value is None and values is None and operator not in ("NULL", "NOT_NULL"):
            raise invalid_parameter("Value or AttributeValueList must be used with "
                                    f"ComparisonOperator: {operator} for Attribute: {name}")
        values = [value] if value is not None else values or []
        _check_values(values)
        check_condition(operator, values)
        return builder.condition(name, operator, values)
    if values is not None:
        raise invalid_parameter("AttributeValueList can only be used with a ComparisonOperator "
                                f"for Attribute: {name}")
    exists = condition.get("Exists")
    if exists is False:
        if value is not None:
            raise invalid_parameter("Value cannot be used when Exists is false for Attribute: "
                                    f"{name}")
        return builder.condition(name, "NULL", [])
    if value is None:
        shown = "null" if exists is None else "true"
        raise invalid_parameter(f"Value must be provided when Exists is {shown} for Attribute: "
                                f"{name}")
    _check_values([value])
    return builder.condition(name, "EQ", [value])


def filter_condition(conditions: dict, operator: str | None, parameter: str
                     ) -> tuple[tuple, Scope]:
    """QueryFilter/ScanFilter as a condition (`parameter` names it)."""
    builder = _Builder()
    trees = []
    for name, condition in conditions.items():
        if condition is None:
            raise validation_error(f"{NULL_CONDITION}: {name}")
        values = condition.get("AttributeValueList") or []
        _check_values(values)
        check_condition(condition["ComparisonOperator"], values)
        trees.append(builder.condition(name, condition["ComparisonOperator"], values))
    return _combine(trees, operator), Scope(None, builder.values)


def check_conditional_operator(request: dict, parameters: tuple[str, ...]) -> None:
    """ConditionalOperator needs a legacy condition map of two or more
    conditions to combine (DynamoDB Local's wording for both errors)."""
    if request.get("ConditionalOperator") is None:
        return
    given = [request[name] for name in parameters if request.get(name)]
    if not given:
        raise validation_error("ConditionalOperator cannot be used without Filter or Expected")
    if len(given[0]) < 2:
        raise validation_error("ConditionalOperator can only be used when Filter or Expected "
                               "has two or more elements")


# --- AttributeUpdates ---------------------------------------------------------

def check_attribute_updates(updates: dict) -> None:
    """AttributeUpdates' own rules, checked before the table is looked up
    (`check_keys_not_updated` is the one that needs it)."""
    for name, update in updates.items():
        if update is None:  # DynamoDB Local's InputConverter wording
            raise validation_error("Supplied AttributeValueUpdate is empty, must contain one "
                                   f"of the supported actions: {name} is null")
        action = update.get("Action") or "PUT"
        value = update.get("Value")
        if value is not None:
            _check_values([value])
        if action in ("PUT", "ADD") and value is None:
            raise invalid_parameter(f"Only DELETE action is allowed when no attribute value is "
                                    f"specified: {name}")
        kind = next(iter(value)) if value is not None else None
        if action == "ADD" and kind not in ("N", "L", *SET_TYPES):
            raise invalid_parameter(f"ADD action is not supported for the type {kind}")
        if action == "DELETE" and kind is not None and kind not in SET_TYPES:
            raise invalid_parameter(f"DELETE action with value is not supported for the type "
                                    f"{kind}")


def check_keys_not_updated(updates: dict, key_names: tuple[str, ...]) -> None:
    for name in updates:
        if name in key_names:
            raise invalid_parameter(f"Cannot update attribute {name}. This attribute is part "
                                    "of the key")


def apply_attribute_updates(updates: dict, item: dict) -> tuple[dict, list[list]]:
    """The item after AttributeUpdates, and the paths touched (a copy: the
    given item is left alone)."""
    new_item = copy.deepcopy(item)
    for name, update in updates.items():
        action = update.get("Action") or "PUT"
        value, current = update.get("Value"), new_item.get(name)
        if action == "PUT":
            new_item[name] = value
        elif action == "DELETE":
            remaining = _deleted(current, value) if value is not None else None
            if remaining is None:
                new_item.pop(name, None)
            else:
                new_item[name] = remaining
        else:
            new_item[name] = _plus(current, value)
    return new_item, [[name] for name in updates]


def _plus(current: dict | None, value: dict) -> dict:
    """ADD: numbers and sets as in an UpdateExpression; lists are appended."""
    if "L" not in value:
        return _added(current, value)
    if current is None:
        return value
    if "L" not in current:
        raise validation_error(WRONG_TYPE)
    return {"L": current["L"] + value["L"]}

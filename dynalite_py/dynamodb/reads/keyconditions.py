"""A Query's key condition, resolved against the table or index key schema.

Both request forms end up as a `KeyCondition`: equality on the partition key
and at most one comparison on the sort key. Conversion runs in two steps, as
DynamoDB reports its errors: `from_expression` (KeyConditionExpression) and
`from_legacy` (KeyConditions) check what needs no table and give the
conditions per attribute; `resolve` checks them against the key schema of
the table or index being read. `matches_range` tests a sort key value using
the same ordered bytes the storage keys use, so numbers compare numerically
and strings and binaries by bytes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ...errors import invalid_parameter, validation_error
from ...expressions.legacy import NULL_CONDITION, SCALARS, check_condition
from ...model.keys import key_value_bytes
from ...model.values import validate_attribute_value

NOT_INDEXABLE = ("NULL", "NOT_NULL", "NE", "CONTAINS", "NOT_CONTAINS", "IN")
COMPARATORS = {"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}
MIRRORED = {"EQ": "EQ", "LT": "GT", "LE": "GE", "GT": "LT", "GE": "LE"}
NOT_KEY_FUNCTIONS = ("attribute_exists", "attribute_not_exists", "attribute_type", "contains")
LABEL = "KeyConditionExpression"

# attribute name -> (ComparisonOperator, AttributeValueList)
Conditions = dict[str, tuple[str, list[dict]]]


@dataclass
class KeyCondition:
    hash_name: str
    hash_value: dict
    range_name: str | None = None
    range_operator: str | None = None
    range_values: list[dict] = field(default_factory=list)

    def bounds(self) -> tuple[bytes | None, bytes | None]:
        """(lowest, highest) sort bytes the condition can match, None when open."""
        if self.range_operator is None:
            return None, None
        values = [key_value_bytes(value) for value in self.range_values]
        return {"EQ": (values[0], values[0]), "LT": (None, values[0]),
                "LE": (None, values[0]), "GT": (values[0], None), "GE": (values[0], None),
                "BETWEEN": (values[0], values[-1]),
                "BEGINS_WITH": (values[0], None)}[self.range_operator]

    def matches_hash(self, value: dict | None) -> bool:
        return same_key_value(value, self.hash_value)

    def matches_range(self, value: dict | None) -> bool:
        if self.range_operator is None:
            return True
        if value is None:
            return False
        wanted_type = next(iter(self.range_values[0]))
        if wanted_type not in value:
            return False
        got = key_value_bytes(value)
        bounds = [key_value_bytes(v) for v in self.range_values]
        operator = self.range_operator
        if operator == "EQ":
            return got == bounds[0]
        if operator == "LT":
            return got < bounds[0]
        if operator == "LE":
            return got <= bounds[0]
        if operator == "GT":
            return got > bounds[0]
        if operator == "GE":
            return got >= bounds[0]
        if operator == "BETWEEN":
            return bounds[0] <= got <= bounds[1]
        return got.startswith(bounds[0])  # BEGINS_WITH, on S and B only

    def past_end(self, value: dict, reverse: bool) -> bool:
        """Whether a partition read in this direction can stop at `value`."""
        low, high = self.bounds()
        got = key_value_bytes(value)
        if self.range_operator == "BEGINS_WITH":
            return (got < low and not got.startswith(low)) if reverse else (
                got > low and not got.startswith(low))
        if reverse:
            return low is not None and got < low
        return high is not None and got > high


def same_key_value(a: dict | None, b: dict | None) -> bool:
    """Equality of two key values (numbers by value)."""
    if a is None or b is None or len(a) != 1 or next(iter(a)) != next(iter(b)):
        return False
    if next(iter(a)) not in SCALARS:
        return a == b
    return key_value_bytes(a) == key_value_bytes(b)


def from_legacy(key_conditions: dict) -> Conditions:
    """KeyConditions as conditions per attribute, checked as DynamoDB checks
    any Condition map (values, argument counts, value types)."""
    conditions = {}
    for name, condition in key_conditions.items():
        if condition is None:
            raise validation_error(f"{NULL_CONDITION}: {name}")
        values = condition.get("AttributeValueList") or []
        for value in values:
            validate_attribute_value(value)
        conditions[name] = (condition["ComparisonOperator"], values)
        check_condition(*conditions[name])
    check_count(conditions)
    return conditions


def from_expression(tree: tuple, scope) -> Conditions:
    """A parsed KeyConditionExpression as conditions per attribute: only
    AND of simple conditions, one per key attribute, each naming a top-level
    attribute against values."""
    conditions: Conditions = {}
    # the operand types no key could satisfy were refused by the parser; a
    # value of another key type (a BOOL compared with EQ, say) fails the
    # schema check in `resolve` (AWS 2026, queryKeyConditionOperands.test.ts)
    _collect(tree, scope, conditions)
    return conditions  # more than two is reported against the schema (resolve)


# A multi-attribute GSI key has up to four HASH and four RANGE attributes,
# so a key condition may name up to eight before the key schema is known;
# `resolve` holds a single-attribute key schema to two.
MAX_KEY_CONDITIONS = 8


def check_count(conditions: Conditions, most: int = MAX_KEY_CONDITIONS) -> None:
    if not 1 <= len(conditions) <= most:
        raise validation_error("Conditions can be of length 1 or 2 only")


def resolve(conditions: Conditions, hash_name: str, range_name: str | None,
            attribute_types: dict[str, str]) -> KeyCondition:
    """The KeyCondition of `conditions` on a key schema, checked key by key
    in schema order as DynamoDB does."""
    if len(conditions) > 2:  # only an expression gets here (from_legacy counts)
        keys = 1 if range_name is None else 2
        raise validation_error(f"The number of query conditions ({len(conditions)}) exceeds the "
                               f"number of key attributes defined in the schema ({keys})")
    for name, is_hash in ((hash_name, True), (range_name, False)):
        if name is None:
            continue
        if is_hash and range_name is None and len(conditions) > 1:
            raise validation_error("Query key condition not supported")
        if name not in conditions:
            if is_hash or len(conditions) > 1:
                raise validation_error(f"Query condition missed key schema element: {name}")
            continue
        check_key_attribute_condition(conditions[name], attribute_types[name], is_hash)
    condition = KeyCondition(hash_name, conditions[hash_name][1][0])
    if range_name is not None and range_name in conditions:
        condition.range_name = range_name
        condition.range_operator, condition.range_values = conditions[range_name]
    return condition


def check_key_attribute_condition(condition: tuple[str, list[dict]], attribute_type: str,
                                  is_hash: bool) -> None:
    """One key attribute's condition: an indexable operator, values of the
    attribute's type, and equality on a partition key attribute."""
    operator, values = condition
    if operator in NOT_INDEXABLE:
        raise validation_error("Attempted conditional constraint is not an indexable operation")
    if any(attribute_type not in value for value in values):
        raise invalid_parameter("Condition parameter type does not match schema type")
    if is_hash and operator != "EQ":
        raise validation_error("Query key condition not supported")


def _collect(node: tuple, scope, conditions: Conditions) -> None:
    kind = node[0]
    if kind == "and":
        _collect(node[1], scope, conditions)
        _collect(node[2], scope, conditions)
        return
    if kind in ("or", "not", "in") or (kind == "compare" and node[1] == "<>"):
        shown = node[1] if kind == "compare" else kind.upper()
        raise validation_error(f"Invalid operator used in {LABEL}: {shown}")
    if kind == "call" and node[1] in NOT_KEY_FUNCTIONS:
        raise validation_error(f"Invalid operator used in {LABEL}: {node[1]}")
    if kind == "between":
        operator, operands = "BETWEEN", list(node[1:])
    elif kind == "call":  # begins_with
        operator, operands = "BEGINS_WITH", node[2]
    else:
        operator, operands = COMPARATORS[node[1]], [node[2], node[3]]
    if operator in ("BETWEEN", "BEGINS_WITH") and operands[0][0] != "path":
        shown = "BETWEEN" if kind == "between" else "begins_with"
        raise validation_error(f"Invalid condition in {LABEL}: {shown} operator must have the "
                               "key attribute as its first operand")
    name, position = None, 0
    for index, operand in enumerate(operands):
        if operand[0] == "path":
            if name is not None:
                raise validation_error(f"Invalid condition in {LABEL}: Multiple attribute names "
                                       "used in one condition")
            elements = scope.elements(operand)
            if len(elements) > 1:
                raise validation_error("KeyConditionExpressions cannot have conditions on nested "
                                       "attributes")
            name, position = elements[0], index
        elif operand[0] == "call":
            raise validation_error("KeyConditionExpressions cannot contain nested operations")
    if name is None:
        raise validation_error(f"Invalid condition in {LABEL}: No key attribute specified")
    if name in conditions:
        raise validation_error(f"Invalid {LABEL}: KeyConditionExpressions must only contain one "
                               "condition per key")
    if position:
        operator = MIRRORED[operator]
    conditions[name] = (operator, [scope.values[operand[1]] for operand in operands
                                   if operand[0] == ":"])

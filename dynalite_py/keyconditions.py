"""A Query's key condition, resolved against the table or index key schema.

Both request forms (KeyConditionExpression and legacy KeyConditions) end up
as a `KeyCondition`: equality on the partition key and at most one
comparison on the sort key. `matches_range` tests a sort key value against
it using the same ordered bytes the storage keys use, so numbers compare
numerically and strings and binaries by bytes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .errors import validation_error
from .model.keys import key_value_bytes

RANGE_OPERATORS = ("EQ", "LT", "LE", "GT", "GE", "BETWEEN", "BEGINS_WITH")
NOT_INDEXABLE = ("NULL", "NOT_NULL", "CONTAINS", "NOT_CONTAINS", "IN", "NE")
ARGUMENT_COUNTS = {"NULL": 0, "NOT_NULL": 0, "EQ": 1, "NE": 1, "LE": 1, "LT": 1, "GE": 1,
                   "GT": 1, "CONTAINS": 1, "NOT_CONTAINS": 1, "BEGINS_WITH": 1, "BETWEEN": 2}


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


def from_legacy(conditions: dict, hash_name: str, range_name: str | None) -> KeyCondition:
    """A KeyCondition from legacy KeyConditions, with DynamoDB's messages."""
    for name, condition in conditions.items():
        values = condition.get("AttributeValueList") or []
        operator = condition["ComparisonOperator"]
        expected = ARGUMENT_COUNTS.get(operator)
        if (expected is not None and len(values) != expected) or (
                operator == "IN" and not values):
            raise validation_error("The attempted filter operation is not supported for the "
                                   "provided filter argument count")
    if len(conditions) not in (1, 2):
        raise validation_error("Conditions can be of length 1 or 2 only")
    for key_name in (hash_name, range_name):
        if key_name is not None and key_name not in conditions and (
                key_name == hash_name or len(conditions) > 1):
            raise validation_error(f"Query condition missed key schema element: {key_name}")
    if any(c["ComparisonOperator"] in NOT_INDEXABLE for c in conditions.values()):
        raise validation_error("Attempted conditional constraint is not an indexable operation")
    hash_condition = conditions[hash_name]
    if hash_condition["ComparisonOperator"] != "EQ" or (range_name is None and len(conditions) > 1):
        raise validation_error("Query key condition not supported")
    condition = KeyCondition(hash_name, hash_condition["AttributeValueList"][0])
    if range_name is not None and range_name in conditions:
        range_condition = conditions[range_name]
        condition.range_name = range_name
        condition.range_operator = range_condition["ComparisonOperator"]
        condition.range_values = range_condition["AttributeValueList"]
    return condition

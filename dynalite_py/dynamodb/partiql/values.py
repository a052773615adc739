"""PartiQL values as attribute values: literals ('text', numbers, TRUE/FALSE,
NULL, [lists], {maps}, <<sets>>, {{blobs}}) and `?` parameters bound from
the request's Parameters, with DynamoDB's messages (a literal's number
error names where in the value it is: "... under root.x", "under root[1]").
"""
from __future__ import annotations

from ...errors import DynamoError, validation_error
from ...model.numbers import NOT_NUMERIC, normalize_number
from ...model.values import validate_attribute_value
from .lexer import INT32_MAX
from .parser import position

PARAMETER_COUNT = "Number of parameters in request and statement don't match."
EMPTY_BAG = "Empty bags are not supported"
VALUE_KINDS = frozenset(("string", "number", "blob", "bool", "null", "param", "list", "map",
                         "bag"))


class Parameters:
    """The request's Parameters, checked once, for one statement."""

    def __init__(self, values: list[dict] | None, expected: int) -> None:
        values = values or []
        if len(values) != expected:
            raise validation_error(PARAMETER_COUNT)
        for value in values:
            check_parameter(value)
        self.values = values

    def __getitem__(self, index: int) -> dict:
        return self.values[index]


def check_parameter(value: dict) -> None:
    """A parameter as DynamoDB reads it: numbers as Java's BigDecimal reads
    them (an exponent past 32 bits cannot be converted at all), then the
    ordinary attribute-value rules (nesting, empty sets, ...), the first
    problem in document order."""
    _check_numbers(value)
    validate_attribute_value(value)


def _check_numbers(value: dict) -> None:
    for kind, data in value.items():
        if kind == "N":
            _check_number_text(data)
        elif kind == "NS":
            for member in data:
                _check_number_text(member)
        elif kind == "L":
            for member in data:
                _check_numbers(member)
        elif kind == "M":
            for member in data.values():
                _check_numbers(member)


def _check_number_text(text: str) -> None:
    _, _, exponent = text.lower().partition("e")
    digits = exponent.lstrip("+-")
    if digits.isdigit() and (len(digits) > 10 or int(digits) > INT32_MAX):
        raise validation_error(f"{NOT_NUMERIC}: {text}")


def is_value(node: tuple) -> bool:
    """Whether a node is a value (a literal, a parameter or one built of them)."""
    kind = node[0]
    if kind in ("list", "bag"):
        return all(is_value(member) for member in node[1])
    if kind == "map":
        return all(is_value(key) and is_value(member) for key, member in node[1])
    return kind in VALUE_KINDS


def to_attribute(node: tuple, parameters: Parameters, text: str, where: str = "root") -> dict:
    """The attribute value a value node stands for."""
    kind = node[0]
    if kind == "string":
        return {"S": node[1]}
    if kind == "number":
        return {"N": _literal_number(node[1], where)}
    if kind == "bool":
        return {"BOOL": node[1]}
    if kind == "null":
        return {"NULL": True}
    if kind == "blob":
        return {"B": node[1]}
    if kind == "param":
        return parameters[node[1]]
    if kind == "list":
        return {"L": [to_attribute(member, parameters, text, f"{where}[{index}]")
                      for index, member in enumerate(node[1])]}
    if kind == "map":
        return {"M": _map(node[1], parameters, text, where)}
    if kind == "bag":
        return _set(node, parameters, text, where)
    if kind == "call":
        raise validation_error(f"Unsupported data type: {node[1]} under key {where} at "
                               f"{position(text, node[3])}")
    raise validation_error(f"Unsupported data type: {_describe(node)} under key {where}")


def to_item(node: tuple, parameters: Parameters, text: str) -> dict | None:
    """An INSERT's item: a {...} literal (each attribute's value is a "root"
    of its own in messages) or a map parameter; None for anything else."""
    if node[0] == "param":
        value = parameters[node[1]]
        return value["M"] if "M" in value else None
    if node[0] != "map":
        return None
    return _map(node[1], parameters, text, "root", nested=False)


def _literal_number(number: str, where: str) -> str:
    try:
        return normalize_number(number)
    except DynamoError as error:
        raise validation_error(f"{error.message} under {where}") from None


def _map(members: list, parameters: Parameters, text: str, where: str, nested: bool = True
         ) -> dict:
    result: dict = {}
    for key_node, value_node in members:
        if key_node[0] == "param" and "S" in parameters[key_node[1]]:
            key = parameters[key_node[1]]["S"]
        elif key_node[0] == "string":
            key = key_node[1]
        else:
            raise validation_error(f"Tuple keys must be of type String. Actual type: "
                                   f"{_describe(key_node)} under {where}")
        if key in result:
            raise validation_error(f"Duplicate keys in tuple. Key: {key} under {where}")
        result[key] = to_attribute(value_node, parameters, text,
                                   f"{where}.{key}" if nested else where)
    return result


def _set(node: tuple, parameters: Parameters, text: str, where: str) -> dict:
    """<<...>>: a string, number or binary set, by its members' type."""
    members = [to_attribute(member, parameters, text, where) for member in node[1]]
    if not members:
        raise validation_error(EMPTY_BAG)
    kinds = {next(iter(member)) for member in members}
    if len(kinds) != 1 or not kinds <= {"S", "N", "B"}:
        raise validation_error("Unsupported data type in Bag. DynamoDB only supports either "
                               "numbers or strings in bags")
    kind = kinds.pop()
    values = [member[kind] for member in members]
    result = {kind + "S": values}
    validate_attribute_value(result)  # duplicates, as in any set
    return result


def _describe(node: tuple) -> str:
    return {"list": "LIST", "map": "STRUCT", "bag": "BAG", "path": "PATH",
            "missing": "MISSING"}.get(node[0], node[0].upper())

"""Evaluating expression trees against items in wire form.

Paths walk maps ("M") and lists ("L"); comparisons follow DynamoDB: numbers
by value, strings and binaries by bytes, other types only by equality, and
operands of different types never compare (so `<>` is true for them).
"""
from __future__ import annotations

import base64
from decimal import Decimal

from ..model.keys import key_value_bytes

SET_TYPES = {"SS": "S", "NS": "N", "BS": "B"}
ATTRIBUTE_TYPES = ("B", "BOOL", "BS", "L", "M", "N", "NS", "NULL", "S", "SS")


class Scope:
    """How one request resolves placeholders: ExpressionAttributeNames/Values."""

    def __init__(self, names: dict | None, values: dict | None) -> None:
        self.names = names or {}
        self.values = values or {}

    def elements(self, path: tuple) -> list:
        return [self.names[value] if kind == "#" else value for kind, value in path[1]]


def get(item: dict | None, elements: list) -> dict | None:
    """The value at a document path of an item, or None."""
    current = {"M": item or {}}
    for element in elements:
        if isinstance(element, int):
            values = current.get("L")
            current = values[element] if values is not None and element < len(values) else None
        else:
            members = current.get("M")
            current = members.get(element) if members is not None else None
        if current is None:
            return None
    return current


def operand(node: tuple, item: dict | None, scope: Scope) -> dict | None:
    kind = node[0]
    if kind == ":":
        return scope.values[node[1]]
    if kind == "path":
        return get(item, scope.elements(node))
    return size_of(operand(node[2][0], item, scope))  # the one function with a value: size


def size_of(value: dict | None) -> dict | None:
    if value is None:
        return None
    (kind, data), = value.items()
    if kind == "S":  # in UTF-16 code units, as DynamoDB counts ("é𝄞" is 3)
        return {"N": str(len(data.encode("utf-16-le", "surrogatepass")) // 2)}
    if kind == "B":
        return {"N": str(len(base64.b64decode(data)))}
    if kind in ("SS", "NS", "BS", "L"):
        return {"N": str(len(data))}
    if kind == "M":
        return {"N": str(len(data))}
    return None


def equal(a: dict | None, b: dict | None) -> bool:
    if a is None or b is None:
        return False
    (kind_a, data_a), = a.items()
    (kind_b, data_b), = b.items()
    if kind_a != kind_b:
        return False
    if kind_a == "N":
        return Decimal(data_a) == Decimal(data_b)
    if kind_a == "NS":
        return {Decimal(v) for v in data_a} == {Decimal(v) for v in data_b}
    if kind_a in ("SS", "BS"):
        return set(data_a) == set(data_b)
    if kind_a == "L":
        return len(data_a) == len(data_b) and all(map(equal, data_a, data_b))
    if kind_a == "M":
        return data_a.keys() == data_b.keys() and all(equal(data_a[k], data_b[k])
                                                      for k in data_a)
    return data_a == data_b


def ordered(a: dict | None, b: dict | None) -> tuple[bytes, bytes] | None:
    """Comparable byte forms of two scalar values of one type, else None."""
    if a is None or b is None:
        return None
    kind_a, kind_b = next(iter(a)), next(iter(b))
    if kind_a != kind_b or kind_a not in ("S", "N", "B"):
        return None
    return key_value_bytes(a), key_value_bytes(b)


def compare(operator: str, a: dict | None, b: dict | None) -> bool:
    if operator == "=":
        return equal(a, b)
    if operator == "<>":
        return not equal(a, b)
    pair = ordered(a, b)
    if pair is None:
        return False
    left, right = pair
    return {"<": left < right, "<=": left <= right, ">": left > right,
            ">=": left >= right}[operator]


def holds(node: tuple, item: dict | None, scope: Scope) -> bool:
    """Whether a condition tree holds for an item (None: the item is absent)."""
    kind = node[0]
    if kind == "and":
        return holds(node[1], item, scope) and holds(node[2], item, scope)
    if kind == "or":
        return holds(node[1], item, scope) or holds(node[2], item, scope)
    if kind == "not":
        return not holds(node[1], item, scope)
    if kind == "compare":
        return compare(node[1], operand(node[2], item, scope), operand(node[3], item, scope))
    if kind == "between":
        value = operand(node[1], item, scope)
        low, high = operand(node[2], item, scope), operand(node[3], item, scope)
        return compare(">=", value, low) and compare("<=", value, high)
    if kind == "in":
        value = operand(node[1], item, scope)
        return any(equal(value, operand(option, item, scope)) for option in node[2])
    return function_holds(node[1], node[2], item, scope)


def function_holds(name: str, arguments: list, item: dict | None, scope: Scope) -> bool:
    value = operand(arguments[0], item, scope)
    if name == "attribute_exists":
        return value is not None
    if name == "attribute_not_exists":
        return value is None
    if value is None:
        return False
    other = operand(arguments[1], item, scope)
    if name == "attribute_type":
        return next(iter(value)) == other.get("S")
    if name == "begins_with":
        pair = ordered(value, other)
        return pair is not None and next(iter(value)) != "N" and pair[0].startswith(pair[1])
    return contains(value, other)


def contains(value: dict, other: dict | None) -> bool:
    if other is None:
        return False
    (kind, data), = value.items()
    if kind == "S" and "S" in other:
        return other["S"] in data
    if kind == "B" and "B" in other:
        return base64.b64decode(other["B"]) in base64.b64decode(data)
    if kind in SET_TYPES and SET_TYPES[kind] in other:
        return any(equal({SET_TYPES[kind]: element}, other) for element in data)
    if kind == "L":
        return any(equal(element, other) for element in data)
    return False


def project(item: dict, paths: list[list]) -> dict:
    """The parts of an item named by document paths, keeping their nesting;
    list elements keep their order, missing ones are left out."""
    result: dict = {}
    for elements in paths:
        value = get(item, elements)
        if value is not None:
            _place(result, elements, value)
    return _finish(result)


def _place(container: dict, elements: list, value: dict) -> None:
    head, rest = elements[0], elements[1:]
    if not rest:
        container[head] = value
        return
    kind = "L" if isinstance(rest[0], int) else "M"
    child = container.setdefault(head, {kind: {}})
    _place(child[kind], rest, value)


def _finish(container: dict) -> dict:
    """Turn the index-keyed dicts used for projected lists into lists."""
    finished = {}
    for key, value in container.items():
        if "L" in value and isinstance(value["L"], dict):
            value = {"L": [_finish_value(value["L"][i]) for i in sorted(value["L"])]}
        elif "M" in value and isinstance(value["M"], dict):
            value = {"M": _finish(value["M"])}
        finished[key] = value
    return finished


def _finish_value(value: dict) -> dict:
    return _finish({"v": value})["v"]

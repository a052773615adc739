"""PartiQL conditions and update values written as native expressions: each
path becomes `#n..` placeholders and each value a `:v..` placeholder, so
the native parser, its checks (operand types, functions) and its
evaluator do the work, exactly as for a ConditionExpression.

IS MISSING is attribute_not_exists, IS NOT MISSING attribute_exists, IS
NULL holds for a NULL or a missing attribute (PartiQL's rule), IS <type>
is attribute_type; `attribute_exists(p) = true` is the function itself.
"""
from __future__ import annotations

import re

from ...errors import DynamoError, validation_error
from ...expressions.reserved import RESERVED_WORDS
from .parser import position
from .values import Parameters, is_value, to_attribute

# precedence of native operators, loosest first (a child looser than its
# parent is parenthesised; no other parentheses, which DynamoDB would call
# redundant)
_OR, _AND, _NOT, _ATOM = 0, 1, 2, 3
BOOLEAN_FUNCTIONS = {"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2,
                     "begins_with": 2, "contains": 2}
_PATH_FUNCTIONS = ("attribute_exists", "attribute_not_exists", "attribute_type")
# IS <type>: the attribute types each type name tests
_TYPE_TESTS = {"SET": ("SS", "NS", "BS")}


_BARE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_FUNCTION_NAMES = frozenset(("attribute_exists", "attribute_not_exists", "attribute_type",
                             "begins_with", "contains", "size", "if_not_exists", "list_append"))
# a native message's prefix that names the native parameter PartiQL never shows
_NATIVE_PREFIXES = tuple(f"Invalid {name}: " for name in (
    "ConditionExpression", "FilterExpression", "KeyConditionExpression", "UpdateExpression",
    "ProjectionExpression"))
_VALUE_PREFIX = "ExpressionAttributeValues contains invalid value: "


def unprefixed(error: DynamoError) -> DynamoError:
    """A native expression error as PartiQL reports it: without the name of
    an expression parameter (or a placeholder) the user never wrote."""
    if error.name != "ValidationException" or error.message is None:
        return error
    message = error.message
    for prefix in _NATIVE_PREFIXES:
        if message.startswith(prefix):
            return validation_error(message[len(prefix):])
    if message.startswith(_VALUE_PREFIX):
        return validation_error(message[len(_VALUE_PREFIX):].rsplit(" for key :v", 1)[0])
    return error


def unrecognized(name: str, text: str, token) -> Exception:
    return validation_error(f"Unrecognized function: {name} at {position(text, token)}")


class Renderer:
    """Writes nodes as native expression text, collecting the placeholders
    one native request needs (every one it defines, it uses)."""

    def __init__(self, parameters: Parameters, text: str) -> None:
        self.parameters = parameters
        self.text = text
        self.names: dict[str, str] = {}  # placeholder -> attribute name
        self._name_of: dict[str, str] = {}
        self.values: dict[str, dict] = {}

    def name(self, attribute: str) -> str:
        """An attribute name as the native expression spells it: bare when the
        native grammar takes it bare (fewer placeholders to check), else a
        #placeholder."""
        if _BARE_NAME.fullmatch(attribute) and attribute.upper() not in RESERVED_WORDS and \
                attribute.lower() not in _FUNCTION_NAMES:
            return attribute
        placeholder = self._name_of.get(attribute)
        if placeholder is None:
            placeholder = self._name_of[attribute] = f"#n{len(self._name_of)}"
            self.names[placeholder] = attribute
        return placeholder

    def value(self, attribute: dict) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = attribute
        return placeholder

    def path(self, node: tuple) -> str:
        parts = []
        for element in node[1]:
            if isinstance(element, int):
                parts.append(f"[{element}]")
            else:
                parts.append(("." if parts else "") + self.name(element))
        return "".join(parts)

    def attach(self, request: dict) -> dict:
        """`request` with the placeholders rendered so far."""
        if self.names:
            request["ExpressionAttributeNames"] = dict(self.names)
        if self.values:
            request["ExpressionAttributeValues"] = dict(self.values)
        return request

    # conditions ---------------------------------------------------------------
    def condition(self, node: tuple) -> str:
        return self._condition(node)[0]

    def conjunction(self, nodes: list[tuple]) -> str:
        return " AND ".join(self._wrapped(node, _AND) for node in nodes)

    def _wrapped(self, node: tuple, parent: int) -> str:
        text, precedence = self._condition(node)
        return f"({text})" if precedence < parent else text

    def _condition(self, node: tuple) -> tuple[str, int]:
        kind = node[0]
        if kind == "or":
            return f"{self._wrapped(node[1], _OR)} OR {self._wrapped(node[2], _OR)}", _OR
        if kind == "and":
            return f"{self._wrapped(node[1], _AND)} AND {self._wrapped(node[2], _AND)}", _AND
        if kind == "not":
            return f"NOT {self._wrapped(node[1], _NOT)}", _NOT
        if kind == "cmp":
            return self._comparison(node)
        if kind == "between":
            for part in node[1:4]:
                self.check_ordered(part, "BETWEEN")
            operands = [self.operand(part) for part in node[1:4]]
            return f"{operands[0]} BETWEEN {operands[1]} AND {operands[2]}", _ATOM
        if kind == "in":
            if not node[2]:
                raise validation_error("IN operator must have a left hand argument of type "
                                       "Variable Reference and right hand argument of type Seq "
                                       "with at least one member")
            members = ", ".join(self.operand(member) for member in node[2])
            return f"{self.operand(node[1])} IN ({members})", _ATOM
        if kind == "is":
            return self._is(node)
        if kind == "call":
            return self._function(node), _ATOM
        if kind == "bool":
            # a constant condition: compare a value with itself
            placeholder = self.value({"BOOL": True})
            return f"{placeholder} {'=' if node[1] else '<>'} {placeholder}", _ATOM
        raise validation_error("WHERE clause must contain an expression that resolves to a "
                               "boolean")

    def _comparison(self, node: tuple) -> tuple[str, int]:
        _, op, left, right, _ = node
        for function, constant in ((left, right), (right, left)):
            if (function[0] == "call" and function[1] in BOOLEAN_FUNCTIONS
                    and constant[0] == "bool" and op in ("=", "<>")):
                text = self._function(function)
                holds = constant[1] == (op == "=")
                return (text, _ATOM) if holds else (f"NOT {text}", _NOT)
        return f"{self.operand(left)} {op} {self.operand(right)}", _ATOM

    def _is(self, node: tuple) -> tuple[str, int]:
        _, operand, type_name, negated = node
        if operand[0] != "path":
            raise validation_error("The left hand side argument to IS must be a Variable "
                                   "Reference, Literal, or Path")
        path = self.path(operand)
        if type_name == "MISSING":
            return f"{'attribute_exists' if negated else 'attribute_not_exists'}({path})", _ATOM
        tests = [f"attribute_type({path}, {self.value({'S': kind})})"
                 for kind in _TYPE_TESTS.get(type_name, (type_name,))]
        if type_name == "NULL":
            tests.insert(0, f"attribute_not_exists({path})")
        text = " OR ".join(tests)
        if negated:
            return f"NOT ({text})" if len(tests) > 1 else f"NOT {text}", _NOT
        return text, _OR if len(tests) > 1 else _ATOM

    def _function(self, node: tuple) -> str:
        _, name, arguments, token = node
        expected = BOOLEAN_FUNCTIONS.get(name)
        if expected is None:
            raise unrecognized(name, self.text, token)
        if name in _PATH_FUNCTIONS:
            if len(arguments) != expected:
                raise validation_error(
                    "Incorrect number of operands for operator or function; operator or "
                    f"function: {name}, number of operands: {len(arguments)}")
            if arguments[0][0] != "path":
                raise validation_error("Operator or function requires a document path; "
                                       f"operator or function: {name}")
        return f"{name}({', '.join(self.operand(argument) for argument in arguments)})"

    def check_ordered(self, node: tuple, operator: str) -> None:
        """An ordering operator's value operand must have an order (S, N, B)."""
        if node[0] == "path" or not is_value(node):
            return
        kind = next(iter(to_attribute(node, self.parameters, self.text)))
        if kind not in ("S", "N", "B"):
            raise validation_error("Incorrect operand type for operator or function; operator "
                                   f"or function: {operator}, operand type: {kind}")

    # operands and update values ---------------------------------------------------
    def operand(self, node: tuple) -> str:
        kind = node[0]
        if kind == "path":
            return self.path(node)
        if kind == "missing":
            raise validation_error("MISSING must be compared using IS operator")
        if is_value(node):
            return self.value(to_attribute(node, self.parameters, self.text))
        if kind == "call":
            if node[1] != "size":
                raise unrecognized(node[1], self.text, node[3])
            return f"size({', '.join(self.operand(argument) for argument in node[2])})"
        if kind == "arith":
            raise validation_error(f"Unsupported operator in Condition Expression. Operator: "
                                   f"{node[1]}")
        raise validation_error("WHERE clause must contain an expression that resolves to a "
                               "boolean")

    def update_value(self, node: tuple) -> str:
        """The right-hand side of `SET path = ...`: a value, a path, + or -,
        or list_append."""
        kind = node[0]
        if kind == "arith":
            if node[1] not in ("+", "-"):
                raise validation_error(f"Unsupported operator in Update Expression. Operator: "
                                       f"{node[1]}")
            return f"{self.update_value(node[2])} {node[1]} {self.update_value(node[3])}"
        if kind == "call":
            if node[1] != "list_append":
                raise unrecognized(node[1], self.text, node[3])
            return f"list_append({', '.join(self.update_value(a) for a in node[2])})"
        if kind in ("path", "missing") or is_value(node):
            return self.operand(node)
        raise validation_error("Unsupported operation: update value")

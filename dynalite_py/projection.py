"""Request-level expression parameter rules and attribute projection.

This covers what the single-item operations need today: the rule against
mixing expression and legacy parameters, ExpressionAttributeNames usage, and
ProjectionExpression / AttributesToGet over top-level attribute names.
(The full expression language, with nested paths, arrives with the
expression issue and will take over `parse_projection`.)
"""
from __future__ import annotations

import re

from .errors import invalid_parameter, validation_error

_NAME_TOKEN = re.compile(r"^(#?[A-Za-z0-9_]+)$")
_PLACEHOLDER = re.compile(r"^#[0-9a-zA-Z_]+$")


def check_expression_params(request: dict, expressions: list[str], legacy: list[str]) -> None:
    """DynamoDB's checks on how expression and legacy parameters combine."""
    used_expressions = [name for name in expressions if request.get(name) is not None]
    if used_expressions:
        used_legacy = [name for name in legacy if request.get(name) is not None]
        if used_legacy:
            raise validation_error(
                "Can not use both expression and non-expression parameters in the same request: "
                f"Non-expression parameters: {{{', '.join(used_legacy)}}} "
                f"Expression parameters: {{{', '.join(used_expressions)}}}")
    if request.get("ExpressionAttributeNames") is not None and not used_expressions:
        raise validation_error(
            "ExpressionAttributeNames can only be specified when using expressions")
    value_expressions = [name for name in expressions if name != "ProjectionExpression"]
    if (value_expressions and request.get("ExpressionAttributeValues") is not None
            and not any(request.get(name) is not None for name in value_expressions)):
        verb = "are" if len(value_expressions) > 1 else "is"
        raise validation_error("ExpressionAttributeValues can only be specified when using "
                               f"expressions: {' and '.join(value_expressions)} {verb} null")
    check_placeholder_names(request.get("ExpressionAttributeNames"))


def check_placeholder_names(names: dict | None) -> None:
    if names is None:
        return
    if not names:
        raise validation_error("ExpressionAttributeNames must not be empty")
    for key in names:
        if not _PLACEHOLDER.match(key):
            raise validation_error(
                f'ExpressionAttributeNames contains invalid key: Syntax error; key: "{key}"')


def check_attributes_to_get(names: list[str] | None) -> None:
    if names is None:
        return
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise invalid_parameter(f"Duplicate value in attribute name: {name}")
        seen.add(name)


def parse_projection(request: dict) -> list[str] | None:
    """The attribute names a read should return, or None for all of them."""
    if request.get("AttributesToGet") is not None:
        return request["AttributesToGet"]
    expression = request.get("ProjectionExpression")
    if expression is None:
        return None
    names = request.get("ExpressionAttributeNames") or {}
    used: set[str] = set()
    projected = []
    for token in expression.split(","):
        match = _NAME_TOKEN.match(token.strip())
        if not match:
            raise validation_error(
                f"Invalid ProjectionExpression: Syntax error; token: \"{token.strip()}\", "
                f"near: \"{token.strip()}\"")
        name = match.group(1)
        if name.startswith("#"):
            if name not in names:
                raise validation_error(
                    "Invalid ProjectionExpression: An expression attribute name used in the "
                    f"document path is not defined; attribute name: {name}")
            used.add(name)
            name = names[name]
        projected.append(name)
    unused = [placeholder for placeholder in names if placeholder not in used]
    if unused:
        raise validation_error("Value provided in ExpressionAttributeNames unused in expressions: "
                               f"keys: {{{', '.join(unused)}}}")
    return projected


def project(item: dict, names: list[str] | None) -> dict:
    if names is None:
        return item
    return {name: item[name] for name in names if name in item}

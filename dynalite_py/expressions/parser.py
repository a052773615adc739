"""Lexer and recursive-descent parser for DynamoDB expressions.

One grammar serves ConditionExpression, FilterExpression,
KeyConditionExpression, ProjectionExpression and UpdateExpression. Parsing
depends only on the expression text, so results are cached by (kind, text);
placeholders (#name, :value) stay symbolic in the tree and are resolved per
request (see request.py).

Tree nodes are tuples:
  ("path", [element...])  elements: ("name", str) | ("#", str) | ("index", int)
  (":", name)              a value placeholder
  ("compare", op, a, b) ("between", a, lo, hi) ("in", a, [b...])
  ("and", a, b) ("or", a, b) ("not", a) ("call", name, [args...])
  ("+", a, b) ("-", a, b)  update arithmetic
An update is {"SET": [(path, value)], "REMOVE": [path], "ADD": [(path, value)],
"DELETE": [(path, value)]}.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..errors import validation_error

MAX_EXPRESSION_BYTES = 4096
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<op><>|<=|>=|[=<>(),.\[\]+\-])
  | (?P<value>:[A-Za-z0-9_]+)
  | (?P<placeholder>\#[A-Za-z0-9_]+)
  | (?P<number>[0-9]+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
""", re.VERBOSE)
KEYWORDS = {"AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE"}
FUNCTIONS = {"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2,
             "begins_with": 2, "contains": 2, "size": 1, "if_not_exists": 2, "list_append": 2}
CONDITION_FUNCTIONS = {"attribute_exists", "attribute_not_exists", "attribute_type",
                       "begins_with", "contains"}
COMPARATORS = {"=", "<>", "<", "<=", ">", ">="}
MAX_OPERATORS = 300
MAX_IN_OPERANDS = 100


class ExpressionError(Exception):
    """A problem in an expression; the caller prefixes 'Invalid <Kind>Expression: '."""


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            near = text[max(0, position - 1):position + 2]
            raise ExpressionError(f'Syntax error; token: "{text[position]}", near: "{near}"')
        kind = match.lastgroup
        if kind != "space":
            value = match.group()
            if kind == "name" and value.upper() in KEYWORDS:
                kind, value = "keyword", value.upper()
            tokens.append((kind, value))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.position = 0
        self.operators = 0

    # helpers --------------------------------------------------------------------
    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def error(self) -> ExpressionError:
        token = self.peek()
        shown = token[1] if token else "<EOF>"
        before = self.tokens[self.position - 1][1] if self.position else ""
        after = self.peek(1)
        near = (before + (" " if before else "") + shown + (" " + after[1] if after else "")
                if token else before)
        return ExpressionError(f'Syntax error; token: "{shown}", near: "{near}"')

    def accept(self, value: str) -> bool:
        token = self.peek()
        if token and token[1] == value and token[0] in ("op", "keyword"):
            self.position += 1
            return True
        return False

    def expect(self, value: str) -> None:
        if not self.accept(value):
            raise self.error()

    def count_operator(self) -> None:
        self.operators += 1
        if self.operators > MAX_OPERATORS:
            raise ExpressionError("The expression contains too many operators; "
                                  f"operator count: {self.operators}")

    def done(self) -> None:
        if self.peek() is not None:
            raise self.error()

    # operands ---------------------------------------------------------------------
    def path(self) -> tuple:
        token = self.peek()
        if token is None or token[0] not in ("name", "placeholder"):
            raise self.error()
        self.position += 1
        elements = [("name", token[1]) if token[0] == "name" else ("#", token[1])]
        while True:
            if self.accept("."):
                token = self.peek()
                if token is None or token[0] not in ("name", "placeholder", "keyword"):
                    raise self.error()
                self.position += 1
                elements.append(("#", token[1]) if token[0] == "placeholder"
                                else ("name", token[1]))
            elif self.accept("["):
                token = self.peek()
                if token is None or token[0] != "number":
                    raise self.error()
                self.position += 1
                elements.append(("index", int(token[1])))
                self.expect("]")
            else:
                return ("path", elements)

    def operand(self) -> tuple:
        token = self.peek()
        if token is None:
            raise self.error()
        if token[0] == "value":
            self.position += 1
            return (":", token[1])
        if token[0] == "name" and self.peek(1) == ("op", "("):
            return self.call()
        if token[0] in ("name", "placeholder"):
            return self.path()
        raise self.error()

    def call(self) -> tuple:
        name = self.peek()[1]
        self.position += 2  # name and "("
        if name not in FUNCTIONS:
            raise ExpressionError(f"Invalid function name; function: {name}")
        self.count_operator()
        arguments = [self.operand()]
        while self.accept(","):
            arguments.append(self.operand())
        self.expect(")")
        if len(arguments) != FUNCTIONS[name]:
            raise ExpressionError(f"Incorrect number of operands for operator or function; "
                                  f"operator or function: {name}, number of operands: "
                                  f"{len(arguments)}")
        return ("call", name, arguments)

    # conditions ---------------------------------------------------------------------
    def condition(self) -> tuple:
        left = self.conjunction()
        while self.accept("OR"):
            self.count_operator()
            left = ("or", left, self.conjunction())
        return left

    def conjunction(self) -> tuple:
        left = self.negation()
        while self.accept("AND"):
            self.count_operator()
            left = ("and", left, self.negation())
        return left

    def negation(self) -> tuple:
        if self.accept("NOT"):
            self.count_operator()
            return ("not", self.negation())
        return self.predicate()

    def predicate(self) -> tuple:
        if self.accept("("):
            inner = self.condition()
            self.expect(")")
            return inner
        left = self.operand()
        token = self.peek()
        if token and token[0] == "op" and token[1] in COMPARATORS:
            self.position += 1
            self.count_operator()
            return ("compare", token[1], left, self.operand())
        if self.accept("BETWEEN"):
            self.count_operator()
            low = self.operand()
            self.expect("AND")
            return ("between", left, low, self.operand())
        if self.accept("IN"):
            self.count_operator()
            self.expect("(")
            options = [self.operand()]
            while self.accept(","):
                options.append(self.operand())
            self.expect(")")
            if len(options) > MAX_IN_OPERANDS:
                raise ExpressionError("Too many operands for IN; operand count: "
                                      f"{len(options)}")
            return ("in", left, options)
        if left[0] == "call" and left[1] in CONDITION_FUNCTIONS:
            return left
        raise self.error()

    # projections and updates ----------------------------------------------------------
    def projection(self) -> list[tuple]:
        paths = [self.path()]
        while self.accept(","):
            paths.append(self.path())
        return paths

    def update(self) -> dict:
        clauses: dict[str, list] = {}
        while self.peek() is not None:
            token = self.peek()
            if token[0] != "keyword" or token[1] not in ("SET", "REMOVE", "ADD", "DELETE"):
                raise self.error()
            self.position += 1
            if token[1] in clauses:
                raise ExpressionError(f'The "{token[1]}" section can only be used once in an '
                                      "update expression;")
            clauses[token[1]] = self.actions(token[1])
        if not clauses:
            raise self.error()
        return clauses

    def actions(self, clause: str) -> list:
        actions = [self.action(clause)]
        while self.accept(","):
            actions.append(self.action(clause))
        return actions

    def action(self, clause: str):
        path = self.path()
        if clause == "REMOVE":
            return path
        if clause == "SET":
            self.expect("=")
            return path, self.set_value()
        value = self.operand()
        if value[0] != ":":
            raise self.error()
        return path, value

    def set_value(self) -> tuple:
        left = self.operand()
        for symbol in ("+", "-"):
            if self.accept(symbol):
                self.count_operator()
                return (symbol, left, self.operand())
        return left


@lru_cache(maxsize=4096)
def parse(kind: str, text: str):
    """Parse one expression of `kind` ("condition", "projection", "update");
    raises the DynamoDB ValidationException for its `label`."""
    if len(text.encode()) > MAX_EXPRESSION_BYTES:
        raise ExpressionError("Expression size has exceeded the maximum allowed size; "
                              f"expression size: {len(text.encode())}")
    if not text.strip():
        raise ExpressionError("The expression can not be empty;")
    parser = _Parser(text)
    tree = {"condition": parser.condition, "projection": parser.projection,
            "update": parser.update}[kind]()
    parser.done()
    return tree


def parsed(label: str, kind: str, text: str):
    """`parse`, with DynamoDB's 'Invalid <label>: ...' wording on failure."""
    try:
        return parse(kind, text)
    except ExpressionError as error:
        raise validation_error(f"Invalid {label}: {error}") from None

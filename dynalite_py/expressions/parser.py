"""Lexer and recursive-descent parser for DynamoDB expressions.

One grammar serves ConditionExpression, FilterExpression,
KeyConditionExpression, ProjectionExpression and UpdateExpression. Parsing
depends only on the expression text, so results are cached by (kind, text);
placeholders (#name, :value) stay symbolic in the tree and are resolved per
request (see __init__.py).

Tree nodes are tuples:
  ("path", [element...])  elements: ("name", str) | ("#", str) | ("index", int)
  (":", name)              a value placeholder
  ("compare", op, a, b) ("between", a, lo, hi) ("in", a, [b...])
  ("and", a, b) ("or", a, b) ("not", a) ("call", name, [args...])
  ("+", a, b) ("-", a, b)  update arithmetic
An update is {"SET": [(path, value)], "REMOVE": [path], "ADD": [(path, value)],
"DELETE": [(path, value)]}.

Errors come in DynamoDB's order. A syntax error stops reading at once and
names the token where reading stopped and the text from the token before it
to the token after it; so do redundant parentheses and too many operators.
Other problems (reserved words, functions used where they may not be, operand
counts) are noted while reading and the first of the most important kind is
reported once the whole expression has been read.
"""
from __future__ import annotations

import re
import sys
from functools import lru_cache
from typing import NamedTuple

from ..errors import validation_error
from .reserved import ACCEPTED_AS_NAMES, RESERVED_WORDS

MAX_EXPRESSION_BYTES = 4096
MAX_OPERATORS = 300
MAX_IN_OPERANDS = 100
MAX_PATH_DEPTH = 32
MAX_LIST_INDEX = 2**31 - 1

_TOKEN = re.compile(r"""
    (?P<space>[ \t\r\n]+)
  | (?P<name>[A-Za-z][A-Za-z0-9_]*)
  | (?P<placeholder>\#[A-Za-z0-9_]+)
  | (?P<value>:[A-Za-z0-9_]+)
  | (?P<number>0|[1-9][0-9]*)
  | (?P<op><>|<=|>=|[=<>(),.\[\]+\-])
  | (?P<bad>.)
""", re.VERBOSE | re.DOTALL)
_KINDS = {"name": "name", "placeholder": "#", "value": ":", "number": "number", "op": "op",
          "bad": "bad"}

# Words the lexer reads as keywords in every kind of expression (any case);
# used as a bare name they are a syntax error, not a reserved-word error.
KEYWORDS = frozenset({"AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE"})
REFUSED_NAMES = RESERVED_WORDS - KEYWORDS - ACCEPTED_AS_NAMES

CONDITION_FUNCTIONS = {"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2,
                       "begins_with": 2, "contains": 2}
UPDATE_FUNCTIONS = {"if_not_exists": 2, "list_append": 2}
FUNCTIONS = {**CONDITION_FUNCTIONS, "size": 1, **UPDATE_FUNCTIONS}  # names are case-sensitive
PATH_FUNCTIONS = {"attribute_exists", "attribute_not_exists", "attribute_type", "if_not_exists"}
COMPARATORS = {"=", "<>", "<", "<=", ">", ">="}
CLAUSES = ("SET", "REMOVE", "ADD", "DELETE")

# Which noted problem DynamoDB reports first, per kind of expression.
_PRIORITY = {
    "condition": ("function name", "function use", "name", "operands"),
    "projection": ("name", "operands"),
    "update": ("name", "function name", "section", "operands"),
}
_FRAMES_PER_GROUP = 12  # Python frames one level of parentheses costs, generously


class ExpressionError(Exception):
    """A problem in an expression; the caller prefixes 'Invalid <Kind>Expression: '."""


class Token(NamedTuple):
    kind: str  # name, keyword, #, :, number, op, bad, eof
    text: str
    start: int
    end: int


class _SyntaxFailure(Exception):
    """Reading stopped at token `index`; alternatives compare how far they got."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


def tokenize(text: str) -> list[Token]:
    """The tokens of an expression, ending with an "eof" token. Characters the
    language has no use for become one-character "bad" tokens, which the
    parser reports as a syntax error when it reaches them."""
    tokens = []
    for match in _TOKEN.finditer(text):
        group = match.lastgroup
        if group == "space":
            continue
        kind = _KINDS[group]
        if kind == "name" and match.group().upper() in KEYWORDS:
            kind = "keyword"
        tokens.append(Token(kind, match.group(), match.start(), match.end()))
    tokens.append(Token("eof", "<EOF>", len(text), len(text)))
    return tokens


def _partners(tokens: list[Token]) -> dict[int, int]:
    """Each "(" token's index mapped to its matching ")" token's index."""
    partners, open_at = {}, []
    for index, token in enumerate(tokens):
        if token.kind == "op" and token.text == "(":
            open_at.append(index)
        elif token.kind == "op" and token.text == ")" and open_at:
            partners[open_at.pop()] = index
    return partners


class _Parser:
    def __init__(self, kind: str, text: str) -> None:
        # a key condition is a condition whose redundant parentheses DynamoDB
        # accepts (nubo-db/dynamodb-conformance tier1/query/keyConditionParens)
        self.redundant_allowed = kind == "key condition"
        self.kind = "condition" if self.redundant_allowed else kind
        self.text = text
        self.tokens = tokenize(text)
        self.partners = _partners(self.tokens)
        self.position = 0
        self.operators = 0
        self.problems: dict[str, str] = {}  # the first problem of each sort, as read
        self.failed_operands: dict[int, int] = {}  # where an operand failed -> token index

    # reading tokens ---------------------------------------------------------------
    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.position + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.peek()
        self.position += 1
        return token

    def at_op(self, symbol: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token.kind == "op" and token.text == symbol

    def accept_op(self, symbol: str) -> bool:
        if self.at_op(symbol):
            self.position += 1
            return True
        return False

    def accept_keyword(self, word: str) -> bool:
        token = self.peek()
        if token.kind == "keyword" and token.text.upper() == word:
            self.position += 1
            return True
        return False

    def expect_op(self, symbol: str) -> None:
        if not self.accept_op(symbol):
            raise _SyntaxFailure(self.position)

    def expect_keyword(self, word: str) -> None:
        if not self.accept_keyword(word):
            raise _SyntaxFailure(self.position)

    def done(self) -> None:
        if self.peek().kind != "eof":
            raise _SyntaxFailure(self.position)

    def syntax_message(self, index: int) -> str:
        """DynamoDB's wording: the token, and the source from the token before
        it to the token after it (spaces between them included)."""
        token = self.tokens[index]
        start = self.tokens[index - 1].start if index else 0
        following = self.tokens[index + 1] if index + 1 < len(self.tokens) else None
        end = following.end if following and following.kind != "eof" else len(self.text)
        return f'Syntax error; token: "{token.text}", near: "{self.text[start:end]}"'

    def first_that_parses(self, *alternatives):
        """The first alternative that reads; if none does, the syntax error of
        the one that read furthest."""
        start, operators, problems = self.position, self.operators, dict(self.problems)
        furthest = None
        for alternative in alternatives:
            self.position, self.operators, self.problems = start, operators, dict(problems)
            try:
                return alternative()
            except _SyntaxFailure as failure:
                if furthest is None or failure.index > furthest.index:
                    furthest = failure
        raise furthest

    # problems -----------------------------------------------------------------------
    def note(self, sort: str, message: str) -> None:
        self.problems.setdefault(sort, message)

    def first_problem(self) -> str | None:
        for sort in _PRIORITY[self.kind]:
            if sort in self.problems:
                return self.problems[sort]
        return None

    def count_operator(self) -> None:
        self.operators += 1
        if self.operators > MAX_OPERATORS:
            raise ExpressionError("The expression contains too many operators; "
                                  f"operator count: {self.operators}")

    def open_group(self) -> None:
        """Consume a grouping "("; two around the same thing are refused."""
        index = self.position
        self.expect_op("(")
        close = self.partners.get(index)
        if (not self.redundant_allowed and close is not None and self.at_op("(")
                and self.partners.get(index + 1) == close - 1):
            raise ExpressionError("The expression has redundant parentheses;")

    # operands -------------------------------------------------------------------------
    def path(self) -> tuple:
        elements = [self.path_element()]
        while True:
            if self.accept_op("."):
                elements.append(self.path_element())
            elif self.accept_op("["):
                token = self.peek()
                if token.kind != "number":
                    raise _SyntaxFailure(self.position)
                self.position += 1
                index = int(token.text) if len(token.text) <= 10 else MAX_LIST_INDEX + 1
                if index > MAX_LIST_INDEX:
                    self.note("name", "List index is not within the allowable range; "
                                      f"index: [{token.text}]")
                elements.append(("index", index))
                self.expect_op("]")
            else:
                break
        if len(elements) > MAX_PATH_DEPTH:
            self.note("operands", "The document path has too many nesting levels; "
                                  f"nesting levels: {len(elements)}")
        return ("path", elements)

    def path_element(self) -> tuple:
        token = self.peek()
        if token.kind == "#":
            self.position += 1
            return ("#", token.text)
        if token.kind != "name":
            raise _SyntaxFailure(self.position)
        self.position += 1
        if token.text.upper() in REFUSED_NAMES:
            self.note("name", "Attribute name is a reserved keyword; reserved keyword: "
                              f"{token.text}")
        return ("name", token.text)

    def operand(self) -> tuple:
        """A value, a path, a function call, or one of these in parentheses.
        Backtracking may try an operand at one place more than once; a place
        where one failed fails again at once."""
        start = self.position
        if start in self.failed_operands:
            raise _SyntaxFailure(self.failed_operands[start])
        try:
            return self.bare_operand()
        except _SyntaxFailure as failure:
            self.failed_operands[start] = failure.index
            raise

    def bare_operand(self) -> tuple:
        token = self.peek()
        if token.kind == ":":
            self.position += 1
            return (":", token.text)
        if self.at_op("("):
            self.open_group()
            inner = self.operand()
            self.expect_op(")")
            return inner
        if token.kind == "name" and self.at_op("(", 1):
            return self.call()
        if token.kind in ("name", "#"):
            return self.path()
        raise _SyntaxFailure(self.position)

    def call(self) -> tuple:
        name = self.advance().text
        self.position += 1  # "("
        self.check_function_kind(name)
        self.count_operator()
        arguments = [self.operand()]
        while self.accept_op(","):
            arguments.append(self.operand())
        self.expect_op(")")
        for argument in arguments:
            self.check_function_place(argument, as_condition=False)
        wanted = FUNCTIONS.get(name)
        if wanted is not None and len(arguments) != wanted:
            self.note("operands", "Incorrect number of operands for operator or function; "
                                  f"operator or function: {name}, number of operands: "
                                  f"{len(arguments)}")
        elif name in PATH_FUNCTIONS and arguments[0][0] != "path":
            self.note("operands", "Operator or function requires a document path; "
                                  f"operator or function: {name}")
        return ("call", name, arguments)

    def check_function_kind(self, name: str) -> None:
        if name not in FUNCTIONS:
            self.note("function name", f"Invalid function name; function: {name}")
        elif self.kind == "update" and name not in UPDATE_FUNCTIONS:
            self.note("function name", "The function is not allowed in an update expression; "
                                       f"function: {name}")
        elif self.kind != "update" and name in UPDATE_FUNCTIONS:
            self.note("function name", "The function is not allowed in a condition "
                                       f"expression; function: {name}")

    def check_function_place(self, node: tuple, as_condition: bool) -> None:
        """Condition functions stand alone as conditions; size() is an operand."""
        if self.kind != "condition" or node[0] != "call":
            return
        name = node[1]
        misplaced = name == "size" if as_condition else name in CONDITION_FUNCTIONS
        if misplaced:
            self.note("function use", "The function is not allowed to be used this way in an "
                                      f"expression; function: {name}")

    # conditions ---------------------------------------------------------------------
    def condition(self) -> tuple:
        left = self.conjunction()
        while self.accept_keyword("OR"):
            self.count_operator()
            left = ("or", left, self.conjunction())
        return left

    def conjunction(self) -> tuple:
        left = self.negation()
        while self.accept_keyword("AND"):
            self.count_operator()
            left = ("and", left, self.negation())
        return left

    def negation(self) -> tuple:
        if self.accept_keyword("NOT"):
            self.count_operator()
            return ("not", self.negation())
        if self.at_op("("):  # a parenthesised operand, or a parenthesised condition
            return self.first_that_parses(self.predicate, self.grouped_condition)
        return self.predicate()

    def grouped_condition(self) -> tuple:
        self.open_group()
        inner = self.condition()
        self.expect_op(")")
        return inner

    def predicate(self) -> tuple:
        left = self.operand()
        token = self.peek()
        if token.kind == "op" and token.text in COMPARATORS:
            self.position += 1
            self.count_operator()
            right = self.operand()
            node, operands = ("compare", token.text, left, right), [left, right]
        elif self.accept_keyword("BETWEEN"):
            self.count_operator()
            low = self.operand()
            self.expect_keyword("AND")
            high = self.operand()
            node, operands = ("between", left, low, high), [left, low, high]
        elif self.accept_keyword("IN"):
            self.count_operator()
            self.expect_op("(")
            options = [self.operand()]
            while self.accept_op(","):
                options.append(self.operand())
            self.expect_op(")")
            if len(options) > MAX_IN_OPERANDS:
                self.note("operands", "The IN operator is provided with too many operands; "
                                      f"number of operands: {len(options)}")
            node, operands = ("in", left, options), [left, *options]
        elif left[0] == "call":  # a function on its own
            self.check_function_place(left, as_condition=True)
            return left
        else:
            raise _SyntaxFailure(self.position)
        for operand in operands:
            self.check_function_place(operand, as_condition=False)
        return node

    # projections and updates ----------------------------------------------------------
    def projection(self) -> list[tuple]:
        paths = [self.path()]
        while self.accept_op(","):
            paths.append(self.path())
        return paths

    def update(self) -> dict:
        clauses: dict[str, list] = {}
        while True:
            token = self.peek()
            clause = token.text.upper()
            if token.kind != "keyword" or clause not in CLAUSES:
                raise _SyntaxFailure(self.position)
            self.position += 1
            if clause in clauses:
                self.note("section", f'The "{clause}" section can only be used once in an '
                                     "update expression;")
            actions = clauses.setdefault(clause, [])
            actions.append(self.action(clause))
            while self.accept_op(","):
                actions.append(self.action(clause))
            if self.peek().kind == "eof":
                return clauses

    def action(self, clause: str):
        path = self.path()
        if clause == "REMOVE":
            return path
        if clause == "SET":
            self.expect_op("=")
            if self.at_op("("):  # a parenthesised operand, or a parenthesised value
                return path, self.first_that_parses(self.arithmetic, self.grouped_value)
            return path, self.arithmetic()
        token = self.peek()
        if token.kind != ":":
            raise _SyntaxFailure(self.position)
        self.position += 1
        return path, (":", token.text)

    def grouped_value(self) -> tuple:
        self.open_group()
        value = self.arithmetic()
        self.expect_op(")")
        return value

    def arithmetic(self) -> tuple:
        left = self.operand()
        for symbol in ("+", "-"):
            if self.accept_op(symbol):
                self.count_operator()
                return (symbol, left, self.operand())
        return left

    def parse(self):
        try:
            tree = {"condition": self.condition, "projection": self.projection,
                    "update": self.update}[self.kind]()
            self.done()
        except _SyntaxFailure as failure:
            raise ExpressionError(self.syntax_message(failure.index)) from None
        problem = self.first_problem()
        if problem is not None:
            raise ExpressionError(problem)
        return tree


def _nesting(tokens: list[Token]) -> int:
    depth = deepest = 0
    for token in tokens:
        if token.kind == "op" and token.text in "()":
            depth += 1 if token.text == "(" else -1
            deepest = max(deepest, depth)
    return deepest


@lru_cache(maxsize=4096)
def parse(kind: str, text: str):
    """Parse one expression of `kind` ("condition", "key condition",
    "projection", "update");
    raises ExpressionError with DynamoDB's message."""
    if not text.strip(" \t\r\n"):
        raise ExpressionError("The expression can not be empty;")
    size = len(text.encode())
    if size > MAX_EXPRESSION_BYTES:
        # an update expression's message has no size (AWS 2026, conformance
        # suite deepRequests.test.ts)
        shown = "" if kind == "update" else f" expression size: {size}"
        raise ExpressionError(f"Expression size has exceeded the maximum allowed size;{shown}")
    parser = _Parser(kind, text)
    needed = 1000 + _FRAMES_PER_GROUP * _nesting(parser.tokens)
    if sys.getrecursionlimit() < needed:  # deep but legal nesting (at most ~4 KB of it)
        sys.setrecursionlimit(needed)
    return parser.parse()


def parsed(label: str, kind: str, text: str):
    """`parse`, with DynamoDB's 'Invalid <label>: ...' wording on failure."""
    try:
        return parse(kind, text)
    except ExpressionError as error:
        raise validation_error(f"Invalid {label}: {error}") from None

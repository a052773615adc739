"""A recursive-descent parser for the statements DynamoDB's PartiQL accepts.

    SELECT projection FROM source [WHERE condition] [ORDER BY key [ASC|DESC], ...]
    INSERT INTO source VALUE {...}
    UPDATE source (SET path = value, ... | REMOVE path, ...)+ [WHERE condition] [RETURNING ...]
    FROM source [WHERE condition] (SET ... | REMOVE ...)+ [RETURNING ...]
    DELETE FROM source [WHERE condition] [RETURNING ALL OLD *]
    EXISTS(SELECT * FROM source WHERE condition)      (ExecuteTransaction only)

Expressions are tuples (the node kind first):
    ("path", elements, token)          elements: names (str) and list indexes (int)
    ("string", text) ("number", text) ("blob", base64) ("bool", b) ("null",) ("missing",)
    ("param", n)                       the n-th `?` (0-based)
    ("list", [node]) ("map", [(key, node)]) ("bag", [node], token)
    ("cmp", op, left, right, token)    op one of = <> < <= > >=
    ("between", operand, low, high, token) ("in", operand, [node], token)
    ("and", left, right) ("or", left, right) ("not", operand)
    ("is", operand, type name, negated)
    ("call", lower-case name, [node], token)
    ("arith", op, left, right)         + and - (UPDATE ... SET only)
Statements are the dataclasses below. Messages are DynamoDB's ("Statement
wasn't well formed, can't be processed: ..." and the others it sends).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from ...errors import validation_error
from .lexer import Token, malformed, tokenize

LEFTOVER = "Unexpected token after expression"
ALIASING = "Aliasing is not supported"
KEYWORDS = frozenset((
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "IS", "BETWEEN", "ORDER", "BY",
    "SET", "REMOVE", "RETURNING", "VALUE", "VALUES", "INSERT", "INTO", "UPDATE", "DELETE",
    "EXISTS", "NULL", "MISSING", "TRUE", "FALSE", "AS", "ASC", "DESC", "LIKE", "LIMIT",
    "AT", "ALL", "DISTINCT", "GROUP", "HAVING", "OFFSET", "UNION", "JOIN"))
# IS <type>: DynamoDB's type names (and PartiQL's aliases) by the attribute type they test
TYPE_NAMES = {
    "NULL": "NULL", "MISSING": "MISSING", "BOOL": "BOOL", "BOOLEAN": "BOOL",
    "STRING": "S", "VARCHAR": "S", "CHAR": "S", "CHARACTER": "S", "SYMBOL": "S",
    "NUMERIC": "N", "NUMBER": "N", "INT": "N", "INTEGER": "N", "INT4": "N", "INT8": "N",
    "BIGINT": "N", "SMALLINT": "N", "DECIMAL": "N", "DOUBLE": "N", "FLOAT": "N", "REAL": "N",
    "BLOB": "B", "CLOB": "S", "LIST": "L", "ARRAY": "L", "SEXP": "L", "STRUCT": "M",
    "TUPLE": "M", "BAG": "SET"}
# two-word type names: the first word and the words that may follow it
_TYPE_SECOND_WORDS = {"DOUBLE": "PRECISION", "CHARACTER": "VARYING"}
COMPARISONS = ("=", "<>", "!=", "<", "<=", ">", ">=")


@dataclass(frozen=True)
class Source:
    table: str
    index: str | None


@dataclass(frozen=True)
class Select:
    source: Source
    projection: tuple | None  # path nodes; None for *
    where: tuple | None
    order: tuple = ()  # (path node, descending)


@dataclass(frozen=True)
class Insert:
    source: Source
    value: tuple


@dataclass(frozen=True)
class Update:
    source: Source
    actions: tuple  # ("set", path, value) / ("remove", path)
    where: tuple | None
    returning: str | None  # ReturnValues: ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW


@dataclass(frozen=True)
class Delete:
    source: Source
    where: tuple | None
    returning: str | None


@dataclass(frozen=True)
class Exists:
    select: Select


@dataclass(frozen=True)
class Parsed:
    statement: Select | Insert | Update | Delete | Exists
    parameters: int = field(default=0)  # how many `?` it holds


def position(text: str, token: Token) -> str:
    """DynamoDB's `line:column:length` of a token (1-based)."""
    before = text[:token.position]
    line = before.count("\n") + 1
    column = token.position - (before.rfind("\n") + 1) + 1
    return f"{line}:{column}:{token.length}"


def is_name(token: Token) -> bool:
    """A "quoted" name, or a bare one that is no keyword."""
    return token.kind == "quoted" or (token.kind == "word" and token.upper not in KEYWORDS)


@lru_cache(maxsize=1024)
def parse(text: str) -> Parsed:
    """The statement `text` holds (cached: the same statements come again and
    again, with other parameters)."""
    parser = _Parser(text, tokenize(text))
    statement = parser.statement()
    parser.accept_op(";")
    if parser.peek().kind != "end":
        raise malformed(LEFTOVER)
    return Parsed(statement, parser.parameters)


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0
        self.parameters = 0

    # tokens ---------------------------------------------------------------
    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def at_word(self, *words: str) -> bool:
        token = self.peek()
        return token.kind == "word" and token.upper in words

    def accept_word(self, *words: str) -> Token | None:
        return self.advance() if self.at_word(*words) else None

    def expect_word(self, word: str, detail: str) -> Token:
        token = self.accept_word(word)
        if token is None:
            raise malformed(detail)
        return token

    def at_op(self, *ops: str) -> bool:
        token = self.peek()
        return token.kind == "op" and token.text in ops

    def accept_op(self, *ops: str) -> Token | None:
        return self.advance() if self.at_op(*ops) else None

    def expect_op(self, op: str, detail: str) -> Token:
        token = self.accept_op(op)
        if token is None:
            raise malformed(detail)
        return token

    # statements -------------------------------------------------------------
    def statement(self):
        token = self.peek()
        word = token.upper if token.kind == "word" else ""
        if word == "SELECT":
            return self.select()
        if word == "INSERT":
            return self.insert()
        if word == "UPDATE":
            return self.update()
        if word == "FROM":
            return self.from_first_update()
        if word == "DELETE":
            return self.delete()
        if word == "EXISTS" and self.peek(1).text == "(":
            return self.exists()
        return self.bare_expression()

    def bare_expression(self):
        """An expression where a statement should be: read, then refused."""
        node = self.expression()
        if self.peek().kind != "end" and not self.at_op(";"):
            raise malformed(LEFTOVER)
        names = {"is": "IsType", "cmp": "Comparison", "call": "Call", "path": "Path"}
        raise validation_error(f"Unsupported operation: {names.get(node[0], 'Expression')}")

    def select(self) -> Select:
        self.advance()
        projection = self.projection()
        self.expect_word("FROM", "Expected FROM")
        source = self.source(term_expected=True)
        self.refuse_alias()
        where = self.where()
        order = self.order_by() if self.at_word("ORDER") else ()
        return Select(source, projection, where, order)

    def projection(self) -> tuple | None:
        if self.accept_op("*"):
            return None
        paths = [self.projected_path()]
        while self.accept_op(","):
            paths.append(self.projected_path())
        return tuple(paths)

    def projected_path(self) -> tuple:
        token = self.peek()
        if not is_name(token):
            raise malformed("Unexpected term")
        if token.kind == "word" and self.peek(1).text == "(":
            raise validation_error(f"Unexpected path component at {position(self.text, token)}")
        return self.path()

    def order_by(self) -> tuple:
        self.advance()
        self.expect_word("BY", "Expected BY")
        keys = []
        while True:
            path = self.path()
            descending = bool(self.accept_word("DESC"))
            if not descending:
                self.accept_word("ASC")
            keys.append((path, descending))
            if not self.accept_op(","):
                return tuple(keys)

    def insert(self) -> Insert:
        self.advance()
        self.expect_word("INTO", "Expected INTO")
        source = self.source(term_expected=False)
        if not self.accept_word("VALUE"):
            if self.at_word("VALUES"):
                raise validation_error(
                    "Unsupported operation: Inserting multiple items in a single statement is "
                    'not supported, use "INSERT INTO tableName VALUE item" instead')
            raise malformed(LEFTOVER)
        value = self.expression()
        if self.at_word("RETURNING"):
            raise validation_error("RETURNING is not supported in INSERT")
        return Insert(source, value)

    def update(self) -> Update:
        self.advance()
        source = self.source(term_expected=False)
        self.refuse_alias()
        actions = self.update_actions()
        where = self.where()
        return Update(source, actions, where, self.returning())

    def from_first_update(self) -> Update:
        self.advance()
        source = self.source(term_expected=True)
        self.refuse_alias()
        where = self.where()
        actions = self.update_actions()
        return Update(source, actions, where, self.returning())

    def update_actions(self) -> tuple:
        actions = []
        while self.at_word("SET", "REMOVE"):
            if self.advance().upper == "SET":
                actions.append(self.assignment())
                while self.accept_op(","):
                    actions.append(self.assignment())
            else:
                actions.append(("remove", self.path()))
                while self.accept_op(","):
                    actions.append(("remove", self.path()))
        if not actions:
            raise malformed("Expected SET or REMOVE")
        return tuple(actions)

    def assignment(self) -> tuple:
        target = self.path()
        self.expect_op("=", "Expected EQ")
        return ("set", target, self.additive())

    def delete(self) -> Delete:
        self.advance()
        self.expect_word("FROM", "Expected FROM")
        source = self.source(term_expected=False)
        self.refuse_alias()
        where = self.where()
        return Delete(source, where, self.returning())

    def exists(self) -> Exists:
        self.advance()
        self.expect_op("(", "Expected LEFT_PAREN")
        if not self.at_word("SELECT"):
            raise malformed("Unexpected term")
        select = self.select()
        self.expect_op(")", "Expected RIGHT_PAREN")
        return Exists(select)

    def returning(self) -> str | None:
        if not self.accept_word("RETURNING"):
            return None
        scope = self.accept_word("ALL", "MODIFIED")
        side = self.accept_word("OLD", "NEW")
        if scope is None or side is None or not self.accept_op("*"):
            raise validation_error("Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in "
                                   "RETURNING clause")
        return f"{'ALL' if scope.upper == 'ALL' else 'UPDATED'}_{side.upper}"

    def source(self, term_expected: bool) -> Source:
        """`"table"` or `"table"."index"` (quoted or bare names)."""
        token = self.peek()
        if not is_name(token):
            raise malformed("Unexpected term" if term_expected else
                            "Expected identifier for simple path")
        self.advance()
        index = None
        if self.accept_op("."):
            index_token = self.advance()
            if index_token.kind not in ("word", "quoted"):
                raise validation_error("Invalid path dot component in this operation, expecting "
                                       "either an IDENTIFIER or STAR.")
            index = index_token.text
            if self.at_op("."):
                raise validation_error("A path may contain at most 2 components in the FROM "
                                       "clause")
        return Source(token.text, index)

    def refuse_alias(self) -> None:
        token = self.peek()
        if token.kind == "quoted" or (token.kind == "word" and (
                token.upper == "AS" or token.upper not in KEYWORDS)):
            raise validation_error(ALIASING)

    def where(self) -> tuple | None:
        if not self.accept_word("WHERE"):
            return None
        return self.expression()

    # expressions -------------------------------------------------------------
    def expression(self) -> tuple:
        left = self.conjunction()
        while self.accept_word("OR"):
            left = ("or", left, self.operand_after_infix(self.conjunction))
        return left

    def conjunction(self) -> tuple:
        left = self.negation()
        while self.accept_word("AND"):
            left = ("and", left, self.operand_after_infix(self.negation))
        return left

    def operand_after_infix(self, parse_operand):
        if self.peek().kind == "end" or self.at_op(";", ")"):
            raise malformed("Missing right-hand side expression of infix operator")
        return parse_operand()

    def negation(self) -> tuple:
        if self.accept_word("NOT"):
            return ("not", self.negation())
        return self.predicate()

    def predicate(self) -> tuple:
        left = self.additive()
        token = self.peek()
        if token.kind == "op" and token.text in COMPARISONS:
            self.advance()
            op = "<>" if token.text == "!=" else token.text
            return ("cmp", op, left, self.operand_after_infix(self.additive), token)
        negated = False
        if self.at_word("NOT") and self.peek(1).kind == "word" and self.peek(1).upper in (
                "IN", "BETWEEN"):
            self.advance()
            negated = True
        if self.at_word("BETWEEN"):
            self.advance()
            low = self.additive()
            self.expect_word("AND", "Expected AND")
            node = ("between", left, low, self.additive(), token)
            return ("not", node) if negated else node
        if self.at_word("IN"):
            self.advance()
            node = ("in", left, self.in_values(), token)
            return ("not", node) if negated else node
        if self.accept_word("IS"):
            is_negated = bool(self.accept_word("NOT"))
            return ("is", left, self.type_name(), is_negated)
        return left

    def in_values(self) -> list:
        opener = self.accept_op("[", "(")
        if opener is None:
            raise validation_error("IN operator must have a left hand argument of type Variable "
                                   "Reference and right hand argument of type Seq with at least "
                                   "one member")
        closer = "]" if opener.text == "[" else ")"
        values = [] if self.at_op(closer) else self.comma_list(self.additive)
        self.expect_op(closer, "Expected " + ("RIGHT_BRACKET" if closer == "]" else
                                              "RIGHT_PAREN"))
        return values

    def type_name(self) -> str:
        token = self.peek()
        if token.kind != "word" or token.upper not in TYPE_NAMES:
            raise malformed("Expected type name")
        self.advance()
        second = _TYPE_SECOND_WORDS.get(token.upper)
        if second is not None:
            self.accept_word(second)
        return TYPE_NAMES[token.upper]

    def additive(self) -> tuple:
        left = self.unary()
        while self.at_op("+", "-", "||"):
            op = self.advance().text
            left = ("arith", op, left, self.operand_after_infix(self.unary))
        return left

    def unary(self) -> tuple:
        if self.at_op("-", "+") and self.peek(1).kind == "number":
            sign = self.advance().text
            number = self.advance().text
            return ("number", number if sign == "+" else "-" + number)
        return self.primary()

    def primary(self) -> tuple:
        token = self.peek()
        kind = token.kind
        if kind == "string":
            self.advance()
            return ("string", token.text)
        if kind == "number":
            self.advance()
            return ("number", token.text)
        if kind == "blob":
            self.advance()
            return ("blob", token.text)
        if kind == "?":
            self.advance()
            self.parameters += 1
            return ("param", self.parameters - 1)
        if kind == "quoted":
            return self.path()
        if kind == "word":
            return self.word_term(token)
        if kind == "op":
            return self.punctuated_term(token)
        raise malformed("Unexpected term")

    def word_term(self, token: Token) -> tuple:
        word = token.upper
        if word in ("TRUE", "FALSE"):
            self.advance()
            return ("bool", word == "TRUE")
        if word == "NULL":
            self.advance()
            return ("null",)
        if word == "MISSING":
            self.advance()
            return ("missing",)
        if self.peek(1).text == "(" and self.peek(1).kind == "op":
            return self.call()
        if word in ("IS", "LIKE"):
            raise malformed("Unexpected operator")
        if word in KEYWORDS:
            raise malformed("Unexpected keyword")
        return self.path()

    def punctuated_term(self, token: Token) -> tuple:
        op = token.text
        if op == "(":
            self.advance()
            if self.peek().kind == "end":
                raise malformed("Unexpected term")
            node = self.expression()
            self.expect_op(")", "Expected RIGHT_PAREN")
            return node
        if op == "[":
            self.advance()
            items = [] if self.at_op("]") else self.comma_list(self.expression)
            self.expect_op("]", "Expected RIGHT_BRACKET")
            return ("list", items)
        if op == "{":
            return self.struct()
        if op == "<<":
            self.advance()
            items = [] if self.at_op(">>") else self.comma_list(self.expression)
            self.expect_op(">>", "Expected RIGHT_DOUBLE_ANGLE_BRACKET")
            return ("bag", items, token)
        if op in COMPARISONS or op in ("+", "-", "*", "/", "%", "||"):
            raise malformed("Unexpected operator")
        raise malformed("Unexpected term")

    def struct(self) -> tuple:
        self.advance()
        members = []
        if not self.at_op("}"):
            while True:
                key = self.expression()
                self.expect_op(":", "Expected COLON")
                members.append((key, self.expression()))
                if not self.accept_op(","):
                    break
        self.expect_op("}", "Expected RIGHT_CURLY_BRACE")
        return ("map", members)

    def comma_list(self, parse_item) -> list:
        items = [parse_item()]
        while self.accept_op(","):
            items.append(parse_item())
        return items

    def call(self) -> tuple:
        token = self.advance()
        self.advance()  # (
        arguments = [] if self.at_op(")") else self.comma_list(self.expression)
        self.expect_op(")", "Expected RIGHT_PAREN")
        return ("call", token.text.lower(), arguments, token)

    def path(self) -> tuple:
        token = self.advance()
        if token.kind not in ("word", "quoted"):
            raise malformed("Expected identifier for simple path")
        elements: list = [token.text]
        while True:
            if self.at_op(".") and self.peek(1).kind in ("word", "quoted"):
                self.advance()
                part = self.advance()
                if part.kind == "word" and part.upper in ("INNER", "OUTER", "LEFT", "RIGHT",
                                                          "CROSS", "FULL"):
                    raise malformed("Invalid path dot component")
                elements.append(part.text)
            elif self.at_op("[") and self.peek(1).kind == "number" and self.peek(2).text == "]":
                self.advance()
                number = self.advance().text
                self.advance()
                if not number.isdigit():
                    raise malformed("Invalid path component")
                elements.append(int(number))
            else:
                return ("path", tuple(elements), token)

"""PartiQL's tokens as DynamoDB reads them: keywords and identifiers,
"quoted identifiers", 'strings' (a doubled quote stands for one), numbers
(with an optional fraction and exponent, ".5" too), Ion blobs {{base64}}, `?`, punctuation and
operators, and `--` / `/* */` comments (a `#` or an unterminated block
comment makes the statement unreadable, with nothing after the colon).
"""
from __future__ import annotations

import re
from typing import NamedTuple

from ...errors import validation_error

NOT_WELL_FORMED = "Statement wasn't well formed, can't be processed: "
INT32_MAX = 2**31 - 1


class Token(NamedTuple):
    kind: str  # "word", "quoted", "string", "number", "blob", "op", "?", "end"
    text: str  # the text (a word upper-cased in `upper`), the value of a string
    position: int  # 0-based offset in the statement
    length: int

    @property
    def upper(self) -> str:
        return self.text.upper()


def malformed(detail: str = ""):
    """DynamoDB's ValidationException for a statement it cannot read."""
    return validation_error(NOT_WELL_FORMED + detail)


_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_WORD = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_OPERATORS = ("<<", ">>", "<>", "!=", "<=", ">=", "||", "(", ")", "[", "]", "{", "}", ",",
              ".", ":", ";", "*", "=", "<", ">", "+", "-", "/", "%")


def tokenize(text: str) -> list[Token]:
    """Every token of a statement, ending with an "end" token."""
    tokens: list[Token] = []
    index, size = 0, len(text)
    while index < size:
        char = text[index]
        if char.isspace():
            index += 1
        elif text.startswith("--", index):
            end = text.find("\n", index)
            index = size if end < 0 else end + 1
        elif text.startswith("/*", index):
            end = text.find("*/", index + 2)
            if end < 0:
                raise malformed()
            index = end + 2
        elif text.startswith("{{", index):
            end = text.find("}}", index + 2)
            if end < 0:
                raise malformed()
            tokens.append(Token("blob", text[index + 2:end].strip(), index, end + 2 - index))
            index = end + 2
        elif char in "'\"":
            token = _quoted(text, index, char)
            tokens.append(token)
            index += token.length
        elif char.isdigit() or (char == "." and text[index + 1:index + 2].isdigit()):
            match = _NUMBER.match(text, index)
            _check_exponent(match.group())
            tokens.append(Token("number", match.group(), index, match.end() - index))
            index = match.end()
        elif char == "?":
            tokens.append(Token("?", "?", index, 1))
            index += 1
        elif (match := _WORD.match(text, index)) is not None:
            tokens.append(Token("word", match.group(), index, match.end() - index))
            index = match.end()
        else:
            operator = next((op for op in _OPERATORS if text.startswith(op, index)), None)
            if operator is None:
                raise malformed()  # `#`, `@`, `&` and the like: no token at all
            tokens.append(Token("op", operator, index, len(operator)))
            index += len(operator)
    tokens.append(Token("end", "", size, 0))
    return tokens


def _quoted(text: str, start: int, quote: str) -> Token:
    """A 'string' or "quoted identifier"; a doubled quote stands for one."""
    parts, index = [], start + 1
    while True:
        end = text.find(quote, index)
        if end < 0:
            raise malformed("Invalid quoted identifier" if quote == '"' else "Invalid string")
        parts.append(text[index:end])
        if text.startswith(quote * 2, end):
            parts.append(quote)
            index = end + 2
            continue
        kind = "quoted" if quote == '"' else "string"
        return Token(kind, "".join(parts), start, end + 1 - start)


def _check_exponent(number: str) -> None:
    """A number whose exponent, or scale (digits after the point less the
    exponent), does not fit a 32-bit integer cannot be read at all."""
    mantissa, _, exponent = number.lower().partition("e")
    if len(exponent.lstrip("+-0")) > 10:  # far past 32 bits (and int()'s digit limit)
        raise malformed()
    value = int(exponent) if exponent else 0
    scale = len(mantissa.partition(".")[2]) - value
    if abs(value) > INT32_MAX or abs(scale) > INT32_MAX:
        raise malformed()

"""DynamoDB numbers: validation, canonical text, sortable key bytes and size.

DynamoDB numbers are decimal strings with at most 38 significant digits and a
magnitude of 1E-130 up to 9.99...E+125 (or zero). DynamoDB stores them without
leading or trailing zeros and always returns them in plain notation, never
with an exponent: "1e3" reads back as "1000", "1E-3" as "0.001", "-0" as "0",
and "1e100" as a "1" followed by 100 zeros. (Verified against dynalite's
`checkNum`, which returns big.js `toFixed()`, and its putItem test "should put
really long numbers".)

The accepted grammar is Java's BigDecimal one: an optional sign (a leading "+"
is accepted and dropped, as captured from real DynamoDB in nubo-db/dynoxide
issue #109), digits with an optional fraction (".5" and "5." are fine), and an
optional exponent. Whitespace, NaN, Infinity, hex and "_" separators are all
rejected.

A number is handled internally as (negative, digits, exponent): `digits` are
the significant digits with no leading or trailing zeros and `exponent` is the
power of ten of the first digit, i.e. floor(log10(|x|)). Zero is ("", 0).
"""
from __future__ import annotations

import re

from dynalite_py.errors import LayeredError

MAX_DIGITS = 38
MAX_EXPONENT = 125
MIN_EXPONENT = -130

NOT_NUMERIC = "The parameter cannot be converted to a numeric value"
TOO_MANY_DIGITS = "Attempting to store more than 38 significant digits in a Number"
OVERFLOW = (
    "Number overflow. Attempting to store a number with magnitude larger than supported range"
)
UNDERFLOW = (
    "Number underflow. Attempting to store a number with magnitude smaller than supported range"
)

# [0-9] rather than \d: \d would also accept non-ASCII digits such as "٣".
_NUMBER = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?")

# Exponent text longer than a 64-bit integer's 19 digits cannot be converted;
# the bound keeps int() away from Python's limit on very long digit strings.
_MAX_EXPONENT_CHARS = 19
_INT64_LIMIT = 2**63
_INT32_MAX = 2**31 - 1


def normalize_number(text: str) -> str:
    """Validate a DynamoDB number string and return its canonical form.

    Raises a ValidationException with DynamoDB's message when `text` is not a
    number or is outside DynamoDB's range or precision.
    """
    if _is_canonical(text):
        return text
    negative, digits, exponent = _parse(text)
    return _format(negative, digits, exponent)


def _is_canonical(text: str) -> bool:
    """Cheap test for the common inputs that are already canonical.

    True only for ASCII plain notation with no redundant zeros that is in
    range, such as "42", "-7", "3.14" or "0.05". False means "take the full
    path", not "invalid".
    """
    body = text[1:] if text[:1] == "-" else text
    if not body.isascii():
        return False
    if body.isdigit():  # an integer: 38 digits cannot reach the exponent limit
        return len(body) <= MAX_DIGITS and (body[0] != "0" or text == "0")
    whole, point, fraction = body.partition(".")
    if not (point and whole.isdigit() and fraction.isdigit()) or fraction[-1] == "0":
        return False
    if whole == "0":
        significant = fraction.lstrip("0")
        return len(significant) <= MAX_DIGITS and len(fraction) <= -MIN_EXPONENT
    return whole[0] != "0" and len(whole) + len(fraction) <= MAX_DIGITS


def _parse(text: str) -> tuple[bool, str, int]:
    """Split `text` into (negative, digits, exponent) and check DynamoDB's limits."""
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise _not_numeric(text)
    sign, whole, fraction, exp_text = match.groups()
    fraction = fraction or ""
    if not whole and not fraction:  # "", "+", ".", "e5" and the like
        raise _not_numeric(text)
    written_exponent = _exponent_value(exp_text)
    if written_exponent is None:
        raise _not_numeric(text)

    all_digits = whole + fraction
    digits = all_digits.lstrip("0")
    if not digits:  # any spelling of zero, "-0" included: its written exponent is checked
        _check_range(written_exponent, written_exponent)
        return False, "", 0
    leading_zeros = len(all_digits) - len(digits)
    digits = digits.rstrip("0")
    exponent = len(whole) - 1 - leading_zeros + written_exponent
    # dynalite checks overflow, then underflow, then precision, in that order.
    _check_range(exponent, written_exponent)
    if len(digits) > MAX_DIGITS:
        raise LayeredError(TOO_MANY_DIGITS)
    return sign == "-", digits, exponent


def _not_numeric(text: str) -> LayeredError:
    # the older layer (Java's BigDecimal) has no colon after the message for ""
    return LayeredError(f"{NOT_NUMERIC}: {text}", f"{NOT_NUMERIC}: {text}" if text else NOT_NUMERIC)


def _check_range(exponent: int, written_exponent: int) -> None:
    """Overflow or underflow of a number whose leading digit is at 10**exponent.
    The older layer reads the exponent into a 32-bit int, where one past it
    wraps negative: 1e2147483647 underflows there (AWS capture, 2026)."""
    if exponent > MAX_EXPONENT:
        wraps = exponent + 1 > _INT32_MAX and written_exponent <= _INT32_MAX
        raise LayeredError(OVERFLOW, UNDERFLOW if wraps else OVERFLOW)
    if exponent < MIN_EXPONENT:
        raise LayeredError(UNDERFLOW)


def _exponent_value(exp_text: str | None) -> int | None:
    """The written exponent; None past a signed 64-bit integer (DynamoDB
    cannot convert such a number at all)."""
    if not exp_text:
        return 0
    sign = -1 if exp_text[0] == "-" else 1
    magnitude = exp_text.lstrip("+-").lstrip("0")
    if len(magnitude) > _MAX_EXPONENT_CHARS:
        return None
    value = sign * int(magnitude or "0")
    return value if -_INT64_LIMIT <= value < _INT64_LIMIT else None


def _format(negative: bool, digits: str, exponent: int) -> str:
    """Plain (never scientific) notation of a decomposed number."""
    if not digits:
        return "0"
    count = len(digits)
    if exponent >= count - 1:
        text = digits + "0" * (exponent - count + 1)
    elif exponent >= 0:
        text = digits[: exponent + 1] + "." + digits[exponent + 1 :]
    else:
        text = "0." + "0" * (-exponent - 1) + digits
    return "-" + text if negative else text


def decompose(canonical: str) -> tuple[bool, str, int]:
    """(negative, digits, exponent) of a canonical number string.

    Cheaper than `_parse` because canonical text has no exponent, no "+" and
    no redundant zeros.
    """
    negative = canonical[0] == "-"
    body = canonical[1:] if negative else canonical
    whole, _, fraction = body.partition(".")
    if whole != "0":
        return negative, (whole + fraction).rstrip("0"), len(whole) - 1
    if not fraction:
        return False, "", 0
    digits = fraction.lstrip("0")
    return negative, digits, len(digits) - len(fraction) - 1


def number_size(canonical: str) -> int:
    """Bytes DynamoDB counts for a number (spec §6.1).

    1 + ceil((d + (1 if e is even else 0)) / 2) + (1 if negative), where d is
    the count of significant digits and e the exponent; zero is 1 byte.
    """
    if canonical.isdigit():  # non-negative integer: skip the general split
        if canonical == "0":
            return 1
        negative, count, exponent = False, len(canonical.rstrip("0")), len(canonical) - 1
    else:
        negative, digits, exponent = decompose(canonical)
        count = len(digits)
        if not count:
            return 1
    # -(-n // 2) is ceil(n / 2); Python's % keeps the parity right for e < 0.
    half_bytes = count + (exponent % 2 == 0)
    return 1 + -(-half_bytes // 2) + negative


# --- Order-preserving key encoding -------------------------------------------
#
# Layout: a sign byte, an exponent byte, then the digits as nibbles closed by a
# terminator nibble, padded to a whole byte.
#
#   zero      02
#   positive  03, exponent + 130 (0..255), digit d -> nibble d + 1, end 0
#   negative  01, 125 - exponent,          digit d -> nibble 14 - d, end F
#
# Positives: a larger exponent is larger, then digits compare left to right
# and a shorter digit string (ending in the lowest nibble) sorts first, which
# is right because trailing zeros were stripped. Negatives mirror every step.
# The terminator makes the encoding self-delimiting (no encoding is a proper
# prefix of another), so encoded keys can be concatenated. At most 1 + 1 + 20
# = 22 bytes (38 digits + terminator = 39 nibbles).

_NEGATIVE, _ZERO, _POSITIVE = 1, 2, 3
_ZERO_KEY = bytes([_ZERO])
_POSITIVE_NIBBLES = str.maketrans("0123456789", "123456789a")
_NEGATIVE_NIBBLES = str.maketrans("0123456789", "edcba98765")
_POSITIVE_DIGITS = str.maketrans("123456789a", "0123456789")
_NEGATIVE_DIGITS = str.maketrans("edcba98765", "0123456789")


def encode_number_key(canonical: str) -> bytes:
    """Bytes whose memcmp order is the numeric order of canonical numbers."""
    negative, digits, exponent = decompose(canonical)
    if not digits:
        return _ZERO_KEY
    if negative:
        nibbles = digits.translate(_NEGATIVE_NIBBLES) + ("f" if len(digits) % 2 else "ff")
        return bytes((_NEGATIVE, MAX_EXPONENT - exponent)) + bytes.fromhex(nibbles)
    nibbles = digits.translate(_POSITIVE_NIBBLES) + ("0" if len(digits) % 2 else "00")
    return bytes((_POSITIVE, exponent - MIN_EXPONENT)) + bytes.fromhex(nibbles)


def decode_number_key(key: bytes) -> str:
    """The canonical number string that `encode_number_key` turned into `key`."""
    sign = key[0]
    if sign == _ZERO:
        return "0"
    nibbles = key[2:].hex()
    if sign == _NEGATIVE:
        digits = nibbles[: nibbles.index("f")].translate(_NEGATIVE_DIGITS)
        return _format(True, digits, MAX_EXPONENT - key[1])
    digits = nibbles[: nibbles.index("0")].translate(_POSITIVE_DIGITS)
    return _format(False, digits, key[1] + MIN_EXPONENT)


def number_key_length(buffer: bytes, start: int = 0) -> int:
    """Length of the encoded number that begins at `buffer[start]`.

    Lets a caller split a key made of concatenated parts.
    """
    sign = buffer[start]
    if sign == _ZERO:
        return 1
    end_nibble = 0xF if sign == _NEGATIVE else 0x0
    position = start + 2
    while True:
        byte = buffer[position]
        position += 1
        if byte >> 4 == end_nibble or byte & 0xF == end_nibble:
            return position - start


__all__ = [
    "MAX_DIGITS",
    "MAX_EXPONENT",
    "MIN_EXPONENT",
    "decode_number_key",
    "decompose",
    "encode_number_key",
    "normalize_number",
    "number_key_length",
    "number_size",
]

"""Tests for dynalite_py.model.numbers: canonical form, errors, key bytes, size."""
from __future__ import annotations

import random
from decimal import Decimal, getcontext

import pytest

from dynalite_py.errors import DynamoError
from dynalite_py.model.numbers import (
    decode_number_key,
    encode_number_key,
    normalize_number,
    number_key_length,
    number_size,
)

pytestmark = pytest.mark.any_store("number rules are the model's")

getcontext().prec = 200  # exact arithmetic for the reference comparisons

NOT_NUMERIC = "The parameter cannot be converted to a numeric value"
TOO_MANY_DIGITS = "Attempting to store more than 38 significant digits in a Number"
OVERFLOW = (
    "Number overflow. Attempting to store a number with magnitude larger than supported range"
)
UNDERFLOW = (
    "Number underflow. Attempting to store a number with magnitude smaller than supported range"
)

# --- normalize_number: canonical output --------------------------------------

CANONICAL = [
    ("1.50", "1.5"),
    ("001", "1"),
    ("-0", "0"),
    ("0", "0"),
    ("0.000", "0"),
    ("-0.0e10", "0"),
    ("0e125", "0"),  # zero is range-checked by the exponent it is written with
    ("0e-130", "0"),
    ("1e3", "1000"),
    ("1E3", "1000"),
    ("1.2E-3", "0.0012"),
    ("42", "42"),
    ("-42", "-42"),
    ("3.14", "3.14"),
    ("-3.140", "-3.14"),
    ("0.05", "0.05"),
    ("100", "100"),
    ("1.5e1", "15"),
    ("12.5e-1", "1.25"),
    ("-56.789", "-56.789"),
    # A leading "+" is accepted and dropped (real DynamoDB, nubo-db/dynoxide #109).
    ("+5", "5"),
    ("+1.5", "1.5"),
    ("+0", "0"),
    ("+1e2", "100"),
    ("1e+2", "100"),
    ("1.5E+3", "1500"),
    # Java BigDecimal / big.js grammar: a bare fraction or a trailing point is fine.
    (".5", "0.5"),
    ("5.", "5"),
    ("-.25e1", "-2.5"),
    # Plain notation even for huge and tiny magnitudes (dynalite checkNum uses
    # big.js toFixed(); test/putItem.js "should put really long numbers").
    ("1e100", "1" + "0" * 100),
    ("0000012345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
    (
        "-00001.23456789012345678901234567890123456780000",
        "-1.2345678901234567890123456789012345678",
    ),
    ("0009.99999999999999999999999999999999999990000e125", "9" * 38 + "0" * 88),
    ("-0009.99999999999999999999999999999999999990000e125", "-" + "9" * 38 + "0" * 88),
    ("0001.000e-130", "0." + "0" * 129 + "1"),
    ("-0001.000e-130", "-0." + "0" * 129 + "1"),
    ("1" + "0" * 125, "1" + "0" * 125),  # 39+ characters but one significant digit
    ("0." + "0" * 129 + "1", "0." + "0" * 129 + "1"),
    ("10000000000000000000000000000000000000000", "1" + "0" * 40),
]


@pytest.mark.parametrize("text,expected", CANONICAL)
def test_normalize_number_canonical_form(text: str, expected: str) -> None:
    assert normalize_number(text) == expected
    assert normalize_number(expected) == expected  # canonical is a fixed point


# --- normalize_number: errors -------------------------------------------------

ERRORS = [
    # Empty text keeps the ": " (AWS 2026, conformance suite valueLayers.test.ts;
    # the older layer, and dynalite test/putItem.js, have none: test_older_wording).
    ("", NOT_NUMERIC + ": "),
    # Bad text is echoed raw after ": " (same dynalite test: N "b").
    ("b", NOT_NUMERIC + ": b"),
    ("NaN", NOT_NUMERIC + ": NaN"),
    ("Infinity", NOT_NUMERIC + ": Infinity"),
    ("-Infinity", NOT_NUMERIC + ": -Infinity"),
    ("0x10", NOT_NUMERIC + ": 0x10"),
    ("1_000", NOT_NUMERIC + ": 1_000"),
    # Whitespace is not trimmed (nubo-db/dynoxide PR #113, after AWS captures).
    (" 1", NOT_NUMERIC + ":  1"),
    ("1 ", NOT_NUMERIC + ": 1 "),
    ("1e", NOT_NUMERIC + ": 1e"),
    ("e5", NOT_NUMERIC + ": e5"),
    ("+e2", NOT_NUMERIC + ": +e2"),
    (".", NOT_NUMERIC + ": ."),
    ("-", NOT_NUMERIC + ": -"),
    ("+", NOT_NUMERIC + ": +"),
    ("1.2.3", NOT_NUMERIC + ": 1.2.3"),
    ("1+2", NOT_NUMERIC + ": 1+2"),
    ("--1", NOT_NUMERIC + ": --1"),
    ("1e2.5", NOT_NUMERIC + ": 1e2.5"),
    ("\u0663", NOT_NUMERIC + ": \u0663"),  # Arabic-Indic digit three
    ("\u00b2", NOT_NUMERIC + ": \u00b2"),  # superscript two (str.isdigit() is True)
    # Range and precision (dynalite test/putItem.js, same test).
    ("123456789012345678901234567890123456789", TOO_MANY_DIGITS),
    ("-1.23456789012345678901234567890123456789", TOO_MANY_DIGITS),
    ("1e126", OVERFLOW),
    ("-1e126", OVERFLOW),
    ("1e-131", UNDERFLOW),
    ("-1e-131", UNDERFLOW),
    # An exponent is read in full: past a 32-bit int it is out of range, past a
    # 64-bit one it cannot be converted; zero is checked by its written exponent
    # (AWS, eu-west-2 2026-10, conformance suite numberExponent.test.ts).
    ("1e99999999999", OVERFLOW),
    ("-1e99999999999", OVERFLOW),
    ("1e-99999999999", UNDERFLOW),
    ("1e2147483648", OVERFLOW),
    ("1e2147483647", OVERFLOW),
    ("1e-2147483648", UNDERFLOW),
    ("1e9223372036854775807", OVERFLOW),
    ("1e9223372036854775808", NOT_NUMERIC + ": 1e9223372036854775808"),
    ("1e99999999999999999999999", NOT_NUMERIC + ": 1e99999999999999999999999"),
    ("0e126", OVERFLOW),
    ("0e-131", UNDERFLOW),
    ("-0.0e999", OVERFLOW),
    ("0e999999999999999999999", NOT_NUMERIC + ": 0e999999999999999999999"),
    ("0." + "0" * 130 + "1", UNDERFLOW),
    ("1" + "0" * 126, OVERFLOW),
    # dynalite checkNum order: overflow, then underflow, then precision.
    ("1234567890123456789012345678901234567891e200", OVERFLOW),
    ("1.234567890123456789012345678901234567891e-131", UNDERFLOW),
]


@pytest.mark.parametrize("text,message", ERRORS)
def test_normalize_number_errors(text: str, message: str) -> None:
    with pytest.raises(DynamoError) as caught:
        normalize_number(text)
    assert caught.value.name == "ValidationException"
    assert caught.value.message == message


@pytest.mark.parametrize("text,message", [
    ("", NOT_NUMERIC),  # no colon
    ("1e2147483647", UNDERFLOW),  # the exponent wraps a 32-bit int there
    ("1e126", OVERFLOW),
    ("abc", NOT_NUMERIC + ": abc"),
])
def test_older_wording(text: str, message: str) -> None:
    # BatchWriteItem, the transactions and Scan (errors.LayeredError.older)
    with pytest.raises(DynamoError) as caught:
        normalize_number(text)
    assert caught.value.older == message


def test_range_limits_are_inclusive() -> None:
    largest = "9.9999999999999999999999999999999999999E+125"
    assert normalize_number(largest) == "9" * 38 + "0" * 88
    assert normalize_number("1E-130") == "0." + "0" * 129 + "1"
    assert normalize_number("-1E-130") == "-0." + "0" * 129 + "1"
    assert normalize_number("1" * 38) == "1" * 38


def test_normalize_number_matches_decimal_on_random_input() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        text = _random_spelling(rng, _random_number(rng))
        assert Decimal(normalize_number(text)) == Decimal(text)


# --- number_size (spec §6.1) --------------------------------------------------

SIZES = [
    # Examples listed in the spec table (§6.1).
    ("1", 2),
    ("12", 2),
    ("1.2", 3),
    ("123", 3),
    ("101", 3),
    ("-1", 3),
    ("1" * 38, 20),
    ("0", 1),
    # Bytes implied by dynalite test/putItem.js item-size boundary tests
    # ("should return ValidationException if item is too big with ... number").
    ("1" + "0" * 125, 2),
    ("11" + "0" * 124, 2),
    ("11111" + "0" * 121, 4),
    ("111111" + "0" * 120, 4),
    ("1111111" + "0" * 119, 5),
    ("1" * 38 + "0" * 88, 20),
    # Fractions (negative exponents), checked by the formula on the spec table.
    ("0.5", 2),  # d=1, e=-1 odd: 1 + ceil(1/2)
    ("0.05", 2),  # d=1, e=-2 even: 1 + ceil(2/2)
    ("0.15", 2),  # d=2, e=-1 odd: 1 + ceil(2/2)
    ("0.015", 3),  # d=2, e=-2 even: 1 + ceil(3/2)
    ("-56.789", 5),  # d=5, e=1 odd: 1 + 3 + 1
]
def _reference_size(canonical: str) -> int:
    """The spec formula computed independently with Decimal."""
    value = Decimal(canonical)
    if value == 0:
        return 1
    sign, digits, exp = value.normalize().as_tuple()
    d = len(digits)
    e = value.adjusted()
    return 1 + -(-(d + (1 if e % 2 == 0 else 0)) // 2) + (1 if sign else 0)


@pytest.mark.parametrize("canonical,expected", SIZES)
def test_number_size_examples(canonical: str, expected: int) -> None:
    assert number_size(canonical) == expected


def test_number_size_matches_formula_on_random_numbers() -> None:
    rng = random.Random(11)
    for _ in range(3000):
        canonical = normalize_number(_random_number(rng))
        assert number_size(canonical) == _reference_size(canonical), canonical
    for canonical, expected in SIZES:
        assert _reference_size(canonical) == expected


# --- encode_number_key / decode_number_key -------------------------------------

def test_key_order_matches_numeric_order() -> None:
    rng = random.Random(1234)
    numbers = [normalize_number(_random_number(rng)) for _ in range(5000)]
    numbers += [normalize_number(t) for t in _EDGE_NUMBERS]
    by_value = sorted(set(numbers), key=Decimal)
    by_key = sorted(set(numbers), key=encode_number_key)
    assert by_key == by_value


def test_equal_numbers_with_different_spellings_encode_equally() -> None:
    rng = random.Random(99)
    for _ in range(2000):
        text = _random_number(rng)
        spelled = _random_spelling(rng, text)
        assert encode_number_key(normalize_number(spelled)) == encode_number_key(
            normalize_number(text)
        )


def test_key_round_trip_and_compactness() -> None:
    rng = random.Random(5)
    samples = [normalize_number(_random_number(rng)) for _ in range(3000)]
    samples += [normalize_number(t) for t in _EDGE_NUMBERS]
    for canonical in samples:
        key = encode_number_key(canonical)
        assert decode_number_key(key) == canonical
        assert len(key) <= 22
        assert number_key_length(b"prefix" + key + b"\x00tail", 6) == len(key)


def test_keys_are_self_delimiting() -> None:
    # No key is a proper prefix of another, so keys can be concatenated.
    rng = random.Random(3)
    keys = sorted({encode_number_key(normalize_number(_random_number(rng))) for _ in range(3000)})
    for before, after in zip(keys, keys[1:]):
        assert not after.startswith(before)


def test_known_key_bytes() -> None:
    assert encode_number_key("0") == b"\x02"
    assert encode_number_key("1") == bytes([3, 130, 0x20])
    assert encode_number_key("-1") == bytes([1, 125, 0xDF])
    assert len(encode_number_key("-1." + "2" * 37)) == 22


_EDGE_NUMBERS = [
    "0",
    "1",
    "-1",
    "9.9999999999999999999999999999999999999E+125",
    "-9.9999999999999999999999999999999999999E+125",
    "1E-130",
    "-1E-130",
    "1.0000000000000000000000000000000000001E-130",
    "10",
    "9.9",
    "1.01",
    "1.1",
    "1.001",
    "-10",
    "-9.9",
    "-1.01",
    "-1.1",
    "-1.001",
    "0.1",
    "0.01",
    "-0.1",
    "-0.01",
    "99",
    "100",
    "101",
]


def _random_number(rng: random.Random) -> str:
    """A random in-range number in scientific form, biased towards ties."""
    kind = rng.random()
    if kind < 0.05:
        return "0"
    count = rng.choice([1, 1, 2, 3, 5, 10, 20, 37, 38]) if kind < 0.9 else rng.randint(1, 3)
    digits = str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(count - 1))
    exponent = rng.choice([rng.randint(-130, 125), rng.randint(-3, 3), 125, -130])
    sign = "-" if rng.random() < 0.5 else ""
    return f"{sign}{digits[0]}.{digits[1:] or '0'}e{exponent}"


def _random_spelling(rng: random.Random, text: str) -> str:
    """Another spelling of the same value: padding zeros, moved point, "+"."""
    value = Decimal(text)
    if value == 0:
        return rng.choice(["0", "-0", "0.000", "+0e5", "00", ".0", "0."])
    sign, digits, exp = value.as_tuple()
    trailing = rng.randint(0, 3)
    body = "0" * rng.randint(0, 3) + "".join(map(str, digits)) + "0" * trailing
    point = rng.randint(0, len(body))
    # body[:point] "." body[point:] is int(body) / 10**(len(body) - point).
    exponent = exp - trailing + len(body) - point
    mark = rng.choice("eE")
    spelled = f"{body[:point]}.{body[point:]}{mark}{exponent}"
    prefix = "-" if sign else rng.choice(["", "+"])
    result = prefix + spelled
    assert Decimal(result) == value, (text, result)
    return result

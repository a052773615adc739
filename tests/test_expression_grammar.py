"""The expression grammar: trees for valid expressions, DynamoDB's exact
messages for invalid ones, and a few of them seen through boto3.

Messages follow DynamoDB's own wording (captured from AWS by dynalite's test
suite, from DynamoDB Local's error texts and from errors users reported):
a syntax error names the token where reading stopped and the text from the
token before it to the token after it.
"""
from __future__ import annotations

import pytest
from support import NO_RETRIES, create_table, error_of

from dynalite_py.errors import DynamoError
from dynalite_py.expressions.parser import KEYWORDS, REFUSED_NAMES, parsed
from dynalite_py.expressions.reserved import ACCEPTED_AS_NAMES, RESERVED_WORDS

pytestmark = pytest.mark.any_store("the grammar is parsed before any store")


def path(*elements):
    return ("path", [("index", e) if isinstance(e, int)
                     else ("#", e) if e.startswith("#") else ("name", e) for e in elements])


def value(name):
    return (":", name)


def equal(name, placeholder=":v"):
    return ("compare", "=", path(name), value(placeholder))


A, B, C = equal("a", ":a"), equal("b", ":b"), equal("c", ":c")


@pytest.mark.parametrize("text, tree", [
    ("a = :v", equal("a")),
    ("a <> :v", ("compare", "<>", path("a"), value(":v"))),
    ("a <= b", ("compare", "<=", path("a"), path("b"))),
    # NOT binds tighter than AND, AND tighter than OR
    ("a = :a OR b = :b AND c = :c", ("or", A, ("and", B, C))),
    ("NOT a = :a AND b = :b", ("and", ("not", A), B)),
    ("NOT NOT a = :a", ("not", ("not", A))),
    ("a = :a AND b = :b AND c = :c", ("and", ("and", A, B), C)),
    ("(a = :a OR b = :b) AND c = :c", ("and", ("or", A, B), C)),
    ("NOT (a = :a OR b = :b)", ("not", ("or", A, B))),
    ("((a = :a) AND (b = :b))", ("and", A, B)),
    ("a BETWEEN :lo AND :hi", ("between", path("a"), value(":lo"), value(":hi"))),
    ("a BETWEEN :lo AND :hi AND b = :b",
     ("and", ("between", path("a"), value(":lo"), value(":hi")), B)),
    ("a IN (:x, :y, b)", ("in", path("a"), [value(":x"), value(":y"), path("b")])),
    ("a.b[2].c = :v", ("compare", "=", path("a", "b", 2, "c"), value(":v"))),
    ("#status.#x[0][10] = :v", ("compare", "=", path("#status", "#x", 0, 10), value(":v"))),
    ("a[2147483647] = :v", ("compare", "=", path("a", 2147483647), value(":v"))),
    ("Alpha_Numeric_123 = :Alpha_1", equal("Alpha_Numeric_123", ":Alpha_1")),
    ("#_ = :_", ("compare", "=", path("#_"), value(":_"))),
    ("attribute_exists(a)", ("call", "attribute_exists", [path("a")])),
    ("attribute_not_exists(#a.b)", ("call", "attribute_not_exists", [path("#a", "b")])),
    ("attribute_type(a, :t)", ("call", "attribute_type", [path("a"), value(":t")])),
    ("begins_with(a, :p) OR contains(:s, b)",
     ("or", ("call", "begins_with", [path("a"), value(":p")]),
      ("call", "contains", [value(":s"), path("b")]))),
    ("size(a.b) >= :n", ("compare", ">=", ("call", "size", [path("a", "b")]), value(":n"))),
    ("size(a) BETWEEN :lo AND size(b)",
     ("between", ("call", "size", [path("a")]), value(":lo"), ("call", "size", [path("b")]))),
    # parentheses around an operand
    ("(a) = :v", equal("a")),
    ("(size(a)) > (:n)", ("compare", ">", ("call", "size", [path("a")]), value(":n"))),
    ("attribute_exists((a))", ("call", "attribute_exists", [path("a")])),
    # keywords in any case, any whitespace
    ("a between :lo and :hi or not b in (:x)",
     ("or", ("between", path("a"), value(":lo"), value(":hi")),
      ("not", ("in", path("b"), [value(":x")])))),
    ("\ta\n=\r\n:v  ", equal("a")),
    # on the published list, yet DynamoDB takes these as names
    ("size = :v", equal("size")),
    ("Convert = :v", equal("Convert")),
])
def test_condition_trees(text, tree):
    assert parsed("ConditionExpression", "condition", text) == tree


@pytest.mark.parametrize("text, tree", [
    ("SET a = :v", {"SET": [(path("a"), value(":v"))]}),
    ("SET a = :v, b = b + :n REMOVE c[1], d ADD e :s DELETE f.g :t",
     {"SET": [(path("a"), value(":v")), (path("b"), ("+", path("b"), value(":n")))],
      "REMOVE": [path("c", 1), path("d")],
      "ADD": [(path("e"), value(":s"))], "DELETE": [(path("f", "g"), value(":t"))]}),
    ("remove a set b = :v", {"REMOVE": [path("a")], "SET": [(path("b"), value(":v"))]}),
    ("SET a = if_not_exists(a, :zero) - :one",
     {"SET": [(path("a"), ("-", ("call", "if_not_exists", [path("a"), value(":zero")]),
                            value(":one")))]}),
    ("SET #l = list_append(if_not_exists(#l, :empty), :items)",
     {"SET": [(path("#l"), ("call", "list_append",
                            [("call", "if_not_exists", [path("#l"), value(":empty")]),
                             value(":items")]))]}),
    ("SET a = (b + :c)", {"SET": [(path("a"), ("+", path("b"), value(":c")))]}),
    ("SET a = (b) + (:c)", {"SET": [(path("a"), ("+", path("b"), value(":c")))]}),
    ("SET a = b", {"SET": [(path("a"), path("b"))]}),
])
def test_update_trees(text, tree):
    assert parsed("UpdateExpression", "update", text) == tree


@pytest.mark.parametrize("text, tree", [
    ("a", [path("a")]),
    ("a, b.c, #d[3]", [path("a"), path("b", "c"), path("#d", 3)]),
])
def test_projection_trees(text, tree):
    assert parsed("ProjectionExpression", "projection", text) == tree


def reason(label: str, kind: str, text: str) -> str:
    with pytest.raises(DynamoError) as caught:
        parsed(label, kind, text)
    assert caught.value.name == "ValidationException"
    prefix = f"Invalid {label}: "
    assert caught.value.message.startswith(prefix)
    return caught.value.message[len(prefix):]


def syntax(token: str, near: str) -> str:
    return f'Syntax error; token: "{token}", near: "{near}"'


def reserved(word: str) -> str:
    return f"Attribute name is a reserved keyword; reserved keyword: {word}"


def misused(function: str) -> str:
    return ("The function is not allowed to be used this way in an expression; "
            f"function: {function}")


def operand_count(function: str, count: int) -> str:
    return ("Incorrect number of operands for operator or function; operator or function: "
            f"{function}, number of operands: {count}")


def needs_path(function: str) -> str:
    return f"Operator or function requires a document path; operator or function: {function}"


REDUNDANT = "The expression has redundant parentheses;"
C_, F_, K_ = "ConditionExpression", "FilterExpression", "KeyConditionExpression"


@pytest.mark.parametrize("label, text, message", [
    # syntax: the token where reading stopped, and the tokens either side of it
    (C_, "a = = :v", syntax("=", "= = :v")),
    (C_, "foo", syntax("<EOF>", "foo")),
    (C_, "a = :v AND", syntax("<EOF>", "AND")),
    (C_, "a = :v AND  ", syntax("<EOF>", "AND  ")),
    (C_, "attribute_exists(car_id) AND NOT #has_air_conditioner",
     syntax("<EOF>", "#has_air_conditioner")),
    (C_, "a > 4", syntax("4", "> 4")),
    (C_, "a IN ()", syntax(")", "()")),
    (C_, "a IN (:a, :b,)", syntax(")", ",)")),
    (C_, "a BETWEEN :lo :hi", syntax(":hi", ":lo :hi")),
    (C_, "a[-1] = :v", syntax("-", "[-1")),
    (C_, "a[01] = :v", syntax("1", "01]")),
    (C_, "a[b] = :v", syntax("b", "[b]")),
    (C_, "a.:b = :v", syntax(":b", ".:b =")),
    (C_, "a..b = :v", syntax(".", "..b")),
    (C_, "_a = :v", syntax("_", "_a")),
    (C_, "ü > a", syntax("ü", "ü >")),
    (C_, "a = :", syntax(":", "= :")),
    (C_, "# = :v", syntax("#", "# =")),
    (C_, "size(a).b > :n", syntax(".", ").b")),
    (C_, "size() > :n", syntax(")", "() >")),
    (C_, "(a = :v", syntax("<EOF>", ":v")),
    (C_, "(a) AND b = :v", syntax("AND", ") AND b")),
    (C_, "(a = :v) = :w", syntax("=", ") = :w")),
    (C_, "a = :v b = :w", syntax("b", ":v b =")),
    # keywords are keywords everywhere, so a bare one is a syntax error
    (C_, "Set = :v", syntax("Set", "Set =")),
    (C_, "a.and = :v", syntax("and", ".and =")),
    (C_, "a = :v AND in = :w", syntax("in", "AND in =")),
    # syntax errors come before everything else
    (C_, "status = :v AND", syntax("<EOF>", "AND")),
    (F_, "size(a) = = :v", syntax("=", "= = :v")),
    # reserved words, bare, at any depth of a path, as written
    (C_, "status = :v", reserved("status")),
    (C_, "STATUS = :v", reserved("STATUS")),
    (C_, "a.b.Status[1] = :v", reserved("Status")),
    (C_, "#a = :v AND #b.user = :w", reserved("user")),
    (C_, ":a < abOrT", reserved("abOrT")),
    (C_, "attribute_exists(views, #a)", reserved("views")),
    (F_, "size(data) > :n", reserved("data")),
    (K_, "pk = :v AND #sk BETWEEN :a AND :b AND name = :n", reserved("name")),
    # functions
    (C_, "whatever(a) = :v", "Invalid function name; function: whatever"),
    (C_, "SIZE(a) > :n", "Invalid function name; function: SIZE"),
    (C_, "attRIbute_exIsts((views), #a)", "Invalid function name; function: attRIbute_exIsts"),
    (C_, "size(a) = :v AND whatever(b) = :w", "Invalid function name; function: whatever"),
    (C_, "if_not_exists(a, :v) = :v",
     "The function is not allowed in a condition expression; function: if_not_exists"),
    (C_, "list_append(a, :l)",
     "The function is not allowed in a condition expression; function: list_append"),
    (C_, "size(a)", misused("size")),
    (C_, "NOT (size(a))", misused("size")),
    (C_, "a = :v OR size(a)", misused("size")),
    (C_, "attribute_exists(a) = :v", misused("attribute_exists")),
    (C_, "attribute_not_exists(things) > b", misused("attribute_not_exists")),
    (C_, "size(contains(a, :b)) > :n", misused("contains")),
    (C_, "a BETWEEN :lo AND attribute_exists(b)", misused("attribute_exists")),
    (C_, "a IN (:x, begins_with(a, :p))", misused("begins_with")),
    (C_, "a = a AND attribute_exists((views), (#a)) > b", misused("attribute_exists")),
    (C_, "attribute_exists(a, b)", operand_count("attribute_exists", 2)),
    (C_, "begins_with(a)", operand_count("begins_with", 1)),
    (C_, "contains(a, :b, :c)", operand_count("contains", 3)),
    (C_, "size(a, b) > :n", operand_count("size", 2)),
    (C_, "attribute_exists(:v)", needs_path("attribute_exists")),
    (C_, "attribute_not_exists(size(a))", needs_path("attribute_not_exists")),
    (C_, "attribute_type(:a, :t)", needs_path("attribute_type")),
    # parentheses: two around the same thing
    (C_, "((a = :v))", REDUNDANT),
    (C_, "a = :v AND ((b = :w))", REDUNDANT),
    (C_, "((a)) = :v", REDUNDANT),
    (C_, "a > whatever((:things), ((a)))", REDUNDANT),
    # limits
    (C_, " AND ".join(["a = :v"] * 151),
     "The expression contains too many operators; operator count: 301"),
    (C_, "a IN (" + ", ".join([":v"] * 101) + ")",
     "The IN operator is provided with too many operands; number of operands: 101"),
    (C_, ".".join(["a"] * 33) + " = :v",
     "The document path has too many nesting levels; nesting levels: 33"),
    (C_, "a[2147483648] = :v",
     "List index is not within the allowable range; index: [2147483648]"),
    (C_, "a = :" + "v" * 4092, "Expression size has exceeded the maximum allowed size; "
                               "expression size: 4097"),
    (C_, "é" * 2049, "Expression size has exceeded the maximum allowed size; "
                     "expression size: 4098"),
    (C_, "", "The expression can not be empty;"),
    (F_, "", "The expression can not be empty;"),
    (K_, " \n\t", "The expression can not be empty;"),
])
def test_condition_errors(label, text, message):
    assert reason(label, "condition", text) == message


@pytest.mark.parametrize("text, message", [
    ("SET a", syntax("<EOF>", "a")),
    ("SET", syntax("<EOF>", "SET")),
    ("ADD hits : incr", syntax(":", "hits : incr")),
    ("INVALID SYNTAX HERE", syntax("INVALID", "INVALID SYNTAX")),
    ("SET path = VALUE 1", syntax("1", "VALUE 1")),
    ("SET _123 = :val1", syntax("_", "SET _123")),
    ("SET a = :v + :w + :x", syntax("+", ":w + :x")),
    ("SET a = b * c", syntax("*", "b * c")),
    ("SET :a = :b", syntax(":a", "SET :a =")),
    ("SET a = :v,", syntax("<EOF>", ",")),
    ("SET a = :v REMOVE", syntax("<EOF>", "REMOVE")),
    ("REMOVE a = b", syntax("=", "a = b")),
    ("ADD a b", syntax("b", "a b")),
    ("DELETE a if_not_exists(b, :v)", syntax("if_not_exists", "a if_not_exists(")),
    ("SET if_not_exists(a, :v) = a", syntax("(", "if_not_exists(a")),
    ("SET a = (b.c).d", syntax(".", ").d")),
    ("SET delete = :v", syntax("delete", "SET delete =")),
    ("a = :v", syntax("a", "a =")),
    # reserved words come first in an update
    (" set #c = :c set abOrt = true ", reserved("abOrt")),
    ("REMOVE Absolute", reserved("Absolute")),
    ("SET a.year = :v", reserved("year")),
    ("SET a = size(b) SET value = :v", reserved("value")),
    # then functions
    ("set #c = if_not_exist(:c) set c = d", "Invalid function name; function: if_not_exist"),
    ("SET a = attribute_exists(b)",
     "The function is not allowed in an update expression; function: attribute_exists"),
    ("SET a = size(b)", "The function is not allowed in an update expression; function: size"),
    ("SET a = list_append(b, contains(c, :d))",
     "The function is not allowed in an update expression; function: contains"),
    # then repeated sections
    ("SET a = :v SET b = :v", 'The "SET" section can only be used once in an update '
                              "expression;"),
    ("remove a set b = :v remove c", 'The "REMOVE" section can only be used once in an '
                                     "update expression;"),
    ("add a :v set b = :w add c :x", 'The "ADD" section can only be used once in an update '
                                     "expression;"),
    ("DELETE a :s DELETE b :s", 'The "DELETE" section can only be used once in an update '
                                "expression;"),
    # then operands
    ("SET a = if_not_exists(b)", operand_count("if_not_exists", 1)),
    ("SET a = list_append(b)", operand_count("list_append", 1)),
    ("SET a = if_not_exists(:v, b)", needs_path("if_not_exists")),
    ("SET a = ((b))", REDUNDANT),
    ("", "The expression can not be empty;"),
])
def test_update_errors(text, message):
    assert reason("UpdateExpression", "update", text) == message


@pytest.mark.parametrize("text, message", [
    ("a, name", reserved("name")),
    ("a,, b", syntax(",", ",, b")),
    ("a b", syntax("b", "a b")),
    ("size(a)", syntax("(", "size(a")),
    ("", "The expression can not be empty;"),
])
def test_projection_errors(text, message):
    assert reason("ProjectionExpression", "projection", text) == message


def test_every_reserved_word_is_refused_bare_and_accepted_as_placeholder():
    assert len(RESERVED_WORDS) == 573
    for word in sorted(REFUSED_NAMES):
        written = word.capitalize()
        assert reason(C_, "condition", f"{written} = :v") == reserved(written)
        assert reason(C_, "condition", f"a.{written} = :v") == reserved(written)
        assert parsed(C_, "condition", f"#{written} = :v") == equal(f"#{written}")
    for word in ACCEPTED_AS_NAMES:
        assert parsed("ProjectionExpression", "projection", word.lower()) == [path(word.lower())]


@pytest.mark.parametrize("word", sorted(KEYWORDS))
def test_keywords_are_syntax_not_names(word):
    written = word.lower()
    assert reason(C_, "condition", f"a.{written} = :v") == syntax(written, f".{written} =")
    assert reason("ProjectionExpression", "projection", f"a, {written}") == syntax(
        written, f", {written}")


def test_limits_allow_what_they_allow():
    parsed(C_, "condition", " AND ".join(["a = :v"] * 150))
    parsed(C_, "condition", "a IN (" + ", ".join([":v"] * 100) + ")")
    parsed(C_, "condition", ".".join(["a"] * 32) + " = :v")
    parsed(C_, "condition", "a = :" + "v" * 4091)  # 4096 bytes


def test_deep_nesting_is_read_quickly():
    text = "(" * 400 + "a=:v" + " OR a=:v)" * 400  # just under 4 KB
    assert reason(C_, "condition", text) == (
        "The expression contains too many operators; operator count: 301")


# Through boto3 and the embedded engine -------------------------------------------


@pytest.fixture(scope="module")
def embedded(embedded_db):
    client = embedded_db.client(config=NO_RETRIES)
    return client, create_table(client)


def test_put_item_reports_a_reserved_word(embedded):
    client, table = embedded
    assert error_of(client.put_item, TableName=table, Item={"pk": {"S": "x"}},
                    ConditionExpression="status = :v",
                    ExpressionAttributeValues={":v": {"S": "new"}}) == (
        "ValidationException",  # enveloped: the single-item writes (AWS 2026)
        "1 validation error detected: "
        "Invalid ConditionExpression: Attribute name is a reserved keyword; "
        "reserved keyword: status")


def test_update_item_reports_a_function_out_of_place(embedded):
    client, table = embedded
    assert error_of(client.update_item, TableName=table, Key={"pk": {"S": "x"}},
                    UpdateExpression="SET n = size(s)") == (
        "ValidationException",  # enveloped: the single-item writes (AWS 2026)
        "1 validation error detected: "
        "Invalid UpdateExpression: The function is not allowed in an update expression; "
        "function: size")


def test_delete_item_reports_a_syntax_error(embedded):
    client, table = embedded
    assert error_of(client.delete_item, TableName=table, Key={"pk": {"S": "x"}},
                    ConditionExpression="a = = :v",
                    ExpressionAttributeValues={":v": {"S": "x"}}) == (
        "ValidationException",  # enveloped: the single-item writes (AWS 2026)
        "1 validation error detected: "
        'Invalid ConditionExpression: Syntax error; token: "=", near: "= = :v"')


def test_scan_reports_size_used_as_a_condition(embedded):
    client, table = embedded
    assert error_of(client.scan, TableName=table, FilterExpression="size(a)") == (
        "ValidationException",
        "Invalid FilterExpression: The function is not allowed to be used this way in an "
        "expression; function: size")


def test_get_item_reports_a_reserved_word_in_a_projection(embedded):
    client, table = embedded
    assert error_of(client.get_item, TableName=table, Key={"pk": {"S": "x"}},
                    ProjectionExpression="pk, #n, name",
                    ExpressionAttributeNames={"#n": "n"}) == (
        "ValidationException",
        "Invalid ProjectionExpression: Attribute name is a reserved keyword; "
        "reserved keyword: name")

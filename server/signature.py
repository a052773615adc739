"""What a SigV4-signed request claims, parsed as AWS parses it: from the
Authorization header or a presigned query, with AWS's errors for a claim
that is malformed. No secrets and no botocore: the server checks this
syntax on every DynamoDB call (AWS does, signature or not), and auth.py
(--auth) goes on to verify the signature itself.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import NamedTuple
from urllib.parse import parse_qsl

from dynalite_py.errors import CORAL_NAMESPACE, DynamoError

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_EXPIRES = 604800  # seconds: a SigV4 signing key is valid for 7 days
TIMESTAMP = "%Y%m%dT%H%M%SZ"
_BASIC_FORMAT = re.compile(r"[0-9]{8}T[0-9]{6}Z")
_INTEGER = re.compile(r"[+-]?[0-9]+")  # ASCII only: int() also takes '1_0' and '١٠'
_SEPARATORS = re.compile(r"[\s,]+")  # AWS splits the header's parameters on both
_HEADER_PARAMETERS = ("Credential", "Signature", "SignedHeaders")
_QUERY_PARAMETERS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature",
                     "X-Amz-SignedHeaders", "X-Amz-Date")
MISSING_TOKEN = "Request is missing Authentication Token"


class Refusal(Exception):
    """An auth failure before its HTTP status (which depends on the service) is known."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(name, message)
        self.name = name
        self.message = message

    def error(self, status: int = 400) -> DynamoError:
        return DynamoError(self.name, self.message, status=status, namespace=CORAL_NAMESPACE)


class Signed(NamedTuple):
    """What the client claims, from the Authorization header or the query."""
    algorithm: str
    credential: str
    signed_headers: list[str]
    signature: str
    amz_date: str
    expires: int | None  # presigned only; None: the header form's 15-minute window
    url: str  # the url as signed: a presigned one without X-Amz-Signature


def claimed(url: str, query_string: str, headers: dict[str, str]) -> Signed:
    """The signature a request claims, in AWS's order of complaints: none at
    all, both forms at once, then the chosen form's missing parts and its
    date's format. `headers` has lower-case names."""
    query = first_values(query_string)
    authorization = headers.get("authorization")
    if "X-Amz-Algorithm" in query:
        if authorization is not None:
            raise Refusal("InvalidSignatureException",
                          "Found both 'X-Amz-Algorithm' as a query-string param and "
                          "'Authorization' as HTTP header.")
        signed = from_query(url, query)
    elif authorization:
        signed = from_header(url, headers)
    else:
        raise Refusal("MissingAuthenticationTokenException", MISSING_TOKEN)
    parse_date(signed.amz_date)
    return signed


def syntax_error(query_string: str, headers: dict[str, str]) -> DynamoError | None:
    """The error AWS answers a DynamoDB call whose signature is malformed or
    missing, whoever signed it; None if it is well formed."""
    try:
        claimed("", query_string, headers)
    except Refusal as refusal:
        return refusal.error()
    except Exception:  # input no check foresaw: a malformed claim all the same
        return Refusal("IncompleteSignatureException", "Malformed signature").error()
    return None


def first_values(query: str) -> dict[str, str]:
    """Query parameters, decoded; AWS takes a repeated parameter's first value."""
    found: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        found.setdefault(name, value)
    return found


def from_header(url: str, headers: dict[str, str]) -> Signed:
    authorization = headers["authorization"].strip()
    algorithm, _, rest = authorization.partition(" ")
    fields: dict[str, str] = {}
    for parameter in _SEPARATORS.split(rest):
        if not parameter:
            continue
        name, equals, value = parameter.partition("=")
        if not equals:
            raise Refusal("IncompleteSignatureException",
                          f"'{parameter}' not a valid key=value pair (missing equal-sign) in "
                          f"Authorization header: '{authorization}'.")
        fields[name] = value  # a repeated parameter: the last one counts
    amz_date = headers.get("x-amz-date") or headers.get("date")
    missing = [f"Authorization header requires '{name}' parameter."
               for name in _HEADER_PARAMETERS if name not in fields]
    if not amz_date:
        missing.append("Authorization header requires existence of either a 'X-Amz-Date' or "
                       "a 'Date' header.")
    if missing:
        raise Refusal("IncompleteSignatureException",
                      f"{' '.join(missing)} Authorization={authorization}")
    return Signed(algorithm, fields["Credential"], header_names(fields["SignedHeaders"]),
                  fields["Signature"], amz_date, None, url)


def from_query(url: str, query: dict[str, str]) -> Signed:
    missing = [f"AWS query-string parameters must include '{name}'."
               for name in _QUERY_PARAMETERS if not query.get(name)]
    if missing:
        raise Refusal("IncompleteSignatureException",
                      f"{' '.join(missing)} Re-examine the query-string parameters.")
    expires = _expires(query["X-Amz-Expires"]) if "X-Amz-Expires" in query else None
    return Signed(query["X-Amz-Algorithm"], query["X-Amz-Credential"],
                  header_names(query["X-Amz-SignedHeaders"]), query["X-Amz-Signature"],
                  query["X-Amz-Date"], expires, _without_signature(url))


def header_names(signed_headers: str) -> list[str]:
    return [name.strip().lower() for name in signed_headers.split(";")]


def _expires(value: str) -> int:
    """X-Amz-Expires as AWS accepts it: whole seconds, at most 7 days."""
    if not _INTEGER.fullmatch(value) or abs(int(value)) >= 2 ** 63:  # beyond AWS's long
        raise Refusal("IncompleteSignatureException", "X-Amz-Expires should be a number")
    seconds = int(value)
    if seconds < 0:
        raise Refusal("IncompleteSignatureException", "X-Amz-Expires must be non-negative")
    if seconds > MAX_EXPIRES:
        raise Refusal("IncompleteSignatureException",
                      "X-Amz-Expires must be less than a week (in seconds); that is, the "
                      f"given X-Amz-Expires must be less than {MAX_EXPIRES} seconds")
    return seconds


def _without_signature(url: str) -> str:
    """The presigned url as the client signed it: every parameter but X-Amz-Signature."""
    base, _, query = url.partition("?")
    kept = [pair for pair in query.split("&") if pair.partition("=")[0] != "X-Amz-Signature"]
    return f"{base}?{'&'.join(kept)}" if kept else base


def parse_date(amz_date: str) -> datetime:
    try:
        if not _BASIC_FORMAT.fullmatch(amz_date):
            raise ValueError(amz_date)
        return datetime.strptime(amz_date, TIMESTAMP).replace(tzinfo=timezone.utc)
    except ValueError:
        raise Refusal("IncompleteSignatureException",
                      f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See "
                      "http://en.wikipedia.org/wiki/ISO_8601") from None


_GOOD_DATE = b"20000101T000000Z"  # stands in for a request's date while its header is judged
_BASIC_FORMAT_BYTES = re.compile(rb"[0-9]{8}T[0-9]{6}Z")
_header_verdicts: dict[bytes, DynamoError | None] = {}
_good_dates: set[bytes] = set()  # a client's X-Amz-Date changes once a second


def header_syntax_error(authorization: bytes | None, amz_date: bytes | None,
                        date: bytes | None) -> DynamoError | None:
    """syntax_error for a call with no query string (the fast lane's), from
    raw header values. A client's Authorization header differs from call to
    call only in its signature, so the verdict on the rest is kept, and so
    are the well-formed dates seen last."""
    when = amz_date or date
    if authorization is None or when is None:
        return _judged(authorization, amz_date, date)
    head, separator, signature = authorization.rpartition(b"Signature=")
    if not separator or b"=" in signature:  # the signature is not last: judge it whole
        return _judged(authorization, amz_date, date)
    verdict = _header_verdicts.get(head, False)
    if verdict is False:
        verdict = _judged(authorization, _GOOD_DATE, None)
        _remember(_header_verdicts, head, verdict)
    if verdict is None and when not in _good_dates:
        if not _BASIC_FORMAT_BYTES.fullmatch(when):
            return _judged(authorization, amz_date, date)
        _remember(_good_dates, when)
    return verdict


def _remember(memory: dict | set, key: bytes, value: object = None) -> None:
    """Keep a verdict, in a memory of bounded size."""
    if len(memory) >= 4096:
        memory.clear()
    if isinstance(memory, set):
        memory.add(key)
    else:
        memory[key] = value


def _judged(authorization: bytes | None, amz_date: bytes | None,
            date: bytes | None) -> DynamoError | None:
    values = {"authorization": authorization, "x-amz-date": amz_date, "date": date}
    return syntax_error("", {name: value.decode("latin-1") for name, value in values.items()
                             if value is not None})

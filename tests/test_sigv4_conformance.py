"""SigV4 conformance: requests signed by botocore (Authorization header and
presigned query string, DynamoDB- and Lambda-scoped), then tampered one field
at a time. Every tampered request is refused with AWS's error name and
message; every untampered one is accepted. Most cases call Verifier.verify
directly (a pure function); the last ones go over HTTP to a server started
with --auth, including a signed DescribeTable replayed as DeleteTable."""
from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from hashlib import sha256
from unittest import mock
from urllib.parse import quote, urlsplit

import boto3
import httpx
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from support import NO_RETRIES, create_table, signed_server

from dynalite_py.errors import DynamoError
from server.auth import Verifier

pytestmark = pytest.mark.any_store("signatures are checked before any store")

KEY, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
STAMP = "20260301T120000Z"
ENDPOINT = "http://localhost:8000/"
DESCRIBE = "DynamoDB_20120810.DescribeTable"
DELETE = "DynamoDB_20120810.DeleteTable"
BODY = b'{"TableName": "kept"}'
JSON_1_0 = "application/x-amz-json-1.0"
LAMBDA_ARN = "arn:aws:lambda:us-east-1:000000000000:function:audit"
# botocore percent-encodes the ARN in the path, as it is sent and signed
INVOKE_URL = f"http://localhost:8000/2015-03-31/functions/{quote(LAMBDA_ARN, safe='')}/invocations"

MISMATCH = ("The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.")
HOST_NOT_SIGNED = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."


@dataclass(frozen=True)
class Call:
    """A request as the server sees it: header names lower-cased, host included."""
    method: str
    url: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str, value: str | None) -> Call:
        headers = {**self.headers, name: value}
        return replace(self, headers={k: v for k, v in headers.items() if v is not None})

    def authorization(self, **fields: str) -> Call:
        """The same Authorization header with some of its fields replaced."""
        algorithm, _, rest = self.headers["authorization"].partition(" ")
        parsed = dict(part.strip().split("=", 1) for part in rest.split(","))
        parsed.update(fields)
        return self.header("authorization",
                           f"{algorithm} " + ", ".join(f"{k}={v}" for k, v in parsed.items()))

    def query(self, name: str, value: str | None) -> Call:
        """The same url with one query parameter (already encoded) replaced or removed."""
        base, _, query = self.url.partition("?")
        pairs = [pair for pair in query.split("&") if pair.partition("=")[0] != name]
        if value is not None:
            pairs.insert(0, f"{name}={value}")
        return replace(self, url=f"{base}?{'&'.join(pairs)}")


def _as_call(request: AWSRequest, body: bytes) -> Call:
    headers = {name.lower(): value for name, value in request.headers.items()}
    headers["host"] = urlsplit(request.url).netloc
    return Call(request.method, request.url, headers, body)


def _sign(signer: SigV4Auth, request: AWSRequest, when: datetime) -> None:
    # sign as of `when`, as a replayed or clock-skewed client would
    with mock.patch("botocore.auth.get_current_datetime",
                    return_value=when.replace(tzinfo=None)):
        signer.add_auth(request)


def signed(body: bytes = BODY, target: str = DESCRIBE, service: str = "dynamodb",
           region: str = "us-east-1", when: datetime = NOW, secret: str = SECRET,
           url: str = ENDPOINT, method: str = "POST", extra: dict | None = None) -> Call:
    """A request signed by botocore in the Authorization header."""
    headers = {"X-Amz-Target": target, "Content-Type": JSON_1_0} if service == "dynamodb" else {}
    request = AWSRequest(method=method, url=url, data=body, headers={**headers, **(extra or {})})
    _sign(SigV4Auth(Credentials(KEY, secret), service, region), request, when)
    return _as_call(request, body)


def presigned(expires: object = 60, body: bytes = BODY, when: datetime = NOW,
              service: str = "dynamodb", region: str = "us-east-1") -> Call:
    """A presigned request made by botocore: it moves the body's parameters into
    the query, so the request is sent with an empty body."""
    request = AWSRequest(method="POST", url=ENDPOINT, data=body, headers={"X-Amz-Target": DESCRIBE})
    _sign(SigV4QueryAuth(Credentials(KEY, SECRET), service, region, expires=expires),
          request, when)
    return _as_call(request, request.body or b"")


def verify(call: Call, service: str = "dynamodb", now: datetime = NOW,
           region: str = "us-east-1") -> None:
    Verifier({KEY: SECRET}, region=region).verify(call.method, call.url, call.headers,
                                                  call.body, service=service, now=now)


def refusal(call: Call, service: str = "dynamodb", now: datetime = NOW,
            region: str = "us-east-1") -> tuple[str, str]:
    """(error name, message) of the refused call; status checked per service."""
    with pytest.raises(DynamoError) as info:
        verify(call, service, now, region)
    assert info.value.status == (403 if service == "lambda" else 400)
    assert info.value.namespace == "com.amazon.coral.service"
    return info.value.name, info.value.message


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


# Untampered requests are accepted --------------------------------------------
def test_botocore_signed_requests_are_accepted():
    verify(signed())
    verify(signed(body=b""))
    verify(presigned())
    verify(presigned(expires=604800), now=NOW + timedelta(days=6, hours=23))
    verify(signed(service="lambda", url=INVOKE_URL, body=b"{}",
                  extra={"X-Amz-Invocation-Type": "RequestResponse"}), service="lambda")
    verify(signed(service="lambda", url="http://localhost:8000/2015-03-31/functions/?MaxItems=5",
                  method="GET", body=b""), service="lambda")
    verify(signed(when=NOW - timedelta(minutes=14)))
    verify(signed(when=NOW + timedelta(minutes=14)))
    verify(signed(region="eu-west-1"), region="eu-west-1")


def test_botocore_signs_every_header_this_file_tampers_with():
    authorization = signed().headers["authorization"]
    assert authorization.split("SignedHeaders=")[1].split(",")[0].split(";") == SIGNED


# Header form: each signed field, then the body ------------------------------
SIGNED = ["content-type", "host", "x-amz-date", "x-amz-target"]
CHANGED = {"content-type": "application/x-amz-json-1.1", "host": "localhost:8001",
           "x-amz-date": "20260301T120001Z", "x-amz-target": DELETE}


@pytest.mark.parametrize("name", SIGNED)
def test_each_signed_header_value_is_covered(name):
    assert refusal(signed().header(name, CHANGED[name])) == ("InvalidSignatureException",
                                                             MISMATCH)


TAMPERED = {
    "replayed as DeleteTable": lambda call: call.header("x-amz-target", DELETE),
    "body": lambda call: replace(call, body=b'{"TableName": "other"}'),
    "body emptied": lambda call: replace(call, body=b""),
    "method": lambda call: replace(call, method="PUT"),
    "path": lambda call: replace(call, url=ENDPOINT + "other"),
    "query added": lambda call: replace(call, url=ENDPOINT + "?TableName=other"),
    "signature": lambda call: call.authorization(Signature="0" * 64),
    "signature truncated": lambda call: call.authorization(Signature="abc"),
    "SignedHeaders with another header": lambda call: call.authorization(
        SignedHeaders="content-type;host;user-agent;x-amz-date;x-amz-target"),
}


@pytest.mark.parametrize("tamper", TAMPERED.values(), ids=TAMPERED.keys())
def test_tampered_requests_are_refused(tamper):
    assert refusal(tamper(signed())) == ("InvalidSignatureException", MISMATCH)


def test_signed_with_another_secret():
    assert refusal(signed(secret="not-the-secret")) == ("InvalidSignatureException", MISMATCH)


def test_unsigned_payload_cannot_cover_a_swapped_body():
    """DynamoDB hashes the body it received: X-Amz-Content-SHA256 is only a header."""
    unsigned = signed(extra={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    swapped = replace(unsigned, body=b'{"TableName": "other"}')
    assert refusal(swapped) == ("InvalidSignatureException", MISMATCH)
    assert refusal(unsigned) == ("InvalidSignatureException", MISMATCH)  # as DynamoDB answers
    hashed = signed(extra={"X-Amz-Content-SHA256": sha256(BODY).hexdigest()})
    verify(hashed)
    other = b'{"TableName": "other"}'
    assert refusal(replace(hashed, body=other)) == ("InvalidSignatureException", MISMATCH)
    rehashed = replace(hashed, body=other).header("x-amz-content-sha256", sha256(other).hexdigest())
    assert refusal(rehashed) == ("InvalidSignatureException", MISMATCH)


# Required signed headers -------------------------------------------------------
def test_host_must_be_signed():
    call = signed().authorization(SignedHeaders="content-type;x-amz-date;x-amz-target")
    assert refusal(call) == ("InvalidSignatureException", HOST_NOT_SIGNED)
    assert refusal(signed().authorization(SignedHeaders="")) == (
        "InvalidSignatureException", HOST_NOT_SIGNED)


@pytest.mark.parametrize("name", ["x-amz-target", "x-amz-date"])
def test_x_amz_headers_sent_must_be_signed(name):
    unsigned = ";".join(header for header in SIGNED if header != name)
    assert refusal(signed().authorization(SignedHeaders=unsigned)) == (
        "InvalidSignatureException", f"'{name}' must be a 'SignedHeader' in the AWS Authorization.")


@pytest.mark.parametrize("name", ["x-amz-security-token", "x-amz-content-sha256",
                                  "x-amz-user-agent"])
def test_an_unsigned_x_amz_header_added_is_refused(name):
    assert refusal(signed().header(name, "anything")) == (
        "InvalidSignatureException", f"'{name}' must be a 'SignedHeader' in the AWS Authorization.")


def test_headers_outside_x_amz_may_be_added_unsigned():
    verify(signed().header("user-agent", "curl/8").header("x-amzn-trace-id", "Root=1-2"))


# Credential scope and key id -----------------------------------------------------
def credential(date: str = "20260301", region: str = "us-east-1", service: str = "dynamodb",
               terminator: str = "aws4_request", key: str = KEY) -> str:
    return f"{key}/{date}/{region}/{service}/{terminator}"


SCOPES = {
    "region": (signed(region="us-west-2"),
               "Credential should be scoped to a valid region, not 'us-west-2'."),
    "service s3": (signed(service="s3", extra={"X-Amz-Target": DESCRIBE}),
                   "Credential should be scoped to correct service: 'dynamodb'."),
    "service lambda": (signed(service="lambda", extra={"X-Amz-Target": DESCRIBE}),
                       "Credential should be scoped to correct service: 'dynamodb'."),
    "terminator": (signed().authorization(Credential=credential(terminator="aws5_request")),
                   "Credential should be scoped with a valid terminator: 'aws4_request', "
                   "not 'aws5_request'."),
    "date": (signed().authorization(Credential=credential(date="20260228")),
             "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
             "from HTTP: '20260228' != '20260301', from '20260301T120000Z'."),
    "all at once": (signed().authorization(Credential=credential(
        "20260228", "eu-west-1", "s3", "aws5_request")),
        "Credential should be scoped to a valid region, not 'eu-west-1'. Credential should be "
        "scoped to correct service: 'dynamodb'. Credential should be scoped with a valid "
        "terminator: 'aws4_request', not 'aws5_request'. Date in Credential scope does not "
        "match YYYYMMDD from ISO-8601 version of date from HTTP: '20260228' != '20260301', "
        "from '20260301T120000Z'."),
}


@pytest.mark.parametrize("call, message", SCOPES.values(), ids=SCOPES.keys())
def test_credential_scope_must_name_this_region_service_and_date(call, message):
    assert refusal(call) == ("InvalidSignatureException", message)


def test_the_servers_region_is_the_one_checked():
    assert refusal(signed(), region="eu-west-1") == (
        "InvalidSignatureException",
        "Credential should be scoped to a valid region, not 'us-east-1'.")


@pytest.mark.parametrize("value", [f"{KEY}/20260301/us-east-1/dynamodb", KEY, "",
                                   credential() + "/extra"])
def test_credential_must_have_five_parts(value):
    assert refusal(signed().authorization(Credential=value)) == (
        "IncompleteSignatureException",
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        f"keyid/date/region/service/term, got '{value}'")


def test_unknown_key_id():
    assert refusal(signed().authorization(Credential=credential(key="AKIDUNKNOWN"))) == (
        "UnrecognizedClientException", "The security token included in the request is invalid.")


# Time ------------------------------------------------------------------------------
def test_signature_expired_and_not_yet_current():
    old = NOW - timedelta(minutes=16)
    assert refusal(signed(when=old)) == (
        "InvalidSignatureException",
        f"Signature expired: {stamp(old)} is now earlier than 20260301T114500Z "
        "(20260301T120000Z - 15 min.)")
    future = NOW + timedelta(minutes=16)
    assert refusal(signed(when=future)) == (
        "InvalidSignatureException",
        f"Signature not yet current: {stamp(future)} is still later than 20260301T121500Z "
        "(20260301T120000Z + 15 min.)")


@pytest.mark.parametrize("value", ["2026-03-01T12:00:00Z", "20260301T120000", "20261301T120000Z",
                                   "２０２６０３０１T１２００００Z", "Sun, 01 Mar 2026 12:00:00 GMT"])
def test_date_must_be_iso_8601_basic_format(value):
    assert refusal(signed().header("x-amz-date", value)) == (
        "IncompleteSignatureException",
        f"Date must be in ISO-8601 'basic format'. Got '{value}'. See "
        "http://en.wikipedia.org/wiki/ISO_8601")


# Malformed or missing Authorization ----------------------------------------------
def test_missing_and_incomplete_authorization():
    assert refusal(signed().header("authorization", None)) == (
        "MissingAuthenticationTokenException", "Request is missing Authentication Token")
    # the parameters are checked before the algorithm (AWS answers "AWS4- Signature=b
    # Credential=a" with the missing SignedHeaders), split on commas and spaces alike
    assert refusal(signed().header("authorization", "AWS4- Signature=b Credential=a")) == (
        "IncompleteSignatureException", "Authorization header requires 'SignedHeaders' "
        "parameter. Authorization=AWS4- Signature=b Credential=a")
    wrong_algorithm = signed()
    wrong_algorithm = wrong_algorithm.header("authorization", wrong_algorithm.headers[
        "authorization"].replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"))
    assert refusal(wrong_algorithm) == (
        "IncompleteSignatureException", "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1'")
    assert refusal(signed().header("authorization", "AWS4-HMAC-SHA256")) == (
        "IncompleteSignatureException",
        "Authorization header requires 'Credential' parameter. Authorization header requires "
        "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
        "Authorization=AWS4-HMAC-SHA256")
    no_date = signed().header("x-amz-date", None).header("authorization", "AWS4-HMAC-SHA256 a=b")
    assert refusal(no_date) == (
        "IncompleteSignatureException",
        "Authorization header requires 'Credential' parameter. Authorization header requires "
        "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=AWS4-HMAC-SHA256 a=b")
    assert refusal(signed().header("authorization", "AWS4-HMAC-SHA256 Credential, b=c")) == (
        "IncompleteSignatureException",
        "'Credential' not a valid key=value pair (missing equal-sign) in Authorization header: "
        "'AWS4-HMAC-SHA256 Credential, b=c'.")


# Presigned (query-string) form ---------------------------------------------------
def test_presigned_url_expires():
    call = presigned(expires=60)
    verify(call, now=NOW + timedelta(seconds=59))
    later = NOW + timedelta(seconds=61)
    assert refusal(call, now=later) == (
        "InvalidSignatureException",
        f"Signature expired: {STAMP} is now earlier than 20260301T120001Z "
        f"({stamp(later)} - 1 min.)")
    later = NOW + timedelta(seconds=91)
    assert refusal(presigned(expires=90), now=later) == (
        "InvalidSignatureException",
        f"Signature expired: {STAMP} is now earlier than 20260301T120001Z "
        f"({stamp(later)} - 90 sec.)")
    week = presigned(expires=604800)
    verify(week, now=NOW + timedelta(seconds=604800))
    later = NOW + timedelta(seconds=604801)
    assert refusal(week, now=later)[1] == (
        f"Signature expired: {STAMP} is now earlier than 20260301T120001Z "
        f"({stamp(later)} - 10080 min.)")
    future = NOW + timedelta(minutes=16)
    assert refusal(presigned(when=future)) == (
        "InvalidSignatureException",
        f"Signature not yet current: {stamp(future)} is still later than 20260301T121500Z "
        "(20260301T120000Z + 15 min.)")


NOT_A_NUMBER = "X-Amz-Expires should be a number"
EXPIRES = {
    "abc": NOT_A_NUMBER, "1e3": NOT_A_NUMBER, "10^30": NOT_A_NUMBER, "": NOT_A_NUMBER,
    "1.5": NOT_A_NUMBER, " 60": NOT_A_NUMBER, "1_000": NOT_A_NUMBER, "١٢": NOT_A_NUMBER,
    str(10 ** 30): NOT_A_NUMBER, str(2 ** 63): NOT_A_NUMBER,
    "-1": "X-Amz-Expires must be non-negative",
    "604801": "X-Amz-Expires must be less than a week (in seconds); that is, the given "
              "X-Amz-Expires must be less than 604800 seconds",
    str(2 ** 63 - 1): "X-Amz-Expires must be less than a week (in seconds); that is, the given "
                      "X-Amz-Expires must be less than 604800 seconds",
}


@pytest.mark.parametrize("value, message", EXPIRES.items(), ids=[repr(v) for v in EXPIRES])
def test_x_amz_expires_must_be_whole_seconds_up_to_a_week(value, message):
    assert refusal(presigned(expires=value)) == ("IncompleteSignatureException", message)


def test_x_amz_expires_of_zero_is_expired_on_arrival():
    assert refusal(presigned(expires=0)) == (
        "InvalidSignatureException",
        f"Signature expired: {STAMP} is now earlier than {STAMP} ({STAMP} - 0 min.)")


PRESIGNED_TAMPERED = {
    "X-Amz-Target": (lambda call: call.header("x-amz-target", DELETE), MISMATCH),
    "a body sent": (lambda call: replace(call, body=BODY), MISMATCH),
    "Host": (lambda call: call.header("host", "localhost:8001"), MISMATCH),
    "operation parameter": (lambda call: call.query("TableName", "other"), MISMATCH),
    "signature": (lambda call: call.query("X-Amz-Signature", "0" * 64), MISMATCH),
    "X-Amz-Expires": (lambda call: call.query("X-Amz-Expires", "61"), MISMATCH),
    "X-Amz-Date": (lambda call: call.query("X-Amz-Date", "20260301T115959Z"), MISMATCH),
    "host unsigned": (lambda call: call.query("X-Amz-SignedHeaders", "x-amz-target"),
                      HOST_NOT_SIGNED),
    "X-Amz-Target unsigned": (
        lambda call: call.query("X-Amz-SignedHeaders", "host"),
        "'x-amz-target' must be a 'SignedHeader' in the AWS Authorization."),
    "x-amz-* header added": (
        lambda call: call.header("x-amz-security-token", "token"),
        "'x-amz-security-token' must be a 'SignedHeader' in the AWS Authorization."),
    "scope's service": (
        lambda call: call.query("X-Amz-Credential", quote(credential(service="s3"), safe="")),
        "Credential should be scoped to correct service: 'dynamodb'."),
    "scope's region": (
        lambda call: call.query("X-Amz-Credential", quote(credential(region="us-west-2"),
                                                          safe="")),
        "Credential should be scoped to a valid region, not 'us-west-2'."),
}


@pytest.mark.parametrize("tamper, message", PRESIGNED_TAMPERED.values(),
                         ids=PRESIGNED_TAMPERED.keys())
def test_tampered_presigned_requests_are_refused(tamper, message):
    assert refusal(tamper(presigned())) == ("InvalidSignatureException", message)


def test_presigned_with_missing_or_unsupported_parameters():
    call = presigned().query("X-Amz-Credential", None).query("X-Amz-Date", None)
    assert refusal(call) == (
        "IncompleteSignatureException",
        "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string "
        "parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.")
    assert refusal(presigned().query("X-Amz-Algorithm", "AWS4-HMAC-SHA1")) == (
        "IncompleteSignatureException", "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1'")
    assert refusal(presigned().query("X-Amz-Credential", "x")) == (
        "IncompleteSignatureException",
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        "keyid/date/region/service/term, got 'x'")


def test_presigned_url_keeps_the_first_of_repeated_parameters():
    call = presigned()
    repeated = replace(call, url=call.url + "&X-Amz-Signature=" + "0" * 64)
    verify(repeated)


# Lambda-scoped requests ----------------------------------------------------------
def invoke(**extra: str) -> Call:
    return signed(service="lambda", url=INVOKE_URL, body=b'{"n": 1}',
                  extra={"X-Amz-Invocation-Type": "RequestResponse", **extra})


def test_lambda_scoped_requests():
    verify(invoke(), service="lambda")
    assert refusal(invoke(), service="dynamodb") == (
        "InvalidSignatureException", "Credential should be scoped to correct service: 'dynamodb'.")
    assert refusal(signed(), service="lambda") == (
        "InvalidSignatureException", "Credential should be scoped to correct service: 'lambda'.")
    assert refusal(invoke().header("x-amz-invocation-type", "Event"), service="lambda") == (
        "InvalidSignatureException", MISMATCH)
    assert refusal(replace(invoke(), body=b'{"n": 2}'), service="lambda") == (
        "InvalidSignatureException", MISMATCH)
    decoded = replace(invoke(), url=INVOKE_URL.replace(quote(LAMBDA_ARN, safe=""), LAMBDA_ARN))
    assert refusal(decoded, service="lambda") == ("InvalidSignatureException", MISMATCH)
    assert refusal(invoke().header("x-amz-log-type", "Tail"), service="lambda") == (
        "InvalidSignatureException",
        "'x-amz-log-type' must be a 'SignedHeader' in the AWS Authorization.")
    later = NOW + timedelta(minutes=16)
    assert refusal(invoke(), service="lambda", now=later)[1].startswith("Signature expired: ")


# Malformed input anywhere: a DynamoError, never another exception ----------------
ODD = {
    "non-ASCII signed header": lambda call: call.header("x-amz-target", "Describé\u2028"),
    "non-ASCII signature": lambda call: call.authorization(Signature="é" * 64),
    "non-ASCII credential": lambda call: call.authorization(Credential="ключ/é/ü/ß/aws4_request"),
    "NUL in authorization": lambda call: call.header("authorization", "AWS4-HMAC-SHA256 \x00=\x00"),
    "only commas": lambda call: call.header("authorization", "AWS4-HMAC-SHA256 ,,, ,"),
    "slashes": lambda call: call.authorization(Credential="/////"),
    "semicolons": lambda call: call.authorization(SignedHeaders=";;;host;;"),
    "bad IPv6 host": lambda call: replace(call, url="http://[::1/"),
    "bad percent escapes": lambda call: replace(call, url=ENDPOINT + "%zz%?%%=%&"),
    "surrogates": lambda call: call.header("x-amz-target", "\udcff"),
    "huge date": lambda call: call.header("x-amz-date", "99999999T999999Z"),
    "presigned NUL": lambda call: replace(call, url=ENDPOINT + "?X-Amz-Algorithm=%00"),
    "presigned only algorithm": lambda call: replace(
        call, url=ENDPOINT + "?X-Amz-Algorithm=AWS4-HMAC-SHA256"),
}


@pytest.mark.parametrize("tamper", ODD.values(), ids=ODD.keys())
def test_odd_input_is_refused_with_an_aws_error(tamper):
    name, _ = refusal(tamper(signed()))
    assert name in {"InvalidSignatureException", "IncompleteSignatureException",
                    "UnrecognizedClientException", "MissingAuthenticationTokenException"}


def test_random_mutations_raise_only_dynamo_errors():
    """A seeded fuzz: one character of the Authorization header or the
    presigned url changed, dropped or duplicated at a time."""
    chooser = random.Random(31)
    alphabet = "=,;/ &?%aZ0\x00é\u2028"
    header_call, query_call = signed(), presigned()
    for _ in range(400):
        text = header_call.headers["authorization"]
        at = chooser.randrange(len(text))
        mutated = text[:at] + chooser.choice(alphabet) + text[at + chooser.randint(0, 1):]
        query = query_call.url
        where = chooser.randrange(len(query))
        odd_url = query[:where] + chooser.choice(alphabet) + query[where + chooser.randint(0, 1):]
        for call in (header_call.header("authorization", mutated), replace(query_call, url=odd_url)):
            try:
                verify(call)
            except DynamoError:
                pass


# End to end over HTTP with --auth -----------------------------------------------
@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    with signed_server(tmp_path_factory.mktemp("sigv4"), KEY, SECRET) as url:
        yield url


@pytest.fixture(scope="module")
def dynamodb(auth_server):
    return boto3.client("dynamodb", endpoint_url=auth_server, region_name="us-east-1",
                        aws_access_key_id=KEY, aws_secret_access_key=SECRET, config=NO_RETRIES)


def signed_now(url: str, body: bytes, target: str = DESCRIBE, **extra: str) -> AWSRequest:
    request = AWSRequest(method="POST", url=url + "/", data=body,
                         headers={"X-Amz-Target": target, "Content-Type": JSON_1_0, **extra})
    SigV4Auth(Credentials(KEY, SECRET), "dynamodb", "us-east-1").add_auth(request)
    return request


def send(request: AWSRequest, body: bytes | None = None, **headers: str | None) -> httpx.Response:
    sent = {**dict(request.headers.items()), **headers}
    return httpx.post(request.url, content=request.body if body is None else body,
                      headers={name: value for name, value in sent.items() if value is not None})


def aws_error(response: httpx.Response) -> tuple[int, str, str]:
    payload = response.json()
    return response.status_code, payload["__type"].split("#")[1], payload.get("message")


def test_signed_describe_table_replayed_as_delete_table_over_http(auth_server, dynamodb):
    table = create_table(dynamodb)
    describe = signed_now(auth_server, f'{{"TableName": "{table}"}}'.encode())
    replayed = send(describe, **{"X-Amz-Target": DELETE})
    assert aws_error(replayed) == (400, "InvalidSignatureException", MISMATCH)
    assert dynamodb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"
    assert send(describe).status_code == 200


def test_unsigned_payload_cannot_swap_the_body_over_http(auth_server, dynamodb):
    table = create_table(dynamodb)
    item = f'{{"TableName": "{table}", "Item": {{"pk": {{"S": "signed"}}}}}}'.encode()
    put = signed_now(auth_server, item, "DynamoDB_20120810.PutItem",
                     **{"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    swapped = item.replace(b"signed", b"forged")
    assert aws_error(send(put, swapped)) == (400, "InvalidSignatureException", MISMATCH)
    assert dynamodb.scan(TableName=table)["Items"] == []


def test_host_and_x_amz_headers_over_http(auth_server):
    request = signed_now(auth_server, BODY)
    port = urlsplit(auth_server).port
    assert aws_error(send(request, Host=f"localhost:{port}")) == (
        400, "InvalidSignatureException", MISMATCH)
    assert aws_error(send(request, **{"X-Amz-Security-Token": "token"})) == (
        400, "InvalidSignatureException",
        "'x-amz-security-token' must be a 'SignedHeader' in the AWS Authorization.")
    unsigned_host = request.headers["Authorization"].replace("host;", "")
    assert aws_error(send(request, Authorization=unsigned_host)) == (
        400, "InvalidSignatureException", HOST_NOT_SIGNED)
    assert aws_error(send(request))[1] == "ResourceNotFoundException"  # authenticated


def test_wrong_scope_over_http(auth_server):
    request = AWSRequest(method="POST", url=auth_server + "/", data=BODY,
                         headers={"X-Amz-Target": DESCRIBE, "Content-Type": JSON_1_0})
    SigV4Auth(Credentials(KEY, SECRET), "s3", "us-east-1").add_auth(request)
    assert aws_error(send(request)) == (
        400, "InvalidSignatureException", "Credential should be scoped to correct service: 'dynamodb'.")


@pytest.mark.parametrize("expires, message", [
    ("abc", NOT_A_NUMBER), ("1e3", NOT_A_NUMBER), ("10^30", NOT_A_NUMBER),
    ("604801", EXPIRES["604801"])])
def test_presigned_x_amz_expires_over_http_is_never_a_500(auth_server, expires, message):
    request = AWSRequest(method="POST", url=auth_server + "/", headers={
        "X-Amz-Target": DESCRIBE, "Content-Type": "application/x-amz-json-1.0"})
    SigV4QueryAuth(Credentials(KEY, SECRET), "dynamodb", "us-east-1",
                   expires=expires).add_auth(request)
    response = httpx.post(request.url, headers=dict(request.headers.items()))
    assert aws_error(response) == (400, "IncompleteSignatureException", message)


def test_lambda_routes_verify_lambda_scoped_signatures_over_http(auth_server):
    lambda_client = boto3.client("lambda", endpoint_url=auth_server, region_name="us-east-1",
                                 aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                                 config=NO_RETRIES)
    assert lambda_client.list_functions()["Functions"] == []
    request = AWSRequest(method="GET", url=auth_server + "/2015-03-31/functions/")
    SigV4Auth(Credentials(KEY, SECRET), "dynamodb", "us-east-1").add_auth(request)
    response = httpx.get(request.url, headers=dict(request.headers.items()))
    assert response.status_code == 403
    assert response.json()["message"] == "Credential should be scoped to correct service: 'lambda'."


def test_lambda_call_by_arn_over_http(auth_server):
    lambda_client = boto3.client("lambda", endpoint_url=auth_server, region_name="us-east-1",
                                 aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                                 config=NO_RETRIES)
    with pytest.raises(ClientError) as info:
        lambda_client.get_function(FunctionName=LAMBDA_ARN)
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"

"""What DynamoDB answers at the HTTP level, on both of the server's paths
(the fast lane, and the ASGI path an `Expect: 100-continue` takes)."""
from __future__ import annotations

import gzip
import zlib

import httpx
import orjson
import pytest
from support import SIGNED, SIGNED_HEADERS, dynamodb_request, raw

pytestmark = pytest.mark.any_store("HTTP-level answers are the server's")

UNKNOWN = b"<UnknownOperationException/>\n"
PATHS = ["", "Expect: 100-continue\r\n"]


def parse(answer: bytes) -> tuple[int, dict[bytes, bytes], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    headers = dict(line.lower().split(b": ", 1) for line in lines)
    return int(status.split()[1]), headers, body


def test_the_health_answer(server_url):
    answer = httpx.get(server_url + "/")
    assert answer.status_code == 200
    assert answer.content == b"healthy: dynamodb.us-east-1.amazonaws.com "
    assert answer.headers["x-amz-crc32"] == str(zlib.crc32(answer.content))
    assert answer.headers["content-length"] == str(len(answer.content))
    assert len(answer.headers["x-amzn-requestid"]) == 52


@pytest.mark.parametrize("method, path", [("PUT", "/"), ("DELETE", "/"), ("GET", "/anything"),
                                          ("OPTIONS", "/")])
def test_what_is_no_call_gets_dynamodbs_bare_404(server_url, method, path):
    answer = httpx.request(method, server_url + path, headers={"Authorization": SIGNED})
    assert answer.status_code == 404
    assert answer.content == UNKNOWN
    assert "content-type" not in answer.headers


@pytest.mark.parametrize("extra", PATHS)
def test_a_post_without_a_content_type_gets_the_bare_404(server_url, extra):
    request = dynamodb_request(extra=extra, body=b"").replace(
        b"Content-Type: application/x-amz-json-1.0\r\n", b"")
    status, headers, body = parse(raw(server_url, request))
    assert (status, body) == (404, UNKNOWN)
    assert b"content-type" not in headers


@pytest.mark.parametrize("extra", PATHS)
@pytest.mark.parametrize("sent, answered", [
    ("application/x-amz-json-1.0", b"application/x-amz-json-1.0"),
    ("application/json", b"application/json"),
    ("application/x-amz-json-1.1", b"application/x-amz-json-1.1"),
    ("Application/JSON; charset=utf-8", b"application/json")])
def test_the_answer_is_in_the_json_type_it_was_asked_in(server_url, extra, sent, answered):
    for body in (b"{}", b"{nope"):  # a success and an error alike
        status, headers, _ = parse(raw(server_url, dynamodb_request(
            extra=extra, body=body, content_type=sent)))
        assert status == (200 if body == b"{}" else 400)
        assert headers[b"content-type"] == answered


def call(server_url: str, extra: str, headers: dict[str, str | None], body: bytes = b"{}",
         target: str = "ListTables", path: str = "/") -> tuple[int, dict]:
    """(status, JSON answer) of a DynamoDB call with some headers replaced
    (None: removed), on the fast lane or the ASGI path."""
    request = dynamodb_request(extra=extra, body=body).replace(b"ListTables", target.encode())
    request = request.replace(b"POST / ", f"POST {path} ".encode(), 1)
    head, _, rest = request.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    for name, value in headers.items():
        lines = [line for line in lines if not line.lower().startswith(name.lower().encode() + b":")]
        if value is not None:
            lines.append(f"{name}: {value}".encode())
    status, _, answer = parse(raw(server_url, b"\r\n".join(lines) + b"\r\n\r\n" + rest))
    return status, orjson.loads(answer)


def error(answer: dict) -> tuple[str, str | None]:
    return answer["__type"].split("#")[1], answer.get("message")


MISSING = ("MissingAuthenticationTokenException", "Request is missing Authentication Token")


@pytest.mark.parametrize("extra", PATHS)
def test_routing_and_parsing_come_before_the_signature(server_url, extra):
    no_auth = {"Authorization": None}
    status, answer = call(server_url, extra, no_auth, target="NoSuchOperation")
    assert (status, error(answer)[0]) == (400, "UnknownOperationException")
    status, answer = call(server_url, extra, no_auth, body=b"{nope")
    assert (status, error(answer)[0]) == (400, "SerializationException")
    assert call(server_url, extra, no_auth) == (400, {"__type": f"com.amazon.coral.service#{MISSING[0]}",
                                                       "message": MISSING[1]})
    # and the signature before validation
    status, answer = call(server_url, extra, no_auth, body=b'{"Limit": 0}')
    assert error(answer) == MISSING


@pytest.mark.parametrize("extra", PATHS)
@pytest.mark.parametrize("headers, expected", [
    ({"Authorization": "X", "X-Amz-Date": None},
     "Authorization header requires 'Credential' parameter. Authorization header requires "
     "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
     "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
     "Authorization=X"),
    ({"Authorization": "AWS4- Signature=b Credential=a", "X-Amz-Date": None, "Date": "a"},
     "Authorization header requires 'SignedHeaders' parameter. "
     "Authorization=AWS4- Signature=b Credential=a"),
    ({"Authorization": "AWS4- Signature=b,Credential=a", "X-Amz-Date": None, "Date": "a"},
     "Authorization header requires 'SignedHeaders' parameter. "
     "Authorization=AWS4- Signature=b,Credential=a"),
    ({"X-Amz-Date": "2024"},
     "Date must be in ISO-8601 'basic format'. Got '2024'. See http://en.wikipedia.org/wiki/ISO_8601"),
])
def test_the_authorization_header_syntax_is_checked_without_auth(server_url, extra, headers, expected):
    for _ in range(2):  # the fast lane keeps its verdict on a header: the same answer again
        status, answer = call(server_url, extra, headers)
        assert (status, error(answer)) == (400, ("IncompleteSignatureException", expected))


def test_presigned_query_syntax_is_checked_without_auth(server_url):
    status, answer = call(server_url, "", {"Authorization": None}, path="/?X-Amz-Algorithm")
    assert (status, error(answer)) == (400, (
        "IncompleteSignatureException",
        "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string "
        "parameters must include 'X-Amz-Credential'. AWS query-string parameters must include "
        "'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. "
        "AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string "
        "parameters."))
    status, answer = call(server_url, "", {}, path="/?X-Amz-Algorithm")
    assert (status, error(answer)) == (400, (
        "InvalidSignatureException",
        "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."))


def test_a_well_formed_signature_passes_without_auth(server_url):
    status, answer = call(server_url, "", {"Authorization": SIGNED.replace("Signature=0", "Signature=1")})
    assert status == 200 and "TableNames" in answer


def compressed_call(server_url: str, body: bytes, encoding: str, accept: str = "identity"
                    ) -> httpx.Response:
    return httpx.post(server_url + "/", content=body, headers={
        **SIGNED_HEADERS, "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "Content-Type": "application/x-amz-json-1.0", "Content-Encoding": encoding,
        "Accept-Encoding": accept})


@pytest.mark.parametrize("encoding, compress", [
    ("gzip", gzip.compress), ("deflate", zlib.compress), ("identity", lambda body: body)])
def test_compressed_requests_are_read(server_url, encoding, compress):
    answer = compressed_call(server_url, compress(b'{"Limit": 1}'), encoding)
    assert answer.status_code == 200 and "TableNames" in answer.json()


def test_a_body_that_does_not_decompress_or_expands_past_16_mb_is_refused(server_url):
    assert compressed_call(server_url, b"not gzip", "gzip").status_code == 400
    bomb = gzip.compress(b" " * (17 * 1024 * 1024))  # 17 MB of spaces in 17 KB
    assert len(bomb) < 100_000
    assert compressed_call(server_url, bomb, "gzip").status_code == 413


def test_answers_are_gzipped_when_the_client_asks(server_url):
    with httpx.stream("POST", server_url + "/", content=b"{}", headers={
            **SIGNED_HEADERS, "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "Content-Type": "application/x-amz-json-1.0", "Accept-Encoding": "gzip"}) as answer:
        sent = b"".join(answer.iter_raw())  # as it travelled, still compressed
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.headers["x-amz-crc32"] == str(zlib.crc32(sent))  # of the bytes sent
    assert "TableNames" in orjson.loads(gzip.decompress(sent))
    plain = httpx.post(server_url + "/", content=b"{}", headers={
        **SIGNED_HEADERS, "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "Content-Type": "application/x-amz-json-1.0", "Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers

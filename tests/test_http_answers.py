"""What DynamoDB answers at the HTTP level, on both of the server's paths
(the fast lane, and the ASGI path an `Expect: 100-continue` takes)."""
from __future__ import annotations

import zlib

import httpx
import pytest
from support import SIGNED, dynamodb_request, raw

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

"""The transport rules of a real server (server/transport.py): what a web
page, a rebound DNS name or an oversized body can and cannot do."""
from __future__ import annotations

import json
import select
import socket
import subprocess
import sys

import httpx
import pytest
from botocore.exceptions import ClientError
from support import (
    NO_RETRIES,
    SIGNED,
    SIGNED_HEADERS,
    dynamodb_request,
    free_port,
    http_client,
    open_db,
    raw,
    start_server,
    unique_name,
    zipped,
)

pytestmark = pytest.mark.any_store("transport rules are the server's")

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
DYNAMODB = {"X-Amz-Target": "DynamoDB_20120810.ListTables",
            "Content-Type": "application/x-amz-json-1.0", **SIGNED_HEADERS}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process, url = start_server(str(tmp_path_factory.mktemp("transport")), "--workers", "1",
                                "--allow-host", "dynalite.test",
                                "--cors-origin", "http://admin.test")
    yield url
    process.terminate()
    process.wait(10)


# Host: DNS rebinding ------------------------------------------------------------

@pytest.mark.parametrize("extra", ["", "Expect: 100-continue\r\n"])  # fast lane, ASGI path
def test_a_foreign_host_is_refused_on_both_paths(server, extra):
    answer = raw(server, dynamodb_request("attacker.example:8000", extra))
    assert answer.startswith(b"HTTP/1.1 403 ") and b"AccessDeniedException" in answer
    assert b"--allow-host attacker.example" in answer


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1:1", "[::1]:8000",
                                  "app.localhost", "127.0.0.2", "dynalite.test:8000"])
def test_loopback_names_and_allowed_hosts_are_served(server, host):
    answer = raw(server, dynamodb_request(host))
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]


def test_every_route_checks_the_host(server):
    evil = {"Host": "rebound.example"}
    assert httpx.get(server + "/", headers=evil).status_code == 403
    assert httpx.get(server + "/_dynalite/statistics", headers=evil).status_code == 403
    lambda_headers = {**evil, "Authorization": SIGNED}
    assert httpx.get(server + "/2015-03-31/functions/", headers=lambda_headers).status_code == 403


# CORS -----------------------------------------------------------------------------

def test_dynamodb_answers_cors_as_aws_does(server):
    """Its preflight: tests/test_wire.py::test_health_and_preflight."""
    answer = httpx.post(server + "/", content=b"{}", headers=DYNAMODB)
    assert answer.headers["access-control-allow-origin"] == "*"


def test_lambda_and_admin_routes_have_no_cors_for_other_origins(server):
    page = {"Origin": "http://evil.test", "Authorization": SIGNED}
    listed = httpx.get(server + "/2015-03-31/functions/", headers=page)
    assert listed.status_code == 200 and "access-control-allow-origin" not in listed.headers
    statistics = httpx.get(server + "/_dynalite/statistics", headers=page)
    assert "access-control-allow-origin" not in statistics.headers
    preflight = httpx.options(server + "/2015-03-31/functions", headers={
        "Origin": "http://evil.test", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 403
    assert "access-control-allow-origin" not in preflight.headers


def test_a_listed_origin_gets_cors_on_the_lambda_routes(server):
    page = {"Origin": "http://admin.test", "Authorization": SIGNED}
    listed = httpx.get(server + "/2015-03-31/functions/", headers=page)
    assert listed.headers["access-control-allow-origin"] == "http://admin.test"
    preflight = httpx.options(server + "/2015-03-31/functions", headers={
        "Origin": "http://admin.test", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://admin.test"


# Content types: no "simple" cross-origin requests ----------------------------------

@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/xml"])
def test_dynamodb_refuses_other_content_types_as_aws_does(server, content_type):
    answer = raw(server, dynamodb_request(content_type=content_type))
    assert answer.startswith(b"HTTP/1.1 404 ")
    assert answer.endswith(b"\r\n\r\n<UnknownOperationException/>\n")


@pytest.mark.parametrize("content_type", ["application/x-amz-json-1.0", "application/json",
                                          "application/x-amz-json-1.1; charset=utf-8"])
def test_dynamodb_content_types_aws_accepts(server, content_type):
    assert raw(server, dynamodb_request(content_type=content_type)).startswith(b"HTTP/1.1 200 ")


def test_a_web_page_cannot_create_or_invoke_a_function(server):
    """What a page can send without a preflight: a text/plain POST, no
    Authorization header. Neither the create nor the invoke gets through."""
    name = unique_name("fn")
    code = httpx.post(server + "/2015-03-31/functions", content=b'{"FunctionName": "%s"}' % name.encode(),
                      headers={"Content-Type": "text/plain", "Origin": "http://evil.test"})
    assert code.status_code == 403
    assert code.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    signed_but_simple = httpx.post(server + "/2015-03-31/functions", content=b"{}",
                                   headers={"Content-Type": "text/plain", "Authorization": SIGNED})
    assert signed_but_simple.status_code == 415
    assert signed_but_simple.headers["x-amzn-errortype"] == "UnsupportedMediaTypeException"
    invoke = httpx.post(f"{server}/2015-03-31/functions/{name}/invocations", content=b"{}",
                        headers={"Content-Type": "text/plain"})
    assert invoke.status_code == 403
    lambda_client = http_client(server, "lambda")
    with pytest.raises(ClientError) as missing:
        lambda_client.get_function(FunctionName=name)
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_boto3_lambda_calls_pass_the_rules(server):
    lambda_client = http_client(server, "lambda")
    name = unique_name("fn")
    lambda_client.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE,
                                  Handler="lambda_function.lambda_handler",
                                  Code={"ZipFile": zipped("def lambda_handler(e, c):\n    return e\n")})
    answer = lambda_client.invoke(FunctionName=name, Payload=b'{"x": 1}')
    assert json.loads(answer["Payload"].read()) == {"x": 1}


# Body caps -------------------------------------------------------------------------

def test_a_declared_oversized_body_is_refused_before_it_is_sent(server):
    for extra in ("", "Expect: 100-continue\r\n"):
        head = dynamodb_request(extra=extra, body=b"").replace(
            b"Content-Length: 0", b"Content-Length: 400000000")
        answer = raw(server, head)  # answered at once: no body is awaited
        assert answer.startswith(b"HTTP/1.1 413 "), answer[:100]


@pytest.mark.parametrize("extra", ["", "Expect: 100-continue\r\n"])
def test_a_chunked_body_is_cut_off_at_16_mb(server, extra):
    head = (f"POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n"
            f"Content-Type: application/x-amz-json-1.0\r\nAuthorization: {SIGNED}\r\n"
            f"X-Amz-Date: 20240101T000000Z\r\n"
            f"Transfer-Encoding: chunked\r\n{extra}\r\n").encode()
    chunk = b"%x\r\n%s\r\n" % (1 << 20, b" " * (1 << 20))
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(head)
        if extra:  # as a client would: the body follows the interim answer
            assert conn.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sent = 0
        while sent < 64 and not select.select([conn], [], [], 0.05)[0]:
            conn.sendall(chunk)  # 64 MB offered; the answer comes at 16
            sent += 1
        answer = conn.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:100]
    assert 16 <= sent < 24  # answered once the cap was passed, not after the whole body


def test_lambda_payloads_are_capped_at_lambdas_limits(server):
    headers = {"Authorization": SIGNED, "Content-Type": "application/json"}
    invoke = httpx.post(server + "/2015-03-31/functions/any/invocations",
                        content=b"x" * (6291456 + 1), headers=headers)
    assert invoke.status_code == 413
    assert invoke.headers["x-amzn-errortype"] == "RequestEntityTooLargeException"
    assert invoke.json()["message"] == \
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    create = httpx.post(server + "/2015-03-31/functions", content=b"x" * (69905067 + 1),
                        headers=headers)
    assert create.status_code == 413
    assert create.json()["message"] == \
        "Request must be smaller than 69905067 bytes for the CreateFunction operation"


# Code execution needs loopback or --auth -------------------------------------------

def serve(*options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", "serve", "--port",
                           str(free_port()), *options], capture_output=True, text=True, timeout=30)


def test_a_public_address_without_auth_is_refused_at_start(tmp_path):
    refused = serve("--host", "0.0.0.0", "--data-dir", str(tmp_path))
    assert refused.returncode == 2
    assert "refusing to serve the Lambda API on 0.0.0.0 without --auth" in refused.stderr


def test_no_functions_serves_dynamodb_and_refuses_the_lambda_api(tmp_path):
    process, url = start_server(str(tmp_path), "--no-functions", "--workers", "1")
    try:
        assert http_client(url).list_tables()["TableNames"] == []
        with pytest.raises(ClientError) as refused:
            http_client(url, "lambda").list_functions()
        assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    finally:
        process.terminate()
        process.wait(10)


def test_a_specific_bound_address_is_a_served_host():
    from server.cli import parse_args, transport_policy
    policy = transport_policy(parse_args(["serve", "--host", "10.1.2.3", "--no-functions"]))
    assert policy.host_allowed(b"10.1.2.3:8000") and not policy.host_allowed(b"10.1.2.4:8000")
    assert not policy.functions_enabled
    wildcard = transport_policy(parse_args(["serve", "--host", "0.0.0.0", "--no-functions"]))
    assert not wildcard.host_allowed(b"0.0.0.0:8000") and wildcard.host_allowed(b"localhost")


def test_embedded_clients_are_unaffected():
    """The rules are the server's: the embedded API has no transport."""
    with open_db() as db:
        assert db.client(config=NO_RETRIES).list_tables()["TableNames"] == []

"""The Starlette application: decode, route, call the engine, encode.

POST /  DynamoDB, DynamoDB Streams and SQS operations, routed by X-Amz-Target
GET  /  health answer (DynamoDB's)
GET  /_dynalite/health  whether the store answers: 200 or 503
GET  /_dynalite/statistics  per-table consumed and throttled capacity
GET  /_dynalite/failures/<destination ARN>  trigger on-failure records
GET  /_dynalite/insights/<table>[?index=]  Contributor Insights' top keys
GET  /metrics  CloudWatch's metrics in Prometheus's text format (server/metrics.py)
/_admin/...  the web admin page (server/admin/; off under --auth unless --admin)
/2015-03-31/..., /2017-10-31/...  the Lambda REST API subset (dynalite_py/protocol/rest.py)
Every request passes the transport rules first (transport.py: Host,
size caps, content types, credentials); with --auth every route but the
health answers has its SigV4 signature verified (auth.py). Bodies are read
in chunks up to their cap, never whole before it.
"""
from __future__ import annotations

import gzip
import time
import zlib
from typing import TYPE_CHECKING, Callable

import orjson
from anyio import CapacityLimiter, to_thread
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from dynalite_py.engine import Engine, is_read_only
from dynalite_py.errors import DynamoError
from dynalite_py.lambda_.mappings.mappings import failures as stored_failures
from dynalite_py.namespaces import arn_namespace, request_namespace
from dynalite_py.protocol import rest, sqs_json, wire

from .admin import admin_routes
from .logs import log_request, requests_logged
from .metrics import metrics_response
from .signature import syntax_error
from .transport import (
    CORS_PREFLIGHT,
    DYNAMODB_CONTENT_TYPES,
    DYNAMODB_CORS,
    MAX_DYNAMODB_BODY,
    TOO_LARGE,
    UNKNOWN_OPERATION_XML,
    Policy,
    dynamodb_refusal,
    forbidden_host,
    inflated,
    lambda_body_limit,
    lambda_refusal,
    lambda_too_large,
    media_type,
    wants_gzip,
)

if TYPE_CHECKING:  # botocore's signer is imported only when --auth is given
    from .auth import Verifier

# SQS calls run in threads of their own, this many at once: a long poll
# holds its thread up to 20 s, and waiting consumers must never take the
# threads every other call shares (Starlette's pool of 40)
SQS_THREADS = 256

def error_payload(name: str, message: str) -> bytes:
    """A transport error in DynamoDB's envelope (AWS's front door answers
    these, under the coral namespace, before any service sees the call)."""
    return orjson.dumps({"__type": f"com.amazon.coral.service#{name}", "message": message})


def refusal_payload(refused: tuple[int, str, str]) -> bytes:
    """The body answering a transport refusal of a DynamoDB call."""
    status, name, message = refused
    if status == 404 and name == "UnknownOperationException":
        return UNKNOWN_OPERATION_XML
    return error_payload(name, message)


def error_response(status: int, name: str, message: str,
                   cors: dict[str, str] = DYNAMODB_CORS) -> Response:
    payload = refusal_payload((status, name, message))
    headers = wire.response_headers(payload)
    if payload == UNKNOWN_OPERATION_XML:  # DynamoDB sends it without a Content-Type
        del headers["Content-Type"]
    return Response(payload, status, {**headers, **cors})


def unknown_operation() -> Response:
    """DynamoDB's answer to a request that is no call it serves."""
    return error_response(404, "UnknownOperationException", "")


def echoed_content_type(request: Request) -> str:
    """DynamoDB answers in the JSON type it was sent."""
    sent = media_type(header_bytes(request, "content-type"))
    return sent.decode() if sent in DYNAMODB_CONTENT_TYPES else wire.CONTENT_TYPE


def lambda_error(status: int, name: str, message: str, cors: dict[str, str]) -> Response:
    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": name, **cors}
    return Response(orjson.dumps({"Type": "User", "message": message}), status, headers)


class TooLarge(Exception):
    """A body grew past its cap while being read. The answer keeps the
    connection: uvicorn drops the rest of the body as it arrives (closing
    with unread input would reset the connection, losing the answer)."""


async def read_body(request: Request, limit: int) -> bytes:
    """The body, read in chunks; TooLarge as soon as it passes `limit`
    (a chunked or lying body is never held whole beyond it)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge
    return bytes(body)


def header_bytes(request: Request, name: str) -> bytes | None:
    value = request.headers.get(name)
    return None if value is None else value.encode("latin-1")


def signed_url(request: Request) -> str:
    """The URL as the client signed it: SigV4 signs the path and query as
    sent (percent-encoded), not Starlette's decoded ones."""
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string", b"")
    url = f"{request.url.scheme}://{request.headers.get('host', '')}{raw_path.decode('latin-1')}"
    return f"{url}?{query.decode('latin-1')}" if query else url


def has_credentials(request: Request) -> bool:
    return "authorization" in request.headers or "X-Amz-Algorithm" in request.query_params


def namespaced(engine: Engine, request: Request) -> Engine:
    """The engine of the request's namespace (account and region, from its
    credentials or host name: dynalite_py/namespaces.py)."""
    return engine.in_namespace(request_namespace(
        engine.config, request.headers.get("authorization"), request.headers.get("host"),
        request.scope.get("query_string", b"").decode("latin-1")))


def inline_runner(engine: Engine) -> Callable[[str | None], bool]:
    """Whether a call named by its X-Amz-Target runs on the event loop. Without
    fsync a commit costs microseconds: handing each write to a thread costs
    more than it saves (measured: PutItem over HTTP, docs/benchmarks.md). A
    remote store (PostgreSQL) waits for round trips: every call in a thread.
    An SQS call may wait (a long poll): always in a thread."""
    if engine.store.remote:
        return lambda _target: False
    inline_writes = engine.config.durability != "fsync"

    def runs_inline(target: str | None) -> bool:
        if sqs_json.is_sqs_target(target):
            return False
        if inline_writes:
            return True
        try:
            return is_read_only(*wire.parse_target(target))
        except DynamoError:
            return True  # wire.handle answers it with the error, no engine work
    return runs_inline


class FrontEnd:
    """The ASGI entry point: POST / (every DynamoDB and Streams call) goes
    straight to its handler; everything else through Starlette's router.
    Skipping the middleware stack and routing on the hot path is worth ~10%
    of a GetItem over HTTP (docs/benchmarks.md)."""

    def __init__(self, dynamodb, router: Starlette) -> None:
        self.dynamodb = dynamodb
        self.router = router

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/":
            response = await self.dynamodb(Request(scope, receive))
            await response(scope, receive, send)
        else:
            await self.router(scope, receive, send)


def create_app(engine: Engine, verifier: Verifier | None = None,
               release_held: Callable[[], None] = lambda: None,
               policy: Policy | None = None, admin: bool | None = None) -> FrontEnd:
    """The application; with a verifier every request's SigV4 signature is
    checked, and the admin page (/_admin) is off unless `admin` is True
    (without one, on unless `admin` is False). `release_held` commits and
    answers the writes the fast lane holds (fastlane.HeldWrites), before a
    call runs here on the event loop."""
    runs_inline = inline_runner(engine)
    policy = policy or Policy()
    sqs_threads = CapacityLimiter(SQS_THREADS)

    def signature_refusal(request: Request, body: bytes, service: str) -> DynamoError | None:
        if verifier is None:
            return None
        try:
            verifier.verify(request.method, signed_url(request), dict(request.headers), body,
                            service=service)
        except DynamoError as error:
            return error
        return None

    async def dynamodb(request: Request) -> Response:
        transport = (policy, header_bytes(request, "host"),
                     header_bytes(request, "content-length"),
                     header_bytes(request, "content-type"))
        refused = dynamodb_refusal(*transport)
        if refused is not None:
            return error_response(*refused)
        try:
            body = await read_body(request, MAX_DYNAMODB_BODY)
        except TooLarge:
            return error_response(*TOO_LARGE)
        except ClientDisconnect:
            return Response(b"", 400)  # no one is listening
        refused = dynamodb_refusal(*transport, body_length=len(body))  # a chunked body
        if refused is not None:
            return error_response(*refused)
        target = request.headers.get("x-amz-target")
        sqs = sqs_json.is_sqs_target(target)
        # the signature's verdict is answered after routing and parsing (wire.parse_call)
        error = signature_refusal(request, body, "sqs" if sqs else "dynamodb") \
            if verifier is not None \
            else syntax_error(request.scope.get("query_string", b"").decode("latin-1"),
                              dict(request.headers))
        try:  # signed as sent; read as it was before compression
            body = inflated(body, request.headers.get("content-encoding"), MAX_DYNAMODB_BODY)
        except (ValueError, zlib.error):
            return error_response(400, "SerializationException",
                                  "The request body could not be decompressed")
        if body is None:
            return error_response(*TOO_LARGE)
        started = time.perf_counter()
        served = engine  # a refused request opens no namespace: the root answers it
        if error is None:
            try:  # a namespace's first call registers it in the store (once)
                served = namespaced(engine, request)
            except DynamoError as failure:
                error = failure
        if sqs:
            endpoint = f"{request.url.scheme}://{request.headers.get('host', '')}"
            status, headers, payload = await to_thread.run_sync(
                sqs_json.handle, served, target, body, endpoint, error, limiter=sqs_threads)
        elif runs_inline(target):
            release_held()  # a write of this call must not join their commit
            status, headers, payload = wire.handle(served, target, body, error)
        else:  # fsync writes wait for a flush: keep the event loop free meanwhile
            status, headers, payload = await run_in_threadpool(wire.handle, served, target,
                                                               body, error)
        if requests_logged():
            log_request(target, body, status, started, headers["x-amzn-RequestId"])
        headers["Content-Type"] = echoed_content_type(request)
        if wants_gzip(request.headers.get("accept-encoding")):
            payload = gzip.compress(payload, compresslevel=6, mtime=0)
            headers.update({"Content-Encoding": "gzip", "x-amz-crc32": str(zlib.crc32(payload))})
        return Response(payload, status, {**headers, **DYNAMODB_CORS})

    async def health(request: Request) -> Response:
        if not policy.host_allowed(header_bytes(request, "host")):
            return error_response(*forbidden_host(header_bytes(request, "host")))
        payload = f"healthy: dynamodb.{engine.config.region}.amazonaws.com ".encode()
        return Response(payload, 200, {**wire.response_headers(payload), **DYNAMODB_CORS,
                                       "Content-Type": "text/plain"})

    async def lambda_api(request: Request) -> Response:
        """The Lambda REST API subset (functions, Invoke, event source mappings)."""
        cors = policy.cors_headers(request.headers.get("origin"))
        path = request.url.path
        if not rest.is_lambda_path(path):
            return unknown_operation()
        try:
            operation = rest.route(engine.lambda_operations(), request.method, path)[0]
        except DynamoError as error:
            return lambda_error(error.status, error.name, error.message, cors)
        refused = lambda_refusal(policy, operation, header_bytes(request, "host"),
                                 header_bytes(request, "content-length"),
                                 header_bytes(request, "content-type"),
                                 has_credentials(request))
        if refused is not None:
            return lambda_error(*refused, cors)
        try:
            body = await read_body(request, lambda_body_limit(operation))
        except TooLarge:
            return lambda_error(*lambda_too_large(operation), cors)
        except ClientDisconnect:
            return Response(b"", 400)
        error = signature_refusal(request, body, "lambda")
        if error is not None:
            return lambda_error(error.status, error.name, error.message, cors)
        try:
            served = namespaced(engine, request)
        except DynamoError as failure:
            return lambda_error(failure.status, failure.name, failure.message, cors)
        status, headers, payload = await run_in_threadpool(
            rest.handle, served, request.method, path, request.url.query,
            dict(request.headers), body)
        return Response(payload, status, {**headers, **cors})

    def diagnostic_refusal(request: Request, cors: dict[str, str]) -> Response | None:
        """The refusal of a /_dynalite route (or /metrics): the transport
        rules and, with --auth, a signature."""
        host = header_bytes(request, "host")
        if not policy.host_allowed(host):
            return error_response(*forbidden_host(host), cors=cors)
        if verifier is not None:
            if not has_credentials(request):
                return error_response(400, "MissingAuthenticationTokenException",
                                      "Request is missing Authentication Token", cors=cors)
            error = signature_refusal(request, b"", "dynamodb")
            if error is not None:
                return error_response(error.status, error.name, error.message, cors=cors)
        return None

    async def diagnostic(request: Request, answer: Callable[[], object]) -> Response:
        """A /_dynalite route's JSON answer, unless refused."""
        cors = policy.cors_headers(request.headers.get("origin"))
        refused = diagnostic_refusal(request, cors)
        if refused is not None:
            return refused
        return Response(orjson.dumps(answer()), 200,
                        {**cors, "Content-Type": "application/json"})

    async def metrics(request: Request) -> Response:
        """Prometheus's scrape (server/metrics.py), under the /_dynalite rules."""
        cors = policy.cors_headers(request.headers.get("origin"))
        return diagnostic_refusal(request, cors) or \
            await run_in_threadpool(metrics_response, engine, cors)

    async def failures(request: Request) -> Response:
        """On-failure records kept for one destination ARN (SQS/SNS)."""
        destination = request.path_params["destination"]
        namespace = arn_namespace(destination)  # its namespace's, if open (never opened here)
        served = (engine.opened(namespace) if namespace else None) or engine
        return await diagnostic(request, lambda: stored_failures(served, destination))

    async def statistics(request: Request) -> Response:
        """Per-table consumed capacity and throttled requests of this server."""
        return await diagnostic(request, engine.throttler.statistics)

    async def insights(request: Request) -> Response:
        """Contributor Insights' most accessed and throttled keys of a table
        (?index=NAME for an index, ?limit=N, default 10) counted by this
        server process."""
        limit = request.query_params.get("limit", "10")
        return await diagnostic(request, lambda: engine.insights.top(
            request.path_params["table"], request.query_params.get("index"),
            int(limit) if limit.isdigit() else 10))

    async def store_health(request: Request) -> Response:
        """Whether the store answers (a load balancer's check): 200 or 503,
        with the store's kind. Unsigned even with --auth, as GET / is: a
        balancer cannot sign, and the answer tells no data."""
        cors = policy.cors_headers(request.headers.get("origin"))
        host = header_bytes(request, "host")
        if not policy.host_allowed(host):
            return error_response(*forbidden_host(host), cors=cors)
        healthy = await run_in_threadpool(engine.store.answers)
        return Response(orjson.dumps({"store": engine.store.kind, "healthy": healthy}),
                        200 if healthy else 503, {**cors, "Content-Type": "application/json"})

    async def preflight(request: Request) -> Response:
        """CORS preflight: DynamoDB's path answers as DynamoDB does; the
        others only for the origins the operator listed."""
        requested = request.headers.get("access-control-request-headers", "*")
        if not policy.host_allowed(header_bytes(request, "host")):
            return Response(b"", 403)
        if "origin" not in request.headers:
            return unknown_operation()
        cors = DYNAMODB_CORS if request.url.path == "/" else \
            policy.cors_headers(request.headers.get("origin"))
        if not cors:
            return Response(b"", 403)
        return Response(b"", 200, {**cors, **CORS_PREFLIGHT,
                                   "Access-Control-Allow-Headers": requested})

    async def no_route(request: Request, _: Exception) -> Response:
        return unknown_operation()

    serves_admin = verifier is None if admin is None else admin
    admin_pages = admin_routes(engine, policy) if serves_admin else []
    return FrontEnd(dynamodb, Starlette(exception_handlers={404: no_route, 405: no_route}, routes=[
        *admin_pages,
        Route("/", dynamodb, methods=["POST"]),
        Route("/", health, methods=["GET"]),
        Route("/{path:path}", preflight, methods=["OPTIONS"]),
        Route("/_dynalite/statistics", statistics, methods=["GET"]),
        Route("/_dynalite/health", store_health, methods=["GET"]),
        Route("/_dynalite/insights/{table}", insights, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/_dynalite/failures/{destination:path}", failures, methods=["GET"]),
        Route("/{path:path}", lambda_api, methods=["GET", "POST", "PUT", "DELETE"]),
    ]))

"""The Starlette application: decode, route, call the engine, encode.

POST /  DynamoDB and DynamoDB Streams operations, routed by X-Amz-Target
GET  /  health answer
GET  /_dynalite/statistics  per-table consumed and throttled capacity
GET  /_dynalite/failures/<destination ARN>  trigger on-failure records
/2015-03-31/..., /2017-10-31/...  the Lambda REST API subset (rest.py)
Transport rules applied here: an Authorization header is required
(MissingAuthenticationTokenException) and, with --auth, its SigV4 signature
is verified (auth.py); bodies above 16 MB get 413; every response carries
CORS headers so browser clients work.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dynalite_py import rest, wire
from dynalite_py.engine import Engine, is_read_only
from dynalite_py.errors import DynamoError

if TYPE_CHECKING:  # botocore's signer is imported only when --auth is given
    from .auth import Verifier

log = logging.getLogger("dynalite_py.server")

MAX_BODY_BYTES = 16 * 1024 * 1024
CORS_HEADERS = {"Access-Control-Allow-Origin": "*",
                "Access-Control-Expose-Headers":
                    "x-amzn-RequestId,x-amzn-ErrorType,x-amz-crc32,Date"}
CORS_PREFLIGHT = {"Access-Control-Allow-Methods": "GET,POST,PUT,DELETE,OPTIONS",
                  "Access-Control-Max-Age": "172800"}


TOO_LARGE = (413, "RequestEntityTooLarge",
             f"Request payload size exceeds the limit of {MAX_BODY_BYTES} bytes")
MISSING_TOKEN = (400, "MissingAuthenticationTokenException",
                 "Request is missing Authentication Token")


def error_payload(name: str, message: str, namespace: str = "com.amazon.coral.service") -> bytes:
    return orjson.dumps({"__type": f"{namespace}#{name}", "message": message})


def error_response(status: int, name: str, message: str,
                   namespace: str = "com.amazon.coral.service") -> Response:
    payload = error_payload(name, message, namespace)
    return Response(payload, status, {**wire.response_headers(payload), **CORS_HEADERS})


def transport_refusal(content_length: str | None, has_credentials: bool,
                      body_length: int = 0) -> tuple[int, str, str] | None:
    """(status, error name, message) for a DynamoDB call refused by transport
    rules: a body (declared, or as read so far) over the limit, or no
    credentials at all."""
    declared = int(content_length) if content_length and content_length.isdigit() else 0
    if max(declared, body_length) > MAX_BODY_BYTES:
        return TOO_LARGE
    if not has_credentials:
        return MISSING_TOKEN
    return None


def inline_runner(engine: Engine) -> Callable[[str | None], bool]:
    """Whether a call named by its X-Amz-Target runs on the event loop. Without
    fsync a commit costs microseconds: handing each write to a thread costs
    more than it saves (measured: PutItem over HTTP, docs/benchmarks.md). A
    remote store (PostgreSQL) waits for round trips: every call in a thread."""
    if engine.store.remote:
        return lambda _target: False
    inline_writes = engine.config.durability != "fsync"

    def runs_inline(target: str | None) -> bool:
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
               release_held: Callable[[], None] = lambda: None) -> FrontEnd:
    """The application; with a verifier every request's SigV4 signature is
    checked. `release_held` commits and answers the writes the fast lane
    holds (fastlane.HeldWrites), before a call runs here on the event loop."""
    runs_inline = inline_runner(engine)

    async def dynamodb(request: Request) -> Response:
        refusal = transport_refusal(request.headers.get("content-length"),
                                    "authorization" in request.headers
                                    or "X-Amz-Algorithm" in request.query_params)
        if refusal is not None:
            return error_response(*refusal)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:  # more than it declared
            return error_response(*TOO_LARGE)
        if verifier is not None:
            try:
                verifier.verify(request.method, str(request.url), dict(request.headers), body)
            except DynamoError as error:
                return error_response(error.status, error.name, error.message)
        target = request.headers.get("x-amz-target")
        if runs_inline(target):
            release_held()  # a write of this call must not join their commit
            status, headers, payload = wire.handle(engine, target, body)
        else:  # fsync writes wait for a flush: keep the event loop free meanwhile
            status, headers, payload = await run_in_threadpool(wire.handle, engine, target, body)
        log.debug("%s %s", target, status)
        return Response(payload, status, {**headers, **CORS_HEADERS})

    async def health(request: Request) -> Response:
        return Response(f"healthy: dynamodb.{engine.config.region}.amazonaws.com ",
                        200, CORS_HEADERS, media_type="text/plain")

    async def lambda_api(request: Request) -> Response:
        """The Lambda REST API subset (functions, Invoke, event source mappings)."""
        if not rest.is_lambda_path(request.url.path):
            return error_response(404, "UnknownOperationException",
                                  f"No operation at {request.method} {request.url.path}")
        body = await request.body()
        if verifier is not None:
            try:
                verifier.verify(request.method, str(request.url), dict(request.headers), body)
            except DynamoError as error:
                return error_response(error.status, error.name, error.message)
        status, headers, payload = await run_in_threadpool(
            rest.handle, engine, request.method, request.url.path, request.url.query,
            dict(request.headers), body)
        return Response(payload, status, {**headers, **CORS_HEADERS})

    async def failures(request: Request) -> Response:
        """On-failure records kept for one destination ARN (SQS/SNS)."""
        from dynalite_py.mappings import failures as stored_failures
        found = stored_failures(engine, request.path_params["destination"])
        return Response(orjson.dumps(found), 200, {**CORS_HEADERS,
                                                   "Content-Type": "application/json"})

    async def statistics(request: Request) -> Response:
        """Per-table consumed capacity and throttled requests of this server."""
        return Response(orjson.dumps(engine.throttler.statistics()), 200,
                        {**CORS_HEADERS, "Content-Type": "application/json"})

    async def preflight(request: Request) -> Response:
        requested = request.headers.get("access-control-request-headers", "*")
        return Response(b"", 200, {**CORS_HEADERS, **CORS_PREFLIGHT,
                                   "Access-Control-Allow-Headers": requested})

    return FrontEnd(dynamodb, Starlette(routes=[
        Route("/", dynamodb, methods=["POST"]),
        Route("/", health, methods=["GET"]),
        Route("/", preflight, methods=["OPTIONS"]),
        Route("/_dynalite/statistics", statistics, methods=["GET"]),
        Route("/_dynalite/failures/{destination:path}", failures, methods=["GET"]),
        Route("/{path:path}", lambda_api, methods=["GET", "POST", "PUT", "DELETE"]),
    ]))

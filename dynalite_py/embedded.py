"""The embedded API: the engine in-process, with real boto3 clients wired to
it through botocore's event hooks instead of a socket.

    db = dynalite_py.open("./data")        # or open() for a temporary one
    client = db.client()                   # a real boto3 DynamoDB client
    table = db.resource().Table("users")   # a real boto3 resource
    db.call("GetItem", {...})              # the engine's own entry point

A `before-send` hook hands botocore's prepared request to the same wire
codec the HTTP server uses and returns its bytes as the HTTP response, so
errors, responses, waiters and paginators behave exactly as over HTTP.
"""
from __future__ import annotations

import boto3
from botocore.awsrequest import AWSResponse

from . import wire
from .config import Config
from .engine import Engine

EMBEDDED_ENDPOINT = "http://dynalite.embedded"


class _Body:
    """The raw-response object botocore reads the body from."""

    def __init__(self, payload: bytes) -> None:
        self._payload = payload

    def stream(self, **_kwargs):
        yield self._payload

    def read(self, *_args) -> bytes:
        return self._payload


class Database:
    """An open data directory: the engine plus boto3 clients bound to it."""

    def __init__(self, path: str | None = None, config: Config | None = None) -> None:
        self.engine = Engine(path, config)
        self.config = self.engine.config
        self._session = boto3.session.Session(
            aws_access_key_id="embedded", aws_secret_access_key="embedded",
            region_name=self.config.region)

    @property
    def path(self) -> str:
        return self.engine.path

    def call(self, operation: str, request: dict) -> dict:
        return self.engine.call(operation, request)

    def client(self, service: str = "dynamodb", **kwargs):
        """A boto3 client ("dynamodb" or "dynamodbstreams") served in-process."""
        client = self._session.client(service, endpoint_url=EMBEDDED_ENDPOINT, **kwargs)
        self._attach(client)
        return client

    def resource(self, **kwargs):
        """A boto3 DynamoDB service resource served in-process."""
        resource = self._session.resource("dynamodb", endpoint_url=EMBEDDED_ENDPOINT, **kwargs)
        self._attach(resource.meta.client)
        return resource

    def _attach(self, client) -> None:
        client.meta.events.register("before-send", self._send)

    def _send(self, request, **_kwargs) -> AWSResponse:
        body = request.body or b""
        if not isinstance(body, bytes):
            body = body.encode() if isinstance(body, str) else body.read()
        target = request.headers.get("X-Amz-Target")
        if isinstance(target, bytes):
            target = target.decode()
        status, headers, payload = wire.handle(self.engine, target, body)
        return AWSResponse(request.url, status, headers, _Body(payload))

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def open(path: str | None = None, **settings) -> Database:  # noqa: A001 - the public name
    """Open (creating if needed) a data directory; None means a temporary one.

    Keyword settings override Config fields (e.g. durability="fsync",
    table_status_delay=2.0); DYNALITE_* environment variables apply too.
    """
    return Database(path, Config.from_env(**settings))

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

from urllib.parse import urlsplit

import boto3
from botocore.awsrequest import AWSResponse

from .config import Config
from .engine import Engine
from .lambda_.bridge.triggers import Trigger
from .lambda_.functions.functions import new_record
from .lambda_.mappings.mappings import failures as stored_failures
from .namespaces import arn_namespace, request_namespace
from .protocol import rest, sqs_json, wire

EMBEDDED_ENDPOINT = "http://dynalite.embedded"


class _Body:
    """The raw-response object botocore reads the body from."""

    def __init__(self, payload: bytes) -> None:
        self._payload = payload

    def stream(self, **_kwargs):
        yield self._payload

    def read(self, *_args) -> bytes:
        return self._payload


def _text(header: str | bytes | None) -> str | None:
    return header.decode() if isinstance(header, bytes) else header


class Database:
    """An open data directory: the engine plus boto3 clients bound to it."""

    def __init__(self, path: str | None = None, config: Config | None = None) -> None:
        self.engine = Engine(path, config)
        self.config = self.engine.config
        # `call(operation, request)`: the engine's own method, one frame less per call
        self.call = self.engine.call
        self._session = boto3.session.Session(
            aws_access_key_id="embedded", aws_secret_access_key="embedded",
            region_name=self.config.region)

    @property
    def path(self) -> str:
        return self.engine.path

    def client(self, service: str = "dynamodb", **kwargs):
        """A boto3 client ("dynamodb", "dynamodbstreams", "lambda" or "sqs") served in-process."""
        client = self._session.client(service, endpoint_url=EMBEDDED_ENDPOINT, **kwargs)
        self._attach(client)
        return client

    def resource(self, **kwargs):
        """A boto3 DynamoDB service resource served in-process."""
        resource = self._session.resource("dynamodb", endpoint_url=EMBEDDED_ENDPOINT, **kwargs)
        self._attach(resource.meta.client)
        return resource

    # Triggers ---------------------------------------------------------------
    def register_function(self, name: str, handler, timeout: float = 3,
                          memory_size: int = 128, environment: dict | None = None) -> None:
        """Register a plain Python callable(event, context) as a Lambda function of
        this process; mappings, Invoke and the Lambda API then treat it like any other."""
        functions = self.engine.functions
        functions.callables[name] = handler
        record = new_record(functions, {"FunctionName": name, "Timeout": timeout,
                                        "MemorySize": memory_size,
                                        "Environment": {"Variables": environment or {}}},
                            {"code_dir": None, "callable": True, "Handler": "embedded.callable"})
        self.engine.store.write(lambda ctx: functions.put(ctx, record))

    def add_trigger(self, table: str, handler, code_dir: str | None = None) -> None:
        """Run `handler` on every change of `table` once it has a stream:
        a callable, or a "module.function" name importable from code_dir."""
        if callable(handler):
            trigger = Trigger(table, f"embedded.{getattr(handler, '__name__', 'handler')}",
                              None, handler)
        else:
            trigger = Trigger(table, handler, code_dir)
        self.engine.add_trigger(trigger)

    def on_failure(self, destination_arn: str, callback) -> None:
        """Call `callback(record)` for each on-failure record sent to destination_arn."""
        self._engine_of(destination_arn).failure_callbacks[destination_arn] = callback

    def failures(self, destination_arn: str) -> list[dict]:
        """On-failure records kept for a destination (SQS/SNS ARN) so far."""
        namespace = arn_namespace(destination_arn)
        engine = (self.engine.opened(namespace) if namespace else None) or self.engine
        return stored_failures(engine, destination_arn)

    def _engine_of(self, arn: str) -> Engine:
        """The engine of the namespace an ARN names (its functions send there)."""
        return self.engine.in_namespace(arn_namespace(arn))

    def contributor_insights(self, table: str, index: str | None = None,
                             limit: int = 10) -> dict[str, list[dict]]:
        """The most accessed (PKC, SKC) and most throttled (PKT, SKT) keys
        of a table or index while its Contributor Insights is ENABLED:
        {rule: [{"Key": {...}, "Count": n}]}, most first
        (dynamodb/insights/counts.py)."""
        return self.engine.insights.top(table, index, limit)

    def _attach(self, client) -> None:
        client.meta.events.register("before-send", self.send)

    def send(self, request, **_kwargs) -> AWSResponse:
        """Answer a botocore prepared request in-process (a `before-send`
        handler: db.client() and dynalite_py.mock_aws() both route here)."""
        body = request.body or b""
        if not isinstance(body, bytes):
            body = body.encode() if isinstance(body, str) else body.read()
        url = urlsplit(request.url)
        # the client's region and access key (its signature), or the region
        # its AWS host names (a mock_aws client's unsigned call)
        engine = self.engine.in_namespace(request_namespace(
            self.config, _text(request.headers.get("Authorization")), url.netloc, url.query))
        if rest.is_lambda_path(url.path):
            headers = {k: _text(v) for k, v in request.headers.items()}
            status, response_headers, payload = rest.handle(engine, request.method,
                                                            url.path, url.query, headers, body)
            return AWSResponse(request.url, status, response_headers, _Body(payload))
        target = _text(request.headers.get("X-Amz-Target"))
        if sqs_json.is_sqs_target(target):
            status, headers, payload = sqs_json.handle(engine, target, body,
                                                       f"{url.scheme}://{url.netloc}")
        else:
            status, headers, payload = wire.handle(engine, target, body)
        return AWSResponse(request.url, status, headers, _Body(payload))

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def open(path: str | None = None, store: str | None = None,  # noqa: A001 - the public name
         **settings) -> Database:
    """Open (creating if needed) a data directory; None means a temporary one,
    ":memory:" the memory backend (one process, nothing kept after close), a
    postgresql:// URL a PostgreSQL database (shared with any server on it).
    `store` names the same as `path` (either one).

    Keyword settings override Config fields (e.g. durability="fsync",
    table_status_delay=2.0); DYNALITE_* environment variables apply too.
    """
    return Database(store if store is not None else path, Config.from_env(**settings))

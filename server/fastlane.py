"""The fast lane: DynamoDB calls answered inside uvicorn's HTTP protocol.

A DynamoDB call over ASGI costs a task, a request/response cycle, an event,
Starlette's Request and Response and two socket writes; the engine's own
work is a fraction of that (py-spy, docs/benchmarks.md). This protocol is
uvicorn's httptools protocol with one change: a plain `POST /` DynamoDB call
that can run on the event loop is answered from the parser's callbacks and
written with one `write` (PutItem, UpdateItem and DeleteItem are held to the
end of the loop's turn and share one commit: `HeldWrites`). Everything else
(other routes, SigV4 checking, fsync writes that wait in a thread,
`Expect: 100-continue`, pipelined requests behind a slow one, the
connection cap's 503) takes the ASGI path unchanged, so uvicorn keeps its
connection handling, timeouts and shutdown.
"""
from __future__ import annotations

import logging
import time
import zlib
from dataclasses import dataclass, field

from uvicorn.protocols.http.httptools_impl import STATUS_LINE

from dynalite_py.engine import STAGED_OPERATIONS, Engine
from dynalite_py.errors import DynamoError
from dynalite_py.namespaces import request_namespace
from dynalite_py.protocol import wire

from .app import inline_runner, refusal_payload
from .connections import DEFAULT_READ_TIMEOUT, GuardedProtocol
from .logs import log_request, requests_logged
from .signature import header_syntax_error
from .transport import (
    DYNAMODB_CONTENT_TYPES,
    DYNAMODB_CORS,
    MAX_DYNAMODB_BODY,
    TOO_LARGE,
    Policy,
    dynamodb_refusal,
    media_type,
)

log = logging.getLogger("dynalite_py.server")

CORS_LINES = b"".join(f"{name}: {value}\r\n".encode() for name, value in DYNAMODB_CORS.items())


# writes whose answers wait for one commit at the end of the event loop's turn
HELD_TARGETS = frozenset(f"DynamoDB_20120810.{name}" for name in STAGED_OPERATIONS)


class HeldWrites:
    """Writes that arrive in one turn of the event loop share one commit
    (without fsync: in fsync mode writes wait for their flush in a thread,
    which serves mixed loads better; docs/benchmarks.md).

    A held write is only queued; a callback behind the turn's I/O events
    answers the queue with `wire.answer_together`: every write is checked and
    planned, then all run in one LMDB transaction, which commits once, then
    the answers are built and sent, so nothing is acknowledged before it is
    committed. N writes then cost one commit and, with several workers, one
    hand-over of LMDB's write lock instead of N; the lock is held only while
    the writes themselves run. Any other request first answers what is held,
    so answers keep their order on a connection and reads see every
    acknowledged write.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.queue: list[tuple[FastLane, Call]] = []

    def hold(self, protocol: FastLane, call: Call) -> None:
        if not self.queue:
            protocol.loop.call_soon(self.release)
        self.queue.append((protocol, call))

    def release(self) -> None:
        """Answer the held writes."""
        if not self.queue:
            return
        queue, self.queue = self.queue, []
        try:
            answers = wire.answer_together(self.engine, [
                (call.target, call.body, call.signature_error) for _, call in queue])
        except Exception as error:  # a bug of ours: answer every call, leave none hanging
            log.exception("held writes failed")
            answers = [wire.failure(error)] * len(queue)
        for (protocol, call), reply in zip(queue, answers):
            protocol.send(call, reply)


@dataclass(slots=True)
class Call:
    """One DynamoDB call read by the fast lane."""
    target: str | None
    body: bytes
    keep_alive: bool
    head: bytes = b""  # the answer's head template (answer_head), by content type
    signature_error: DynamoError | None = None  # the verdict on its Authorization header
    started: float = field(default_factory=time.perf_counter)  # for its latency in the log


def fast_lane_protocol(engine: Engine, policy: Policy, held: HeldWrites | None = None,
                       max_connections: int | None = None,
                       read_timeout: float = DEFAULT_READ_TIMEOUT,
                       inline: bool = True) -> type[FastLane]:
    """uvicorn's protocol class (`uvicorn.run(http=...)`) answering `engine`'s
    inline DynamoDB calls itself (none when not `inline`: signed requests
    are checked on the ASGI path); with `held`, writes share commits.
    Transport refusals (`policy`) are answered here too."""
    runs_inline = inline_runner(engine)
    own_namespace = engine.namespace
    holds = held is not None and engine.config.durability != "fsync" \
        and not engine.store.remote

    class FastLaneProtocol(FastLane):
        def on_message_begin(self) -> None:
            GuardedProtocol.on_message_begin(self)
            self.fast_body: bytearray | None = None
            self.target: str | None = None  # X-Amz-Target, once the headers are in
            self.refused: tuple[int, str, str] | None = None
            self.served = engine  # the engine of the call's namespace

        def on_headers_complete(self) -> None:
            try:
                fast = not self.still_over_capacity() and self.takes_fast_lane()
            except Exception:  # a bug of ours must not cost the request: the ASGI path
                log.exception("fast lane check failed")
                fast = False
            if not fast:
                if held is not None:
                    held.release()  # answers in order, and nothing held behind it
                super().on_headers_complete()
                return
            self.head_started = None
            self.fast_body = bytearray()
            if self.refused is TOO_LARGE:  # declared: refuse before reading it
                self.refuse()

        def takes_fast_lane(self) -> bool:
            if not inline or self.url != b"/" or self.parser.get_method() != b"POST" or \
                    self.expect_100_continue or self.parser.should_upgrade():
                return False
            if self.cycle is not None and not self.cycle.response_complete:
                return False  # behind a request still being answered: keep the order
            target, host, length, content_type, authorization, amz_date, date, encoded = \
                dynamodb_headers(self.headers)
            if encoded:
                return False  # a compressed body, or a compressed answer: the ASGI path
            if not engine.config.shared_namespace:
                namespace = request_namespace(engine.config, _text(authorization), _text(host))
                if namespace != own_namespace:
                    # another account's or region's call: here once its engine
                    # is open (the ASGI path opens it: a write to the store)
                    self.served = engine.opened(namespace)
                    if self.served is None:
                        return False
            self.target = target
            self.refused = dynamodb_refusal(policy, host, length, content_type)
            self.head = response_head(content_type, self.refused)
            # answered after routing and parsing, as DynamoDB orders it (wire.parse_call)
            self.signature_error = header_syntax_error(authorization, amz_date, date)
            return self.refused is not None or runs_inline(target)

        def on_body(self, body: bytes) -> None:
            if self.discarding:  # answered already (refuse): the rest of the feed is dropped
                return
            if self.fast_body is None:
                super().on_body(body)
            elif self.refused is None:
                self.fast_body += body
                if len(self.fast_body) > MAX_DYNAMODB_BODY:  # more than it declared
                    self.refused = TOO_LARGE
                    self.refuse()

        def on_message_complete(self) -> None:
            if self.discarding:
                return
            if self.fast_body is None:
                super().on_message_complete()
                return
            call = Call(self.target, bytes(self.fast_body), self.parser.should_keep_alive(),
                        self.head, self.signature_error)
            self.fast_body = None
            if self.refused is not None:
                self.send(call, (self.refused[0], refusal_payload(self.refused)))
                return
            if holds and call.target in HELD_TARGETS and self.served is engine:
                self.held = True
                held.hold(self, call)
                return
            if held is not None:
                held.release()
            self.send(call, wire.answer(self.served, call.target, call.body,
                                        call.signature_error))

        def refuse(self) -> None:
            """Answer the refusal now and close: the body is not read."""
            self.fast_body = None
            self.answer_and_close(response_bytes(
                self.refused[0], refusal_payload(self.refused),
                self.server_state.default_headers, False, self.head))

    FastLaneProtocol.max_connections = max_connections
    FastLaneProtocol.read_timeout = read_timeout
    return FastLaneProtocol


class FastLane(GuardedProtocol):
    """What the fast lane adds to uvicorn's protocol, whatever its engine."""

    fast_body: bytearray | None = None

    def send(self, call: Call, reply: tuple[int, bytes]) -> None:
        """Write one whole response; then wait for the next request, or close."""
        request_id = wire.request_id()
        if requests_logged():
            log_request(call.target, call.body, reply[0], call.started, request_id)
        self.held = False
        if self.transport.is_closing():
            return  # the client went away meanwhile
        self.transport.write(response_bytes(*reply, self.server_state.default_headers,
                                            call.keep_alive, call.head, request_id))
        if call.keep_alive:
            self.on_response_complete()
        else:
            self.transport.close()

    def reading_body(self) -> bool:
        return self.fast_body is not None or super().reading_body()


def _text(header: bytes | None) -> str | None:
    return None if header is None else header.decode("latin-1")


def response_head(content_type: bytes | None, refused: tuple[int, str, str] | None) -> bytes:
    """The answer's head template: the JSON type the call was sent in (most
    calls send exactly one of them), none for DynamoDB's bare 404."""
    if refused is not None and refused[0] == 404:
        return ANSWER_HEADS[None]
    head = ANSWER_HEADS.get(content_type)
    if head is None:
        head = ANSWER_HEADS.get(media_type(content_type), DEFAULT_HEAD)
    return head


def dynamodb_headers(headers: list[tuple[bytes, bytes]]) -> tuple:
    """(X-Amz-Target, Host, Content-Length, Content-Type, Authorization,
    X-Amz-Date, Date, whether the body or the answer is compressed) in one
    pass (names are lower-cased by the protocol; the first of a repeated
    header wins)."""
    found: dict[bytes, bytes] = {}
    for name, value in headers:
        if name not in found:
            found[name] = value
    get = found.get
    target = get(b"x-amz-target")
    accept = get(b"accept-encoding")
    encoded = b"content-encoding" in found or (accept is not None and b"gzip" in accept)
    return (None if target is None else target.decode("latin-1"), get(b"host"),
            get(b"content-length"), get(b"content-type"), get(b"authorization"),
            get(b"x-amz-date"), get(b"date"), encoded)


def answer_head(content_type: bytes | None) -> bytes:
    """wire.response_headers as bytes around the values that vary (request
    id, CRC32, length), with this content type (None: no Content-Type, as
    DynamoDB answers a call it cannot route)."""
    lines = [] if content_type is None else [b"Content-Type: " + content_type + b"\r\n"]
    lines += [b"x-amzn-RequestId: %s\r\n", b"x-amz-crc32: %d\r\n", CORS_LINES,
              b"content-length: %d\r\n"]
    return b"".join(lines)


# by the request's content type: DynamoDB echoes the JSON type it was sent
ANSWER_HEADS = {media: answer_head(media) for media in DYNAMODB_CONTENT_TYPES}
ANSWER_HEADS[None] = answer_head(None)
DEFAULT_HEAD = ANSWER_HEADS[wire.CONTENT_TYPE.encode()]


def response_bytes(status: int, payload: bytes, default_headers: list[tuple[bytes, bytes]],
                   keep_alive: bool, head_template: bytes = DEFAULT_HEAD,
                   request_id: str | None = None) -> bytes:
    """A whole HTTP/1.1 response, head and body, for a single write."""
    head = head_template % ((request_id or wire.request_id()).encode(), zlib.crc32(payload),
                            len(payload))
    return b"".join([STATUS_LINE[status], default_lines(default_headers), head,
                     b"\r\n" if keep_alive else b"connection: close\r\n\r\n", payload])


_default_lines: tuple[object, bytes] = (None, b"")


def default_lines(default_headers: list[tuple[bytes, bytes]]) -> bytes:
    """uvicorn's default headers (date, server) as header lines; uvicorn makes
    a new list when the date changes, once a second, so the last one is kept."""
    global _default_lines
    if _default_lines[0] is not default_headers:
        _default_lines = (default_headers, b"".join(
            name + b": " + value + b"\r\n" for name, value in default_headers))
    return _default_lines[1]

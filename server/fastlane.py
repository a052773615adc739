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
import zlib
from dataclasses import dataclass

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from dynalite_py import wire
from dynalite_py.engine import STAGED_OPERATIONS, Engine

from .app import (
    CORS_HEADERS,
    MAX_BODY_BYTES,
    error_payload,
    inline_runner,
    transport_refusal,
)

log = logging.getLogger("dynalite_py.server")

CORS_LINES = b"".join(f"{name}: {value}\r\n".encode() for name, value in CORS_HEADERS.items())


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
        refusals = [refusal(call) for _, call in queue]
        runs = [(call.target, call.body) for (_, call), refused in zip(queue, refusals)
                if refused is None]
        try:
            answers = iter(wire.answer_together(self.engine, runs))
        except Exception as error:  # a bug of ours: answer every call, leave none hanging
            log.exception("held writes failed")
            answers = iter([wire.failure(error)] * len(runs))
        for (protocol, call), refused in zip(queue, refusals):
            protocol.send(call, refused or next(answers))


@dataclass(slots=True)
class Call:
    """One DynamoDB call read by the fast lane."""
    headers: list[tuple[bytes, bytes]]
    target: str | None
    body: bytes
    keep_alive: bool


def fast_lane_protocol(engine: Engine, held: HeldWrites | None = None) -> type[FastLane]:
    """uvicorn's protocol class (`uvicorn.run(http=...)`) answering `engine`'s
    inline DynamoDB calls itself; with `held`, writes share commits."""
    runs_inline = inline_runner(engine)
    holds = held is not None and engine.config.durability != "fsync" \
        and not engine.store.remote

    class FastLaneProtocol(FastLane):
        def on_message_begin(self) -> None:
            super().on_message_begin()
            self.fast_body: bytearray | None = None
            self.target: str | None = None  # X-Amz-Target, once the headers are in

        def on_headers_complete(self) -> None:
            try:
                fast = self.takes_fast_lane()
            except Exception:  # a bug of ours must not cost the request: the ASGI path
                log.exception("fast lane check failed")
                fast = False
            if fast:
                self.fast_body = bytearray()
            else:
                if held is not None:
                    held.release()  # answers in order, and nothing held behind it
                super().on_headers_complete()

        def takes_fast_lane(self) -> bool:
            if self.url != b"/" or self.parser.get_method() != b"POST" or \
                    self.expect_100_continue or self.parser.should_upgrade():
                return False
            if self.cycle is not None and not self.cycle.response_complete:
                return False  # behind a request still being answered: keep the order
            if self.limit_concurrency is not None and \
                    len(self.connections) >= self.limit_concurrency:
                return False  # the ASGI path answers 503
            self.target = text(header(self.headers, b"x-amz-target"))
            return runs_inline(self.target)

        def on_body(self, body: bytes) -> None:
            if self.fast_body is None:
                super().on_body(body)
            elif len(self.fast_body) <= MAX_BODY_BYTES:  # past it, only the size matters
                self.fast_body += body

        def on_message_complete(self) -> None:
            if self.fast_body is None:
                super().on_message_complete()
                return
            call = Call(self.headers, self.target, bytes(self.fast_body),
                        self.parser.should_keep_alive())
            self.fast_body = None
            if holds and call.target in HELD_TARGETS:
                held.hold(self, call)
                return
            if held is not None:
                held.release()
            self.send(call, answer(engine, call))

    return FastLaneProtocol


def answer(engine: Engine, call: Call) -> tuple[int, bytes]:
    """(status, payload) of one fast-lane call."""
    return refusal(call) or wire.answer(engine, call.target, call.body)


def refusal(call: Call) -> tuple[int, bytes] | None:
    """The answer to a call the transport rules refuse, else None."""
    refused = transport_refusal(text(header(call.headers, b"content-length")),
                                header(call.headers, b"authorization") is not None,
                                len(call.body))
    return None if refused is None else (refused[0], error_payload(refused[1], refused[2]))


class FastLane(HttpToolsProtocol):
    """What the fast lane adds to uvicorn's protocol, whatever its engine."""

    def send(self, call: Call, reply: tuple[int, bytes]) -> None:
        """Write one whole response; then wait for the next request, or close."""
        log.debug("%s %s", call.target, reply[0])
        if self.transport.is_closing():
            return  # the client went away meanwhile
        self.transport.write(response_bytes(*reply, self.server_state.default_headers,
                                            call.keep_alive))
        if call.keep_alive:
            self.on_response_complete()
        else:
            self.transport.close()


def header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """The first value of a header (names are lower-cased by the protocol)."""
    for key, value in headers:
        if key == name:
            return value
    return None


def text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("latin-1")


# wire.response_headers, as bytes around the two values that vary
ANSWER_HEAD = "".join(f"{name}: {value}\r\n" for name, value in zip(
    wire.ANSWER_HEADERS, (wire.CONTENT_TYPE, "%s", "%d"))).encode() + \
    CORS_LINES + b"content-length: %d\r\n"


def response_bytes(status: int, payload: bytes,
                   default_headers: list[tuple[bytes, bytes]], keep_alive: bool) -> bytes:
    """A whole HTTP/1.1 response, head and body, for a single write."""
    head = ANSWER_HEAD % (wire.request_id().encode(), zlib.crc32(payload), len(payload))
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

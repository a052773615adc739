"""The fast lane: DynamoDB calls answered inside uvicorn's HTTP protocol.

A DynamoDB call over ASGI costs a task, a request/response cycle, an event,
Starlette's Request and Response and two socket writes; the engine's own
work is a fraction of that (py-spy, docs/benchmarks.md). This protocol is
uvicorn's httptools protocol with one change: a plain `POST /` DynamoDB call
that can run on the event loop is answered from the parser's callbacks and
written with one `write`. Everything else (other routes, SigV4 checking,
fsync writes that wait in a thread, `Expect: 100-continue`, pipelined
requests behind a slow one, the connection cap's 503) takes the ASGI path
unchanged, so uvicorn keeps its connection handling, timeouts and shutdown.
"""
from __future__ import annotations

import logging

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from dynalite_py import wire
from dynalite_py.engine import Engine

from .app import (
    CORS_HEADERS,
    MAX_BODY_BYTES,
    error_payload,
    inline_runner,
    transport_refusal,
)

log = logging.getLogger("dynalite_py.server")

CORS_LINES = b"".join(f"{name}: {value}\r\n".encode() for name, value in CORS_HEADERS.items())


def fast_lane_protocol(engine: Engine) -> type[HttpToolsProtocol]:
    """uvicorn's protocol class (`uvicorn.run(http=...)`) answering `engine`'s
    inline DynamoDB calls itself."""
    runs_inline = inline_runner(engine)

    class FastLaneProtocol(HttpToolsProtocol):
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
            body, self.fast_body = bytes(self.fast_body), None
            status, headers, payload = answer(self.headers, self.target, body)
            keep_alive = self.parser.should_keep_alive()
            self.transport.write(response_bytes(status, headers, payload,
                                                self.server_state.default_headers, keep_alive))
            if keep_alive:
                self.on_response_complete()
            else:
                self.transport.close()

    def answer(headers: list[tuple[bytes, bytes]], target: str | None,
               body: bytes) -> tuple[int, dict[str, str], bytes]:
        refusal = transport_refusal(text(header(headers, b"content-length")),
                                    header(headers, b"authorization") is not None, len(body))
        if refusal is not None:
            payload = error_payload(refusal[1], refusal[2])
            return refusal[0], wire.response_headers(payload), payload
        status, response_headers, payload = wire.handle(engine, target, body)
        log.debug("%s %s", target, status)
        return status, response_headers, payload

    return FastLaneProtocol


def header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """The first value of a header (names are lower-cased by the protocol)."""
    for key, value in headers:
        if key == name:
            return value
    return None


def text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("latin-1")


def response_bytes(status: int, headers: dict[str, str], payload: bytes,
                   default_headers: list[tuple[bytes, bytes]], keep_alive: bool) -> bytes:
    """A whole HTTP/1.1 response, head and body, for a single write."""
    lines = "".join([f"{name}: {value}\r\n" for name, value in headers.items()])
    return b"".join([STATUS_LINE[status], default_lines(default_headers),
                     lines.encode("latin-1"), CORS_LINES,
                     b"content-length: %d\r\n" % len(payload),
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

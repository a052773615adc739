"""Connection limits: idle and slow connections cannot starve real ones.

uvicorn's httptools protocol arms a keep-alive timeout only after a
response, and caps connections by refusing new ones with 503, so sockets
that connect and send nothing, or send a request head a byte at a time
(slowloris), hold the cap forever. This protocol adds:
- a request head (line and headers) of at most MAX_HEAD_BYTES: uvicorn
  keeps the URL and headers in memory as they arrive, without a bound;
- deadlines: a new connection that sends nothing closes after the
  keep-alive timeout, a request head must arrive within `read_timeout` of
  its first byte, and a body may pause at most `read_timeout` between reads
  (one sweep a second checks every connection, so the request path only
  records times);
- room on demand: at the cap, a new connection closes one not being
  answered: first those that were never answered (silent sockets, heads
  sent a byte at a time), then keep-alive ones, the quietest first. Only
  requests the server is working on count against the cap, a client that
  has been answered keeps its connection while newcomers flood in, and a
  503 goes out only when every connection holds a request.
"""
from __future__ import annotations

import asyncio
import logging
import time

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

log = logging.getLogger("dynalite_py.server")

DEFAULT_READ_TIMEOUT = 10.0  # seconds
MAX_HEAD_BYTES = 64 * 1024  # a request line and headers beyond this get 431
SWEEP_INTERVAL = 1.0
_now = time.monotonic  # the request path records times; the sweep compares them
LINGER_SECONDS = 2.0  # after a last answer, what the client still sends is read and dropped
HEAD_TOO_LARGE = (STATUS_LINE[431] + b"content-type: text/plain; charset=utf-8\r\n"
                  b"content-length: 31\r\nconnection: close\r\n\r\n"
                  b"Request Header Fields Too Large")
SERVICE_UNAVAILABLE = (STATUS_LINE[503] + b"content-type: text/plain; charset=utf-8\r\n"
                       b"content-length: 19\r\nconnection: close\r\n\r\nService Unavailable")


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's protocol with deadlines and room made on demand; the class
    attributes are the cap (None: no cap) and the read deadline."""

    max_connections: int | None = None
    read_timeout: float = DEFAULT_READ_TIMEOUT

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.last_data = _now()
        self.head_started: float | None = None  # while a request head is incomplete
        self.held = False  # a write of this connection waits for a shared commit
        self.answered = False  # a response went out on this connection
        self.over_capacity = False
        self.discarding = False  # a last answer went out: input is dropped until the close
        # silent from the start: closed like a keep-alive connection gone quiet
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler)
        start_sweeps(self.loop, self.server_state)
        self.over_capacity = self.max_connections is not None
        self.still_over_capacity()

    def data_received(self, data: bytes) -> None:
        if self.discarding:
            return
        self.last_data = _now()
        HttpToolsProtocol.data_received(self, data)  # no super(): this runs per read
        if self.head_started is not None:  # the head is still incomplete after this
            self.head_bytes += len(data)
            if self.head_bytes > MAX_HEAD_BYTES:
                self.answer_and_close(HEAD_TOO_LARGE)  # the parser would buffer it all

    def answer_and_close(self, response: bytes) -> None:
        """Send a last answer to a request not read to its end, then drop what
        the client still sends for a moment before closing: a close with
        unread input resets the connection, and the client may lose the answer."""
        if self.transport.is_closing() or self.discarding:
            return
        self.discarding = True
        self.head_started = None
        self.transport.write(response)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def on_message_begin(self) -> None:
        HttpToolsProtocol.on_message_begin(self)
        self.head_started = self.last_data
        self.head_bytes = 0

    def still_over_capacity(self) -> bool:
        """Whether this connection is beyond the cap with no room to be made
        (checked on arrival, and again when its request head is in)."""
        if self.over_capacity:
            self.over_capacity = len(self.connections) > self.max_connections \
                and not close_quietest(self.connections, self)
        return self.over_capacity

    def on_headers_complete(self) -> None:
        self.head_started = None
        if self.still_over_capacity():
            self.refuse_unavailable()
            return
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        self.answered = True
        HttpToolsProtocol.on_response_complete(self)

    def refuse_unavailable(self) -> None:
        """503 and close: every connection of the cap holds a request."""
        log.warning("every connection is busy: 503")
        self.answer_and_close(SERVICE_UNAVAILABLE)

    def is_busy(self) -> bool:
        """Whether the server is working on a request of this connection
        (its head and body read, its answer not yet sent)."""
        if self.held:
            return True
        cycle = self.cycle
        return cycle is not None and not cycle.response_complete and not cycle.more_body

    def reading_body(self) -> bool:
        cycle = self.cycle
        return cycle is not None and cycle.more_body and not cycle.response_complete

    def past_deadline(self, now: float) -> bool:
        if self.head_started is not None:
            return now - self.head_started > self.read_timeout
        return self.reading_body() and now - self.last_data > self.read_timeout


def close_quietest(connections: set, newcomer: GuardedProtocol) -> bool:
    """Close a connection not being answered, to make room for `newcomer`:
    never answered before answered ones, the quietest first; False if every
    other one is busy."""
    candidates = [connection for connection in connections
                  if connection is not newcomer and isinstance(connection, GuardedProtocol)
                  and not connection.is_busy() and not connection.transport.is_closing()]
    if not candidates:
        return False
    quietest = min(candidates,
                   key=lambda connection: (connection.answered, connection.last_data))
    quietest.transport.close()
    connections.discard(quietest)  # its connection_lost follows on the loop
    return True


def start_sweeps(loop: asyncio.AbstractEventLoop, server_state) -> None:
    """Check the deadlines of every connection of a server once a second,
    from its first connection on."""
    if getattr(server_state, "swept", False):
        return
    server_state.swept = True
    connections = server_state.connections

    def sweep() -> None:
        now = _now()
        for connection in list(connections):
            if isinstance(connection, GuardedProtocol) and connection.past_deadline(now) \
                    and not connection.transport.is_closing():
                connection.transport.close()
        loop.call_later(SWEEP_INTERVAL, sweep)

    loop.call_later(SWEEP_INTERVAL, sweep)

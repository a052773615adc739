"""Stream wake-ups between servers: a write that adds stream records sends
NOTIFY on the store's channel in its transaction (delivered at commit); each
server LISTENs on a connection of its own and calls its
`after_stream_commit` listeners on every notification from another store
(the payload names the sender; a store's own commits wake its listeners
directly), so a trigger bridge on one server wakes for a record written
through another.

A speed-up only: readers of the stream also poll, so a database without
LISTEN/NOTIFY (CockroachDB) or a lost notification costs latency, never a
record. The listening connection is made again after a loss. Stopping sends
the store's own notification, so the listener leaves its wait at once
instead of at the next check (a closed store no longer waits up to _WAIT).
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

import psycopg
from psycopg import sql

from .databases import one_line

log = logging.getLogger("dynalite_py")
_WAIT = 0.5  # seconds between checks that the store is still open
_RECONNECT_DELAY = 1.0


def channel_name(schema: str) -> str:
    """The store's channel: one per schema (NOTIFY is per database already)."""
    return f"dynalite_streams_{schema}"[:63]


def notify_statement(channel: str, sender: str) -> bytes:
    return sql.SQL("NOTIFY {}, {}").format(sql.Identifier(channel),
                                           sql.Literal(sender)).as_string(None).encode()


class Listener(threading.Thread):
    """LISTEN on `channel` until `stop`, calling `listeners()`' functions on
    each notification that `sender` did not send."""

    def __init__(self, url: str, channel: str, sender: str,
                 listeners: Callable[[], list[Callable[[], None]]]) -> None:
        super().__init__(name="dynalite-pg-listener", daemon=True)
        self._url = url
        self._channel = channel
        self._sender = sender
        self._listeners = listeners
        self._stopping = threading.Event()

    def run(self) -> None:
        self._connected = True  # a loss is logged once, not at every attempt after it
        while not self._stopping.is_set():
            try:
                self._listen()
            except psycopg.errors.FeatureNotSupported:
                log.info("the database has no LISTEN: stream readers poll")
                return
            except psycopg.Error as error:
                if self._connected:
                    log.warning("stream wake-ups lost (%s): reconnecting", one_line(error))
                self._connected = False
                self._stopping.wait(_RECONNECT_DELAY)

    def _listen(self) -> None:
        with psycopg.connect(self._url, autocommit=True) as conn:
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
            self._connected = True
            while not self._stopping.is_set():
                for notification in conn.notifies(timeout=_WAIT):
                    if self._stopping.is_set():
                        return
                    if notification.payload == self._sender:
                        continue
                    for listener in self._listeners():
                        listener()

    def stop(self, wake: Callable[[], None]) -> None:
        """Stop listening; `wake` sends this store's notification, which ends
        the listener's wait (other servers take it for a commit: one
        spurious wake-up of theirs)."""
        self._stopping.set()
        wake()
        self.join(_WAIT * 4)

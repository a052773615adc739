"""Stream wake-ups between stores on one PostgreSQL database
(storage/postgres/wakeups.py): a commit with stream records through one
store wakes the other stores' listeners, not its own a second time, and
closing a store ends its listener at once rather than at its next check."""
from __future__ import annotations

import threading
import time

import pytest
import support

from dynalite_py.storage import open_store
from dynalite_py.storage.interface import Store
from dynalite_py.storage.postgres import wakeups

pytestmark = pytest.mark.postgres_only("LISTEN/NOTIFY between PostgreSQL stores")


def _streamed_commit(store: Store) -> None:
    """One write whose commit counts as adding stream records."""
    space = store.keyspace("items")

    def work(ctx) -> None:
        space.put(ctx.txn, b"wake-" + str(time.time_ns()).encode(), b"x")
        ctx.streamed = True
    store.write(work)


def _woken(store: Store) -> threading.Event:
    event = threading.Event()
    store.after_stream_commit.append(event.set)
    return event


def test_a_commit_through_one_store_wakes_the_others():
    url = support.store_location(None)
    writer, reader = open_store(url), open_store(url)
    try:
        time.sleep(0.3)  # both listeners are listening
        woken = _woken(reader)
        _streamed_commit(writer)
        assert woken.wait(5)
    finally:
        writer.close()
        reader.close()


def test_closing_a_store_does_not_wait_for_the_listeners_next_check(monkeypatch):
    # with a check every 30 s, a listener that waited for it would hold
    # close() for 30 s; the store's own notification ends the wait
    monkeypatch.setattr(wakeups, "_WAIT", 30.0)
    store = open_store(support.store_location(None))
    time.sleep(0.3)
    started = time.monotonic()
    store.close()
    assert time.monotonic() - started < 10
    assert not store._listener.is_alive()


def test_a_store_closing_wakes_no_listener_of_its_own():
    url = support.store_location(None)
    store = open_store(url)
    woken = _woken(store)
    time.sleep(0.3)
    store.close()
    assert not woken.is_set()

"""Background upkeep: TTL expiry, trimming stream records past retention,
forgetting expired client request tokens, and resuming index backfills
(after a restart).

`sweep` does one pass and is what
tests call after moving the engine's clock; `Sweeper` runs it every
`sweep_interval` seconds on a daemon thread while the engine is open.
"""
from __future__ import annotations

import logging
import threading

from . import streams, transactions, ttl
from .index_builds import resume_backfills
from .items import read_item
from .storage.codec import unpack

log = logging.getLogger("dynalite_py")


def sweep(engine) -> None:
    expire_items(engine)
    trim_streams(engine)
    forget_client_tokens(engine)
    resume_backfills(engine)


def forget_client_tokens(engine) -> None:
    """Drop TransactWriteItems client tokens past their 10 minutes."""
    store, now = engine.store, engine.clock()
    with store.read() as txn:
        keys = transactions.expired_tokens(txn, store, now)
    if keys:
        store.write(lambda ctx: transactions.forget_tokens(ctx, store, keys, now))


def expire_items(engine) -> None:
    """Delete items whose TTL has passed, through the normal delete path."""
    store = engine.store
    now = engine.clock()
    with store.read() as txn:
        due = [(table, keys) for table in engine.catalog.tables(txn)
               if table.ttl_attribute is not None
               and (keys := ttl.expired_item_keys(txn, store, table.id, now))]
    for table, keys in due:
        store.write(lambda ctx, table=table, keys=keys: _expire(ctx, engine, table, keys, now))


def _expire(ctx, engine, table, keys: list[bytes], now: float) -> None:
    table = engine.catalog.current(ctx, table.name)
    if table is None or table.ttl_attribute is None:
        return
    for key in keys:
        stored = read_item(ctx.txn, engine.store, key)
        expiry = ttl.expiry_of(stored.item if stored else None, table.ttl_attribute)
        if expiry is not None and expiry < now:  # still expired as of this transaction
            engine.items.write(ctx, table, key, None, user_identity=streams.TTL_IDENTITY)


def trim_streams(engine) -> None:
    store = engine.store
    cutoff = engine.clock() - engine.config.stream_retention
    with store.read() as txn:
        due = [stream["number"] for stream in streams.all_streams(txn, store)
               if _oldest_record_time(txn, store, stream["number"]) < cutoff]
    for number in due:
        store.write(lambda ctx, number=number: streams.trim_stream(ctx, store, number, cutoff))


def _oldest_record_time(txn, store, number: int) -> float:
    cursor = txn.cursor(db=store.streams)
    prefix = b"R" + number.to_bytes(4, "big")
    if cursor.set_range(prefix) and cursor.key().startswith(prefix):
        return unpack(cursor.value())[0]
    return float("inf")


class Sweeper:
    """Runs `sweep(engine)` periodically until stopped."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dynalite-sweeper", daemon=True)

    def start(self) -> "Sweeper":
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.engine.config.sweep_interval):
            try:
                sweep(self.engine)
            except Exception:  # keep sweeping; a failed pass is retried next time
                log.exception("background sweep failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

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

from . import streams, ttl
from .index_builds import resume_backfills

log = logging.getLogger("dynalite_py")


def sweep(engine) -> None:
    expire_items(engine)
    trim_streams(engine)
    forget_client_tokens(engine)
    resume_backfills(engine)


def forget_client_tokens(engine) -> None:
    """Drop TransactWriteItems client tokens past their 10 minutes."""
    tokens, now = engine.repos.tokens, engine.clock()
    with engine.store.read() as txn:
        expired = tokens.expired(txn, now)
    if expired:
        engine.store.write(lambda ctx: tokens.forget(ctx.txn, expired, now))


def expire_items(engine) -> None:
    """Delete items whose TTL has passed, through the normal delete path."""
    store, expiry = engine.store, engine.repos.expiry
    now = engine.clock()
    with store.read() as txn:
        due = [(table, keys) for table in engine.catalog.tables(txn)
               if table.ttl_attribute is not None
               and (keys := ttl.expired_item_keys(txn, expiry, table.id, now))]
    for table, keys in due:
        store.write(lambda ctx, table=table, keys=keys: _expire(ctx, engine, table, keys, now))


def _expire(ctx, engine, table, keys: list[bytes], now: float) -> None:
    table = engine.catalog.current(ctx, table.name)
    if table is None or table.ttl_attribute is None:
        return
    for key in keys:
        stored = engine.repos.items.read(ctx.txn, key)
        expiry = ttl.expiry_of(stored.item if stored else None, table.ttl_attribute)
        if expiry is not None and expiry < now:  # still expired as of this transaction
            engine.items.write(ctx, table, key, None, user_identity=streams.TTL_IDENTITY)


def trim_streams(engine) -> None:
    store, log = engine.store, engine.repos.streams
    cutoff = engine.clock() - engine.config.stream_retention
    with store.read() as txn:
        due = [stream["number"] for stream in log.streams(txn)
               if log.oldest_record_time(txn, stream["number"]) < cutoff]
    for number in due:
        store.write(lambda ctx, number=number: streams.trim_stream(ctx, log, number, cutoff))


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

"""Background upkeep: TTL expiry, trimming stream records past retention,
forgetting expired client request tokens, and resuming index backfills
(after a restart).

`sweep` does one pass and is what tests call after moving the engine's
clock; `Sweeper` runs it every `sweep_interval` seconds on a daemon thread
while the engine is open, as a job under a lease held in the store
(Store.acquire_lease): of the engines sharing a store, one sweeps at a time,
and when it stops renewing (closed, or dead: the lease expires) another
takes the job over.
"""
from __future__ import annotations

import logging
import threading

from . import streams, ttl
from .index_builds import resume_backfills
from .storage.leases import Lease, new_owner

log = logging.getLogger("dynalite_py")
LEASE = "sweeper"
# how long a lease outlives its last renewal (at least 3 sweep intervals)
LEASE_SECONDS = 10.0


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
    store, stream_log = engine.store, engine.repos.streams
    cutoff = engine.clock() - engine.config.stream_retention
    with store.read() as txn:
        due = [stream["number"] for stream in stream_log.streams(txn)
               if stream_log.oldest_record_time(txn, stream["number"]) < cutoff]
    for number in due:
        store.write(lambda ctx, number=number: streams.trim_stream(ctx, stream_log, number,
                                                                   cutoff))


class Sweeper:
    """Runs `sweep(engine)` periodically, while it holds the sweeper lease,
    until stopped."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.lease = Lease(engine.store, LEASE, new_owner(),
                           max(LEASE_SECONDS, 3 * engine.config.sweep_interval))
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="dynalite-sweeper", daemon=True)

    def start(self) -> "Sweeper":
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.engine.config.sweep_interval):
            try:
                if self.lease.hold():
                    sweep(self.engine)
            except Exception:  # keep sweeping; a failed pass is retried next time
                log.exception("background sweep failed")

    def stop(self) -> None:
        """Stop sweeping and give the lease up, so another engine takes the
        job over at once."""
        self._stop.set()
        if self.thread.is_alive():
            self.thread.join()
        self.lease.release()

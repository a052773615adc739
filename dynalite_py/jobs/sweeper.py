"""Background upkeep: TTL expiry, trimming stream records past retention,
forgetting expired client request tokens, resuming index backfills and
restores, imports and bulk put operations (after a restart), discarding backups whose copy
died, failing exports whose writer died, trimming point-in-time recovery
histories to their recovery periods, and moving the messages of SQS message
move tasks.

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

from ..errors import DynamoError
from ..sqs.move_tasks import move_messages
from ..storage.leases import Lease, new_owner
from ..streams import log as streams
from .backfill import resume_backfills
from .backups import discard_abandoned_backups
from .bulk_puts import resume_bulk_puts
from .exports import fail_abandoned_exports
from .history import trim_histories
from .imports import resume_imports
from .restore import resume_restores
from .ttl import expire_items

log = logging.getLogger("dynalite_py")
LEASE = "sweeper"
# how long a lease outlives its last renewal (at least 3 sweep intervals)
LEASE_SECONDS = 10.0


def sweep(engine) -> None:
    expire_items(engine)
    trim_streams(engine)
    forget_client_tokens(engine)
    resume_backfills(engine)
    resume_restores(engine)
    discard_abandoned_backups(engine)
    fail_abandoned_exports(engine)
    resume_imports(engine)
    resume_bulk_puts(engine)
    trim_histories(engine)
    move_messages(engine)


def forget_client_tokens(engine) -> None:
    """Drop TransactWriteItems client tokens past their 10 minutes."""
    tokens, now = engine.repos.tokens, engine.clock()
    with engine.store.read() as txn:
        expired = tokens.expired(txn, now)
    if expired:
        engine.store.write(lambda ctx: tokens.forget(ctx.txn, expired, now))


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
                # namespaces other servers opened: their jobs run here too
                self.engine.open_known_namespaces()
                if self.lease.hold():
                    sweep(self.engine)
            except DynamoError as error:  # the store is unavailable: retried next time
                log.warning("background sweep failed: %s", error.message)
            except Exception:  # keep sweeping; a failed pass is retried next time
                log.exception("background sweep failed")

    def stop(self) -> None:
        """Stop sweeping and give the lease up, so another engine takes the
        job over at once."""
        self._stop.set()
        if self.thread.is_alive():
            self.thread.join()
        self.lease.release()

"""Taking a backup: a consistent copy of a table as of one instant,
without blocking its writes.

`take_backup` starts a thread that holds the backup's lease, opens a store
snapshot (the backup's instant), records the backup as CREATING and lets
the caller answer; it then copies the snapshot's items in small write
transactions (the table's writers go on meanwhile: the snapshot does not
see them) and marks the backup AVAILABLE. A copy cut short (the process
killed or closed) cannot be resumed, since its snapshot is gone: the
sweeper discards a CREATING backup whose lease no live owner holds
(`discard_abandoned_backups`), so a backup is either whole or absent.
"""
from __future__ import annotations

import logging
import threading
import time

from ..dynamodb.backups.backup_details import new_backup_id, new_backup_record, table_not_found
from ..storage.leases import Lease, is_dead_local, new_owner
from .starting import start_job, track, untrack

log = logging.getLogger("dynalite_py")
COPY_BATCH = 500
DISCARD_BATCH = 1000
BACKUP_LEASE_SECONDS = 30.0


def backup_lease(backup_id: str) -> str:
    return f"backup:{backup_id}"


def take_backup(engine, table_name: str, backup_name: str) -> dict:
    """Start a backup of the table; return its record once it is taken
    (CREATING), or raise the error that prevented it."""
    return start_job("backup", _take, engine, table_name, backup_name)


def _take(engine, table_name: str, backup_name: str, started: threading.Event,
          outcome: dict) -> None:
    store, repos = engine.store, engine.repos
    lease = None
    try:
        with store.read() as snapshot:
            now = engine.clock()  # the backup's instant: its snapshot's
            table = engine.catalog.find(snapshot, table_name)
            if table is None or table.status(now) not in ("ACTIVE", "UPDATING"):
                raise table_not_found(table_name)  # a CREATING table too (DDB-BACKUP-001)
            backup_id = new_backup_id(now)
            # held before the record exists: the sweeper discards only copies
            # no live owner makes
            lease = Lease(store, backup_lease(backup_id), new_owner(), BACKUP_LEASE_SECONDS)
            lease.hold()
            count, size = repos.counts.get(snapshot, table.id)
            record = new_backup_record(engine, table, backup_id, backup_name, now, count, size)
            store.write(lambda ctx: repos.backups.put(ctx.txn, record))
            outcome["record"] = record
            track(engine, ("backup", backup_id))
            started.set()
            _copy(engine, lease, snapshot, table.id, backup_id)
    except Exception as error:
        if not started.is_set():
            outcome["error"] = error
        else:
            log.debug("backup of %s stopped", table_name, exc_info=True)
    finally:
        started.set()
        if lease is not None:
            lease.release()
        if "record" in outcome:
            untrack(engine, ("backup", outcome["record"]["id"]))


def _copy(engine, lease: Lease, snapshot, table_id: bytes, backup_id: str) -> None:
    """Copy the snapshot's items batch by batch, then mark the backup
    AVAILABLE; stop (leaving it to be discarded) once the engine closes."""
    store, repos = engine.store, engine.repos
    after = None
    while True:
        if engine.closing.is_set() or not lease.hold():
            return
        batch = repos.items.stored_after(snapshot, table_id, after, COPY_BATCH)
        entries = [(key[len(table_id):], raw) for key, raw in batch]
        if not store.write(lambda ctx: _add(ctx, repos, backup_id, entries)):
            return
        if len(batch) < COPY_BATCH:
            break
        after = batch[-1][0]
    store.write(lambda ctx: _mark_available(ctx, repos, backup_id))


def _add(ctx, repos, backup_id: str, entries: list[tuple[bytes, bytes]]) -> bool:
    """Add a batch; False (and the copy so far removed) when the backup was
    deleted while it was being taken."""
    if repos.backups.get(ctx.txn, backup_id) is None:
        repos.backups.delete(ctx.txn, backup_id)
        return False
    repos.backups.add_items(ctx.txn, backup_id, entries)
    return True


def _mark_available(ctx, repos, backup_id: str) -> None:
    record = repos.backups.get(ctx.txn, backup_id)
    if record is not None:
        repos.backups.put(ctx.txn, dict(record, status="AVAILABLE"))


def discard_abandoned_backups(engine) -> None:
    """Remove CREATING backups whose copy no live process is making."""
    store, repos = engine.store, engine.repos
    with store.read() as snapshot:
        creating = [record["id"] for record in repos.backups.all(snapshot)
                    if record["status"] == "CREATING"]
    for backup_id in creating:
        holder = store.lease_holder(backup_lease(backup_id), time.time())
        if holder is not None and not is_dead_local(holder):
            continue
        # the lease is released after the copy marks the backup AVAILABLE:
        # read the status again, after the lease, so a copy that finished
        # since the listing is kept
        while not store.write(lambda ctx, backup_id=backup_id: _discard_some(
                ctx, repos, backup_id)):
            pass


def _discard_some(ctx, repos, backup_id: str) -> bool:
    """Delete a batch of an abandoned backup; True once none is left (or
    the backup turned out whole)."""
    record = repos.backups.get(ctx.txn, backup_id)
    if record is not None and record["status"] != "CREATING":
        return True
    return repos.backups.delete(ctx.txn, backup_id, DISCARD_BATCH)

"""Restores: filling a restored table (RestoreTableFromBackup,
RestoreTableToPointInTime) with its items, resumably.

The restore operations put the new table in the catalog as CREATING with
a "restore" entry (in_progress) and no settle time, so it is never ACTIVE
while half filled: data operations do not see it, DeleteTable refuses it.
This job, under the lease "restore:" + table name, writes the source's
items in batches through the ItemWriter (so the table's counts and index
entries are built with them), storing in each batch's transaction the
last source key written (BackupRecords.restore_position). A restart (the
sweeper's `resume_restores`) resumes after that key, so a restore killed
at any point finishes; when the source is gone (a point-in-time restore
whose source table was deleted) the table is removed instead.

Sources yield (key without table id, stored value) pairs in key order:
a backup's items (`BackupSource`), or a table as it was at a time
(`PointInTimeSource`: its items now, with the items changed since read
from its history: storage/history.py). Both give the same pairs whatever
snapshot they read, so a resumed restore continues exactly.
"""
from __future__ import annotations

import bisect
import logging

from ..dynamodb.tables.table_data import purge_table_items
from ..model.keys import table_id_bytes
from ..storage.codec import unpack
from ..storage.leases import Lease, new_owner
from .starting import start_tracked

log = logging.getLogger("dynalite_py")
RESTORE_BATCH = 500
RESTORE_LEASE_SECONDS = 30.0


class RestoreStopped(Exception):
    """The table being restored is gone or no longer restoring."""


class BackupSource:
    """A backup's items (storage/backups.py), as stored when it was taken."""

    def __init__(self, repos, snapshot, backup_id: str) -> None:
        self.repos, self.snapshot, self.backup_id = repos, snapshot, backup_id

    def batch(self, after: bytes | None, limit: int) -> tuple[list[tuple[bytes, bytes]], bool]:
        """The next pairs after `after`, and whether they are the last."""
        entries = self.repos.backups.items(self.snapshot, self.backup_id, after, limit)
        return entries, len(entries) < limit


class PointInTimeSource:
    """A table's items as they were at `when`: its items in `snapshot`, with
    those changed since replaced by their images of that time (absent: None)."""

    def __init__(self, repos, snapshot, table_id: bytes, when: float) -> None:
        self.repos, self.snapshot, self.table_id = repos, snapshot, table_id
        changed = repos.history.state_at(snapshot, table_id, when)
        self.changed = {key[len(table_id):]: raw for key, raw in changed.items()}
        self.changed_keys = sorted(self.changed)

    def batch(self, after: bytes | None, limit: int) -> tuple[list[tuple[bytes, bytes]], bool]:
        start = self.table_id + after if after is not None else None
        current = self.repos.items.stored_after(self.snapshot, self.table_id, start, limit)
        last = len(current) < limit
        found = {key[len(self.table_id):]: raw for key, raw in current}
        # the changed items in the same key span take their images at the time
        low = 0 if after is None else bisect.bisect_right(self.changed_keys, after)
        high = len(self.changed_keys) if last else bisect.bisect_right(
            self.changed_keys, current[-1][0][len(self.table_id):])
        for key in self.changed_keys[low:high]:
            found[key] = self.changed[key]
        # absent ones stay in (raw None) so the position passes them
        return sorted(found.items()), last


def resume_restores(engine) -> None:
    """Start a restore thread for every table still being restored."""
    with engine.store.read() as txn:
        pending = [table.name for table in engine.catalog.tables(txn)
                   if (table.record.get("restore") or {}).get("in_progress")]
    for name in pending:
        start_tracked(engine, ("restore", name), f"restore-{name}", _restore, engine, name)


def _restore(engine, name: str) -> None:
    lease = Lease(engine.store, f"restore:{name}", new_owner(), RESTORE_LEASE_SECONDS)
    try:
        if lease.hold():
            _fill(engine, lease, name)
    except RestoreStopped:
        pass
    except Exception:  # the engine closed, or the store failed: a later pass resumes
        log.debug("restore of %s stopped", name, exc_info=True)
    finally:
        lease.release()


def _fill(engine, lease: Lease, name: str) -> None:
    store, repos = engine.store, engine.repos
    with store.read() as snapshot:
        target = engine.catalog.find(snapshot, name)
        restore = target.record.get("restore") if target is not None else None
        if not restore or not restore.get("in_progress"):
            return
        source = _source(engine, snapshot, restore)
        if source is None:
            store.write(lambda ctx: _remove(ctx, engine, name, target.id))
            return
        position = repos.backups.restore_position(snapshot, target.id)
        while True:
            if engine.closing.is_set() or not lease.hold():
                return
            entries, last = source.batch(position, RESTORE_BATCH)
            store.write(lambda ctx: _write(ctx, engine, name, target.id, entries, last))
            if last:
                return
            position = entries[-1][0] if entries else position


def _source(engine, snapshot, restore: dict):
    """Where the restore's items come from; None when that is gone."""
    if restore.get("backup_id"):
        if engine.repos.backups.get(snapshot, restore["backup_id"]) is None:
            return None
        return BackupSource(engine.repos, snapshot, restore["backup_id"])
    source = engine.catalog.find(snapshot, restore["source_table"])
    if source is None or source.record["TableId"] != restore["source_table_id"]:
        return None
    return PointInTimeSource(engine.repos, snapshot, table_id_bytes(source.record["number"]),
                             restore["RestoreDateTime"])


def _restoring(ctx, engine, name: str, table_id: bytes):
    table = engine.catalog.current(ctx, name)
    if table is None or table.id != table_id or not (
            table.record.get("restore") or {}).get("in_progress"):
        raise RestoreStopped(name)
    return table


def _write(ctx, engine, name: str, table_id: bytes, entries: list[tuple[bytes, bytes]],
           last: bool) -> None:
    """Write one batch and the position after it; the last one also makes
    the table ready (ACTIVE once it settles)."""
    table = _restoring(ctx, engine, name, table_id)
    for key, raw in entries:
        if raw is None:
            continue
        size, item = unpack(raw)
        engine.items.write(ctx, table, table.id + key, item, size)
    backups = engine.repos.backups
    if not last:
        if entries:
            backups.set_restore_position(ctx.txn, table.id, entries[-1][0])
        return
    backups.set_restore_position(ctx.txn, table.id, None)
    record = table.record
    engine.catalog.put(ctx, dict(record, restore=dict(record["restore"], in_progress=False),
                                 settles_at=engine.clock() + engine.config.table_status_delay))


def _remove(ctx, engine, name: str, table_id: bytes) -> None:
    """The source is gone: the half-restored table goes, never ACTIVE."""
    table = _restoring(ctx, engine, name, table_id)
    purge_table_items(ctx, engine.repos, table)
    engine.repos.backups.set_restore_position(ctx.txn, table.id, None)
    engine.catalog.put(ctx, dict(table.record, TableStatus="DELETING",
                                 restore=dict(table.record["restore"], in_progress=False),
                                 settles_at=engine.clock()))

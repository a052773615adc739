"""Exporting a table to S3 (ExportTableToPointInTime), from one store
snapshot, in AWS's object layout under S3Prefix/AWSDynamoDB/<export id>/:

    _started                   an empty object, written first (AWS's)
    data/<hex>.json.gz         gzipped lines {"Item": {...}}, DynamoDB JSON
    data/<hex>.ion.gz          or, for ION, gzipped Amazon Ion text lines
                               (dynamodb/exports/ion_format.py)
    manifest-files.json        one JSON line per data file (itemCount,
                               md5Checksum, etag, dataFileS3Key)
    manifest-summary.json      the export's summary (ExportManifest names it)

An INCREMENTAL_EXPORT writes the changes of its period [ExportFromTime,
ExportToTime) instead, one line per changed item, compacted to its net
change as AWS does: {"Metadata": {"WriteTimestampMicros": {"N": ...}},
"Keys": {...}, "NewImage": {...} (absent once deleted), "OldImage": {...}
(NEW_AND_OLD_IMAGES, absent when it was created in the period)}; an item
created and deleted within the period has no line. Its data files go in
the folder all incremental exports share, S3Prefix/AWSDynamoDB/data/
(AWS's layout); the manifests stay under the export's id. The images
come from the table's PITR history (storage/history.py): the state at
ExportFromTime is the image the first change in the period recorded, the
state at ExportToTime the image of the first change after it, or the
item as it is now.

`start_export` starts a thread that holds the export's lease, opens a
snapshot, checks the table and its point-in-time recovery (AWS exports
only tables with PITR on), records the export IN_PROGRESS and lets the
caller answer; it then reads the table as of ExportTime (its items in the
snapshot, undone by its change history: jobs/restore.PointInTimeSource),
writes the objects and marks the export COMPLETED, or FAILED with S3's
error. An export cut short (the process killed or closed) cannot resume,
its snapshot being gone: the sweeper marks an IN_PROGRESS export whose
lease no live owner holds FAILED (`fail_abandoned_exports`).
"""
from __future__ import annotations

import base64
import datetime
import gzip
import hashlib
import logging
import secrets
import threading
import time

import orjson

from ..dynamodb.backups.backup_details import millis, table_not_found
from ..dynamodb.backups.recovery import pitr_unavailable, restorable_window
from ..dynamodb.exports.export_details import export_root, new_export_id, new_export_record
from ..dynamodb.exports.export_filter import ExportFilter, export_filter
from ..dynamodb.exports.ion_format import ion_line
from ..dynamodb.exports.s3 import S3Failure, s3_client, s3_failure
from ..errors import DynamoError, validation_error
from ..storage.codec import unpack
from ..storage.leases import Lease, is_dead_local, new_owner
from .restore import PointInTimeSource
from .starting import start_job, track, untrack

log = logging.getLogger("dynalite_py")
READ_BATCH = 500
ITEMS_PER_FILE = 2500  # AWS splits an export into many data files too
EXPORT_LEASE_SECONDS = 30.0
MIN_PERIOD, MAX_PERIOD = 15 * 60, 24 * 3600  # an incremental export's, in seconds
INTERRUPTED = "The export was interrupted (its server stopped) and cannot be resumed"


def export_lease(export_id: str) -> str:
    return f"export:{export_id}"


def iso(when: float) -> str:
    """A time as the manifests spell it: 2020-01-01T00:00:00.000Z."""
    moment = datetime.datetime.fromtimestamp(when, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def start_export(engine, table_name: str, request: dict) -> dict:
    """Start exporting the table; return its record once recorded
    (IN_PROGRESS), or raise the error that prevented it."""
    return start_job("export", _export, engine, table_name, request)


def _export(engine, table_name: str, request: dict, started: threading.Event,
            outcome: dict) -> None:
    store, repos = engine.store, engine.repos
    lease = None
    try:
        with store.read() as snapshot:
            now = engine.clock()
            table = engine.catalog.find(snapshot, table_name)
            if table is None or table.status(now) not in ("ACTIVE", "UPDATING"):
                raise table_not_found(table_name)
            incremental = request.get("ExportType") == "INCREMENTAL_EXPORT"
            period = _incremental_period(table, request, now) if incremental else None
            export_time = None if incremental else _export_time(table, request, now)
            chosen = export_filter(request.get("FilterSpecification"), table)
            export_id = new_export_id(now)
            lease = Lease(store, export_lease(export_id), new_owner(), EXPORT_LEASE_SECONDS)
            lease.hold()  # before the record: the sweeper fails only exports no one makes
            record = new_export_record(engine, table, request, export_id, now, export_time,
                                       period)
            store.write(lambda ctx: repos.exports.put(ctx.txn, record))
            outcome["record"] = record
            track(engine, ("export", export_id))
            started.set()
            lines = _changes(engine, lease, snapshot, table, record, chosen) if incremental \
                else _items(engine, lease, PointInTimeSource(repos, snapshot, table.id,
                                                             export_time), chosen)
            _finish(engine, export_id, _write_objects(engine, record, lines))
    except (S3Failure, DynamoError) as error:
        if not started.is_set():
            outcome["error"] = error
        else:
            code = error.code if isinstance(error, S3Failure) else error.name
            _fail(engine, outcome["record"]["id"], code, error.message)
    except _Stopped:
        pass
    except Exception as error:
        if not started.is_set():
            outcome["error"] = error  # start_job raises it in the request's thread
            return
        log.exception("export of %s failed", table_name)
        _fail(engine, outcome["record"]["id"], "UNKNOWN", "Internal error during the export")
    finally:
        started.set()
        if lease is not None:
            lease.release()
        if "record" in outcome:
            untrack(engine, ("export", outcome["record"]["id"]))


def _export_time(table, request: dict, now: float) -> float:
    """ExportTime (now by default), which must lie in the table's
    point-in-time recovery window."""
    if request.get("IncrementalExportSpecification") is not None:
        raise validation_error("IncrementalExportSpecification is only for an "
                               "INCREMENTAL_EXPORT")
    earliest, latest = _window(table, now)
    when = _seconds(request.get("ExportTime"), now)
    _check_in_window(table, "Export time", when, earliest, latest)
    return when


def _incremental_period(table, request: dict, now: float) -> tuple[float, float]:
    """[ExportFromTime, ExportToTime): to is now by default (the latest
    restorable time); from 15 minutes to 24 hours long (AWS's limits), in
    the point-in-time recovery window. Our wording throughout: AWS's
    messages for these are not documented."""
    spec = request.get("IncrementalExportSpecification") or {}
    if request.get("ExportTime") is not None:
        raise validation_error("ExportTime is not used by an INCREMENTAL_EXPORT: give "
                               "IncrementalExportSpecification's ExportFromTime and ExportToTime")
    if spec.get("ExportFromTime") is None:
        raise validation_error("IncrementalExportSpecification.ExportFromTime is required "
                               "for an INCREMENTAL_EXPORT")
    earliest, latest = _window(table, now)
    start, end = _seconds(spec["ExportFromTime"], now), _seconds(spec.get("ExportToTime"), now)
    if not MIN_PERIOD <= end - start <= MAX_PERIOD:
        raise validation_error("The incremental export period (ExportToTime - ExportFromTime) "
                               "must be at least 15 minutes and at most 24 hours")
    _check_in_window(table, "ExportFromTime", start, earliest, latest)
    _check_in_window(table, "ExportToTime", end, earliest, latest)
    return start, end


def _window(table, now: float) -> tuple[float, float]:
    pitr = table.record.get("pitr")
    if pitr is None:
        raise pitr_unavailable(table.name)
    return restorable_window(pitr, now)


def _seconds(when, default: float) -> float:
    if when is None:
        return default
    return when.timestamp() if hasattr(when, "timestamp") else float(when)


def _check_in_window(table, what: str, when: float, earliest: float, latest: float) -> None:
    if not earliest <= when <= latest:
        # UNCERTAIN wording: AWS's documented error, no capture of its message found
        raise DynamoError("InvalidExportTimeException",
                          f"{what} {when} is outside the point in time recovery window "
                          f"[{earliest}, {latest}] of table {table.name}")


class _Stopped(Exception):
    """The engine closed or the lease was lost mid-export."""


def _write_objects(engine, record: dict, records) -> dict:
    """Write the data files (`records`: (billed size, line's record)) and
    manifests; return the counts and keys the export completes with."""
    described = record["description"]
    bucket, root = described["S3Bucket"], export_root(described["S3Prefix"], record["id"])
    incremental = described["ExportType"] == "INCREMENTAL_EXPORT"
    data = export_root(described["S3Prefix"], "data") if incremental else root + "data/"
    client = s3_client(engine.config)
    put = _putter(client, bucket, engine.config)
    put(root + "_started", b"")
    files, item_count, billed = [], 0, 0
    lines: list[bytes] = []
    ion = described["ExportFormat"] == "ION"
    encode, suffix = (ion_line, ".ion.gz") if ion else (orjson.dumps, ".json.gz")
    for size, line in records:
        lines.append(encode(line))
        item_count += 1
        billed += size
        if len(lines) == ITEMS_PER_FILE:
            files.append(_put_data_file(put, data, lines, suffix))
            lines = []
    if lines or not files:
        files.append(_put_data_file(put, data, lines, suffix))
    manifest_files = b"".join(orjson.dumps(entry) + b"\n" for entry in files)
    put(root + "manifest-files.json", manifest_files)
    end = engine.clock()
    summary = {"version": "2020-06-30", "exportArn": described["ExportArn"],
               "startTime": iso(described["StartTime"]), "endTime": iso(end),
               "tableId": described["TableId"], "tableArn": described["TableArn"],
               **_period_fields(described), "s3Bucket": bucket,
               "s3Prefix": described["S3Prefix"], "s3SseAlgorithm": described["S3SseAlgorithm"],
               "s3SseKmsKeyId": described["S3SseKmsKeyId"],
               "manifestFilesS3Key": root + "manifest-files.json",
               "billedSizeBytes": billed, "itemCount": item_count,
               "outputFormat": described["ExportFormat"],
               "exportType": described["ExportType"]}
    put(root + "manifest-summary.json", orjson.dumps(summary))
    return {"ItemCount": item_count, "BilledSizeBytes": billed, "EndTime": millis(end) / 1000,
            "ExportManifest": root + "manifest-summary.json"}


def _period_fields(described: dict) -> dict:
    """What the summary says of the time exported: a full export's
    exportTime; an incremental one's period and view."""
    spec = described.get("IncrementalExportSpecification")
    if spec is None:
        return {"exportTime": iso(described["ExportTime"])}
    return {"exportFromTime": iso(spec["ExportFromTime"]),
            "exportToTime": iso(spec["ExportToTime"]), "outputView": spec["ExportViewType"]}


def _items(engine, lease: Lease, source: PointInTimeSource, chosen: ExportFilter | None):
    """(size, {"Item": item}) of every item of the table as of the export
    time (that the FilterSpecification keeps, as it shows them)."""
    position = None
    while True:
        if engine.closing.is_set() or not lease.hold():
            raise _Stopped()
        entries, last = source.batch(position, READ_BATCH)
        for _, raw in entries:
            if raw is not None:
                size, item = unpack(raw)
                if chosen is None:
                    yield size, {"Item": item}
                elif chosen.keeps(item):
                    yield size, {"Item": chosen.shown(item)}
        if last:
            return
        position = entries[-1][0] if entries else position


def _changes(engine, lease: Lease, snapshot, table, record: dict,
             chosen: ExportFilter | None):
    """(size, incremental record) of every item changed in the period, in
    key order, compacted to its net change (module docstring); with a
    FilterSpecification, those whose latest image (the old one, once
    deleted) it keeps, their images as it shows them."""
    spec = record["description"]["IncrementalExportSpecification"]
    history = engine.repos.history
    before: dict[bytes, bytes | None] = {}  # the image at ExportFromTime
    written: dict[bytes, int] = {}  # the last change in the period, µs
    for micros, key, old_raw in history.changes_between(
            snapshot, table.id, spec["ExportFromTime"], spec["ExportToTime"]):
        before.setdefault(key, old_raw)
        written[key] = micros
    after: dict[bytes, bytes | None] = {}  # the image at ExportToTime, if changed since
    for _, key, old_raw in history.changes_between(snapshot, table.id,
                                                   spec["ExportToTime"], None):
        if key in before:
            after.setdefault(key, old_raw)
    with_old = spec["ExportViewType"] == "NEW_AND_OLD_IMAGES"
    for number, key in enumerate(sorted(before)):
        if number % READ_BATCH == 0 and (engine.closing.is_set() or not lease.hold()):
            raise _Stopped()
        new_raw = after[key] if key in after else _stored_raw(engine, snapshot, key)
        line = _change_line(table, written[key], before[key], new_raw, with_old, chosen)
        if line is not None:
            yield line


def _stored_raw(engine, snapshot, key: bytes) -> bytes | None:
    stored = engine.repos.items.read(snapshot, key)
    return stored.raw if stored is not None else None


def _change_line(table, micros: int, old_raw: bytes | None, new_raw: bytes | None,
                 with_old: bool, chosen: ExportFilter | None) -> tuple[int, dict] | None:
    """(billed size, record) of one item's net change; None when it neither
    was nor is (created and deleted within the period) or the filter leaves
    it out."""
    if old_raw is None and new_raw is None:
        return None
    old_size, old = unpack(old_raw) if old_raw is not None else (0, None)
    new_size, new = unpack(new_raw) if new_raw is not None else (0, None)
    source = new if new is not None else old
    if chosen is not None:
        if not chosen.keeps(source):
            return None
        old, new = (chosen.shown(image) if image is not None else None for image in (old, new))
    line: dict = {"Metadata": {"WriteTimestampMicros": {"N": str(micros)}},
                  "Keys": {name: source[name] for name in table.key_names}}
    if new is not None:
        line["NewImage"] = new
    if with_old and old is not None:
        line["OldImage"] = old
    return new_size + (old_size if with_old else 0), line


def _putter(client, bucket: str, config):
    def put(key: str, body: bytes) -> str:
        try:
            return client.put_object(Bucket=bucket, Key=key, Body=body)["ETag"].strip('"')
        except Exception as error:
            raise s3_failure(error, config) from error
    return put


def _put_data_file(put, folder: str, lines: list[bytes], suffix: str) -> dict:
    body = gzip.compress(b"".join(line + b"\n" for line in lines), mtime=0)
    key = f"{folder}{secrets.token_hex(13)}{suffix}"
    etag = put(key, body)
    return {"itemCount": len(lines),
            "md5Checksum": base64.b64encode(hashlib.md5(body).digest()).decode(),
            "etag": etag, "dataFileS3Key": key}


def _update(engine, export_id: str, **fields) -> None:
    def update(ctx):
        record = engine.repos.exports.get(ctx.txn, export_id)
        if record is not None:
            engine.repos.exports.put(ctx.txn, dict(record, description=dict(
                record["description"], **fields)))
    engine.store.write(update)


def _finish(engine, export_id: str, counts: dict) -> None:
    _update(engine, export_id, ExportStatus="COMPLETED", **counts)


def _fail(engine, export_id: str, code: str, message: str) -> None:
    log.warning("export %s failed: %s: %s", export_id, code, message)
    _update(engine, export_id, ExportStatus="FAILED", FailureCode=code, FailureMessage=message,
            EndTime=millis(engine.clock()) / 1000)


def fail_abandoned_exports(engine) -> None:
    """Mark FAILED the IN_PROGRESS exports no live process is writing."""
    with engine.store.read() as snapshot:
        running = [record["id"] for record in engine.repos.exports.all(snapshot)
                   if record["description"]["ExportStatus"] == "IN_PROGRESS"]
    for export_id in running:
        holder = engine.store.lease_holder(export_lease(export_id), time.time())
        if holder is None or is_dead_local(holder):
            _fail(engine, export_id, "UNKNOWN", INTERRUPTED)

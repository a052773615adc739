"""Putting S3 objects' items into an existing table (StartBulkPutItems).

Under the lease "bulk:" + id, the job reads every object under the input
prefix in key order (jobs/s3_input.py: DYNAMODB_JSON or ION, decompressed
as InputCompressionType says). Each record is a put: its Item, and, when
the record gives one, a ConditionExpression with its
ExpressionAttributeNames and ExpressionAttributeValues, checked and
applied exactly as PutItem's (writes.Put), so indexes, streams, TTL and
point-in-time history follow each item. UNCERTAIN: AWS's page on the
input format names per-item condition expressions without showing their
fields; these are PutItem's names.

Puts go in batches, each batch in one transaction with the operation's
counts, usage and position (the object key and line it ends at), so a
job cut short (process killed or closed) is resumed by the sweeper
(`resume_bulk_puts`) from there and every record is applied once. A
record that does not parse or is not a valid item counts in
FailedItemCount; a put whose condition is false does not (AWS's
counting). Both are reported, when OutputType asks, as JSON lines in
the output bucket (our layout, AWS's is not documented):

    <S3KeyPrefix>/AWSDynamoDB/bulk/<id>/errors/<seq>.json
        {"ObjectKey", "LineNumber", "ErrorMessage", "Item"?}
    <S3KeyPrefix>/AWSDynamoDB/bulk/<id>/condition-check-failures/<seq>.json
        {"ObjectKey", "LineNumber", "Item", "ExistingItem"?}
    <S3KeyPrefix>/AWSDynamoDB/bulk/<id>/manifest.json
        {"bulkOperationArn", "status", counts, "files": [keys]}

A batch's report lines are kept in the operation's record when it
commits and uploaded after (`pending`), under a key numbered by the
batch, so a resumed job uploading them again overwrites, never doubles.
MaxWriteRequestUnits paces the job: it sleeps when it has written more
units than that rate allows since it started. CANCELLING (from
CancelBulkOperation) stops it before its next batch: CANCELLED.
S3's errors, or the table deleted, make it FAILED.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, fields, replace

import orjson

from ..dynamodb.backups.backup_details import millis
from ..dynamodb.exports.s3 import S3Failure, s3_client, s3_failure
from ..dynamodb.items.writes import ConditionFailed, Put
from ..errors import DynamoError
from ..model.values import item_size
from ..storage.leases import Lease, new_owner
from .s3_input import NotDecompressible, decompressed, objects, records, total_size
from .starting import start_tracked

log = logging.getLogger("dynalite_py")
WRITE_BATCH = 100
BULK_LEASE_SECONDS = 30.0
_CONDITION_FIELDS = ("ConditionExpression", "ExpressionAttributeNames",
                     "ExpressionAttributeValues")
CANCELLED_CODE = "BulkOperationCancelled"  # UNCERTAIN: AWS's FailureCode is not documented


class _Stopped(Exception):
    """The engine closed, the lease was lost, or the operation ended."""


class _TableGone(Exception):
    code, message = "ResourceNotFoundException", "The table was deleted during the operation"


@dataclass
class _Line:
    """One input record: where it is, and what it holds (or why it is not one)."""
    key: str
    number: int
    record: dict | str
    put: Put | None = None
    error: str | None = None


@dataclass
class _Progress:
    """What the job has done, as its record keeps it."""
    processed: int
    failed: int
    input_bytes: int
    key: str
    line: int
    usage: dict
    seq: int  # report files uploaded so far: the next one's number

    @classmethod
    def of(cls, record: dict) -> "_Progress":
        described, position = record["description"], record["position"]
        return cls(described["ProcessedItemCount"], described["FailedItemCount"],
                   described["ProcessedInputBytes"], position["key"], position["line"],
                   record["usage"], record.get("seq", 0))

    def adopt(self, committed: "_Progress") -> None:
        """Take on what a batch's commit recorded."""
        for each in fields(self):
            setattr(self, each.name, getattr(committed, each.name))


@dataclass
class _Report:
    """A batch's report lines, of each kind."""
    errors: list = field(default_factory=list)
    conditions: list = field(default_factory=list)


def bulk_lease(bulk_id: str) -> str:
    return f"bulk:{bulk_id}"


def start_bulk_put(engine, bulk_id: str) -> None:
    start_tracked(engine, ("bulk", bulk_id), "bulk-put", _job, engine, bulk_id)


def resume_bulk_puts(engine) -> None:
    """Go on with the operations no thread of this engine is running (after
    a restart; the lease keeps one writer across processes)."""
    with engine.store.read() as snapshot:
        running = [record["id"] for record in engine.repos.bulk_operations.all(snapshot)
                   if record["description"]["BulkOperationStatus"] in (
                       "IN_PROGRESS", "CANCELLING")]
    for bulk_id in running:
        start_bulk_put(engine, bulk_id)


def _job(engine, bulk_id: str) -> None:
    lease = Lease(engine.store, bulk_lease(bulk_id), new_owner(), BULK_LEASE_SECONDS)
    try:
        if lease.hold():
            _run(engine, lease, bulk_id)
    except _Stopped:
        pass
    except (S3Failure, NotDecompressible, _TableGone) as failure:
        _end(engine, bulk_id, "FAILED", failure.code, failure.message)
    except Exception:
        log.exception("bulk operation %s failed", bulk_id)
        _end(engine, bulk_id, "FAILED", "UNKNOWN", "Internal error during the bulk operation")
    finally:
        lease.release()


def _run(engine, lease: Lease, bulk_id: str) -> None:
    record = _record(engine, bulk_id)
    status = record["description"]["BulkOperationStatus"]
    if status == "CANCELLING":
        _cancel(engine, bulk_id)
    if status != "IN_PROGRESS":
        return
    client = s3_client(engine.config)
    _upload_pending(engine, client, record)
    source = record["description"]["InputS3Configuration"]
    bucket, prefix = source["S3Bucket"], source.get("S3KeyPrefix") or ""
    if record["description"].get("TotalInputBytes") is None:
        _update(engine, bulk_id, TotalInputBytes=total_size(client, bucket, prefix,
                                                            engine.config))
    progress, pacer = _Progress.of(record), _Pacer(
        record["description"].get("MaxWriteRequestUnits"), engine)
    resume_key, resume_line = progress.key, progress.line
    batch: list[_Line] = []
    for key, body in objects(client, bucket, prefix, engine.config, resume_key):
        skip = resume_line if key == resume_key else 0
        if not skip:  # a resumed object's bytes were counted when it began
            progress.input_bytes += len(body)
        text = decompressed(key, body, source["InputCompressionType"]).decode(
            "utf-8", "replace")
        for number, parsed in records(text, source["InputFormat"]):
            if number > skip:
                batch.append(_staged(_Line(key, number, parsed), record["table_name"]))
                if len(batch) == WRITE_BATCH:
                    _write_batch(engine, lease, client, record, batch, progress, pacer)
                    batch = []
    if batch:
        _write_batch(engine, lease, client, record, batch, progress, pacer)
    _complete(engine, client, bulk_id)


def _staged(line: _Line, table_name: str) -> _Line:
    """The line checked as far as it can be without its table."""
    if isinstance(line.record, str):
        line.error = line.record
        return line
    request = {"TableName": table_name, "Item": line.record["Item"], **{
        name: line.record[name] for name in _CONDITION_FIELDS if name in line.record}}
    try:
        line.put = Put.check(request, legacy=[])
    except DynamoError as error:
        line.error = error.message
    except (TypeError, AttributeError, ValueError, KeyError):
        line.error = "The item is not valid DynamoDB JSON"
    return line


def _write_batch(engine, lease: Lease, client, record: dict, batch: list[_Line],
                 progress: _Progress, pacer: "_Pacer") -> None:
    """Apply a batch and keep the progress after it in one transaction, then
    upload its report lines. A batch one of whose puts fails as it commits
    (an item collection over its limit) is applied again a put at a time,
    that put reported as an error."""
    if engine.closing.is_set() or not lease.hold():
        raise _Stopped()
    try:
        units, pending = _commit(engine, record, batch, progress)
    except _Failing as failure:
        if len(batch) > 1:
            for line in batch:
                _write_batch(engine, lease, client, record, [line], progress, pacer)
            return
        batch[0].put, batch[0].error = None, failure.message
        units, pending = _commit(engine, record, batch, progress)
    if pending is not None:
        _upload_pending(engine, client, dict(record, pending=pending))
    pacer.spent(units)


class _Failing(Exception):
    """A put failed as it committed: the batch's transaction is undone."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Cancelling(Exception):
    """CancelBulkOperation asked the job to stop."""


def _commit(engine, record: dict, batch: list[_Line], progress: _Progress
            ) -> tuple[float, dict | None]:
    """One transaction: the batch's puts, its report lines (`pending`) and
    the progress after it; `progress` is brought up to date once it commits.
    Returns the write units spent (what pacing counts) and the report lines."""
    def write(ctx):
        current = engine.repos.bulk_operations.get(ctx.txn, record["id"])
        status = current["description"]["BulkOperationStatus"]
        if status != "IN_PROGRESS":
            raise _Cancelling() if status == "CANCELLING" else _Stopped()
        table = engine.catalog.current(ctx, record["table_name"])
        if table is None or table.record["TableId"] != record["table_id"]:
            raise _TableGone()
        done, report = replace(progress, usage=_copied(progress.usage)), _Report()
        units = sum(_apply(ctx, engine, table, line, done, report) for line in batch)
        done.processed += len(batch)
        done.key, done.line = batch[-1].key, batch[-1].number
        pending = _pending(current, done.seq, report)
        done.seq += pending is not None
        engine.repos.bulk_operations.put(ctx.txn, dict(
            current, position={"key": done.key, "line": done.line}, usage=done.usage,
            seq=done.seq, pending=pending,
            description=dict(current["description"], ProcessedItemCount=done.processed,
                             FailedItemCount=done.failed,
                             ProcessedInputBytes=done.input_bytes)))
        return done, units, pending

    try:
        done, units, pending = engine.store.write(write)
    except _Cancelling:
        _cancel(engine, record["id"])
        raise _Stopped() from None
    progress.adopt(done)
    return units, pending


def _apply(ctx, engine, table, line: _Line, done: _Progress, report: _Report) -> float:
    """One line in the batch's transaction; the write units it spent."""
    where = {"ObjectKey": line.key, "LineNumber": line.number}
    item = line.record.get("Item") if isinstance(line.record, dict) else None
    if line.put is not None:
        try:
            plan = line.put.plan(table)
        except DynamoError as error:
            line.error = error.message
        else:
            try:
                outcome = plan.apply(ctx, engine, planned_in_txn=True)
            except ConditionFailed as failure:
                report.conditions.append(dict(where, Item=item, **(
                    {"ExistingItem": failure.old.item} if failure.old else {})))
                return 0.0
            except DynamoError as error:
                raise _Failing(error.message) from None
            _count_usage(done.usage, table, plan.key, item, outcome)
            return outcome.units
    done.failed += 1
    report.errors.append(dict(where, ErrorMessage=line.error, **(
        {"Item": item} if item is not None else {})))
    return 0.0


def _count_usage(usage: dict, table, key: bytes, item: dict, outcome) -> None:
    usage["table"] = usage.get("table", 0) + outcome.new_size
    for index in table.indexes:
        if index.entry_key(item, key) is not None:
            kind = usage.setdefault("global" if index.is_global else "local", {})
            kind[index.name] = kind.get(index.name, 0) + item_size(index.project(item))
    for name, size in outcome.vector_bytes.items():
        vectors = usage.setdefault("vector", {})
        vectors[name] = vectors.get(name, 0) + size


def _copied(usage: dict) -> dict:
    return {kind: dict(value) if isinstance(value, dict) else value
            for kind, value in usage.items()}


def _pending(current: dict, seq: int, report: _Report) -> dict | None:
    """The batch's report lines of the kinds OutputType asks for, to upload
    as report file number `seq`."""
    wanted = current["description"]["OutputS3Configuration"]["OutputType"]
    errors = report.errors if "ERROR" in wanted else []
    conditions = report.conditions if "CONDITION_CHECK_FAILURE" in wanted else []
    if not errors and not conditions:
        return None
    return {"seq": seq, "errors": errors, "conditions": conditions}


def report_root(record: dict) -> str:
    output = record["description"]["OutputS3Configuration"]
    prefix = (output.get("S3KeyPrefix") or "").strip("/")
    return (prefix + "/" if prefix else "") + f"AWSDynamoDB/bulk/{record['id']}/"


def _upload_pending(engine, client, record: dict) -> None:
    """Upload a committed batch's report lines, then forget them."""
    pending = record.get("pending")
    if not pending:
        return
    keys = []
    for folder, entries in (("errors", pending["errors"]),
                            ("condition-check-failures", pending["conditions"])):
        if entries:
            key = f"{report_root(record)}{folder}/{pending['seq']:06d}.json"
            _put_object(engine, client, record, key,
                        b"".join(orjson.dumps(entry) + b"\n" for entry in entries))
            keys.append(key)

    def forget(ctx):
        current = engine.repos.bulk_operations.get(ctx.txn, record["id"])
        if current.get("pending") == pending:
            engine.repos.bulk_operations.put(ctx.txn, dict(
                current, pending=None, reports=current["reports"] + keys))
    engine.store.write(forget)


def _put_object(engine, client, record: dict, key: str, body: bytes) -> None:
    output = record["description"]["OutputS3Configuration"]
    extra = {}
    if output.get("S3SseAlgorithm"):
        extra["ServerSideEncryption"] = "aws:kms" if output["S3SseAlgorithm"] == "KMS" \
            else "AES256"
        if output.get("S3SseKmsKeyId"):
            extra["SSEKMSKeyId"] = output["S3SseKmsKeyId"]
    try:
        client.put_object(Bucket=output["S3Bucket"], Key=key, Body=body, **extra)
    except Exception as error:
        raise s3_failure(error, engine.config) from error


def _complete(engine, client, bulk_id: str) -> None:
    """COMPLETED (or COMPLETED_WITH_ERRORS), after writing the manifest."""
    record = _record(engine, bulk_id)
    status = "COMPLETED_WITH_ERRORS" if record["description"]["FailedItemCount"] \
        else "COMPLETED"
    _write_manifest(engine, client, record, status)
    _end(engine, bulk_id, status)


def _write_manifest(engine, client, record: dict, status: str) -> None:
    described = record["description"]
    _put_object(engine, client, record, report_root(record) + "manifest.json", orjson.dumps({
        "bulkOperationArn": described["BulkOperationArn"], "status": status,
        "processedItemCount": described["ProcessedItemCount"],
        "failedItemCount": described["FailedItemCount"], "files": record["reports"]}))


def _cancel(engine, bulk_id: str) -> None:
    _end(engine, bulk_id, "CANCELLED", CANCELLED_CODE,
         "The bulk operation was cancelled by a CancelBulkOperation request")


def _end(engine, bulk_id: str, status: str, code: str | None = None,
         message: str | None = None) -> None:
    """The operation's terminal status, once (a finished one stays as it is)."""
    if code is not None and status == "FAILED":
        log.warning("bulk operation %s failed: %s: %s", bulk_id, code, message)

    def end(ctx):
        current = engine.repos.bulk_operations.get(ctx.txn, bulk_id)
        if current is None or current["description"]["BulkOperationStatus"] not in (
                "IN_PROGRESS", "CANCELLING"):
            return
        engine.repos.bulk_operations.put(ctx.txn, dict(current, description=dict(
            current["description"], BulkOperationStatus=status, FailureCode=code,
            FailureMessage=message, EndTime=millis(engine.clock()) / 1000)))
    engine.store.write(end)


def _record(engine, bulk_id: str) -> dict:
    with engine.store.read() as snapshot:
        return engine.repos.bulk_operations.get(snapshot, bulk_id)


def _update(engine, bulk_id: str, **fields) -> None:
    def update(ctx):
        current = engine.repos.bulk_operations.get(ctx.txn, bulk_id)
        engine.repos.bulk_operations.put(ctx.txn, dict(current, description=dict(
            current["description"], **fields)))
    engine.store.write(update)


class _Pacer:
    """Keeps the job's write rate under MaxWriteRequestUnits a second."""

    def __init__(self, max_units: int | None, engine) -> None:
        self.max_units, self.engine = max_units, engine
        self.started, self.units = time.monotonic(), 0.0

    def spent(self, units: float) -> None:
        if not self.max_units:
            return
        self.units += units
        ahead = self.units / self.max_units - (time.monotonic() - self.started)
        if ahead > 0 and self.engine.closing.wait(ahead):
            raise _Stopped()

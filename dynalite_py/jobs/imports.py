"""Importing S3 objects into a new table (ImportTable).

ImportTable puts the table in the catalog CREATING, with an "import"
entry (in_progress) and no settle time, so data operations never see it
half filled, in the same transaction as the import's record. This job,
under the lease "import:" + id, reads every object under the bucket's
S3KeyPrefix in key order (decompressed for GZIP and ZSTD), parses it
line by line (DYNAMODB_JSON: one {"Item": {...}} a line; ION: one Ion
struct {Item: {...}} a line, dynamodb/exports/ion_format.py; CSV: a
header line or HeaderList, then rows, key attributes typed by the
table's AttributeDefinitions and the rest strings, AWS's rules), and
writes the items in batches through the ItemWriter (so counts and index
entries are built with them), each batch in one transaction with the
import's progress counts and its position (the object key and line the
batch ends at). A line that does
not parse or is not a valid item is counted in ErrorCount and logged,
as AWS logs it to CloudWatch ({"itemS3Pointer", "importArn",
"errorMessages"}).

The import ends COMPLETED with the table ACTIVE; or FAILED (S3's
error, or an endpoint that is down) and the table is removed: a
half-imported table is never ACTIVE. An import cut short (the process
killed or closed) is resumed by the sweeper (`resume_imports`) from its
stored position, so every line is imported once.
"""
from __future__ import annotations

import csv
import io
import logging

import orjson

from ..dynamodb.backups.backup_details import millis
from ..dynamodb.exports.s3 import S3Failure, s3_client
from ..dynamodb.items.items import key_of
from ..dynamodb.tables.table_data import purge_table_items
from ..errors import DynamoError
from ..model.values import validate_index_keys, validate_item_key, validate_written_item
from ..storage.leases import Lease, new_owner
from .s3_input import NotDecompressible, decompressed, objects, records
from .starting import start_tracked

log = logging.getLogger("dynalite_py")
WRITE_BATCH = 500
IMPORT_LEASE_SECONDS = 30.0


class _Stopped(Exception):
    """The engine closed or the lease was lost mid-import."""


def import_lease(import_id: str) -> str:
    return f"import:{import_id}"


def start_import(engine, import_id: str) -> None:
    start_tracked(engine, ("import", import_id), "import", _import, engine, import_id)


def _import(engine, import_id: str) -> None:
    lease = Lease(engine.store, import_lease(import_id), new_owner(), IMPORT_LEASE_SECONDS)
    try:
        if lease.hold():
            _run(engine, lease, import_id)
    except _Stopped:
        pass
    except (S3Failure, NotDecompressible) as failure:
        _fail(engine, import_id, failure.code, failure.message)
    except Exception:
        log.exception("import %s failed", import_id)
        _fail(engine, import_id, "UNKNOWN", "Internal error during the import")
    finally:
        lease.release()


def _run(engine, lease: Lease, import_id: str) -> None:
    with engine.store.read() as snapshot:
        record = engine.repos.imports.get(snapshot, import_id)
        table = engine.catalog.find(snapshot, record["table_name"])
    described = record["description"]
    if described["ImportStatus"] != "IN_PROGRESS" or table is None:
        return
    source = described["S3BucketSource"]
    client = s3_client(engine.config)
    batch: list[tuple[dict, int]] = []
    # a resumed import goes on after the last line its last batch consumed
    resume = record.get("position") or {"key": "", "line": 0}
    progress = {"processed": described["ProcessedItemCount"], "errors": described["ErrorCount"],
                "size": described["ProcessedSizeBytes"], "key": resume["key"], "line": 0}
    for key, body in objects(client, source["S3Bucket"], source.get("S3KeyPrefix") or "",
                             engine.config, resume["key"]):
        skip = resume["line"] if key == resume["key"] else 0
        if not skip:  # a resumed object's bytes were counted when it began
            progress["size"] += len(body)
        text = decompressed(key, body, described["InputCompressionType"]).decode(
            "utf-8", "replace")
        for number, item in _parse(text, described, record):
            if number <= skip:
                continue
            progress.update(processed=progress["processed"] + 1, key=key, line=number)
            checked = _checked(table, item)
            if isinstance(checked, str):
                progress["errors"] += 1
                _log_bad_line(described, source["S3Bucket"], key, number, checked)
                continue
            batch.append((item, checked))
            if len(batch) == WRITE_BATCH:
                _write_batch(engine, lease, record, batch, progress, False)
                batch = []
    _write_batch(engine, lease, record, batch, progress, True)


def _parse(text: str, described: dict, record: dict):
    """(line number, item or the error it is) of each line of an object."""
    if described["InputFormat"] == "CSV":
        yield from _csv_items(text, described.get("InputFormatOptions") or {}, record)
        return
    for number, record in records(text, described["InputFormat"]):
        yield number, record if isinstance(record, str) else record["Item"]


def _csv_items(text: str, options: dict, record: dict):
    """CSV rows as items: key attributes typed as the table defines them,
    every other non-empty value a string (AWS's CSV import)."""
    csv_options = options.get("Csv") or {}
    reader = csv.reader(io.StringIO(text), delimiter=(csv_options.get("Delimiter") or ","))
    header = csv_options.get("HeaderList")
    types = {definition["AttributeName"]: definition["AttributeType"] for definition in
             record["description"]["TableCreationParameters"]["AttributeDefinitions"]}
    for number, row in enumerate(reader, 1):
        if header is None:
            header = row
            continue
        if not row:
            continue
        if len(row) > len(header):
            yield number, "The row has more values than the header has names"
            continue
        yield number, {name: {types.get(name, "S"): value}
                       for name, value in zip(header, row) if value != ""}


def _checked(table, item) -> int | str:
    """The item's size, or why it cannot be imported."""
    if isinstance(item, str):
        return item
    try:
        size = validate_written_item(item)
        validate_item_key(item, table.key_attributes)
        validate_index_keys(item, table.index_key_schemas, table.attribute_types)
        return size
    except DynamoError as error:
        return error.message
    except (TypeError, AttributeError, ValueError):
        return "The item is not valid DynamoDB JSON"


def _log_bad_line(described: dict, bucket: str, key: str, number: int, why: str) -> None:
    log.warning("import error %s", orjson.dumps({
        "itemS3Pointer": {"bucket": bucket, "key": key, "itemIndex": number - 1},
        "importArn": described["ImportArn"], "errorMessages": [why]}).decode())


def _write_batch(engine, lease: Lease, record: dict, batch: list[tuple[dict, int]],
                 progress: dict, last: bool) -> None:
    """Write a batch and the progress after it; the last one also makes
    the import COMPLETED and the table ready (ACTIVE once it settles)."""
    if engine.closing.is_set() or not lease.hold():
        raise _Stopped()

    def write(ctx):
        table = _importing(ctx, engine, record)
        for item, size in batch:
            engine.items.write(ctx, table, key_of(table, item), item, size)
        current = engine.repos.imports.get(ctx.txn, record["id"])
        imported = current["description"]["ImportedItemCount"] + len(batch)
        fields = {"ProcessedItemCount": progress["processed"], "ErrorCount": progress["errors"],
                  "ProcessedSizeBytes": progress["size"], "ImportedItemCount": imported}
        if last:
            now = engine.clock()
            fields.update(ImportStatus="COMPLETED", EndTime=millis(now) / 1000)
            # ACTIVE as the import COMPLETES: a reader seeing one sees the other
            engine.catalog.put(ctx, dict(table.record, settles_at=now, **{"import": dict(
                table.record["import"], in_progress=False)}))
        position = {"key": progress["key"], "line": progress["line"]}
        engine.repos.imports.put(ctx.txn, dict(current, position=position, description=dict(
            current["description"], **fields)))
    engine.store.write(write)


def _importing(ctx, engine, record: dict):
    table = engine.catalog.current(ctx, record["table_name"])
    if table is None or table.record["TableId"] != record["table_id"]:
        raise _Stopped()
    return table


def _fail(engine, import_id: str, code: str, message: str) -> None:
    """FAILED, with the half-imported table removed (never ACTIVE)."""
    log.warning("import %s failed: %s: %s", import_id, code, message)

    def fail(ctx):
        record = engine.repos.imports.get(ctx.txn, import_id)
        if record is None or record["description"]["ImportStatus"] != "IN_PROGRESS":
            return
        table = engine.catalog.current(ctx, record["table_name"])
        if table is not None and table.record["TableId"] == record["table_id"]:
            purge_table_items(ctx, engine.repos, table)
            engine.catalog.put(ctx, dict(table.record, TableStatus="DELETING",
                                         settles_at=engine.clock()))
        engine.repos.imports.put(ctx.txn, dict(record, description=dict(
            record["description"], ImportStatus="FAILED", FailureCode=code,
            FailureMessage=message, EndTime=millis(engine.clock()) / 1000)))
    engine.store.write(fail)


def resume_imports(engine) -> None:
    """Go on with the IN_PROGRESS imports no thread of this engine is making
    (after a restart; the lease keeps one writer across processes)."""
    with engine.store.read() as snapshot:
        running = [record["id"] for record in engine.repos.imports.all(snapshot)
                   if record["description"]["ImportStatus"] == "IN_PROGRESS"]
    for import_id in running:
        start_import(engine, import_id)

"""Backup ARNs, backup records and the shapes DynamoDB answers with.

A backup ARN is the source table's ARN + "/backup/<id>", the id being
"<creation epoch ms, 14 digits>-<8 hex>" (AWS's form: ack-api-quirks
DDB-BACKUP-006). DynamoDB finds a backup by its id and account, ignoring
the region the ARN names (DDB-BACKUP-012).
"""
from __future__ import annotations

import re
import secrets

from ...errors import DynamoError, validation_error
from ..tables.catalog import Table
from ..vectors.definitions import vector_index_info

_BACKUP_ARN = re.compile(
    r"arn:aws:dynamodb:[a-z0-9-]*:(\d{12}):table/([^/]+)/backup/(\d{14}-[0-9a-f]{8})")
BACKUP_STATES = ("CREATING", "AVAILABLE")


def millis(when: float) -> int:
    """A time in whole milliseconds: backups are timed to the millisecond
    (their ARNs, ListBackups' time range: DDB-BACKUP-006/014)."""
    return round(when * 1000)


def new_backup_id(created: float) -> str:
    return f"{millis(created):014d}-{secrets.token_hex(4)}"


def backup_arn(table_arn: str, backup_id: str) -> str:
    return f"{table_arn}/backup/{backup_id}"


def backup_id_of(arn: str, account_id: str) -> str:
    """The id in a backup ARN; ValidationException for anything else."""
    match = _BACKUP_ARN.fullmatch(arn)
    if match is None:
        raise validation_error("Invalid Backup ARN")
    if match.group(1) != account_id:
        raise DynamoError("AccessDeniedException", "Access is denied",
                          namespace="com.amazon.coral.service", message_key="Message")
    return match.group(3)


def backup_not_found(arn: str) -> DynamoError:
    return DynamoError("BackupNotFoundException", f"Backup not found: {arn}")


def table_not_found(name: str) -> DynamoError:
    """The continuous-backups family's not-found (ack-api-quirks DDB-TABLE-098)."""
    return DynamoError("TableNotFoundException", f"Table not found: {name}")


def find_backup(engine, txn, arn: str) -> dict:
    """The backup record an ARN names, or BackupNotFoundException."""
    record = engine.repos.backups.get(txn, backup_id_of(arn, engine.config.account_id))
    if record is None:
        raise backup_not_found(arn)
    return record


def new_backup_record(engine, table: Table, backup_id: str, name: str, now: float,
                      item_count: int, size_bytes: int) -> dict:
    """The record of a backup of `table` taken at `now` (CREATING): what
    DescribeBackup shows and what a restore rebuilds the table from."""
    record = table.record
    table_arn = engine.catalog.table_arn(table.name)
    on_demand = record.get("BillingModeSummary", {}).get("BillingMode") == "PAY_PER_REQUEST"
    source = {"TableName": table.name, "TableId": record["TableId"], "TableArn": table_arn,
              "TableSizeBytes": size_bytes, "KeySchema": record["KeySchema"],
              "TableCreationDateTime": record["CreationDateTime"],
              "ProvisionedThroughput": {
                  "ReadCapacityUnits": record["ProvisionedThroughput"]["ReadCapacityUnits"],
                  "WriteCapacityUnits": record["ProvisionedThroughput"]["WriteCapacityUnits"]},
              "ItemCount": item_count,
              "BillingMode": "PAY_PER_REQUEST" if on_demand else "PROVISIONED"}
    if record.get("OnDemandThroughput"):
        source["OnDemandThroughput"] = record["OnDemandThroughput"]
    return {"id": backup_id, "arn": backup_arn(table_arn, backup_id), "name": name,
            "status": "CREATING", "type": "USER", "created": millis(now) / 1000, "size": size_bytes,
            "table_number": record["number"], "source": source,
            "features": _features(table),
            "definition": {field: record[field] for field in (
                "KeySchema", "AttributeDefinitions", "ProvisionedThroughput",
                "BillingModeSummary", "LocalSecondaryIndexes", "GlobalSecondaryIndexes",
                "SSEDescription", "OnDemandThroughput", "VectorIndexes") if record.get(field)}}


def _features(table: Table) -> dict:
    """SourceTableFeatureDetails: indexes (vector too) as *Info shapes, stream, TTL and
    SSE, each only when the table has it (DDB-BACKUP-009/021)."""
    record = table.record
    features: dict = {}
    if record.get("LocalSecondaryIndexes"):
        features["LocalSecondaryIndexes"] = [
            {"IndexName": i["IndexName"], "KeySchema": i["KeySchema"],
             "Projection": i["Projection"]} for i in record["LocalSecondaryIndexes"]]
    if record.get("GlobalSecondaryIndexes"):
        features["GlobalSecondaryIndexes"] = [
            {"IndexName": i["IndexName"], "KeySchema": i["KeySchema"],
             "Projection": i["Projection"], "ProvisionedThroughput": {
                 "ReadCapacityUnits": i["ProvisionedThroughput"]["ReadCapacityUnits"],
                 "WriteCapacityUnits": i["ProvisionedThroughput"]["WriteCapacityUnits"]}}
            for i in record["GlobalSecondaryIndexes"]]
    if table.stream_view_type is not None:
        features["StreamDescription"] = {"StreamEnabled": True,
                                         "StreamViewType": table.stream_view_type}
    if table.ttl_attribute is not None:
        features["TimeToLiveDescription"] = {"TimeToLiveStatus": "ENABLED",
                                             "AttributeName": table.ttl_attribute}
    if record.get("SSEDescription"):
        features["SSEDescription"] = record["SSEDescription"]
    if record.get("VectorIndexes"):
        features["VectorIndexes"] = [vector_index_info(index)
                                     for index in record["VectorIndexes"]]
    return features


def backup_details(record: dict) -> dict:
    """BackupDetails (CreateBackup's answer, inside every description)."""
    return {"BackupArn": record["arn"], "BackupName": record["name"],
            "BackupSizeBytes": record["size"], "BackupStatus": record["status"],
            "BackupType": record["type"], "BackupCreationDateTime": record["created"]}


def backup_description(record: dict, status: str | None = None) -> dict:
    details = backup_details(record)
    if status is not None:
        details["BackupStatus"] = status
    return {"BackupDetails": details, "SourceTableDetails": record["source"],
            "SourceTableFeatureDetails": record["features"]}


def backup_summary(record: dict) -> dict:
    source = record["source"]
    return {"TableName": source["TableName"], "TableId": source["TableId"],
            "TableArn": source["TableArn"], "BackupArn": record["arn"],
            "BackupName": record["name"], "BackupCreationDateTime": record["created"],
            "BackupStatus": record["status"], "BackupType": record["type"],
            "BackupSizeBytes": record["size"]}


def restoring_from(engine, txn, backup_id: str) -> str | None:
    """The table a restore from this backup is filling, if any."""
    for table in engine.catalog.tables(txn):
        restore = table.record.get("restore")
        if restore and restore.get("in_progress") and restore.get("backup_id") == backup_id:
            return table.name
    return None


def backup_in_use(message: str) -> DynamoError:
    return DynamoError("BackupInUseException", message)

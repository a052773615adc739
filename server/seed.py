"""`serve --seed DIR`: create tables and load their items at start.

Each *.json file in DIR holds table definitions in one of the forms people
already have them:
- a CreateTable request (`aws dynamodb create-table --cli-input-json`), or a
  list of them;
- a CloudFormation (or SAM) template: every AWS::DynamoDB::Table resource,
  its Properties read as CreateTable's (TimeToLiveSpecification applied);
- a NoSQL Workbench model export ("DataModel"), with its TableData items.
A table's items may also come in DIR/<TableName>.jsonl (DynamoDB JSON lines,
as `dynalite-py dump` writes them) or DIR/<TableName>.csv. A table that
exists already is left alone, items and all, so a restart on kept data
does not overwrite what changed since.
"""
from __future__ import annotations

import json
import logging
import os
import time

from .dataio import Call, key_attribute_types, read_items, write_items

log = logging.getLogger("dynalite_py.seed")
ITEM_FILES = ((".jsonl", "dynamodb-json"), (".csv", "csv"))
ACTIVE_WAIT_SECONDS = 30.0


class SeedError(Exception):
    """A seed file that cannot be used (its path and what is wrong)."""


def seed(call: Call, directory: str) -> None:
    """Create the tables DIR defines and load their items."""
    if not os.path.isdir(directory):
        raise SeedError(f"--seed {directory}: no such directory")
    existing = set(call("ListTables", {})["TableNames"])
    for path in sorted(os.path.join(directory, name) for name in os.listdir(directory)
                       if name.endswith(".json")):
        for definition, items in table_definitions(path):
            name = definition["TableName"]
            if name in existing:
                log.info("seed: table %s exists already: left as it is", name)
                continue
            create_table(call, definition)
            count = write_items(call, name, items) + load_item_files(call, directory, name)
            log.info("seed: created table %s with %d items (%s)", name, count,
                     os.path.basename(path))


def create_table(call: Call, definition: dict) -> None:
    """CreateTable, then (once ACTIVE) the TTL setting a template gave it."""
    ttl = definition.pop("TimeToLiveSpecification", None)
    try:
        call("CreateTable", definition)
    except Exception as error:  # DynamoError or ClientError: say which table, and why
        raise SeedError(f"seed: cannot create table {definition.get('TableName')}: "
                        f"{getattr(error, 'message', error)}") from None
    wait_until_active(call, definition["TableName"])
    if ttl and ttl.get("Enabled"):
        call("UpdateTimeToLive", {"TableName": definition["TableName"],
                                  "TimeToLiveSpecification": ttl})


def wait_until_active(call: Call, name: str) -> None:
    deadline = time.monotonic() + ACTIVE_WAIT_SECONDS
    while call("DescribeTable", {"TableName": name})["Table"]["TableStatus"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise SeedError(f"seed: table {name} did not become ACTIVE")
        time.sleep(0.01)


def load_item_files(call: Call, directory: str, name: str) -> int:
    count = 0
    for suffix, file_format in ITEM_FILES:
        path = os.path.join(directory, name + suffix)
        if os.path.exists(path):
            with open(path, encoding="utf-8", newline="" if suffix == ".csv" else None) as file:
                count += write_items(call, name, read_items(
                    file, file_format, key_attribute_types(call, name)))
    return count


def table_definitions(path: str) -> list[tuple[dict, list[dict]]]:
    """(CreateTable request, items) for each table the file defines."""
    try:
        with open(path, encoding="utf-8") as file:
            document = json.load(file)
    except (OSError, ValueError) as error:
        raise SeedError(f"seed: {path}: {error}") from None
    if isinstance(document, dict) and "Resources" in document:
        return [(from_cloudformation(logical_id, resource["Properties"]), [])
                for logical_id, resource in document["Resources"].items()
                if resource.get("Type") == "AWS::DynamoDB::Table"]
    if isinstance(document, dict) and "DataModel" in document:
        return [(from_workbench(model), model.get("TableData", []))
                for model in document["DataModel"]]
    requests = document if isinstance(document, list) else [document]
    if not all(isinstance(request, dict) and "TableName" in request for request in requests):
        raise SeedError(f"seed: {path}: neither CreateTable requests, a CloudFormation "
                        "template nor a NoSQL Workbench model")
    return [(dict(request), []) for request in requests]


# CloudFormation Properties that CreateTable does not take (or takes otherwise)
CLOUDFORMATION_ONLY = ("PointInTimeRecoverySpecification", "ContributorInsightsSpecification",
                       "KinesisStreamSpecification", "ImportSourceSpecification",
                       "ResourcePolicy")


def from_cloudformation(logical_id: str, properties: dict) -> dict:
    """An AWS::DynamoDB::Table resource's Properties as a CreateTable request."""
    request = {name: value for name, value in properties.items()
               if name not in CLOUDFORMATION_ONLY}
    request.setdefault("TableName", logical_id)
    stream = request.get("StreamSpecification")
    if stream:
        request["StreamSpecification"] = {"StreamEnabled": True,
                                          "StreamViewType": stream["StreamViewType"]}
    sse = request.get("SSESpecification")
    if sse:  # CloudFormation names CreateTable's Enabled SSEEnabled
        request["SSESpecification"] = {"Enabled" if name == "SSEEnabled" else name: value
                                       for name, value in sse.items()}
    return request


def from_workbench(model: dict) -> dict:
    """A NoSQL Workbench table model as a CreateTable request."""
    definitions: dict[str, str] = {}

    def key_schema(key_attributes: dict) -> list[dict]:
        schema = []
        for role, key_type in (("PartitionKey", "HASH"), ("SortKey", "RANGE")):
            attribute = key_attributes.get(role)
            if attribute:
                definitions[attribute["AttributeName"]] = attribute["AttributeType"]
                schema.append({"AttributeName": attribute["AttributeName"], "KeyType": key_type})
        return schema

    request: dict = {"TableName": model["TableName"],
                     "KeySchema": key_schema(model["KeyAttributes"])}
    indexes = [{"IndexName": index["IndexName"], "KeySchema": key_schema(index["KeyAttributes"]),
                "Projection": index.get("Projection", {"ProjectionType": "ALL"})}
               for index in model.get("GlobalSecondaryIndexes", [])]
    capacity = model.get("ProvisionedCapacitySettings", {}).get("ProvisionedThroughput")
    if model.get("BillingMode") == "PROVISIONED" and capacity:
        request["BillingMode"] = "PROVISIONED"
        request["ProvisionedThroughput"] = capacity
        for index in indexes:
            index["ProvisionedThroughput"] = capacity
    else:
        request["BillingMode"] = "PAY_PER_REQUEST"
    if indexes:
        request["GlobalSecondaryIndexes"] = indexes
    request["AttributeDefinitions"] = [{"AttributeName": name, "AttributeType": kind}
                                       for name, kind in definitions.items()]
    return request

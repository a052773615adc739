"""The tables: the list with each one's keys, indexes, stream, TTL, item
count and size; creating and deleting one."""
from __future__ import annotations

from dynalite_py.engine import Engine
from dynalite_py.errors import DynamoError

from .pages import Inputs, Page, Redirect, all_pages, error_text, table_url

KEY_TYPES = ("S", "N", "B")
STREAM_VIEWS = ("NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE", "KEYS_ONLY")


def key_text(schema: list[dict]) -> str:
    """`pk (HASH), sk (RANGE)`."""
    return ", ".join(f"{part['AttributeName']} ({part['KeyType']})" for part in schema)


def ttl_setting(engine: Engine, name: str) -> dict[str, str]:
    """The table's TTL status and attribute (DynamoDB describes neither
    while the table is being created or deleted)."""
    try:
        found = engine.call("DescribeTimeToLive", {"TableName": name})["TimeToLiveDescription"]
    except DynamoError:
        return {"status": "unknown yet", "attribute": ""}
    return {"status": found["TimeToLiveStatus"], "attribute": found.get("AttributeName", "")}


def summary(engine: Engine, name: str) -> dict:
    """What the list shows of one table: its description and TTL setting."""
    table = engine.call("DescribeTable", {"TableName": name})["Table"]
    indexes = [(kind, index["IndexName"], key_text(index["KeySchema"]))
               for kind, member in (("global", "GlobalSecondaryIndexes"),
                                    ("local", "LocalSecondaryIndexes"))
               for index in table.get(member, [])]
    stream = table.get("StreamSpecification") or {}
    return {"name": name, "description": table, "status": table["TableStatus"],
            "key_schema": key_text(table["KeySchema"]),
            "indexes": indexes,
            "stream": stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
            "ttl": ttl_setting(engine, name), "item_count": table["ItemCount"],
            "size": table["TableSizeBytes"],
            "billing": (table.get("BillingModeSummary") or {}).get("BillingMode",
                                                                  "PROVISIONED")}


def overview(engine: Engine, inputs: Inputs, error: str | None = None,
             status: int = 200) -> Page:
    names = all_pages(engine.call, "ListTables", {}, "TableNames", "ExclusiveStartTableName",
                      "LastEvaluatedTableName")
    found = []
    for name in names:
        try:
            found.append(summary(engine, name))
        except DynamoError:  # deleted since it was listed
            continue
    return Page("tables.html", {"tables": found, "error": error, "form": inputs.form,
                                "key_types": KEY_TYPES, "stream_views": STREAM_VIEWS}, status)


def create_request(form: dict[str, str]) -> dict:
    """CreateTable's request from the form (on demand; the engine checks it)."""
    schema = [{"AttributeName": form.get("partition_key", ""), "KeyType": "HASH"}]
    definitions = [{"AttributeName": form.get("partition_key", ""),
                    "AttributeType": form.get("partition_type", "S")}]
    if form.get("sort_key"):
        schema.append({"AttributeName": form["sort_key"], "KeyType": "RANGE"})
        definitions.append({"AttributeName": form["sort_key"],
                            "AttributeType": form.get("sort_type", "S")})
    request = {"TableName": form.get("name", ""), "KeySchema": schema,
               "AttributeDefinitions": definitions, "BillingMode": "PAY_PER_REQUEST"}
    if form.get("stream"):
        request["StreamSpecification"] = {"StreamEnabled": True,
                                          "StreamViewType": form["stream"]}
    return request


def create(engine: Engine, inputs: Inputs) -> Page | Redirect:
    try:
        engine.call("CreateTable", create_request(inputs.form))
    except DynamoError as error:
        return overview(engine, inputs, error_text(error), error.status)
    return Redirect(table_url(inputs.form["name"]))


def delete(engine: Engine, inputs: Inputs) -> Page | Redirect:
    try:
        engine.call("DeleteTable", {"TableName": inputs.path["table"]})
    except DynamoError as error:
        return overview(engine, inputs, error_text(error), error.status)
    return Redirect("/_admin")


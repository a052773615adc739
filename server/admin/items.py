"""A table's page and its items: browse (Scan), query (a key condition
built from the form), both paged by LastEvaluatedKey; view, create, edit
and delete an item as DynamoDB JSON, with the engine's validation errors
shown beside the text that caused them."""
from __future__ import annotations

import orjson

from dynalite_py.engine import Engine
from dynalite_py.errors import DynamoError

from .pages import Inputs, Page, Redirect, cell, compact, error_text, pretty, table_url
from .tables import summary

PAGE_SIZE = 25
MAX_PAGE_SIZE = 1000
# attributes besides the key shown as columns of the list
OTHER_COLUMNS = 8
# the sort key conditions of the builder, as KeyConditionExpression spells them
SORT_CONDITIONS = {"=": "#sk = :sk", "<": "#sk < :sk", "<=": "#sk <= :sk", ">": "#sk > :sk",
                   ">=": "#sk >= :sk", "between": "#sk BETWEEN :sk AND :sk2",
                   "begins_with": "begins_with(#sk, :sk)"}


class FormError(ValueError):
    """The search form cannot make a request (the engine never sees it)."""


def key_schema(table: dict, index: str) -> list[dict]:
    """The key schema the search reads: the table's or one index's."""
    if not index:
        return table["KeySchema"]
    for member in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        for described in table.get(member, []):
            if described["IndexName"] == index:
                return described["KeySchema"]
    raise FormError(f"the table has no index {index}")


def typed(table: dict, attribute: str, text: str) -> dict:
    """A key value typed as the table defines the attribute (B as base64)."""
    kinds = {part["AttributeName"]: part["AttributeType"]
             for part in table["AttributeDefinitions"]}
    return {kinds[attribute]: text}


def page_size(text: str | None) -> int:
    try:
        size = int(text or PAGE_SIZE)
    except ValueError:
        raise FormError(f"the page size must be a whole number, not {text!r}") from None
    return max(1, min(MAX_PAGE_SIZE, size))


def parsed_json(text: str, what: str) -> object:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise FormError(f"{what} is not valid JSON: {error}") from None


def search_request(table: dict, query: dict[str, str]) -> tuple[str, dict]:
    """("Scan" or "Query", its request) from the search form: a partition
    key value makes it a Query, with the sort key condition if one is chosen."""
    index = query.get("index", "")
    request: dict = {"TableName": table["TableName"], "Limit": page_size(query.get("limit"))}
    schema = key_schema(table, index)  # an unknown index is refused before any call
    if index:
        request["IndexName"] = index
    if query.get("start"):
        request["ExclusiveStartKey"] = parsed_json(query["start"], "the page's start key")
    if not query.get("pk"):
        return "Scan", request
    names = {"#pk": schema[0]["AttributeName"]}
    values = {":pk": typed(table, names["#pk"], query["pk"])}
    condition = "#pk = :pk"
    operator = query.get("op", "")
    if operator and len(schema) > 1:
        if operator not in SORT_CONDITIONS:
            raise FormError(f"no sort key condition {operator!r}")
        names["#sk"] = schema[1]["AttributeName"]
        values[":sk"] = typed(table, names["#sk"], query.get("sk", ""))
        if operator == "between":
            values[":sk2"] = typed(table, names["#sk"], query.get("sk2", ""))
        condition += " AND " + SORT_CONDITIONS[operator]
    request.update(KeyConditionExpression=condition, ExpressionAttributeNames=names,
                   ExpressionAttributeValues=values)
    if query.get("order") == "descending":
        request["ScanIndexForward"] = False
    return "Query", request


def key_of(table: dict, item: dict) -> dict:
    return {part["AttributeName"]: item[part["AttributeName"]]
            for part in table["KeySchema"] if part["AttributeName"] in item}


def rows(table: dict, found: list[dict]) -> tuple[list[str], list[dict]]:
    """The list's columns (the key's, then others) and its rows."""
    keys = [part["AttributeName"] for part in table["KeySchema"]]
    others = sorted({name for item in found for name in item} - set(keys))[:OTHER_COLUMNS]
    columns = keys + others
    return columns, [{"key": compact(key_of(table, item)),
                      "cells": [cell(item[name]) if name in item else "" for name in columns]}
                     for item in found]


def browse(engine: Engine, inputs: Inputs, error: str | None = None, status: int = 200) -> Page:
    """The table's settings, the search form, and a page of its items."""
    name = inputs.path["table"]
    try:
        described = summary(engine, name)
    except DynamoError as failure:
        return Page("problem.html", {"error": error_text(failure)}, failure.status)
    table = described["description"]
    context = {"table": described, "query": inputs.query, "columns": [], "rows": [],
               "next": None, "operation": None, "conditions": list(SORT_CONDITIONS),
               "saved": inputs.query.get("saved") == "1", "error": error}
    if described["status"] == "CREATING":  # DynamoDB finds no table to read yet
        return Page("table.html", context, status)
    try:
        operation, request = search_request(table, inputs.query)
        response = engine.call(operation, request)
    except FormError as failure:
        return Page("table.html", {**context, "error": str(failure)}, 400)
    except DynamoError as failure:
        return Page("table.html", {**context, "error": error_text(failure)}, failure.status)
    context["columns"], context["rows"] = rows(table, response.get("Items", []))
    context["operation"] = operation
    if "LastEvaluatedKey" in response:
        following = {**inputs.query, "start": compact(response["LastEvaluatedKey"])}
        following.pop("saved", None)
        context["next"] = table_url(name, **following)
    return Page("table.html", context, status)


def item_page(engine: Engine, table: str, text: str, original: str, error: str | None = None,
              status: int = 200, saved: bool = False) -> Page:
    return Page("item.html", {"table": table, "text": text, "original": original,
                              "error": error, "saved": saved}, status)


def view(engine: Engine, inputs: Inputs) -> Page:
    """An item's DynamoDB JSON to edit, or (no key given) a new item's form
    with the key attributes to fill in."""
    table = inputs.path["table"]
    try:
        described = engine.call("DescribeTable", {"TableName": table})["Table"]
        if "key" not in inputs.query:
            blank = {part["AttributeName"]: typed(described, part["AttributeName"], "")
                     for part in described["KeySchema"]}
            return item_page(engine, table, pretty(blank), "")
        key = parsed_json(inputs.query["key"], "the key")
        found = engine.call("GetItem", {"TableName": table, "Key": key, "ConsistentRead": True})
    except FormError as failure:
        return Page("problem.html", {"error": str(failure)}, 400)
    except DynamoError as failure:
        return Page("problem.html", {"error": error_text(failure)}, failure.status)
    if "Item" not in found:
        return Page("problem.html", {"error": "No item has that key (deleted meanwhile?)"}, 404)
    return item_page(engine, table, pretty(found["Item"]), compact(key),
                     saved=inputs.query.get("saved") == "1")


def save(engine: Engine, inputs: Inputs) -> Page | Redirect:
    """PutItem of the form's item; when an edit changed the key, the new
    item and the old one's deletion in one transaction (all or nothing)."""
    table, text = inputs.path["table"], inputs.form.get("item", "")
    original = inputs.form.get("original", "")
    try:
        item = parsed_json(text, "the item")
        described = engine.call("DescribeTable", {"TableName": table})["Table"]
        key = key_of(described, item) if isinstance(item, dict) else None
        old_key = parsed_json(original, "the original key") if original else None
        if old_key is not None and old_key != key:
            engine.call("TransactWriteItems", {"TransactItems": [
                {"Put": {"TableName": table, "Item": item}},
                {"Delete": {"TableName": table, "Key": old_key}}]})
        else:
            engine.call("PutItem", {"TableName": table, "Item": item})
    except FormError as failure:
        return item_page(engine, table, text, original, str(failure), 400)
    except DynamoError as failure:
        return item_page(engine, table, text, original, error_text(failure), failure.status)
    return Redirect(table_url(table, "/item", key=compact(key), saved="1"))


def delete(engine: Engine, inputs: Inputs) -> Page | Redirect:
    table = inputs.path["table"]
    try:
        key = parsed_json(inputs.form.get("key", ""), "the key")
        engine.call("DeleteItem", {"TableName": table, "Key": key})
    except FormError as failure:
        return Page("problem.html", {"error": str(failure)}, 400)
    except DynamoError as failure:
        return Page("problem.html", {"error": error_text(failure)}, failure.status)
    return Redirect(table_url(table))

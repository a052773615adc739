"""Scan: a table or index in partition-hash order, paged, in parallel segments.

Segment/TotalSegments split the 128-bit partition-hash space into equal
ranges (storage/partitions.segment_bounds), so the segments together return every item
exactly once. Limit and 1 MB count items read; the filter then keeps what
it matches.
"""
from __future__ import annotations

from ...errors import older_wording, validation_error
from ...expressions import check_expression_params
from ...expressions.projection import check_attributes_to_get
from ...protocol.validation import ShapeRules
from .querying import (
    admit_read,
    check_reads,
    legacy_filter,
    open_source,
    page_items,
    parse_expressions,
    read_plan,
    respond,
    start_key_bytes,
    table_fetch,
)
from .reads import read_page

NAME = "Scan"
READ_ONLY = True
# DynamoDB's member order in messages (dynalite's fully ordered test/scan.js).
SHAPE_RULES = ShapeRules(member_order={"ScanInput": (
    "Limit", "TotalSegments", "ReturnConsumedCapacity", "AttributesToGet", "Select",
    "TableName", "Segment", "ScanFilter", "ConditionalOperator", "ExclusiveStartKey",
    "IndexName", "FilterExpression", "ProjectionExpression", "ExpressionAttributeValues",
    "ExpressionAttributeNames")})
LEGACY = ["AttributesToGet", "ScanFilter", "ConditionalOperator"]


@older_wording()  # BatchWriteItem, the transactions and Scan check values in the older layer
def run(engine, request: dict) -> dict:
    check_expression_params(request, ["ProjectionExpression", "FilterExpression"], LEGACY)
    legacy_condition = legacy_filter(request, "ScanFilter")
    check_attributes_to_get(request.get("AttributesToGet"))
    segment, total = check_segments(request)
    expressions = parse_expressions(request, ["FilterExpression", "ProjectionExpression"], LEGACY)
    reads = read_plan(request, expressions, legacy_condition, "ScanFilter", query=False)
    source, start = open_source(engine, request, query=False)
    check_reads(source, reads, query=False)
    repos = engine.repos
    admit_read(engine, source)
    consistent = bool(request.get("ConsistentRead"))
    with engine.snapshot(consistent) as txn:
        entries = source.records(repos).segment(txn, source.owner_id, segment, total,
                                                start_key_bytes(source, start))
        page = read_page(entries, source.size_of, source.item_of, request.get("Limit"))
        items, fetch_units = page_items(source, reads, page,
                                        table_fetch(txn, repos, source.table), consistent)
    return respond(engine, request, source, page, items, consistent, fetch_units)


def check_segments(request: dict) -> tuple[int, int]:
    segment, total = request.get("Segment"), request.get("TotalSegments")
    if segment is None and total is None:
        return 0, 1
    if total is None:
        raise validation_error("The TotalSegments parameter is required but was not present in "
                               "the request when Segment parameter is present")
    if segment is None:
        raise validation_error("The Segment parameter is required but was not present in the "
                               "request when parameter TotalSegments is present")
    if segment >= total:
        raise validation_error(f"The Segment parameter is zero-based and must be less than "
                               f"parameter TotalSegments: Segment: {segment} is not less than "
                               f"TotalSegments: {total}")
    return segment, total

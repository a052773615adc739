"""ListTables: table names in order, paged by Limit/ExclusiveStartTableName."""
import bisect

from ...protocol.validation import ShapeRules

NAME = "ListTables"
READ_ONLY = True
# DynamoDB's member order in messages (dynalite's declarations and tests).
SHAPE_RULES = ShapeRules(member_order={"ListTablesInput": ("Limit", "ExclusiveStartTableName")})
DEFAULT_LIMIT = 100


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        names = engine.catalog.names(txn)
    start = request.get("ExclusiveStartTableName")
    first = bisect.bisect_right(names, start) if start is not None else 0
    limit = request.get("Limit") or DEFAULT_LIMIT
    page = names[first:first + limit]
    response: dict = {"TableNames": page}
    if first + limit < len(names):
        response["LastEvaluatedTableName"] = page[-1]
    return response

"""DescribeTable: the table's description, with live ItemCount and size."""
from ...protocol.validation import ShapeRules

NAME = "DescribeTable"
READ_ONLY = True
# A missing TableName is reported on its own, before any aggregated error
# (dynalite's tests).
SHAPE_RULES = ShapeRules(required_parameter="TableName")


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        table = engine.catalog.described(txn, request["TableName"])
        return {"Table": engine.catalog.describe(txn, table)}

"""DescribeTimeToLive: whether TTL is on, and on which attribute."""
from ...protocol.validation import ShapeRules

NAME = "DescribeTimeToLive"
READ_ONLY = True
# A missing TableName is reported on its own, before any aggregated error
# (dynalite's tests).
SHAPE_RULES = ShapeRules(required_parameter="TableName")


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        table = engine.catalog.described(txn, request["TableName"])
    if table.ttl_attribute is None:
        return {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
    return {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED",
                                      "AttributeName": table.ttl_attribute}}

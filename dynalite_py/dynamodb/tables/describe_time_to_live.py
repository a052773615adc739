"""DescribeTimeToLive: whether TTL is on, and on which attribute."""
from ...errors import validation_error
from ...protocol.validation import ShapeRules

NAME = "DescribeTimeToLive"
READ_ONLY = True
# A missing TableName is reported on its own, before any aggregated error
# (dynalite's tests).
SHAPE_RULES = ShapeRules(required_parameter="TableName")


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        table = engine.catalog.described(txn, request["TableName"])
    status = table.status(engine.clock())
    if status in ("CREATING", "DELETING"):  # AWS capture, ack-api-quirks' catalogue
        raise validation_error(f"Cannot describe time to live while table is in {status} "
                               f"state: Current table state is {status}")
    if table.ttl_attribute is None:
        return {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
    return {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED",
                                      "AttributeName": table.ttl_attribute}}

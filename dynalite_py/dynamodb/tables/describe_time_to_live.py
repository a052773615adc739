"""DescribeTimeToLive: whether TTL is on, and on which attribute."""
NAME = "DescribeTimeToLive"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        table = engine.catalog.described(txn, request["TableName"])
    if table.ttl_attribute is None:
        return {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
    return {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED",
                                      "AttributeName": table.ttl_attribute}}

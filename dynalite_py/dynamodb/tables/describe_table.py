"""DescribeTable: the table's description, with live ItemCount and size."""
NAME = "DescribeTable"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        table = engine.catalog.described(txn, request["TableName"])
        return {"Table": engine.catalog.describe(txn, table)}

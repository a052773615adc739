"""DescribeLimits: DynamoDB's default account and table quotas."""
NAME = "DescribeLimits"
READ_ONLY = True

ACCOUNT_MAX_UNITS = 80000
TABLE_MAX_UNITS = 40000


def run(engine, request: dict) -> dict:
    return {"AccountMaxReadCapacityUnits": ACCOUNT_MAX_UNITS,
            "AccountMaxWriteCapacityUnits": ACCOUNT_MAX_UNITS,
            "TableMaxReadCapacityUnits": TABLE_MAX_UNITS,
            "TableMaxWriteCapacityUnits": TABLE_MAX_UNITS}

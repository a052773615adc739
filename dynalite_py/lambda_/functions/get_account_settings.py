"""GetAccountSettings (Lambda): the account's limits (AWS's defaults) and
what its functions use of them."""
from .concurrency import ACCOUNT_CONCURRENCY, reserved_total

NAME = "GetAccountSettings"
READ_ONLY = True
TOTAL_CODE_SIZE = 75 * 1024 ** 3        # 75 GB of code per Region
CODE_SIZE_UNZIPPED = 250 * 1024 ** 2    # per function, layers included
CODE_SIZE_ZIPPED = 50 * 1024 ** 2       # per uploaded zip


def run(engine, request: dict) -> dict:
    functions, versions = engine.functions, engine.repos.versions
    with engine.store.read() as txn:
        records = functions.all(txn)
        code_size = sum(record.get("CodeSize", 0) for latest in records
                        for record in (latest, *versions.of(txn, latest["FunctionName"])))
        reserved = reserved_total(functions, txn)
    return {"AccountLimit": {"TotalCodeSize": TOTAL_CODE_SIZE,
                             "CodeSizeUnzipped": CODE_SIZE_UNZIPPED,
                             "CodeSizeZipped": CODE_SIZE_ZIPPED,
                             "ConcurrentExecutions": ACCOUNT_CONCURRENCY,
                             "UnreservedConcurrentExecutions": ACCOUNT_CONCURRENCY - reserved},
            "AccountUsage": {"TotalCodeSize": code_size, "FunctionCount": len(records)}}

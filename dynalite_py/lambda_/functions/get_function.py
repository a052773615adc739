"""GetFunction (Lambda): configuration, code location and concurrency."""
NAME = "GetFunction"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    functions = engine.functions
    with engine.store.read() as txn:
        record = functions.require(txn, request["FunctionName"])
    response = {"Configuration": functions.configuration(record),
                "Code": {"RepositoryType": "S3",
                         "Location": f"file://{record.get('code_dir') or 'embedded'}"}}
    if record.get("reserved_concurrency") is not None:
        response["Concurrency"] = {"ReservedConcurrentExecutions": record["reserved_concurrency"]}
    return response

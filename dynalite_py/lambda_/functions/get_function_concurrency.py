"""GetFunctionConcurrency (Lambda): the reserved concurrency, if any."""
from .qualifiers import function_ref

NAME = "GetFunctionConcurrency"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        record = engine.functions.require(txn, function_ref(request["FunctionName"]).name)
    reserved = record.get("reserved_concurrency")
    return {} if reserved is None else {"ReservedConcurrentExecutions": reserved}

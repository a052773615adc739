"""PutFunctionConcurrency (Lambda): reserved concurrency, at most what
leaves the account's other functions their minimum; 0 throttles every call."""
from .concurrency import check_reservation
from .qualifiers import function_ref

NAME = "PutFunctionConcurrency"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    functions = engine.functions
    name = function_ref(request["FunctionName"]).name
    reserved = request["ReservedConcurrentExecutions"]

    def update(ctx):
        record = functions.require(ctx.txn, name)
        check_reservation(functions, ctx.txn, record["FunctionName"], reserved)
        functions.put(ctx, dict(record, reserved_concurrency=reserved))

    engine.store.write(update)
    return {"ReservedConcurrentExecutions": reserved}

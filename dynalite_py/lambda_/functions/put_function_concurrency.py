"""PutFunctionConcurrency (Lambda): reserved concurrency; 0 throttles every call."""
from .functions import function_name_from

NAME = "PutFunctionConcurrency"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    functions = engine.functions
    name = function_name_from(request["FunctionName"])
    reserved = request["ReservedConcurrentExecutions"]

    def update(ctx):
        functions.put(ctx, dict(functions.require(ctx.txn, name), reserved_concurrency=reserved))

    engine.store.write(update)
    return {"ReservedConcurrentExecutions": reserved}

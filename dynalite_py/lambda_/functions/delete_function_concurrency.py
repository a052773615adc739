"""DeleteFunctionConcurrency (Lambda): back to the account's unreserved pool."""
from .qualifiers import function_ref

NAME = "DeleteFunctionConcurrency"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    functions = engine.functions
    name = function_ref(request["FunctionName"]).name

    def delete(ctx):
        record = dict(functions.require(ctx.txn, name))
        record.pop("reserved_concurrency", None)
        functions.put(ctx, record)

    engine.store.write(delete)
    return {}

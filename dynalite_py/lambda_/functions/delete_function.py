"""DeleteFunction (Lambda); its event source mappings stop with it."""
from .functions import function_name_from

NAME = "DeleteFunction"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    functions = engine.functions
    name = function_name_from(request["FunctionName"])

    def delete(ctx):
        functions.require(ctx.txn, name)
        functions.delete(ctx, name)

    engine.store.write(delete)
    functions.callables.pop(name, None)
    return {"StatusCode": 204}

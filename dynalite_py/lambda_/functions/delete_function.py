"""DeleteFunction (Lambda); its event source mappings stop with it. A
Qualifier names a published version to delete instead: this server
publishes none, so each names one that does not exist."""
from .functions import function_name_from, lambda_error

NAME = "DeleteFunction"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    functions = engine.functions
    name = function_name_from(request["FunctionName"])
    qualifier = request.get("Qualifier")

    def delete(ctx):
        functions.require(ctx.txn, name)
        if qualifier is not None:
            raise version_refusal(functions.arn(name), qualifier)
        functions.delete(ctx, name)

    engine.store.write(delete)
    functions.callables.pop(name, None)
    return {"StatusCode": 204}


def version_refusal(arn: str, qualifier: str):
    """AWS's answer to deleting a version: $LATEST goes only with its
    function, an alias is no version, and no other version exists here."""
    if qualifier == "$LATEST":
        return lambda_error("InvalidParameterValueException",
                            "$LATEST version cannot be deleted without deleting the function.")
    if not (qualifier.isascii() and qualifier.isdigit()):
        return lambda_error("InvalidParameterValueException",
                            "Deletion of aliases is not supported.")
    return lambda_error("ResourceNotFoundException", f"Function not found: {arn}:{qualifier}",
                        404)

"""GetFunctionConfiguration (Lambda): of $LATEST, a version or an alias's version."""
from .qualifiers import configuration_as_named, function_ref, resolve

NAME = "GetFunctionConfiguration"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    functions = engine.functions
    with engine.store.read() as txn:
        return configuration_as_named(functions, resolve(
            functions, txn, function_ref(request["FunctionName"], request.get("Qualifier"))))

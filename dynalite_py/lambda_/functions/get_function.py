"""GetFunction (Lambda): configuration (of the version a qualifier names),
code location, tags and reserved concurrency."""
from .qualifiers import configuration_as_named, function_ref, resolve

NAME = "GetFunction"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    functions = engine.functions
    with engine.store.read() as txn:
        target = resolve(functions, txn, function_ref(request["FunctionName"],
                                                      request.get("Qualifier")))
    record = target.record
    response = {"Configuration": configuration_as_named(functions, target),
                "Code": {"RepositoryType": "S3",
                         "Location": f"file://{record.get('code_dir') or 'embedded'}"}}
    if record.get("tags"):
        response["Tags"] = record["tags"]
    if record.get("reserved_concurrency") is not None:
        response["Concurrency"] = {"ReservedConcurrentExecutions": record["reserved_concurrency"]}
    return response

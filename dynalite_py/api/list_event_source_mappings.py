"""ListEventSourceMappings (Lambda): filtered by stream and function, paged."""
from .. import mappings
from ..functions import function_name_from

NAME = "ListEventSourceMappings"
SERVICE = "lambda"
READ_ONLY = True
PAGE = 100


def run(engine, request: dict) -> dict:
    store = engine.store
    source, function = request.get("EventSourceArn"), request.get("FunctionName")
    with store.read() as txn:
        found = [mappings.describe(txn, engine.repos, mapping)
                 for mapping in mappings.all_mappings(txn, engine.repos)
                 if (source is None or mapping["EventSourceArn"] == source)
                 and (function is None or function_name_from(mapping["FunctionArn"])
                      == function_name_from(function))]
    start = mappings.page_start(request.get("Marker"))
    size = min(int(request.get("MaxItems") or PAGE), PAGE)
    response = {"EventSourceMappings": found[start:start + size]}
    if start + size < len(found):
        response["NextMarker"] = str(start + size)
    return response

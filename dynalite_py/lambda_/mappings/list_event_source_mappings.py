"""ListEventSourceMappings (Lambda): filtered by stream and function, paged."""
from ..functions.functions import function_name_from, paged
from . import mappings

NAME = "ListEventSourceMappings"
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
    return paged(found, request, "EventSourceMappings", PAGE)

"""ListFunctionEventInvokeConfigs (Lambda): a function's asynchronous
invocation settings of every qualifier, in pages of MaxItems (1 to 50)."""
from __future__ import annotations

from ..functions.functions import function_name_from, page_start
from . import configs

NAME = "ListFunctionEventInvokeConfigs"
READ_ONLY = True
DEFAULT_PAGE = 50


def run(engine, request: dict) -> dict:
    start = page_start(request.get("Marker"))
    size = request.get("MaxItems") or DEFAULT_PAGE
    with engine.store.read() as txn:
        function = engine.functions.require(txn, function_name_from(request["FunctionName"]))
        found = configs.of_function(txn, engine, function)
    response = {"FunctionEventInvokeConfigs": [
        configs.describe(engine, function, config["qualifier"], config)
        for config in found[start:start + size]]}
    if start + size < len(found):
        response["NextMarker"] = str(start + size)
    return response

"""ListFunctions (Lambda): names in order, paged by Marker/MaxItems."""
from ..mappings import page_start

NAME = "ListFunctions"
SERVICE = "lambda"
READ_ONLY = True
PAGE = 50


def run(engine, request: dict) -> dict:
    functions = engine.functions
    with engine.store.read() as txn:
        records = functions.all(txn)
    start = page_start(request.get("Marker"))
    size = min(int(request.get("MaxItems") or PAGE), PAGE)
    page = records[start:start + size]
    response = {"Functions": [functions.configuration(record) for record in page]}
    if start + size < len(records):
        response["NextMarker"] = str(start + size)
    return response

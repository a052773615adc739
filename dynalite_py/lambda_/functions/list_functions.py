"""ListFunctions (Lambda): names in order, paged by Marker/MaxItems; with
FunctionVersion=ALL each function's published versions follow it."""
from .functions import paged

NAME = "ListFunctions"
READ_ONLY = True
PAGE = 50


def run(engine, request: dict) -> dict:
    functions, versions = engine.functions, engine.repos.versions
    every_version = request.get("FunctionVersion") == "ALL"
    with engine.store.read() as txn:
        records = [record for latest in functions.all(txn) for record in (
            latest, *(versions.of(txn, latest["FunctionName"]) if every_version else ()))]
    return paged([functions.configuration(record) for record in records], request,
                 "Functions", PAGE)

"""ListFunctions (Lambda): names in order, paged by Marker/MaxItems."""
from .functions import paged

NAME = "ListFunctions"
READ_ONLY = True
PAGE = 50


def run(engine, request: dict) -> dict:
    functions = engine.functions
    with engine.store.read() as txn:
        records = functions.all(txn)
    return paged([functions.configuration(record) for record in records], request,
                 "Functions", PAGE)

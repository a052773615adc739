"""ListVersionsByFunction (Lambda): $LATEST (under its qualified ARN), then
each published version in order, paged by Marker/MaxItems."""
from __future__ import annotations

from ..functions.functions import paged
from ..functions.qualifiers import LATEST, function_ref, qualified_arn

NAME = "ListVersionsByFunction"
READ_ONLY = True
PAGE = 50


def run(engine, request: dict) -> dict:
    functions = engine.functions
    name = function_ref(request["FunctionName"]).name
    with engine.store.read() as txn:
        latest = functions.require(txn, name)
        published = engine.repos.versions.of(txn, name)
    versions = [dict(functions.configuration(latest),
                     FunctionArn=qualified_arn(functions, name, LATEST)),
                *map(functions.configuration, published)]
    return paged(versions, request, "Versions", PAGE)

"""UpdateEventSourceMapping (Lambda): settings apply from the next batch;
re-enabling resumes from the last checkpoint."""
from __future__ import annotations

import time

from .. import mappings

NAME = "UpdateEventSourceMapping"
SERVICE = "lambda"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    mappings.validate_settings(request)
    store = engine.store
    if request.get("FunctionName"):
        with store.read() as txn:
            engine.functions.require(txn, request["FunctionName"])

    def update(ctx):
        mapping = dict(mappings.require(ctx.txn, engine.repos, request["UUID"]))
        changes = {key: request[key] for key in mappings.SETTINGS
                   if request.get(key) is not None}
        if changes.get("FilterCriteria") == {}:
            changes["FilterCriteria"] = {"Filters": []}  # {} removes every filter
        mapping.update(changes, LastModified=time.time())
        transition = "update"
        if request.get("Enabled") is not None and request["Enabled"] != mapping["enabled"]:
            transition = "enable" if request["Enabled"] else "disable"
            mapping["enabled"] = request["Enabled"]
        mappings.put(ctx, engine.repos, mapping)
        return mappings.describe(ctx.txn, engine.repos, mapping, mappings.TRANSITIONS[transition])

    response = store.write(update)
    engine.bridge.wake.set()
    return response

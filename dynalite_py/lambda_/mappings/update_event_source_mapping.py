"""UpdateEventSourceMapping (Lambda): settings, and the function, apply from
the next batch; re-enabling resumes from the last checkpoint."""
from __future__ import annotations

import time

from . import mappings

NAME = "UpdateEventSourceMapping"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    mappings.validate_settings(request)
    store = engine.store
    function_arn = None
    if request.get("FunctionName"):
        with store.read() as txn:
            function_arn = mappings.function_arn_for(txn, engine, request["FunctionName"])

    def update(ctx):
        mapping = dict(mappings.require(ctx.txn, engine.repos, request["UUID"]))
        changes = {key: request[key] for key in mappings.SETTINGS
                   if request.get(key) is not None}
        if changes.get("FilterCriteria") == {}:
            changes["FilterCriteria"] = {"Filters": []}  # {} removes every filter
        mapping.update(changes, LastModified=time.time())
        if function_arn is not None:
            mapping["FunctionArn"] = function_arn
        transition = "update"
        if request.get("Enabled") is not None and request["Enabled"] != mapping["enabled"]:
            transition = "enable" if request["Enabled"] else "disable"
            mapping["enabled"] = request["Enabled"]
        mappings.put(ctx, engine.repos, mapping)
        return mappings.describe(ctx.txn, engine.repos, mapping, mappings.TRANSITIONS[transition])

    response = store.write(update)
    engine.bridge.wake.set()
    return response

"""CreateEventSourceMapping (Lambda): feed a DynamoDB stream to a function."""
from __future__ import annotations

from . import mappings

NAME = "CreateEventSourceMapping"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    mappings.validate_settings(request)
    store = engine.store
    with store.read() as txn:
        stream = mappings.check_source(txn, engine, request)
        function_arn = mappings.function_arn_for(txn, engine, request["FunctionName"])
    mapping = mappings.new_mapping(engine, request, function_arn)

    def create(ctx):
        mappings.check_not_duplicate(ctx.txn, engine.repos, mapping["EventSourceArn"], function_arn)
        mappings.put(ctx, engine.repos, mapping)
        mappings.start_positions(ctx, engine.repos, mapping, stream)
        return mappings.describe(ctx.txn, engine.repos, mapping,
                                 "Creating" if mapping["enabled"] else "Disabled")

    response = store.write(create)
    engine.bridge.wake.set()
    return response

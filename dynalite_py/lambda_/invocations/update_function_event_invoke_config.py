"""UpdateFunctionEventInvokeConfig (Lambda): change some of a function's
asynchronous invocation settings, keeping the others."""
from __future__ import annotations

from . import configs

NAME = "UpdateFunctionEventInvokeConfig"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    name, qualifier = configs.target(request)

    def update(ctx) -> dict:
        function = engine.functions.require(ctx.txn, name)
        current = configs.require(ctx.txn, engine, function, qualifier)
        destinations = {**current["DestinationConfig"],
                        **{member: value for member, value in
                           (request.get("DestinationConfig") or {}).items()
                           if value is not None}}
        settings = {**current, **{key: request[key] for key in configs.SETTINGS
                                  if request.get(key) is not None},
                    "DestinationConfig": destinations}
        config = configs.new_config(function, settings)
        configs.put(ctx, engine, function, qualifier, config)
        return configs.describe(engine, function, qualifier, config)

    return engine.store.write(update)

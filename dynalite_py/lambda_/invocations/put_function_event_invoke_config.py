"""PutFunctionEventInvokeConfig (Lambda): set a function's (or a
qualifier's) asynchronous invocation settings, replacing any earlier ones."""
from __future__ import annotations

from . import configs

NAME = "PutFunctionEventInvokeConfig"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    name, qualifier = configs.target(request)

    def put(ctx) -> dict:
        function = engine.functions.require(ctx.txn, name)
        config = configs.new_config(function, request)
        configs.put(ctx, engine, function, qualifier, config)
        return configs.describe(engine, function, qualifier, config)

    return engine.store.write(put)

"""DeleteFunctionEventInvokeConfig (Lambda): back to the default
asynchronous invocation settings (two retries, six hours, no destinations)."""
from __future__ import annotations

from . import configs

NAME = "DeleteFunctionEventInvokeConfig"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    name, qualifier = configs.target(request)

    def delete(ctx) -> None:
        function = engine.functions.require(ctx.txn, name)
        configs.require(ctx.txn, engine, function, qualifier)
        engine.repos.event_invoke_configs.delete(ctx.txn, name, qualifier)

    engine.store.write(delete)
    return {}

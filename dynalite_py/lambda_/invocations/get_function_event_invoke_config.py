"""GetFunctionEventInvokeConfig (Lambda): a function's (or a qualifier's)
asynchronous invocation settings."""
from __future__ import annotations

from . import configs

NAME = "GetFunctionEventInvokeConfig"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    name, qualifier = configs.target(request)
    with engine.store.read() as txn:
        function = engine.functions.require(txn, name)
        config = configs.require(txn, engine, function, qualifier)
    return configs.describe(engine, function, qualifier, config)

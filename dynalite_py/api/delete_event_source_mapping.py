"""DeleteEventSourceMapping (Lambda): the consumer stops at its next batch."""
from .. import mappings

NAME = "DeleteEventSourceMapping"
SERVICE = "lambda"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    store = engine.store

    def delete(ctx):
        mapping = mappings.require(ctx.txn, store, request["UUID"])
        ctx.txn.delete(mappings.mapping_key(mapping["UUID"]), db=store.lambdas)
        return mappings.describe(ctx.txn, store, mapping, "Deleting")

    return store.write(delete)

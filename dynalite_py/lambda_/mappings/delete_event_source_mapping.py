"""DeleteEventSourceMapping (Lambda): the consumer stops at its next batch."""
from . import mappings

NAME = "DeleteEventSourceMapping"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    repos = engine.repos

    def delete(ctx):
        mapping = mappings.require(ctx.txn, repos, request["UUID"])
        repos.mappings.delete(ctx.txn, mapping["UUID"])
        return mappings.describe(ctx.txn, repos, mapping, "Deleting")

    return engine.store.write(delete)

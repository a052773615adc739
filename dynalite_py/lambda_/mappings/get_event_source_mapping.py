"""GetEventSourceMapping (Lambda)."""
from . import mappings

NAME = "GetEventSourceMapping"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        return mappings.describe(txn, engine.repos,
                                 mappings.require(txn, engine.repos, request["UUID"]))

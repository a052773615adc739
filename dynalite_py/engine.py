"""The engine: one entry point, `call(operation, request) -> response`.

The HTTP server and the embedded API are thin shells over `Engine.call`, so
both behave identically by construction.
"""
from __future__ import annotations

from .api import OPERATIONS, model_operation_names
from .catalog import Catalog
from .config import Config
from .errors import DynamoError, unknown_operation
from .storage import Store
from .validation import check_request


class Engine:
    """A DynamoDB-compatible engine over one LMDB data directory."""

    def __init__(self, path: str | None = None, config: Config | None = None) -> None:
        self.config = config or Config.from_env()
        self.store = Store(path, self.config.durability, self.config.map_size)
        self.catalog = Catalog(self.store, self.config.region, self.config.account_id)

    @property
    def path(self) -> str:
        return self.store.path

    def call(self, operation: str, request: dict) -> dict:
        """Run one DynamoDB operation on a request in wire form.

        Raises DynamoError with DynamoDB's error name, message and status.
        """
        module = OPERATIONS.get(operation)
        if module is None:
            raise _missing_operation(operation)
        check_request(operation, request)
        if not isinstance(request, dict):  # a JSON non-object body reads as empty, as in check_request
            request = {}
        return module.run(self, request)

    def close(self) -> None:
        self.store.close()


def is_read_only(operation: str) -> bool:
    """Whether an operation never writes (servers may run it inline)."""
    module = OPERATIONS.get(operation)
    return module is not None and module.READ_ONLY


def _missing_operation(operation: str) -> DynamoError:
    if operation in model_operation_names():
        return DynamoError("UnknownOperationException",
                           f"The operation {operation} is not supported by dynalite-py yet",
                           namespace="com.amazon.coral.service")
    return unknown_operation()

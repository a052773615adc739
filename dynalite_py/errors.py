"""Typed errors carrying the AWS error name, message and HTTP status.

Every failure the engine reports is a `DynamoError`; the wire codec turns it
into DynamoDB's JSON error envelope, and embedded callers can catch it.
"""
from __future__ import annotations

from contextlib import ContextDecorator

DYNAMODB_NAMESPACE = "com.amazonaws.dynamodb.v20120810"
CORAL_NAMESPACE = "com.amazon.coral.service"
# DynamoDB reports every ValidationException under Coral's validation namespace.
VALIDATION_NAMESPACE = "com.amazon.coral.validate"
VALIDATION_PREFIX = "One or more parameter values were invalid: "


class DynamoError(Exception):
    """An error as DynamoDB names it: `name` is the AWS error code."""

    def __init__(
        self,
        name: str,
        message: str | None = None,
        status: int = 400,
        namespace: str = DYNAMODB_NAMESPACE,
        extra: dict | None = None,
        message_key: str = "message",
    ) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message
        self.status = status
        self.namespace = namespace
        self.extra = extra or {}
        self.message_key = message_key

    def to_wire(self) -> dict:
        """The JSON error body DynamoDB sends for this error."""
        body: dict = {"__type": f"{self.namespace}#{self.name}"}
        if self.message is not None:
            body[self.message_key] = self.message
        body.update(self.extra)
        return body


def validation_error(message: str) -> DynamoError:
    return DynamoError("ValidationException", message, namespace=VALIDATION_NAMESPACE)


def invalid_parameter(detail: str) -> DynamoError:
    """DynamoDB's 'One or more parameter values were invalid: ...' form."""
    return validation_error(VALIDATION_PREFIX + detail)


def serialization_error(message: str | None) -> DynamoError:
    # Coral's deserializer capitalises the key: {"__type": ..., "Message": ...}
    return DynamoError("SerializationException", message, namespace=CORAL_NAMESPACE,
                       message_key="Message")


def resource_not_found(message: str = "Requested resource not found") -> DynamoError:
    return DynamoError("ResourceNotFoundException", message)


def resource_in_use(message: str) -> DynamoError:
    return DynamoError("ResourceInUseException", message)


def unknown_operation() -> DynamoError:
    return DynamoError("UnknownOperationException", None, namespace=CORAL_NAMESPACE)


class LayeredError(DynamoError):
    """A ValidationException DynamoDB words two ways, by which of its two
    request-checking layers meets it (AWS captures of 2026, conformance
    suite valueLayers.test.ts): `message` is the current layer's wording
    (PutItem, UpdateItem, DeleteItem, GetItem, BatchGetItem, Query), `older`
    the older layer's (BatchWriteItem, the transactions, Scan: see
    `older_wording`)."""

    def __init__(self, message: str, older: str | None = None) -> None:
        super().__init__("ValidationException", message, namespace=VALIDATION_NAMESPACE)
        self.older = message if older is None else older


class older_wording(ContextDecorator):
    """`@older_wording()` on an operation's run (or `with older_wording():`)
    turns a LayeredError raised inside into the older layer's
    ValidationException (the operations that check in that layer)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, _traceback) -> bool:
        if isinstance(error, LayeredError):
            raise validation_error(error.older) from None
        return False

"""SQS's errors: the JSON protocol's error type (the model's shape name,
under com.amazonaws.sqs) and the code the query protocol used, which SQS
still sends in the x-amzn-query-error header ("code;Sender") and botocore
reports as the error's Code (`client.exceptions.QueueDoesNotExist` still
matches, by the shape name)."""
from __future__ import annotations

from ..errors import DynamoError

NAMESPACE = "com.amazonaws.sqs"

# shape name -> query-protocol code, where the two differ
QUERY_CODES = {
    "QueueDoesNotExist": "AWS.SimpleQueueService.NonExistentQueue",
    "QueueNameExists": "QueueAlreadyExists",
    "QueueDeletedRecently": "AWS.SimpleQueueService.QueueDeletedRecently",
    "PurgeQueueInProgress": "AWS.SimpleQueueService.PurgeQueueInProgress",
    "MessageNotInflight": "AWS.SimpleQueueService.MessageNotInflight",
    "EmptyBatchRequest": "AWS.SimpleQueueService.EmptyBatchRequest",
    "TooManyEntriesInBatchRequest": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
    "BatchEntryIdsNotDistinct": "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
    "InvalidBatchEntryId": "AWS.SimpleQueueService.InvalidBatchEntryId",
    "BatchRequestTooLong": "AWS.SimpleQueueService.BatchRequestTooLong",
    "UnsupportedOperation": "AWS.SimpleQueueService.UnsupportedOperation",
    "InvalidParameterValueException": "InvalidParameterValue",
    "MissingRequiredParameterException": "MissingParameter",
}


class SqsError(DynamoError):
    """An SQS error: `name` is the JSON protocol's type, `query_code` the
    query protocol's code."""

    def __init__(self, name: str, message: str | None, status: int = 400) -> None:
        super().__init__(name, message, status=status, namespace=NAMESPACE)
        self.query_code = QUERY_CODES.get(name, name)


def queue_does_not_exist() -> SqsError:
    return SqsError("QueueDoesNotExist", "The specified queue does not exist.")


def invalid_parameter(message: str) -> SqsError:
    return SqsError("InvalidParameterValueException", message)


def invalid_value(value: object, parameter: str, reason: str) -> SqsError:
    """AWS's 'Value X for parameter P is invalid. Reason: ...'."""
    return invalid_parameter(f"Value {value} for parameter {parameter} is invalid. "
                             f"Reason: {reason}")


def missing_parameter(parameter: str) -> SqsError:
    return SqsError("MissingRequiredParameterException",
                    f"The request must contain the parameter {parameter}.")


def invalid_receipt_handle(handle: str) -> SqsError:
    return SqsError("ReceiptHandleIsInvalid",
                    f'The input receipt handle "{handle}" is not a valid receipt handle.')

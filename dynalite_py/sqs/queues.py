"""SQS queues: their URLs and ARNs, attributes (defaults, AWS's ranges and
errors), lookups by URL, and the wake-up that ends a long poll when a
message is sent.

A queue record (storage/queues.py) holds the queue's name, its number (the
key of its messages), the attributes set on it (the rest are defaults),
its creation and change times (epoch seconds), tags and when it was last
purged. A QueueUrl is `<endpoint>/<account>/<name>`, the endpoint being the
one the request was sent to (`REQUEST_ENDPOINT`, set by the codec), as AWS
forms it; any URL whose last two path segments are this account and an
existing queue's name names that queue.
"""
from __future__ import annotations

import threading
from contextvars import ContextVar
from urllib.parse import urlsplit

import orjson

from ..storage.interface import Handle
from ..storage.queues import sqs_queue_key
from .errors import SqsError, invalid_parameter, invalid_value, queue_does_not_exist

# the scheme://host[:port] the current request was sent to (the codec sets it)
REQUEST_ENDPOINT: ContextVar[str | None] = ContextVar("sqs_request_endpoint", default=None)

DEFAULTS = {"VisibilityTimeout": "30", "MaximumMessageSize": "1048576",
            "MessageRetentionPeriod": "345600", "DelaySeconds": "0",
            "ReceiveMessageWaitTimeSeconds": "0", "SqsManagedSseEnabled": "true"}
# integer attributes: (lowest, highest), AWS's ranges
RANGES = {"DelaySeconds": (0, 900), "MaximumMessageSize": (1024, 1048576),
          "MessageRetentionPeriod": (60, 1209600), "ReceiveMessageWaitTimeSeconds": (0, 20),
          "VisibilityTimeout": (0, 43200), "KmsDataKeyReusePeriodSeconds": (60, 86400)}
# attributes kept as given (policies, keys)
TEXT_ATTRIBUTES = frozenset({"Policy", "RedriveAllowPolicy", "KmsMasterKeyId"})
SETTABLE = frozenset(RANGES) | TEXT_ATTRIBUTES | {"RedrivePolicy", "SqsManagedSseEnabled"}
COMPUTED = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp",
            "LastModifiedTimestamp", "QueueArn")
# a FIFO queue's own attributes, with their defaults and allowed values
FIFO_DEFAULTS = {"FifoQueue": "true", "ContentBasedDeduplication": "false",
                 "DeduplicationScope": "queue", "FifoThroughputLimit": "perQueue"}
FIFO_CHOICES = {"ContentBasedDeduplication": ("true", "false"),
                "DeduplicationScope": ("messageGroup", "queue"),
                "FifoThroughputLimit": ("perQueue", "perMessageGroupId")}
FIFO_ATTRIBUTES = frozenset(FIFO_DEFAULTS)
FIFO_SUFFIX = ".fifo"
MAX_RECEIVE_COUNT = (1, 1000)
NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


class Queues:
    """What one engine's SQS operations share at run time: the wake-up of
    long polls. A send in this process wakes them at once; sends from other
    processes or servers are seen at the next poll (Config.queue_poll_interval)."""

    def __init__(self) -> None:
        self._sent = threading.Condition()
        self._generation = 0

    def generation(self) -> int:
        return self._generation

    def notify_sent(self) -> None:
        with self._sent:
            self._generation += 1
            self._sent.notify_all()

    def wait_for_send(self, seen: int, timeout: float) -> None:
        """Until a message is sent in this process after `seen`, or timeout."""
        with self._sent:
            if self._generation == seen:
                self._sent.wait(timeout)


def queue_arn(config, name: str) -> str:
    return f"arn:aws:sqs:{config.region}:{config.account_id}:{name}"


def queue_url(engine, name: str) -> str:
    endpoint = REQUEST_ENDPOINT.get() or engine.config.endpoint_url or "http://localhost:8000"
    return f"{endpoint.rstrip('/')}/{engine.config.account_id}/{name}"


def name_from_url(engine, url: str) -> str:
    """The queue name a QueueUrl names (QueueDoesNotExist if it names none
    of this account's)."""
    parts = urlsplit(url).path.strip("/").split("/") if "://" in url else url.split("/")
    if len(parts) != 2 or parts[0] != engine.config.account_id or not parts[1]:
        raise queue_does_not_exist()
    return parts[1]


def name_from_arn(config, arn: str) -> str | None:
    """The queue name of an SQS ARN of this region and account, else None."""
    prefix = f"arn:aws:sqs:{config.region}:{config.account_id}:"
    return arn[len(prefix):] if arn.startswith(prefix) and len(arn) > len(prefix) else None


def require(txn: Handle, engine, url: str) -> dict:
    """The queue a QueueUrl names, or QueueDoesNotExist."""
    record = engine.repos.queues.get(txn, name_from_url(engine, url))
    if record is None:
        raise queue_does_not_exist()
    return record


def message_queue(record: dict) -> bytes:
    """The key of a queue's messages in the messages repository."""
    return sqs_queue_key(record["number"])


def check_name(name: str, fifo: bool) -> None:
    """A queue name as AWS allows it (a FIFO queue's ends with .fifo)."""
    base = name.removesuffix(FIFO_SUFFIX) if fifo else name
    if fifo and (base == name or not base or len(name) > 80 or not set(base) <= NAME_CHARACTERS):
        raise invalid_parameter("The name of a FIFO queue can only include alphanumeric "
                                "characters, hyphens, or underscores, must end with .fifo "
                                "suffix and be 1 to 80 in length.")
    if not 1 <= len(name) <= 80 or not set(base) <= NAME_CHARACTERS:
        raise invalid_parameter("Can only include alphanumeric characters, hyphens, or "
                                "underscores. 1 to 80 in length")


def is_fifo(record: dict) -> bool:
    return record["attributes"].get("FifoQueue") == "true"


def defaults(record: dict) -> dict[str, str]:
    return {**DEFAULTS, **FIFO_DEFAULTS} if is_fifo(record) else DEFAULTS


def attribute(record: dict, name: str) -> str | None:
    """A queue's attribute as set, else its default."""
    return record["attributes"].get(name, defaults(record).get(name))


def integer_attribute(record: dict, name: str) -> int:
    return int(attribute(record, name))


def redrive_policy(record: dict) -> dict | None:
    policy = record["attributes"].get("RedrivePolicy")
    return orjson.loads(policy) if policy else None


def checked_attributes(txn: Handle, engine, attributes: dict[str, str], fifo: bool,
                       creating: bool) -> dict[str, str]:
    """Attributes to set on a queue (FIFO or not; FifoQueue only when
    creating it), each checked as AWS does and normalised (numbers as
    decimal text, the redrive policy as compact JSON); an empty
    RedrivePolicy clears it (an empty value)."""
    allowed = SETTABLE | (set(FIFO_CHOICES) if fifo else set()) | \
        ({"FifoQueue"} if creating else set())
    checked = {}
    for name, value in attributes.items():
        if name not in allowed:  # read-only ones, a standard queue's FIFO ones
            raise SqsError("InvalidAttributeName", f"Unknown Attribute {name}.")
        if not isinstance(value, str):
            raise _invalid_attribute(name)
        checked[name] = _checked_value(txn, engine, name, value, fifo)
    return checked


def _checked_value(txn: Handle, engine, name: str, value: str, fifo: bool) -> str:
    if name in RANGES:
        low, high = RANGES[name]
        if not (value.strip().lstrip("-").isdigit() and low <= int(value) <= high):
            raise _invalid_attribute(name)
        return str(int(value))
    if name == "SqsManagedSseEnabled":
        if value.lower() not in ("true", "false"):
            raise _invalid_attribute(name)
        return value.lower()
    if name == "FifoQueue" or name == "ContentBasedDeduplication":
        if value.lower() not in ("true", "false"):
            raise _invalid_attribute(name)
        return value.lower()
    if name in FIFO_CHOICES:
        if value not in FIFO_CHOICES[name]:
            raise _invalid_attribute(name)
        return value
    if name == "RedrivePolicy":
        return _checked_redrive_policy(txn, engine, value, fifo)
    return value


def _checked_redrive_policy(txn: Handle, engine, value: str, fifo: bool) -> str:
    if value == "":
        return ""
    try:
        policy = orjson.loads(value)
    except orjson.JSONDecodeError:
        policy = None
    if not isinstance(policy, dict):
        raise _invalid_attribute("RedrivePolicy", "Redrive policy is not a valid JSON map.")
    for mandatory in ("deadLetterTargetArn", "maxReceiveCount"):
        if mandatory not in policy:
            raise _invalid_attribute("RedrivePolicy", "Redrive policy does not contain "
                                                      f"mandatory attribute: {mandatory}.")
    count = policy["maxReceiveCount"]
    if isinstance(count, str) and count.isdigit():
        count = int(count)
    if isinstance(count, bool) or not isinstance(count, int) or \
            not MAX_RECEIVE_COUNT[0] <= count <= MAX_RECEIVE_COUNT[1]:
        raise invalid_value(value, "RedrivePolicy", "Invalid value for maxReceiveCount: "
                            f"{policy['maxReceiveCount']}, valid values are from 1 to 1000 "
                            "both inclusive.")
    target = policy["deadLetterTargetArn"]
    target_name = name_from_arn(engine.config, target) if isinstance(target, str) else None
    target_queue = engine.repos.queues.get(txn, target_name) if target_name else None
    if target_queue is None:
        raise invalid_value(value, "RedrivePolicy", "Dead letter target does not exist.")
    if is_fifo(target_queue) != fifo:
        raise invalid_value(value, "RedrivePolicy", "Dead-letter queue must be same type of "
                                                    "queue as the source.")
    return orjson.dumps({"deadLetterTargetArn": target, "maxReceiveCount": count}).decode()


def _invalid_attribute(name: str, reason: str | None = None) -> SqsError:
    message = f"Invalid value for the parameter {name}."
    return SqsError("InvalidAttributeValue", f"{message} Reason: {reason}" if reason else message)


def wanted_attributes(names: list[str] | None, record: dict) -> list[str]:
    """The attribute names GetQueueAttributes asked for ("All": every one
    the queue has)."""
    names = names or []
    known = set(DEFAULTS) | set(SETTABLE) | set(COMPUTED) | FIFO_ATTRIBUTES
    for name in names:
        if name != "All" and name not in known:
            raise SqsError("InvalidAttributeName", f"Unknown Attribute {name}.")
    if "All" in names:
        return list(COMPUTED) + sorted(set(defaults(record)) | SETTABLE)
    return names


def describe(txn: Handle, engine, record: dict, names: list[str], now: float) -> dict[str, str]:
    """The attributes of a queue named in `names` that it has."""
    counts = _counts(txn, engine, record, now) if any(
        name.startswith("Approximate") for name in names) else {}
    values = {**defaults(record), **record["attributes"], **counts,
              "CreatedTimestamp": str(int(record["created"])),
              "LastModifiedTimestamp": str(int(record["modified"])),
              "QueueArn": queue_arn(engine.config, record["name"])}
    return {name: values[name] for name in names if name in values}


def _counts(txn: Handle, engine, record: dict, now: float) -> dict[str, str]:
    visible = in_flight = delayed = 0
    now_ms = int(now * 1000)
    for message in engine.repos.messages.all(txn, message_queue(record)):
        if message["visible"] <= now_ms:
            visible += 1
        elif message["count"]:
            in_flight += 1
        else:
            delayed += 1
    return {"ApproximateNumberOfMessages": str(visible),
            "ApproximateNumberOfMessagesNotVisible": str(in_flight),
            "ApproximateNumberOfMessagesDelayed": str(delayed)}

"""Event source mappings for DynamoDB streams and SQS queues: records,
defaults, validation, checkpoints and the on-failure destination store.

Storage (storage/lambdas.py): mappings by UUID (their API fields, plus
"enabled"); on-failure records by destination ARN; checkpoints: per mapping
and shard the next sequence number to deliver, so a restarted bridge
resumes where it stopped (at-least-once delivery), and per mapping its
LastProcessingResult.
"""
from __future__ import annotations

import time
import uuid

from ...errors import DynamoError
from ...sqs.queues import name_from_arn as queue_name_from_arn
from ...storage.interface import Handle, WriteContext
from ...storage.repositories import Repositories
from ...streams import log as streams
from ..functions.functions import function_name_from, lambda_error
from ..functions.qualifiers import function_ref, resolve
from .filters import compile_filters

DEFAULTS = {"BatchSize": 100, "MaximumBatchingWindowInSeconds": 0, "ParallelizationFactor": 1,
            "MaximumRecordAgeInSeconds": -1, "MaximumRetryAttempts": -1,
            "BisectBatchOnFunctionError": False, "TumblingWindowInSeconds": 0,
            "FunctionResponseTypes": [], "DestinationConfig": {"OnFailure": {}}}
SETTINGS = tuple(DEFAULTS) + ("FilterCriteria", "ScalingConfig")
# an SQS queue as the source: its settings, and the largest batch without a window
QUEUE_DEFAULTS = {"BatchSize": 10, "MaximumBatchingWindowInSeconds": 0,
                  "FunctionResponseTypes": []}
QUEUE_SETTINGS = tuple(QUEUE_DEFAULTS) + ("FilterCriteria", "ScalingConfig")
QUEUE_BATCH_WITHOUT_WINDOW = 10
TRANSITIONS = {"create": "Creating", "enable": "Enabling", "disable": "Disabling",
               "update": "Updating", "delete": "Deleting"}


def function_arn_for(txn: Handle, engine, function_name: str) -> str:
    """The ARN a mapping invokes: the function's, with the version or alias
    the FunctionName named, if any (ResourceNotFoundException if the
    function, version or alias does not exist)."""
    return resolve(engine.functions, txn, function_ref(function_name)).arn


def require(txn: Handle, repos: Repositories, mapping_id: str) -> dict:
    mapping = repos.mappings.get(txn, mapping_id)
    if mapping is None:
        raise lambda_error("ResourceNotFoundException",
                           "The resource you requested does not exist.", 404)
    return mapping


def all_mappings(txn: Handle, repos: Repositories) -> list[dict]:
    """Every mapping, oldest first."""
    return sorted(repos.mappings.all(txn), key=lambda mapping: mapping["created"])


def put(ctx: WriteContext, repos: Repositories, mapping: dict) -> None:
    repos.mappings.put(ctx.txn, mapping["UUID"], mapping)


def validate_settings(settings: dict) -> None:
    """DynamoDB-stream rules the model's ranges cannot express."""
    age = settings.get("MaximumRecordAgeInSeconds")
    if age is not None and age != -1 and not 60 <= age <= 604_800:
        raise lambda_error("InvalidParameterValueException",
                           "MaximumRecordAgeInSeconds must be -1 or between 60 and 604800")
    types = settings.get("FunctionResponseTypes") or []
    if any(kind != "ReportBatchItemFailures" for kind in types):
        raise lambda_error("InvalidParameterValueException",
                           f"Unsupported FunctionResponseTypes: {types}")
    if (settings.get("DestinationConfig") or {}).get("OnSuccess"):
        raise lambda_error("InvalidParameterValueException",
                           "Unsupported DestinationConfig parameter for given event source mapping "
                           "type: OnSuccess")
    if settings.get("FilterCriteria") is not None:
        compile_filters(settings["FilterCriteria"])


def describe(txn: Handle, repos: Repositories, mapping: dict, state: str | None = None) -> dict:
    """The EventSourceMappingConfiguration as the API returns it."""
    description = {key: value for key, value in mapping.items() if key[0].isupper()}
    if not description.get("FilterCriteria", {}).get("Filters"):
        description.pop("FilterCriteria", None)
    description["State"] = state or ("Enabled" if mapping["enabled"] else "Disabled")
    result = repos.checkpoints.result(txn, mapping["UUID"])
    description["LastProcessingResult"] = result or "No records processed"
    return description


def is_queue_source(arn: str) -> bool:
    """Whether an event source is an SQS queue (else a DynamoDB stream)."""
    return arn.startswith("arn:aws") and arn.split(":")[2:3] == ["sqs"]


def new_mapping(engine, request: dict, function_arn: str) -> dict:
    mapping_id = str(uuid.uuid4())
    config = engine.config
    queue = is_queue_source(request["EventSourceArn"])
    mapping = dict(QUEUE_DEFAULTS if queue else DEFAULTS)
    # a JSON null is an absent member, as the shape checker reads it
    mapping.update({key: request[key] for key in (QUEUE_SETTINGS if queue else SETTINGS)
                    if request.get(key) is not None})
    if not queue:
        mapping["StartingPosition"] = request["StartingPosition"]
    mapping.update({
        "UUID": mapping_id,
        "EventSourceMappingArn":
            f"arn:aws:lambda:{config.region}:{config.account_id}:event-source-mapping:{mapping_id}",
        "EventSourceArn": request["EventSourceArn"], "FunctionArn": function_arn,
        "LastModified": time.time(),
        "StateTransitionReason": "User action", "enabled": request.get("Enabled", True),
        "created": time.time()})
    return mapping


def check_source(txn: Handle, engine, request: dict) -> dict | None:
    """The stream behind EventSourceArn (None for an SQS queue), with Lambda's errors."""
    arn = request.get("EventSourceArn")
    if arn is None:  # optional in the model (Kafka sources name none); AWS's answer, as
        # LocalStack's snapshot-tested provider gives it (localstack/localstack#7696)
        raise lambda_error("InvalidParameterValueException", "Unrecognized event source.")
    if is_queue_source(arn):
        check_queue_source(txn, engine, request)
        return None
    try:
        stream = streams.find_stream(txn, engine.repos.streams, arn)
    except DynamoError:
        raise lambda_error("InvalidParameterValueException", f"Stream not found: {arn}") from None
    position = request.get("StartingPosition")
    if position is None:
        raise lambda_error("InvalidParameterValueException",
                           "1 validation error detected: Value null at 'startingPosition' failed "
                           "to satisfy constraint: Member must not be null.")
    if position == "AT_TIMESTAMP":
        raise lambda_error("InvalidParameterValueException",
                           f"Unsupported starting position for arn type: {arn}")
    if request.get("StartingPositionTimestamp") is not None:
        raise lambda_error("InvalidParameterValueException",
                           "Timestamp only valid with StartingPosition AT_TIMESTAMP")
    return stream


def check_queue_source(txn: Handle, engine, request: dict) -> None:
    """An SQS source: a queue served here, and the settings a queue takes."""
    arn = request["EventSourceArn"]
    name = queue_name_from_arn(engine.config, arn)
    if name is None or engine.repos.queues.get(txn, name) is None:
        raise lambda_error("InvalidParameterValueException", f"Queue not found: {arn}")
    for setting in ("StartingPosition", "StartingPositionTimestamp", "ParallelizationFactor",
                    "MaximumRecordAgeInSeconds", "MaximumRetryAttempts",
                    "BisectBatchOnFunctionError", "TumblingWindowInSeconds",
                    "DestinationConfig"):
        if request.get(setting) is not None:
            raise lambda_error("InvalidParameterValueException", f"Unsupported {setting} "
                               "parameter for given event source mapping type: SQS")
    if (request.get("BatchSize") or 0) > QUEUE_BATCH_WITHOUT_WINDOW and \
            not request.get("MaximumBatchingWindowInSeconds"):
        raise lambda_error("InvalidParameterValueException",
                           "Maximum batch window in seconds must be greater than 0 if maximum "
                           "batch size is greater than 10")


def start_positions(ctx: WriteContext, repos: Repositories, mapping: dict,
                    stream: dict | None) -> None:
    """LATEST: begin after what the stream holds now (TRIM_HORIZON, and an
    SQS queue, need nothing)."""
    if mapping.get("StartingPosition") != "LATEST":
        return
    last = streams.last_sequence(ctx.txn, repos.streams, stream["number"])
    for shard in stream["shards"]:
        end = shard["end"] if shard["end"] is not None else last
        repos.checkpoints.set_position(ctx.txn, mapping["UUID"], shard["ShardId"], end + 1)


def check_not_duplicate(txn: Handle, repos: Repositories, stream_arn: str,
                        function_arn: str) -> None:
    for mapping in all_mappings(txn, repos):
        if (mapping["EventSourceArn"] == stream_arn
                and function_name_from(mapping["FunctionArn"]) == function_name_from(function_arn)):
            raise lambda_error(
                "ResourceConflictException",
                f'The event source arn (" {stream_arn} ") and function (" '
                f'{function_name_from(function_arn)} ") provided mapping already exists. Please '
                f'update or delete the existing mapping with UUID {mapping["UUID"]}', 409)


def failures(engine, destination: str) -> list[dict]:
    """On-failure records kept for a destination (SQS/SNS ARN) so far."""
    with engine.store.read() as txn:
        return engine.repos.failures.of(txn, destination)

"""Event invoke configs: a function's (or one qualifier's) asynchronous
invocation settings (MaximumRetryAttempts, MaximumEventAgeInSeconds,
DestinationConfig), stored by function and qualifier (storage/queues.py).

A config remembers when its function was created, so a function deleted
and created again does not inherit the old one's settings.
"""
from __future__ import annotations

import re
import time

from ...storage.interface import Handle
from ..functions.functions import function_name_from, lambda_error

LATEST = "$LATEST"
DEFAULT_RETRIES = 2
DEFAULT_MAX_AGE = 21600
SETTINGS = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")
# the services a destination may be (AWS: SQS, SNS, Lambda, EventBridge)
_DESTINATION = re.compile(r"^arn:aws[\w-]*:(sqs|sns|lambda|events):[\w-]+:\d{12}:.+$")


def target(request: dict) -> tuple[str, str]:
    """(function name, qualifier) a request names: the Qualifier member, or
    the one the name or ARN carries, else $LATEST."""
    tail = request["FunctionName"].split(":function:", 1)[-1]
    carried = tail.partition(":")[2]
    return function_name_from(request["FunctionName"]), \
        request.get("Qualifier") or carried or LATEST


def checked_destinations(destinations: dict | None) -> dict:
    """A DestinationConfig with both members, each destination's ARN checked."""
    destinations = destinations or {}
    checked = {}
    for member in ("OnSuccess", "OnFailure"):
        arn = (destinations.get(member) or {}).get("Destination")
        if arn is not None and not _DESTINATION.match(arn):
            raise lambda_error("InvalidParameterValueException",
                               f"The destination ARN {arn} is invalid.")
        checked[member] = {"Destination": arn} if arn else {}
    return checked


def find(txn: Handle, engine, function: dict, qualifier: str) -> dict | None:
    """The function's config for a qualifier, if it has one."""
    config = engine.repos.event_invoke_configs.get(txn, function["FunctionName"], qualifier)
    if config is None or config["function_created"] != function.get("created"):
        return None
    return config


def of_function(txn: Handle, engine, function: dict) -> list[dict]:
    """The function's configs of every qualifier."""
    return [config for config in
            engine.repos.event_invoke_configs.of_function(txn, function["FunctionName"])
            if config["function_created"] == function.get("created")]


def require(txn: Handle, engine, function: dict, qualifier: str) -> dict:
    config = find(txn, engine, function, qualifier)
    if config is None:
        raise lambda_error("ResourceNotFoundException",
                           f"The function {qualified_arn(engine, function, qualifier)} doesn't "
                           "have an EventInvokeConfig", 404)
    return config


def new_config(function: dict, settings: dict) -> dict:
    config = {key: settings[key] for key in SETTINGS[:2] if settings.get(key) is not None}
    config["DestinationConfig"] = checked_destinations(settings.get("DestinationConfig"))
    config.update(LastModified=time.time(), function_created=function.get("created"))
    return config


def put(ctx, engine, function: dict, qualifier: str, config: dict) -> None:
    engine.repos.event_invoke_configs.put(ctx.txn, function["FunctionName"], qualifier,
                                          dict(config, qualifier=qualifier))


def qualified_arn(engine, function: dict, qualifier: str) -> str:
    return f"{engine.functions.arn(function['FunctionName'])}:{qualifier}"


def describe(engine, function: dict, qualifier: str, config: dict) -> dict:
    """The FunctionEventInvokeConfig the API answers with."""
    described = {"LastModified": config["LastModified"],
                 "FunctionArn": qualified_arn(engine, function, qualifier)}
    described.update({key: config[key] for key in SETTINGS if key in config})
    return described


def limits(config: dict | None) -> tuple[int, int]:
    """(retries after a function error, the oldest an event may be, seconds)."""
    config = config or {}
    return (config.get("MaximumRetryAttempts", DEFAULT_RETRIES),
            config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE))


def destination(config: dict | None, outcome: str) -> str | None:
    """The ARN an outcome ("OnSuccess" or "OnFailure") goes to, if any."""
    return ((config or {}).get("DestinationConfig", {}).get(outcome) or {}).get("Destination")

"""Lambda functions with their counts, errors, durations and recent
invocations (with logs), and event source mappings with their state and
lag: for a stream, the IteratorAge of the last batch delivered; for a
queue, the messages waiting in it."""
from __future__ import annotations

from dynalite_py.engine import Engine
from dynalite_py.errors import DynamoError
from dynalite_py.lambda_.functions.functions import function_name_from
from dynalite_py.lambda_.functions.recent import recent

from .pages import Inputs, Page, all_pages
from .readings import Readings

LAMBDA = "lambda"


def function_row(engine: Engine, readings: Readings, configuration: dict) -> dict:
    name = configuration["FunctionName"]
    calls = readings.total("Duration_count", FunctionName=name)
    return {"name": name, "runtime": configuration.get("Runtime", ""),
            "handler": configuration.get("Handler", ""),
            "memory": configuration.get("MemorySize"), "timeout": configuration.get("Timeout"),
            "invocations": int(readings.total("Invocations_total", FunctionName=name)),
            "errors": int(readings.total("Errors_total", FunctionName=name)),
            "throttles": int(readings.total("Throttles_total", FunctionName=name)),
            "mean_ms": readings.total("Duration_sum", FunctionName=name) / calls if calls else None,
            "recent": recent(engine, name)}


def queue_depth(engine: Engine, queue_arn: str) -> int | None:
    """Messages visible in the queue an ARN names, None if it is gone."""
    name = queue_arn.rsplit(":", 1)[-1]
    try:
        url = engine.call("GetQueueUrl", {"QueueName": name}, "sqs")["QueueUrl"]
        attributes = engine.call("GetQueueAttributes", {
            "QueueUrl": url, "AttributeNames": ["ApproximateNumberOfMessages"]},
            "sqs")["Attributes"]
    except DynamoError:
        return None
    return int(attributes["ApproximateNumberOfMessages"])


def lag(engine: Engine, readings: Readings, mapping: dict) -> str:
    source = mapping["EventSourceArn"]
    if ":sqs:" in source:
        depth = queue_depth(engine, source)
        return "queue gone" if depth is None else f"{depth} messages waiting"
    age = readings.latest("IteratorAge", StreamArn=source,
                          FunctionName=function_name_from(mapping["FunctionArn"]))
    return "no batch delivered yet" if age is None else f"{age:.0f} ms (last batch)"


def mapping_row(engine: Engine, readings: Readings, mapping: dict) -> dict:
    return {"uuid": mapping["UUID"], "source": mapping["EventSourceArn"],
            "function": function_name_from(mapping["FunctionArn"]),
            "state": mapping.get("State", ""), "batch": mapping.get("BatchSize"),
            "result": mapping.get("LastProcessingResult", ""),
            "lag": lag(engine, readings, mapping)}


def overview(engine: Engine, inputs: Inputs) -> Page:
    readings = Readings(engine)
    functions = all_pages(engine.call, "ListFunctions", {}, "Functions", "Marker",
                          "NextMarker", LAMBDA)
    mappings = all_pages(engine.call, "ListEventSourceMappings", {}, "EventSourceMappings",
                         "Marker", "NextMarker", LAMBDA)
    return Page("functions.html", {
        "functions": [function_row(engine, readings, found) for found in functions],
        "mappings": [mapping_row(engine, readings, found) for found in mappings]})

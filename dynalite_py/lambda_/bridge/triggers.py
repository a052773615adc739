"""Triggers without the Lambda API: `serve --trigger TABLE=module.function`
and `Database.add_trigger`.

A trigger names a table and a handler. As on AWS, an event source mapping
needs a stream: once the table exists, a trigger whose table has none
enables one (NEW_AND_OLD_IMAGES, the view that carries every image) and
logs one line saying so. With the stream there, the bridge supervisor
creates the function (code imported from the configured code directory, or
a registered callable) and an event source mapping from the stream's
oldest record, so no change made after the stream was enabled is missed.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Callable

from ...errors import DynamoError
from ..functions.functions import new_record
from ..mappings import mappings

log = logging.getLogger("dynalite_py.triggers")
# the stream a trigger enables on a table without one
TRIGGER_STREAM = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


@dataclass(frozen=True)
class Trigger:
    table: str
    handler: str                     # "module.function"
    code_dir: str | None = None      # where the module is imported from
    callable: Callable | None = None  # embedded: run this instead

    @property
    def function_name(self) -> str:
        return re.sub(r"[^A-Za-z0-9_-]", "-", f"{self.table}-{self.handler}")[:64]


_TRIGGER = re.compile(r"^([A-Za-z0-9_.-]{3,255})=([\w.]+\.\w+)$")


def parse_trigger(text: str, code_dir: str) -> Trigger:
    """'TABLE=module.function' (a module importable from code_dir) -> Trigger."""
    match = _TRIGGER.match(text)
    if not match:
        raise ValueError(f"a trigger is TABLE=module.function, not {text!r}")
    return Trigger(match.group(1), match.group(2), code_dir)


def ensure_triggers(engine) -> None:
    """Create the function and mapping of every configured trigger whose
    table has a stream and no mapping yet; enable the stream of a trigger's
    table that has none."""
    for trigger in engine.triggers:
        if trigger.callable is not None:
            engine.functions.callables[trigger.function_name] = trigger.callable
        with engine.store.read() as txn:
            table = engine.catalog.find(txn, trigger.table)
        if table is None:
            continue
        if not table.record.get("stream") and \
                not _enable_stream(engine, trigger, table.status(engine.catalog.clock())):
            continue
        with engine.store.read() as txn:
            table = engine.catalog.find(txn, trigger.table)
            if table is None or not table.record.get("stream"):
                continue
            stream_arn = (engine.catalog.table_arn(trigger.table)
                          + f"/stream/{table.record['LatestStreamLabel']}")
            known = _has_mapping(txn, engine, trigger, stream_arn)
        if not known:
            _create(engine, trigger, stream_arn)


def _enable_stream(engine, trigger: Trigger, status: str | None) -> bool:
    """Turn the table's stream on for the trigger, once the table is ACTIVE;
    whether a stream may be there now. Another server sharing the store may
    enable it first: its refusal ("already has an enabled stream") is fine."""
    if status != "ACTIVE":
        return False  # UpdateTable would refuse a table being created or updated
    try:
        engine.call("UpdateTable", {"TableName": trigger.table,
                                    "StreamSpecification": TRIGGER_STREAM})
    except DynamoError as error:
        log.debug("trigger %s=%s: stream not enabled: %s", trigger.table, trigger.handler,
                  error.message)
        return True
    log.info("trigger %s=%s: table %s had no stream; enabled one (%s) so the trigger "
             "can run", trigger.table, trigger.handler, trigger.table,
             TRIGGER_STREAM["StreamViewType"])
    return True


def _has_mapping(txn, engine, trigger: Trigger, stream_arn: str) -> bool:
    return any(m["EventSourceArn"] == stream_arn
               and m["FunctionArn"].endswith(f":function:{trigger.function_name}")
               for m in mappings.all_mappings(txn, engine.repos))


def _create(engine, trigger: Trigger, stream_arn: str) -> None:
    functions = engine.functions
    name = trigger.function_name
    record = new_record(functions, {"FunctionName": name, "Handler": trigger.handler,
                                    "Runtime": "python3.11"},
                        {"code_dir": trigger.code_dir, "callable": trigger.callable is not None})
    request = {"EventSourceArn": stream_arn, "FunctionName": name,
               "StartingPosition": "TRIM_HORIZON"}
    with engine.store.read() as txn:
        stream = mappings.check_source(txn, engine, request)

    def create(ctx):
        if _has_mapping(ctx.txn, engine, trigger, stream_arn):
            return  # another bridge sharing the store made it meanwhile
        if functions.find(ctx.txn, name) is None:
            functions.put(ctx, record)
        mapping = mappings.new_mapping(engine, request, functions.arn(name))
        mappings.put(ctx, engine.repos, mapping)
        mappings.start_positions(ctx, engine.repos, mapping, stream)

    engine.store.write(create)

"""Triggers without the Lambda API: `serve --trigger TABLE=module.function`
and `Database.add_trigger`.

A trigger names a table and a handler. Once the table exists with a stream,
the bridge supervisor creates the function (code imported from the
configured code directory, or a registered callable) and an event source
mapping from the stream's oldest record, so no change made after the table
was created is missed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from . import mappings
from .functions import new_record


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
    table has a stream and no mapping yet."""
    for trigger in engine.triggers:
        if trigger.callable is not None:
            engine.functions.callables[trigger.function_name] = trigger.callable
        with engine.store.read() as txn:
            table = engine.catalog.find(txn, trigger.table)
            if table is None or not table.record.get("stream"):
                continue
            stream_arn = (engine.catalog.table_arn(trigger.table)
                          + f"/stream/{table.record['LatestStreamLabel']}")
            known = _has_mapping(txn, engine, trigger, stream_arn)
        if not known:
            _create(engine, trigger, stream_arn)


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

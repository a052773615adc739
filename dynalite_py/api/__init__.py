"""The operation tables: one module per operation, per service.

Each module defines NAME (the operation), READ_ONLY, and
`run(engine, request) -> response`, holding the operation's semantic
validation and its execution side by side. Shape validation (types,
required members, lengths, enums) happens before `run`, derived from
botocore's service model (see validation.py). DynamoDB Streams operations
(SERVICE = "dynamodbstreams") share the endpoint, routed by X-Amz-Target.
"""
from __future__ import annotations

from functools import cache

from ..service_models import service_model
from . import (
    batch_get_item,
    batch_write_item,
    create_event_source_mapping,
    create_function,
    create_table,
    delete_event_source_mapping,
    delete_function,
    delete_item,
    delete_table,
    describe_endpoints,
    describe_limits,
    describe_stream,
    describe_table,
    describe_time_to_live,
    get_event_source_mapping,
    get_function,
    get_function_configuration,
    get_item,
    get_records,
    get_shard_iterator,
    invoke,
    list_event_source_mappings,
    list_functions,
    list_streams,
    list_tables,
    put_function_concurrency,
    put_item,
    query,
    scan,
    transact_get_items,
    transact_write_items,
    update_event_source_mapping,
    update_function_code,
    update_function_configuration,
    update_item,
    update_table,
    update_time_to_live,
)

OPERATIONS = {
    "dynamodb": {module.NAME: module for module in (
        batch_get_item, batch_write_item, create_table, delete_item, delete_table,
        describe_endpoints, describe_limits, describe_table, describe_time_to_live, get_item,
        list_tables, put_item, query, scan, transact_get_items, transact_write_items,
        update_item, update_table, update_time_to_live)},
    "dynamodbstreams": {module.NAME: module for module in (
        describe_stream, get_records, get_shard_iterator, list_streams)},
    "lambda": {module.NAME: module for module in (
        create_event_source_mapping, create_function, delete_event_source_mapping,
        delete_function, get_event_source_mapping, get_function, get_function_configuration,
        invoke, list_event_source_mappings, list_functions, put_function_concurrency,
        update_event_source_mapping, update_function_code, update_function_configuration)},
}


@cache
def model_operation_names(service: str) -> frozenset[str]:
    """Every operation in botocore's model of `service`."""
    return frozenset(service_model(service)["operations"])

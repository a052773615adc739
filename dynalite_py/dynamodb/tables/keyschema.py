"""Key schema rules shared by CreateTable and UpdateTable's index creation,
with DynamoDB's messages."""
from __future__ import annotations

from ...errors import invalid_parameter, validation_error


def check_keys_defined(keys: list[str], definitions: list[str]) -> None:
    if any(key not in definitions for key in keys):
        raise invalid_parameter(
            "Some index key attributes are not defined in AttributeDefinitions. "
            f"Keys: [{', '.join(keys)}], AttributeDefinitions: [{', '.join(definitions)}]")


def check_key_types(schema: list[dict]) -> None:
    if len(schema) == 2 and schema[0]["AttributeName"] == schema[1]["AttributeName"]:
        raise validation_error(
            "Both the Hash Key and the Range Key element in the KeySchema have the same name")
    if schema[0]["KeyType"] != "HASH":
        raise validation_error(
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
    if len(schema) == 2 and schema[1]["KeyType"] != "RANGE":
        raise validation_error(
            "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")


def validate_index_common(index: dict, definitions: list[str]) -> None:
    """Checks shared by local and global index definitions."""
    check_keys_defined([k["AttributeName"] for k in index["KeySchema"]], definitions)
    check_key_types(index["KeySchema"])
    projection = index["Projection"]
    projection_type = projection.get("ProjectionType")
    if projection_type is None:
        raise invalid_parameter("Unknown ProjectionType: null")
    if projection.get("NonKeyAttributes") and projection_type != "INCLUDE":
        raise invalid_parameter(
            f"ProjectionType is {projection_type}, but NonKeyAttributes is specified")

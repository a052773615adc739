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
    non_key_attributes = projection.get("NonKeyAttributes")
    if non_key_attributes and projection_type != "INCLUDE":
        raise invalid_parameter(
            f"ProjectionType is {projection_type}, but NonKeyAttributes is specified")
    if projection_type == "INCLUDE":
        check_non_key_attributes(non_key_attributes)


def check_non_key_attributes(names: list[str] | None) -> None:
    """An INCLUDE projection names its attributes, each once (AWS's
    messages, ack-api-quirks' CreateTable catalogue)."""
    if not names:
        raise invalid_parameter("ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise invalid_parameter(f"Duplicate element in NonKeyAttributes: {name}")
        seen.add(name)


def defined_attribute_names(definitions: list[dict]) -> list[str]:
    """The AttributeDefinitions' names in request order; a name defined
    twice is refused (AWS: "Attribute Name is duplicated: x", quoted in
    scylladb/scylladb#13870)."""
    names: list[str] = []
    for definition in definitions:
        name = definition["AttributeName"]
        if name in names:
            raise validation_error(f"Attribute Name is duplicated: {name}")
        names.append(name)
    return names

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


# A global index's key may have up to four HASH and four RANGE attributes
# (multi-attribute keys, AWS's developer guide "Multi-attribute key schema").
MAX_KEY_PART_ATTRIBUTES = 4


def check_global_key_types(schema: list[dict]) -> None:
    """A global index's KeySchema: the two-element rules and messages as for
    a table, then, for a multi-attribute key, names used once, every HASH
    before every RANGE, and at most four of each."""
    types = [k["KeyType"] for k in schema]
    if len(schema) <= 2 and types != ["HASH", "HASH"]:
        check_key_types(schema)
        return
    if types[0] != "HASH":
        raise validation_error(
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
    check_distinct_key_names(schema)
    hash_count = types.count("HASH")
    if "HASH" in types[hash_count:]:
        raise validation_error("Invalid KeySchema: All HASH key type KeySchemaElements must "
                               "come before any RANGE key type KeySchemaElement")
    for key_type, count in (("HASH", hash_count), ("RANGE", len(types) - hash_count)):
        if count > MAX_KEY_PART_ATTRIBUTES:
            raise validation_error(
                f"Invalid KeySchema: Too many {key_type} key type KeySchemaElements: {count}, "
                f"the maximum is {MAX_KEY_PART_ATTRIBUTES}")


def check_distinct_key_names(schema: list[dict]) -> None:
    seen: set[str] = set()
    for element in schema:
        name = element["AttributeName"]
        if name in seen:
            raise validation_error(
                f"Invalid KeySchema: Some index key attributes are duplicated: {name}")
        seen.add(name)


def validate_index_common(index: dict, definitions: list[str], is_global: bool = False) -> None:
    """Checks shared by local and global index definitions."""
    check_keys_defined([k["AttributeName"] for k in index["KeySchema"]], definitions)
    (check_global_key_types if is_global else check_key_types)(index["KeySchema"])
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

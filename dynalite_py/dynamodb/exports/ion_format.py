"""Items in Amazon Ion text, as DynamoDB's ION exports write them and its
ION imports read them (amazon.ion's simpleion does the Ion itself).

One item a line: the Ion version marker, then a struct {Item: {...}}
(an incremental export's lines hold Keys, NewImage, OldImage instead).
AWS's mapping: S string, N decimal, B blob, BOOL bool, NULL null, L list,
M struct; SS, NS and BS lists annotated $dynamodb_SS, $dynamodb_NS and
$dynamodb_BS. Items here are in wire form, so B values are base64 text.
"""
from __future__ import annotations

import base64
from collections.abc import Mapping
from decimal import Decimal

from amazon.ion import simpleion
from amazon.ion.core import IonType
from amazon.ion.simple_types import IonPyList, IonPyNull

from ...errors import DynamoError
from ...model.numbers import normalize_number

_SET_ANNOTATIONS = {"SS": "$dynamodb_SS", "NS": "$dynamodb_NS", "BS": "$dynamodb_BS"}
_SET_TYPES = {annotation: kind for kind, annotation in _SET_ANNOTATIONS.items()}


class NotAnItem(ValueError):
    """An Ion value that no DynamoDB attribute value maps to."""


def ion_line(record: dict) -> bytes:
    """A record of images ({"Item": item} or an incremental record) as one
    Ion text line, without its newline. An incremental record's Metadata
    (WriteTimestampMicros) is written as Ion integers."""
    return simpleion.dumps({field: _metadata(value) if field == "Metadata" else
                            _ion_item(value) for field, value in record.items()},
                           binary=False).encode()


def _metadata(metadata: dict) -> dict:
    return {name: int(number["N"]) for name, number in metadata.items()}


def _ion_item(item: dict) -> dict:
    return {name: _ion_value(value) for name, value in item.items()}


def _ion_value(value: dict):
    (kind, inner), = value.items()
    if kind == "S":
        return inner
    if kind == "N":
        return Decimal(inner)
    if kind == "B":
        return base64.b64decode(inner)
    if kind == "BOOL":
        return inner
    if kind == "NULL":
        return None
    if kind == "L":
        return [_ion_value(element) for element in inner]
    if kind == "M":
        return _ion_item(inner)
    members = [_ion_value({kind[0]: member}) for member in inner]
    return IonPyList.from_value(IonType.LIST, members, (_SET_ANNOTATIONS[kind],))


def ion_records(line: str) -> list:
    """The top-level Ion values on a line (none for a bare version marker)."""
    return simpleion.loads(line, single_value=False)


def item_of_ion(struct) -> dict:
    """A DynamoDB item (wire form) from an Ion struct; NotAnItem if a value
    has no DynamoDB type (a timestamp, a symbol, a number out of range)."""
    if not isinstance(struct, Mapping):
        raise NotAnItem("The Item is not an Ion struct")
    return {str(name): _attribute(value) for name, value in struct.items()}


def _attribute(value) -> dict:
    ion_type = getattr(value, "ion_type", None)
    if value is None or isinstance(value, IonPyNull) or ion_type is IonType.NULL:
        return {"NULL": True}  # any typed null too: DynamoDB has only one
    annotations = [getattr(token, "text", token) for token in
                   getattr(value, "ion_annotations", ())]
    if ion_type is IonType.LIST and annotations and annotations[0] in _SET_TYPES:
        kind = _SET_TYPES[annotations[0]]
        return {kind: [_attribute(member)[kind[0]] for member in value]}
    if ion_type is IonType.STRING:
        return {"S": str(value)}
    if ion_type is IonType.BOOL:
        return {"BOOL": bool(value)}
    if ion_type in (IonType.DECIMAL, IonType.INT, IonType.FLOAT):
        return {"N": _number(value)}
    if ion_type in (IonType.BLOB, IonType.CLOB):
        return {"B": base64.b64encode(bytes(value)).decode()}
    if ion_type in (IonType.LIST, IonType.SEXP):
        return {"L": [_attribute(member) for member in value]}
    if ion_type is IonType.STRUCT:
        return {"M": item_of_ion(value)}
    raise NotAnItem(f"Ion type {ion_type.name} has no DynamoDB type")


def _number(value) -> str:
    try:
        return normalize_number(str(Decimal(str(value))))
    except DynamoError as error:
        raise NotAnItem(error.message) from None

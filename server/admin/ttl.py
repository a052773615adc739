"""Turning a table's TTL on or off from its page."""
from __future__ import annotations

from dynalite_py.engine import Engine
from dynalite_py.errors import DynamoError

from . import items
from .pages import Inputs, Page, Redirect, error_text, table_url


def update(engine: Engine, inputs: Inputs) -> Page | Redirect:
    """UpdateTimeToLive for the form's attribute (DynamoDB needs the
    attribute TTL was on for to turn it off); an error is shown on the
    table's page."""
    table = inputs.path["table"]
    request = {"TableName": table, "TimeToLiveSpecification": {
        "Enabled": inputs.form.get("enabled") == "true",
        "AttributeName": inputs.form.get("attribute", "")}}
    try:
        engine.call("UpdateTimeToLive", request)
    except DynamoError as error:
        return items.browse(engine, Inputs(inputs.path), error_text(error), error.status)
    return Redirect(table_url(table))

"""Aliases: a name for one published version (or $LATEST) of a function,
optionally sending a weighted share of calls to a second version
(RoutingConfig.AdditionalVersionWeights; qualifiers.routed_version picks).

An alias record is its AliasConfiguration, stored by function and alias
name (storage/lambdas.py).
"""
from __future__ import annotations

import uuid

from ...storage.interface import Handle
from ..functions.functions import Functions, lambda_error
from ..functions.qualifiers import LATEST, qualified_arn, require_version


def weights_of(alias: dict) -> dict[str, float]:
    return (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}


def check_target(functions: Functions, txn: Handle, latest: dict, version: str,
                 routing: dict | None) -> None:
    """The version an alias names, and the versions its routing adds, must
    exist; routing needs a published primary and a second, different version."""
    require_version(functions, txn, latest, version)
    weights = (routing or {}).get("AdditionalVersionWeights") or {}
    if len(weights) > 1:
        raise lambda_error("InvalidParameterValueException",
                           "Number of items in AdditionalVersionWeights cannot be greater "
                           "than 1")
    for additional in weights:
        if version == LATEST:
            raise lambda_error("InvalidParameterValueException",
                               "$LATEST is not supported for an alias pointing to more than 1 "
                               "version")
        if additional == version:
            raise lambda_error("InvalidParameterValueException",
                               f"Invalid function version {additional}. Function version "
                               f"{additional} is already included in routing configuration.")
        require_version(functions, txn, latest, additional)


def new_alias(functions: Functions, name: str, request: dict) -> dict:
    alias = {"AliasArn": qualified_arn(functions, name, request["Name"]),
             "Name": request["Name"], "FunctionVersion": request["FunctionVersion"],
             "Description": request.get("Description") or "",
             "RevisionId": str(uuid.uuid4())}
    if weights_of(request):
        alias["RoutingConfig"] = {"AdditionalVersionWeights": weights_of(request)}
    return alias


def referring_to(txn: Handle, repos, name: str, version: str) -> list[str]:
    """The names of the aliases that send calls to `version`."""
    return [alias["Name"] for alias in repos.aliases.of(txn, name)
            if alias["FunctionVersion"] == version or version in weights_of(alias)]

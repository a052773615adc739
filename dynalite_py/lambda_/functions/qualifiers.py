"""Which version of a function a request names, and what runs for it.

A request names a function by name, `name:qualifier`, partial ARN
(`123456789012:function:name[:qualifier]`) or full ARN, and some
operations add a Qualifier parameter. A qualifier is `$LATEST`, a
published version's number, or an alias, which points at one version and
optionally sends a weighted share of calls to a second
(RoutingConfig.AdditionalVersionWeights).
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

from ...storage.interface import Handle
from .functions import Functions, lambda_error

LATEST = "$LATEST"
# function-level settings a version's record does not carry: they apply to
# whatever version of the function runs
FUNCTION_LEVEL = ("reserved_concurrency", "tags", "last_version")
# the model's FunctionName forms: [arn:aws:lambda:][region:][account:][function:]name[:qualifier]
_REFERENCE = re.compile(r"^(?:arn:aws[a-zA-Z-]*:lambda:)?(?:[a-z]{2}(?:-gov)?-[a-z]+-\d:)?"
                        r"(?:\d{12}:)?(?:function:)?([a-zA-Z0-9._-]+)(?::([a-zA-Z0-9$_-]+))?$")


@dataclass(frozen=True)
class FunctionRef:
    name: str
    qualifier: str | None  # None: unqualified


@dataclass(frozen=True)
class Target:
    """What one invocation or read of a qualified function sees."""
    record: dict     # the configuration that runs, with the function-level settings
    version: str     # the version that runs: "$LATEST" or a number
    arn: str         # the ARN as named: the function's, with the qualifier asked for


def function_ref(function_name: str, qualifier: str | None = None) -> FunctionRef:
    """The function and qualifier a FunctionName (and Qualifier) name."""
    match = _REFERENCE.match(function_name)
    if match is None:  # a form the model refuses: the name as given is not found
        name, derived = function_name, None
    else:
        name, derived = match.group(1), match.group(2)
    if qualifier and derived and qualifier != derived:
        raise lambda_error("InvalidParameterValueException",
                           "The derived qualifier from the function name does not match the "
                           "specified qualifier.")
    return FunctionRef(name, qualifier or derived)


def is_version(qualifier: str) -> bool:
    return qualifier.isascii() and qualifier.isdigit()


def qualified_arn(functions: Functions, name: str, qualifier: str | None) -> str:
    return functions.arn(name) + (f":{qualifier}" if qualifier else "")


def not_found(functions: Functions, name: str, qualifier: str | None):
    return lambda_error("ResourceNotFoundException",
                        f"Function not found: {qualified_arn(functions, name, qualifier)}", 404)


def require_version(functions: Functions, txn: Handle, latest: dict, version: str) -> dict:
    """The configuration of `version` ($LATEST or a number) of a function."""
    if version == LATEST:
        return latest
    record = functions.engine.repos.versions.get(txn, latest["FunctionName"], version) \
        if is_version(version) else None
    if record is None:
        raise not_found(functions, latest["FunctionName"], version)
    return record


def require_alias(functions: Functions, txn: Handle, name: str, alias: str) -> dict:
    record = functions.engine.repos.aliases.get(txn, name, alias)
    if record is None:
        raise lambda_error("ResourceNotFoundException",
                           f"Cannot find alias arn: {qualified_arn(functions, name, alias)}", 404)
    return record


def routed_version(alias: dict, draw: float | None = None) -> str:
    """The version one call through `alias` runs: the additional version
    for its weight's share of calls, else the alias's own."""
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    point = random.random() if draw is None else draw
    for version, weight in weights.items():
        if point < weight:
            return version
        point -= weight
    return alias["FunctionVersion"]


def resolve(functions: Functions, txn: Handle, ref: FunctionRef, route: bool = False) -> Target:
    """The Target `ref` names; an alias gives its primary version, or with
    `route` the version its routing picks for one call. Unknown functions,
    versions and aliases are ResourceNotFoundException."""
    latest = functions.require(txn, ref.name)
    qualifier = ref.qualifier
    arn = qualified_arn(functions, latest["FunctionName"], qualifier)
    if qualifier is None or qualifier == LATEST or is_version(qualifier):
        version = qualifier or LATEST
    else:
        alias = functions.engine.repos.aliases.get(txn, latest["FunctionName"], qualifier)
        if alias is None:
            raise not_found(functions, latest["FunctionName"], qualifier)
        version = routed_version(alias) if route else alias["FunctionVersion"]
    record = require_version(functions, txn, latest, version)
    if record is not latest:
        record = dict(record, **{key: latest[key] for key in FUNCTION_LEVEL if key in latest})
    return Target(record, version, arn)


def configuration_as_named(functions: Functions, target: Target) -> dict:
    """A FunctionConfiguration as GetFunction(Configuration) answers a
    qualified name: the version's, under the ARN that was asked for."""
    return dict(functions.configuration(target.record), FunctionArn=target.arn)

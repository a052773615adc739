"""Tags of functions, kept on the function's record ("tags"): only an
unqualified function ARN takes tags, as in Lambda."""
from __future__ import annotations

from ...storage.interface import Handle
from ..functions.functions import Functions, lambda_error
from ..functions.qualifiers import function_ref

MAX_TAGS = 50  # per function


def tagged_function(functions: Functions, txn: Handle, resource: str) -> dict:
    """The function record a tagging Resource ARN names."""
    ref = function_ref(resource)
    if ref.qualifier is not None:
        raise lambda_error("InvalidParameterValueException",
                           "Tags on function aliases and versions are not supported. Please "
                           "specify a function ARN.")
    return functions.require(txn, ref.name)


def check_count(tags: dict) -> None:
    if len(tags) > MAX_TAGS:
        raise lambda_error("InvalidParameterValueException",
                           f"Number of tags exceeds resource tag limit of {MAX_TAGS}.")

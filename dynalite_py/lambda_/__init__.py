"""Lambda (service "lambda", REST-JSON on the same endpoint): functions and
their runtime (functions/), event source mappings and filters (mappings/),
and the trigger bridge that feeds stream records to functions (bridge/).
"""
from ..protocol.validation import ShapeRules

SERVICE = "lambda"

# Lambda's limits that botocore's model leaves open: a Timeout of at most 900
# seconds, a MemorySize of at most 10,240 MB, ephemeral storage (/tmp) of at
# most 10,240 MB (AWS's ValidationException words)
_LIMITS = {"Timeout": {"max": 900}, "MemorySize": {"max": 10240}}
SHAPE_RULES = ShapeRules(member_overrides={
    **{(request, member): limit for request in ("CreateFunctionRequest",
                                                "UpdateFunctionConfigurationRequest")
       for member, limit in _LIMITS.items()},
    ("EphemeralStorage", "Size"): {"max": 10240}})

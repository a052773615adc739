"""Auto scaling settings of global tables' capacity: the AutoScalingSettings
shapes that UpdateTableReplicaAutoScaling (and the 2017.11.29
UpdateGlobalTableSettings) take and describe.

On AWS these settings are a front for Application Auto Scaling: a scalable
target (minimum and maximum units) with one target tracking policy per
dimension (a table's or index's read or write capacity). We keep them as
AWS describes them and validate them as AWS does; they change no capacity
(no Application Auto Scaling runs here), as docs/compatibility.md says.

AWS's rules and messages below are as ack-api-quirks' DynamoDB catalogue
captured them (DDB-TABLE-253, DDB-TABLE-189, DDB-TABLEREPLICAAUTOSCALING-001):
a dimension never configured reads {"AutoScalingDisabled": true,
"ScalingPolicies": []}; an update either disables or carries all of
MinimumUnits, MaximumUnits and ScalingPolicyUpdate; the role is always the
service-linked one; a policy of another name replaces the one there; the
range checks are Application Auto Scaling's, whose messages pass through.
"""
from __future__ import annotations

import uuid
from decimal import Decimal

from ...errors import validation_error

NEVER_CONFIGURED = {"AutoScalingDisabled": True, "ScalingPolicies": []}
REQUIRED = ("MaximumUnits", "ScalingPolicyUpdate", "MinimumUnits")  # AWS's order in its message
TARGET_RANGE = (10.0, 90.0)  # Application Auto Scaling's, for DynamoDB's predefined metrics
TRACKING_RANGE = (8.51592e-109, 1.174271e108)  # any target tracking policy's
SERVICE_ROLE = ("arn:aws:iam::{account}:role/aws-service-role/"
                "dynamodb.application-autoscaling.amazonaws.com/"
                "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable")


def settings_failure(name: str, detail: str) -> str:
    return f"Failed to update settings for global table with name: \u2018{name}\u2019{detail}"


def updated_settings(update: dict, *, table: str, dimension: str, resource: str,
                     account: str) -> dict:
    """The settings of one dimension ("Read" or "Write") after `update`
    (an AutoScalingSettingsUpdate, which replaces them whole); `resource`
    names it in a default policy name ("table/T" or "table/T/index/I")."""
    if update.get("AutoScalingDisabled"):
        return dict(NEVER_CONFIGURED)
    missing = [field for field in REQUIRED if update.get(field) is None]
    if missing:
        names = ", ".join(f"'{field}'" for field in missing)
        raise validation_error(settings_failure(
            table, f": Parameters {names} are required unless auto scaling is being disabled."))
    if update["MaximumUnits"] < update["MinimumUnits"]:
        raise validation_error(_scaling_error("Maximum capacity cannot be less than minimum "
                                              "capacity"))
    policy = update["ScalingPolicyUpdate"]
    tracking = dict(policy["TargetTrackingScalingPolicyConfiguration"])
    _check_target(tracking["TargetValue"], dimension)
    tracking.setdefault("DisableScaleIn", False)
    return {"MinimumUnits": update["MinimumUnits"], "MaximumUnits": update["MaximumUnits"],
            "AutoScalingDisabled": False,
            "AutoScalingRoleArn": SERVICE_ROLE.format(account=account),
            "ScalingPolicies": [{
                "PolicyName": policy.get("PolicyName")
                or f"DynamoDB{dimension}CapacityUtilization:{resource}",
                "TargetTrackingScalingPolicyConfiguration": tracking}]}


def _check_target(value: float, dimension: str) -> None:
    low, high = TRACKING_RANGE
    if not low <= value <= high:
        raise validation_error(_scaling_error(
            f"For target tracking scaling, target value must be between '{java_double(low)}' "
            f"and '{java_double(high)}', but was '{java_double(value)}'."))
    low, high = TARGET_RANGE
    if not low <= value <= high:
        raise validation_error(_scaling_error(
            f"For predefined metric type DynamoDB{dimension}CapacityUtilization, target value "
            f"must be between '{low}' and '{high}', but was '{java_double(value)}'."))


def _scaling_error(message: str) -> str:
    """Application Auto Scaling's error as DynamoDB passes it on."""
    return (f"{message} (Service: AWSApplicationAutoScaling; Status Code: 400; Error Code: "
            f"ValidationException; Request ID: {uuid.uuid4()}; Proxy: null)")


def java_double(value: float) -> str:
    """A double as Java prints it (AWS's messages do): 90.1, 100.0, 1.0E9."""
    value = float(value)
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return repr(value)
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits))
    mantissa = f"{text[0]}.{text[1:] or '0'}"
    return f"{'-' if sign else ''}{mantissa}E{exponent + len(digits) - 1}"

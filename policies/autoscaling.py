"""EC2 Auto Scaling groups: the design's "AWS Auto Scaling" section (ai-agent-asg), and the scheduled actions and
predictive policies that move its bounds."""

from __future__ import annotations

from scaling_kit.limits import AUTO_SCALING

from .common import HIGH, MEDIUM, as_number, fmt, get, integer, resource_policy, schema, string

GROUP_TYPES = ("aws:autoscaling/group:Group",)


def _min_size(args, k, violation):
    size = as_number(get(args.props, "minSize"))
    if size is None:
        violation(f"minSize is not set; the design keeps at least {k['minSize']} instances")
    elif size < k["minSize"]:
        violation(f"minSize is {fmt(size)}; the design keeps at least {k['minSize']} instances "
                  "so one zone or instance can fail")


group_min_size = resource_policy(
    "aws-autoscaling-group-min-size",
    f"Auto Scaling groups keep at least the documented minimum of instances (MinSize {AUTO_SCALING.min_size}).",
    GROUP_TYPES, _min_size, severity=HIGH,
    remediation=f"Set min_size to {AUTO_SCALING.min_size} or more (scaling:asgMinSize).",
    config_schema=schema(minSize=integer(AUTO_SCALING.min_size, "Lowest allowed minSize.", 1)))


def _max_size(args, k, violation):
    size = as_number(get(args.props, "maxSize"))
    if size is None:
        violation(f"maxSize is not set; the documented ceiling is {k['maxSize']}")
    elif size > k["maxSize"]:
        violation(f"maxSize is {fmt(size)}; the documented ceiling is {k['maxSize']} instances")


group_max_size = resource_policy(
    "aws-autoscaling-group-max-size",
    f"Auto Scaling groups do not scale past the documented ceiling (MaxSize {AUTO_SCALING.max_size}).",
    GROUP_TYPES, _max_size, severity=HIGH,
    remediation=f"Set max_size to {AUTO_SCALING.max_size} or less (scaling:asgMaxSize); raise the knob maxSize only "
                "with a design change.",
    config_schema=schema(maxSize=integer(AUTO_SCALING.max_size, "Highest allowed maxSize.", 1)))


def _health_check_type(args, k, violation):
    kind = get(args.props, "healthCheckType")
    if kind is None:
        violation(f"healthCheckType is not set (AWS uses EC2); use {k['healthCheckType']!r} so instances "
                  "that fail the load balancer health check are replaced")
    elif kind != k["healthCheckType"]:
        violation(f"healthCheckType is {kind!r}; the design uses {k['healthCheckType']!r}")


group_health_check_type = resource_policy(
    "aws-autoscaling-group-health-check-type",
    f"Auto Scaling groups replace instances that fail the load balancer health check "
    f"(HealthCheckType {AUTO_SCALING.health_check_type}).",
    GROUP_TYPES, _health_check_type, severity=HIGH,
    remediation=f"Set health_check_type={AUTO_SCALING.health_check_type!r}.",
    config_schema=schema(healthCheckType=string(AUTO_SCALING.health_check_type, "Required health check type.",
                                                ["ELB", "EC2"])))


# An AWS fact (the value when healthCheckGracePeriod is absent), not a design number.
AWS_DEFAULT_GRACE_PERIOD_SECONDS = 300


def _grace_period(args, k, violation):
    grace = as_number(get(args.props, "healthCheckGracePeriod", default=AWS_DEFAULT_GRACE_PERIOD_SECONDS))
    if grace < k["minSeconds"]:
        violation(f"healthCheckGracePeriod is {fmt(grace)} s; instances need {k['minSeconds']} s to boot "
                  "before health checks may replace them")


group_health_check_grace_period = resource_policy(
    "aws-autoscaling-group-health-check-grace-period",
    f"Auto Scaling groups give new instances the documented {AUTO_SCALING.health_check_grace_period_seconds} s before "
    "health checks count.",
    GROUP_TYPES, _grace_period, severity=MEDIUM,
    remediation=f"Set health_check_grace_period={AUTO_SCALING.health_check_grace_period_seconds} "
                "(scaling:asgHealthCheckGracePeriodSeconds).",
    config_schema=schema(minSeconds=integer(AUTO_SCALING.health_check_grace_period_seconds,
                                            "Lowest allowed grace period in seconds.")))

SCHEDULE_TYPES = ("aws:autoscaling/schedule:Schedule",)
POLICY_TYPES = ("aws:autoscaling/policy:Policy",)


def _schedule_bounds(args, k, violation):
    # An absent size (or AWS's -1) leaves the group's own value, which aws-autoscaling-group-max-size judges.
    for prop in ("maxSize", "minSize", "desiredCapacity"):
        size = as_number(get(args.props, prop))
        if size is not None and size > k["maxSize"]:
            violation(f"{prop} is {fmt(size)}; a scheduled action may not take the group past the documented ceiling "
                      f"of {k['maxSize']} instances")


schedule_max_size = resource_policy(
    "aws-autoscaling-schedule-max-size",
    f"Scheduled actions keep the group within the documented ceiling (MaxSize {AUTO_SCALING.max_size}): their "
    "maxSize, minSize and desiredCapacity.",
    SCHEDULE_TYPES, _schedule_bounds, severity=HIGH,
    remediation=f"Set the action's max (and min, desired) to {AUTO_SCALING.max_size} or less (scaling:asgSchedules).",
    config_schema=schema(maxSize=integer(AUTO_SCALING.max_size, "Highest size a scheduled action may set.", 1)))


def _predictive_max_capacity(args, k, violation):
    if get(args.props, "policyType") != "PredictiveScaling":
        return
    config = get(args.props, "predictiveScalingConfiguration", default={})
    # AWS defaults: ForecastOnly (no scaling) and HonorMaxCapacity.
    mode = get(config, "mode", default="ForecastOnly")
    behavior = get(config, "maxCapacityBreachBehavior", default="HonorMaxCapacity")
    if mode == "ForecastAndScale" and behavior == "IncreaseMaxCapacity":
        buffer = as_number(get(config, "maxCapacityBuffer", default=0))
        violation(f"maxCapacityBreachBehavior is 'IncreaseMaxCapacity' in ForecastAndScale mode (maxCapacityBuffer "
                  f"{fmt(buffer)} %): the forecast plus its buffer may raise the group's maximum past the documented "
                  f"ceiling of {AUTO_SCALING.max_size} instances, and AWS keeps the raised maximum")


predictive_max_capacity = resource_policy(
    "aws-autoscaling-predictive-honors-max-capacity",
    f"Predictive scaling that scales keeps the group's maximum (HonorMaxCapacity), so forecasts never take it past "
    f"the documented ceiling ({AUTO_SCALING.max_size}).",
    POLICY_TYPES, _predictive_max_capacity, severity=HIGH,
    remediation="Use max_capacity_breach_behavior HonorMaxCapacity (scaling:asgPredictiveMaxCapacityBreach), or mode "
                "ForecastOnly to review forecasts without scaling.")

POLICIES = [group_min_size, group_max_size, group_health_check_type, group_health_check_grace_period,
            schedule_max_size, predictive_max_capacity]

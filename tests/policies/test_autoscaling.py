import pytest

from policies import autoscaling
from tests.policies import run
from tests.policies.cases import Case, check_compliant, check_missing, check_other_type_ignored, check_violating

ASG = "aws:autoscaling/group:Group"
GOOD = {"minSize": 2.0, "maxSize": 20.0, "healthCheckType": "ELB", "healthCheckGracePeriod": 300.0}


def without(key):
    return {k: v for k, v in GOOD.items() if k != key}


SCHEDULE = "aws:autoscaling/schedule:Schedule"
SCHEDULE_GOOD = {"scheduledActionName": "business-hours", "recurrence": "0 8 * * MON-FRI", "timeZone": "Europe/Berlin",
                 "minSize": 4.0, "desiredCapacity": 8.0, "maxSize": 20.0}
POLICY = "aws:autoscaling/policy:Policy"


def predictive(mode=None, behavior=None, buffer=None) -> dict:
    config = {"metricSpecification": {"targetValue": 70.0, "predefinedMetricPairSpecification": {
        "predefinedMetricType": "ASGCPUUtilization"}}, "schedulingBufferTime": "300"}
    for key, value in (("mode", mode), ("maxCapacityBreachBehavior", behavior), ("maxCapacityBuffer", buffer)):
        if value is not None:
            config[key] = value
    return {"policyType": "PredictiveScaling", "predictiveScalingConfiguration": config}


PREDICTIVE_GOOD = predictive("ForecastAndScale", "HonorMaxCapacity")
PREDICTIVE_BAD = predictive("ForecastAndScale", "IncreaseMaxCapacity", "10")

CASES = [
    Case(autoscaling.group_min_size, ASG, GOOD, {**GOOD, "minSize": 1.0}, without("minSize"), True, "minSize is 1"),
    Case(autoscaling.group_max_size, ASG, GOOD, {**GOOD, "maxSize": 40.0}, without("maxSize"), True, "maxSize is 40"),
    Case(autoscaling.group_health_check_type, ASG, GOOD, {**GOOD, "healthCheckType": "EC2"},
         without("healthCheckType"), True, "'EC2'"),
    Case(autoscaling.group_health_check_grace_period, ASG, GOOD, {**GOOD, "healthCheckGracePeriod": 30.0},
         without("healthCheckGracePeriod"), False, "30 s"),
    Case(autoscaling.schedule_max_size, SCHEDULE, SCHEDULE_GOOD, {**SCHEDULE_GOOD, "maxSize": 40.0},
         {k: v for k, v in SCHEDULE_GOOD.items() if k != "maxSize"}, False, "maxSize is 40; a scheduled action"),
    Case(autoscaling.predictive_max_capacity, POLICY, PREDICTIVE_GOOD, PREDICTIVE_BAD,
         predictive("ForecastAndScale"), False, "maxCapacityBreachBehavior is 'IncreaseMaxCapacity'"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_compliant(case):
    check_compliant(case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_violating(case):
    check_violating(case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_missing_property(case):
    check_missing(case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_other_resource_types_are_ignored(case):
    check_other_type_ignored(case)


def test_max_size_knob_from_policy_config():
    assert run(autoscaling.group_max_size, ASG, {**GOOD, "maxSize": 40.0}, {"maxSize": 50}) == []
    assert run(autoscaling.group_max_size, ASG, GOOD, {"maxSize": 10})


def test_max_size_has_a_config_schema_defaulting_to_the_documented_limit():
    assert autoscaling.group_max_size.config_schema.properties["maxSize"]["default"] == 20


def test_schedule_message_names_the_size_and_the_ceiling():
    assert run(autoscaling.schedule_max_size, SCHEDULE, {**SCHEDULE_GOOD, "maxSize": 21.0}) == [
        "maxSize is 21; a scheduled action may not take the group past the documented ceiling of 20 instances"]


def test_schedule_min_and_desired_above_the_ceiling_are_reported_too():
    props = {**SCHEDULE_GOOD, "minSize": 22.0, "desiredCapacity": 25.0, "maxSize": 30.0}
    assert run(autoscaling.schedule_max_size, SCHEDULE, props) == [
        f"{prop} is {size}; a scheduled action may not take the group past the documented ceiling of 20 instances"
        for prop, size in (("maxSize", 30), ("minSize", 22), ("desiredCapacity", 25))]


def test_schedule_leaving_sizes_unchanged_passes():
    """AWS's -1 (and an absent size) keeps the group's own value."""
    assert run(autoscaling.schedule_max_size, SCHEDULE, {**SCHEDULE_GOOD, "minSize": -1.0, "maxSize": -1.0,
                                                         "desiredCapacity": -1.0}) == []
    assert run(autoscaling.schedule_max_size, SCHEDULE, {"scheduledActionName": "x", "recurrence": "0 8 * * *"}) == []


def test_schedule_knob_from_policy_config():
    assert run(autoscaling.schedule_max_size, SCHEDULE, {**SCHEDULE_GOOD, "maxSize": 30.0}, {"maxSize": 30}) == []
    assert run(autoscaling.schedule_max_size, SCHEDULE, SCHEDULE_GOOD, {"maxSize": 10})
    assert autoscaling.schedule_max_size.config_schema.properties["maxSize"]["default"] == 20


def test_predictive_message_names_the_behavior_the_buffer_and_the_ceiling():
    assert run(autoscaling.predictive_max_capacity, POLICY, PREDICTIVE_BAD) == [
        "maxCapacityBreachBehavior is 'IncreaseMaxCapacity' in ForecastAndScale mode (maxCapacityBuffer 10 %): the "
        "forecast plus its buffer may raise the group's maximum past the documented ceiling of 20 instances, and AWS "
        "keeps the raised maximum"]


@pytest.mark.parametrize("mode, behavior, buffer, ok", [
    ("ForecastAndScale", "HonorMaxCapacity", None, True),
    ("ForecastAndScale", None, None, True),               # AWS default: HonorMaxCapacity
    ("ForecastOnly", "IncreaseMaxCapacity", "10", True),  # forecasts only: nothing scales
    (None, "IncreaseMaxCapacity", "10", True),            # AWS default: ForecastOnly
    ("ForecastAndScale", "IncreaseMaxCapacity", "0", False),
    ("ForecastAndScale", "IncreaseMaxCapacity", "100", False),
    ("ForecastAndScale", "IncreaseMaxCapacity", None, False),
])
def test_predictive_breach_behavior_by_mode(mode, behavior, buffer, ok):
    messages = run(autoscaling.predictive_max_capacity, POLICY, predictive(mode, behavior, buffer))
    assert (messages == []) == ok, messages


def test_target_tracking_policies_are_not_judged_as_predictive():
    props = {"policyType": "TargetTrackingScaling", "predictiveScalingConfiguration": PREDICTIVE_BAD[
        "predictiveScalingConfiguration"]}
    assert run(autoscaling.predictive_max_capacity, POLICY, props) == []


# Whole messages, tails included (issue 19: the explanatory tail of each message was mutated unnoticed).
@pytest.mark.parametrize("policy, props, message", [
    (autoscaling.group_min_size, {**GOOD, "minSize": 1.0},
     "minSize is 1; the design keeps at least 2 instances so one zone or instance can fail"),
    (autoscaling.group_min_size, without("minSize"), "minSize is not set; the design keeps at least 2 instances"),
    (autoscaling.group_max_size, {**GOOD, "maxSize": 40.0}, "maxSize is 40; the documented ceiling is 20 instances"),
    (autoscaling.group_max_size, without("maxSize"), "maxSize is not set; the documented ceiling is 20"),
    (autoscaling.group_health_check_type, {**GOOD, "healthCheckType": "EC2"},
     "healthCheckType is 'EC2'; the design uses 'ELB'"),
    (autoscaling.group_health_check_type, without("healthCheckType"),
     "healthCheckType is not set (AWS uses EC2); use 'ELB' so instances that fail the load balancer health check "
     "are replaced"),
    (autoscaling.group_health_check_grace_period, {**GOOD, "healthCheckGracePeriod": 30.0},
     "healthCheckGracePeriod is 30 s; instances need 300 s to boot before health checks may replace them"),
], ids=lambda value: value.name if hasattr(value, "name") else "")
def test_group_messages_are_whole(policy, props, message):
    assert run(policy, ASG, props) == [message]


def test_group_knobs_are_named_in_the_messages():
    assert run(autoscaling.group_min_size, ASG, {**GOOD, "minSize": 2.0}, {"minSize": 3}) == [
        "minSize is 2; the design keeps at least 3 instances so one zone or instance can fail"]
    assert run(autoscaling.group_health_check_type, ASG, GOOD, {"healthCheckType": "EC2"}) == [
        "healthCheckType is 'ELB'; the design uses 'EC2'"]
    assert run(autoscaling.group_health_check_grace_period, ASG, GOOD, {"minSeconds": 301}) == [
        "healthCheckGracePeriod is 300 s; instances need 301 s to boot before health checks may replace them"]
    assert run(autoscaling.group_health_check_grace_period, ASG, without("healthCheckGracePeriod"),
               {"minSeconds": 301}) == [
        "healthCheckGracePeriod is 300 s; instances need 301 s to boot before health checks may replace them"]


def test_predictive_message_without_a_buffer_names_aws_default_of_zero():
    assert run(autoscaling.predictive_max_capacity, POLICY, predictive("ForecastAndScale", "IncreaseMaxCapacity")) == [
        "maxCapacityBreachBehavior is 'IncreaseMaxCapacity' in ForecastAndScale mode (maxCapacityBuffer 0 %): the "
        "forecast plus its buffer may raise the group's maximum past the documented ceiling of 20 instances, and AWS "
        "keeps the raised maximum"]

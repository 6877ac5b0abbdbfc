import pytest

from policies import autoscaling
from tests.policies import run
from tests.policies.cases import Case, check_compliant, check_missing, check_other_type_ignored, check_violating

ASG = "aws:autoscaling/group:Group"
GOOD = {"minSize": 2.0, "maxSize": 20.0, "healthCheckType": "ELB", "healthCheckGracePeriod": 300.0}


def without(key):
    return {k: v for k, v in GOOD.items() if k != key}


CASES = [
    Case(autoscaling.group_min_size, ASG, GOOD, {**GOOD, "minSize": 1.0}, without("minSize"), True, "minSize is 1"),
    Case(autoscaling.group_max_size, ASG, GOOD, {**GOOD, "maxSize": 40.0}, without("maxSize"), True, "maxSize is 40"),
    Case(autoscaling.group_health_check_type, ASG, GOOD, {**GOOD, "healthCheckType": "EC2"},
         without("healthCheckType"), True, "'EC2'"),
    Case(autoscaling.group_health_check_grace_period, ASG, GOOD, {**GOOD, "healthCheckGracePeriod": 30.0},
         without("healthCheckGracePeriod"), False, "30 s"),
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

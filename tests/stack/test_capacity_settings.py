"""The asg* capacity settings (issue 14.4): off by default, turned into the component's arguments, refused values
reported under the keys the user edits, and the whole stack with every feature on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from components.auto_scaling_group import MixedInstances, PredictiveScaling, ScheduledAction, WarmPool
from stack.config import ConfigurationError, load_settings
from stack.edge import capacity_feature_args
from stack.preflight import load_checked_settings
from tests.conftest import evaluate_stack

ROOT = Path(__file__).resolve().parents[2]
DEV = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
FEATURES_ON = {
    "scaling:asgWarmPoolState": "Stopped", "scaling:asgWarmPoolMinSize": "1",
    "scaling:asgSchedules": '["business-hours:0 8 * * MON-FRI:Europe/Berlin:2:3:4", "night:0 20 * * *:Etc/UTC:1:1:2"]',
    "scaling:asgPredictiveMode": "ForecastOnly", "scaling:asgPredictiveMetric": "requests",
}


def settings(**values):
    return load_settings({**DEV, **{f"scaling:{k}": v for k, v in values.items()}}, "dev").autoscaling


def problems(**values) -> list[str]:
    with pytest.raises(ConfigurationError) as info:
        load_checked_settings({**DEV, **{f"scaling:{k}": v for k, v in values.items()}}, "dev")
    return info.value.problems


def test_every_feature_is_off_by_default():
    assert capacity_feature_args(settings()) == dict(warm_pool=None, mixed_instances=None, scheduled_actions=(),
                                                     predictive_scaling=None)


def test_settings_become_the_component_arguments():
    args = capacity_feature_args(settings(
        asgWarmPoolState="Hibernated", asgWarmPoolMinSize="2", asgWarmPoolReuseOnScaleIn="true",
        asgSchedules='["peak:*/30 9-17 * * *:Europe/Berlin:2:4:6"]', asgPredictiveMode="ForecastAndScale",
        asgPredictiveSchedulingBufferSeconds="600"))
    assert args["warm_pool"] == WarmPool("Hibernated", 2, None, True)
    assert args["scheduled_actions"] == (ScheduledAction("peak", "*/30 9-17 * * *", 2, 4, 6, "Europe/Berlin"),)
    assert args["predictive_scaling"] == PredictiveScaling("ForecastAndScale", "cpu", 600, "HonorMaxCapacity", 0)
    mixed = capacity_feature_args(settings(asgInstanceTypes='["m6i.large", "m6a.large"]', asgOnDemandBaseCapacity="1",
                                           asgOnDemandPercentageAboveBase="20", asgWarmPoolMaxPreparedCapacity="8"))
    assert mixed["mixed_instances"] == MixedInstances(("m6i.large", "m6a.large"), 1, 20, "price-capacity-optimized")
    assert mixed["warm_pool"] is None  # the prepared capacity alone turns nothing on


def test_a_malformed_schedule_is_a_configuration_problem():
    with pytest.raises(ConfigurationError) as info:
        settings(asgSchedules='["business-hours 0 8 * * *"]')
    assert info.value.problems == [
        "scaling:asgSchedules: [\"business-hours 0 8 * * *\"]: 'business-hours 0 8 * * *': expected "
        "'name:cron:timeZone:min:desired:max' such as 'business-hours:0 8 * * MON-FRI:Europe/Berlin:4:8:20'"]


@pytest.mark.parametrize("values, expected", [
    (dict(asgSchedules='["peak:0 9 * * *:Etc/UTC:2:5:21"]'),
     "scaling:asgSchedules: 21 is above 20, the documented maximum (20) or the group's scaling:asgMaxSize (3) if "
     "higher"),
    (dict(asgSchedules='["peak:0 9 * * *:Mars/Olympus:2:5:8"]'),
     "scaling:asgSchedules: 'Mars/Olympus' is not an IANA time zone"),
    (dict(asgWarmPoolState="Stopped", asgInstanceTypes='["m6i.large"]'),
     "scaling:asgWarmPoolState/scaling:asgInstanceTypes: AWS allows no warm pool"),
    (dict(asgPredictiveMode="ForecastAndScale", asgPredictiveMaxCapacityBreach="IncreaseMaxCapacity"),
     "scaling:asgPredictiveMaxCapacityBreach/scaling:asgPredictiveMode: 'IncreaseMaxCapacity' with "
     "'ForecastAndScale'"),
    (dict(asgInstanceTypes='["m6i.large"]', asgOnDemandBaseCapacity="30"),
     "scaling:asgOnDemandBaseCapacity/scaling:asgMaxSize: 30 is above scaling:asgMaxSize 3; expected at most "
     "scaling:asgMaxSize"),
])
def test_a_refused_feature_is_reported_under_its_keys(values, expected):
    found = problems(**values)
    assert any(p.startswith(expected) for p in found), found


def test_the_dev_stack_with_every_compatible_feature_on():
    evaluation = evaluate_stack("dev", FEATURES_ON)
    assert evaluation.error is None, evaluation.error
    groups = evaluation.by_type("aws:autoscaling/group:Group")
    assert groups and all(g.inputs["warmPool"]["poolState"] == "Stopped" for g in groups)
    schedules = evaluation.by_type("aws:autoscaling/schedule:Schedule")
    assert len(schedules) == 2 * len(groups)
    assert {s.inputs["timeZone"] for s in schedules} == {"Europe/Berlin", "Etc/UTC"}
    predictive = [p for p in evaluation.by_type("aws:autoscaling/policy:Policy")
                  if p.inputs["policyType"] == "PredictiveScaling"]
    assert len(predictive) == len(groups)
    assert all(p.inputs["predictiveScalingConfiguration"]["metricSpecification"][
        "predefinedMetricPairSpecification"]["predefinedMetricType"] == "ALBRequestCount" for p in predictive)

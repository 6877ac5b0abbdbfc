"""The offline preview shows the Auto Scaling group's capacity features (issue 14.4): curated key settings for the
scheduled actions and the predictive policy (never the fallback), the group's warm pool and instance mix, and
which input changes replace a scheduled action."""

from __future__ import annotations

from components.auto_scaling_group import MixedInstances, PredictiveScaling, WarmPool
from offline.engine import display_value
from offline.key_settings import curated, key_settings
from offline.replacement import forces_replacement
from tests.components.test_auto_scaling_group import (
    BUSINESS_HOURS,
    GROUP,
    ONE_SOURCE,
    POLICY,
    SCHEDULE,
    asg_args,
    build,
)


def settings(evaluation, type_: str, name: str) -> dict[str, str]:
    resource = evaluation.one(type_, name)
    return dict(key_settings(resource.type, display_value(resource.inputs)))


def test_every_type_the_features_declare_is_curated():
    ev = build(traffic_sources=ONE_SOURCE, scheduled_actions=(BUSINESS_HOURS,),
               mixed_instances=MixedInstances(("m6i.large", "m6a.large")),
               predictive_scaling=PredictiveScaling(metric="requests"))
    verdicts = curated({r.type for r in ev.resources if r.custom})
    assert {t for t, v in verdicts.items() if v == "fallback"} == set()


def test_key_settings_of_a_schedule_a_predictive_policy_and_a_mixed_group():
    ev = build(traffic_sources=ONE_SOURCE, scheduled_actions=(BUSINESS_HOURS,),
               mixed_instances=MixedInstances(("m6i.large", "m6a.large"), on_demand_base_capacity=2,
                                              on_demand_percentage_above_base=50),
               predictive_scaling=PredictiveScaling(mode="ForecastAndScale", metric="requests"))
    assert settings(ev, SCHEDULE, "app-schedule-business-hours") == {
        "name": "business-hours", "cron": "0 8 * * MON-FRI", "timeZone": "Europe/Berlin",
        "capacity": "4/8/20 (min/desired/max)"}
    predictive = settings(ev, POLICY, "app-predictive")
    assert predictive == {"type": "PredictiveScaling", "mode": "ForecastAndScale", "forecast": "ALBRequestCount",
                          "forecastTarget": "1000", "aheadSeconds": "300", "atMax": "HonorMaxCapacity"}
    group = settings(ev, GROUP, "app-asg")
    assert (group["onDemandBase"], group["onDemand%"], group["spot"]) == ("2", "50", "price-capacity-optimized")
    assert "m6i.large" in group["types"] and "m6a.large" in group["types"]
    assert "warmPool" not in group


def test_key_settings_of_a_warm_pool():
    group = settings(build(warm_pool=WarmPool(pool_state="Stopped", min_size=1)), GROUP, "app-asg")
    assert (group["warmPool"], group["warmMin"]) == ("Stopped", "1")


def test_a_group_without_features_shows_none_of_their_settings():
    group = settings(build(), GROUP, "app-asg")
    assert not {"warmPool", "warmMin", "types", "onDemandBase", "onDemand%", "spot"} & set(group)
    assert asg_args().scheduled_actions == ()


def test_renaming_a_scheduled_action_replaces_it_and_new_bounds_update_it():
    assert forces_replacement(SCHEDULE, "scheduledActionName") is True
    assert forces_replacement(SCHEDULE, "autoscalingGroupName") is True
    assert forces_replacement(SCHEDULE, "maxSize") is False
    assert forces_replacement(SCHEDULE, "recurrence") is False

"""AutoScalingGroup: capacity validation (examples and properties), request-count targets, resources, and the
capacity features (warm pool, mixed instances, scheduled actions, predictive scaling)."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.auto_scaling_group import (
    AL2023_AMI_PARAMETER,
    AutoScalingGroup,
    AutoScalingGroupArgs,
    MixedInstances,
    PredictiveScaling,
    ScheduledAction,
    TrafficSource,
    WarmPool,
    request_count_targets,
    validate_auto_scaling_group_args,
    validate_capacity,
)
from components.validation import ArgumentError
from scaling_kit.limits import AUTO_SCALING
from tests.conftest import run_program, run_refused_program
from tests.helpers import untagged

GROUP = "aws:autoscaling/group:Group"
POLICY = "aws:autoscaling/policy:Policy"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SOURCES = tuple(TrafficSource(f"api{i}", f"arn:tg:api{i}", f"targetgroup/api{i}/0{i}", w)
                for i, w in ((1, 5), (2, 5), (3, 3)))


def asg_args(**kwargs) -> AutoScalingGroupArgs:
    base = dict(vpc_id="vpc-1", vpc_cidr_block="10.0.0.0/16", subnet_ids=("subnet-a", "subnet-b"),
                subnet_zones=("us-east-1a", "us-east-1b"), traffic_sources=SOURCES,
                load_balancer_arn_suffix="app/edge/123", load_balancer_security_group_id="sg-alb")
    base.update(kwargs)
    return AutoScalingGroupArgs(**base)


@given(st.integers(-3, 30), st.integers(-3, 30), st.integers(-3, 30))
def test_capacity_is_accepted_exactly_when_min_le_desired_le_max(lo, desired, hi):
    if 0 <= lo <= desired <= hi and hi >= 1:
        validate_capacity(lo, desired, hi)
    else:
        with pytest.raises(ValueError, match=rf"^min_size/desired_capacity/max_size: {lo}/{desired}/{hi} "):
            validate_capacity(lo, desired, hi)


def test_design_numbers_are_the_defaults_and_valid():
    args = asg_args()
    assert (args.min_size, args.max_size, args.desired_capacity) == (2, 20, 5)
    assert args.health_check_type == "ELB" and args.health_check_grace_period_seconds == 300
    assert (args.min_size, args.max_size) == (AUTO_SCALING.min_size, AUTO_SCALING.max_size)
    validate_auto_scaling_group_args(args)


@pytest.mark.parametrize("changes, message", [
    (dict(min_size=6), "min_size/desired_capacity/max_size: 6/5/20 is not allowed"),
    (dict(subnet_ids=("subnet-a",), subnet_zones=()), "subnet_ids: 1 subnet(s) given"),
    (dict(subnet_zones=("us-east-1a", "us-east-1a")), "subnet_zones: ['us-east-1a', 'us-east-1a'] is one zone"),
    (dict(subnet_zones=("us-east-1a",)), "subnet_zones: 1 zone(s) for 2 subnet(s)"),
    (dict(health_check_grace_period_seconds=-1), "health_check_grace_period_seconds: -1 is out of range"),
    (dict(traffic_sources=()), "health_check_type: 'ELB' needs traffic_sources"),
    (dict(health_check_type="HTTP"), "health_check_type: 'HTTP' is not allowed"),
    (dict(ami_id="img-1"), "ami_id: 'img-1' is not an AMI ID"),
    (dict(cpu_target_percent=0), "cpu_target_percent: 0 is out of range"),
    (dict(root_volume_size_gb=4), "root_volume_size_gb: 4 is out of range"),
    (dict(instance_refresh_min_healthy_percent=101), "instance_refresh_min_healthy_percent: 101 is out of range"),
    (dict(traffic_sources=(TrafficSource("a", "x", "y", 0),)), "traffic_sources: weights [0] are not allowed"),
])
def test_validation_names_argument_value_and_allowed(changes, message):
    with pytest.raises(ValueError) as info:
        validate_auto_scaling_group_args(asg_args(**changes))
    assert str(info.value).startswith(message)


def test_request_count_targets_split_the_per_instance_target_by_weight():
    assert request_count_targets(SOURCES, 1000) == {"api1": 385, "api2": 385, "api3": 231}
    assert request_count_targets((TrafficSource("a", "", "", 1), TrafficSource("b", "", "", 0)), 500) == {"a": 500}


@given(st.lists(st.integers(0, 999), min_size=1, max_size=5).filter(any), st.integers(1, 100_000))
def test_request_count_targets_sum_to_the_per_instance_target(weights, per_instance):
    sources = [TrafficSource(f"b{i}", "", "", w) for i, w in enumerate(weights)]
    targets = request_count_targets(sources, per_instance)
    assert set(targets) == {s.name for s in sources if s.weight}
    assert all(t >= 1 for t in targets.values())
    # Rounding each share moves the sum by at most half a request per group (plus the floor of 1).
    assert abs(sum(targets.values()) - per_instance) <= len(targets)


def build(**kwargs):
    return run_program(lambda: AutoScalingGroup("app", asg_args(**kwargs)))


def test_group_follows_the_design_and_registers_in_every_target_group():
    group = build().one(GROUP, "app-asg")
    i = group.inputs
    assert (i["minSize"], i["maxSize"], i["desiredCapacity"]) == (2, 20, 5)
    assert i["healthCheckType"] == "ELB" and i["healthCheckGracePeriod"] == 300
    assert i["vpcZoneIdentifiers"] == ["subnet-a", "subnet-b"]
    assert i["targetGroupArns"] == ["arn:tg:api1", "arn:tg:api2", "arn:tg:api3"]
    assert i["capacityRebalance"] is True and "GroupInServiceInstances" in i["enabledMetrics"]
    assert i["defaultInstanceWarmup"] == 120
    assert group.ignore_changes == ["desiredCapacity"]


def test_launch_template_version_is_a_number_never_latest():
    i = build().one(GROUP, "app-asg").inputs
    assert i["launchTemplate"]["id"] == "app-lt-id"
    assert i["launchTemplate"]["version"] not in ("$Latest", "$Default")


def test_instance_refresh_rolls_with_min_healthy_and_auto_rollback():
    refresh = build(instance_refresh_min_healthy_percent=80).one(GROUP, "app-asg").inputs["instanceRefresh"]
    assert refresh["strategy"] == "Rolling"
    prefs = refresh["preferences"]
    assert prefs["minHealthyPercentage"] == 80 and prefs["autoRollback"] is True
    assert 100 <= prefs["maxHealthyPercentage"] <= 200 and prefs["maxHealthyPercentage"] - 80 <= 100


def test_name_and_house_tags_propagate_at_launch():
    tags = build(environment="dev", tags={"Team": "edge"}).one(GROUP, "app-asg").inputs["tags"]
    by_key = {t["key"]: t for t in tags}
    assert by_key["Name"]["value"] == "app" and by_key["Team"]["value"] == "edge"
    assert {"Project", "Stack", "Environment", "ManagedBy"} <= set(by_key)
    assert all(t["propagateAtLaunch"] is True for t in tags)


def test_launch_template_is_hardened():
    lt = build(user_data="#!/bin/sh\necho hi\n").one("aws:ec2/launchTemplate:LaunchTemplate", "app-lt").inputs
    meta = lt["metadataOptions"]
    assert meta["httpTokens"] == "required" and meta["httpPutResponseHopLimit"] == 1
    [root] = lt["blockDeviceMappings"]
    assert root["deviceName"] == "/dev/xvda"
    assert root["ebs"]["volumeType"] == "gp3" and root["ebs"]["encrypted"] == "true"
    [nic] = lt["networkInterfaces"]
    assert nic["associatePublicIpAddress"] == "false" and nic["securityGroups"] == ["app-sg-id"]
    assert lt["iamInstanceProfile"]["arn"].endswith(":app-profile")
    assert base64.b64decode(lt["userData"]).decode() == "#!/bin/sh\necho hi\n"


def test_ami_comes_from_the_ssm_public_parameter_unless_pinned():
    ev = build()
    assert "aws:ssm/getParameter:getParameter" in ev.invokes
    assert ev.one("aws:ec2/launchTemplate:LaunchTemplate", "app-lt").inputs["imageId"] == "ami-0123456789abcdef0"
    assert AL2023_AMI_PARAMETER.startswith("/aws/service/ami-amazon-linux-latest/al2023")
    pinned = build(ami_id="ami-0fedcba9876543210")
    assert "aws:ssm/getParameter:getParameter" not in pinned.invokes
    assert pinned.one("aws:ec2/launchTemplate:LaunchTemplate", "app-lt").inputs["imageId"] == "ami-0fedcba9876543210"


def test_instance_role_can_use_ssm_and_nothing_else():
    ev = build()
    role = json.loads(ev.one("aws:iam/role:Role", "app-role").inputs["assumeRolePolicy"])
    assert role["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    [attachment] = ev.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert attachment.inputs["policyArn"] == "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"


def test_target_tracking_on_cpu_and_on_requests_per_target_of_each_weighted_group():
    ev = build(cpu_target_percent=70, requests_per_target=1000)
    policies = {p.name: p.inputs for p in ev.by_type(POLICY)}
    assert set(policies) == {"app-cpu", "app-requests-api1", "app-requests-api2", "app-requests-api3"}
    cpu = policies["app-cpu"]["targetTrackingConfiguration"]
    assert cpu["targetValue"] == 70
    assert cpu["predefinedMetricSpecification"]["predefinedMetricType"] == "ASGAverageCPUUtilization"
    api3 = policies["app-requests-api3"]["targetTrackingConfiguration"]
    assert api3["targetValue"] == 231
    spec = api3["predefinedMetricSpecification"]
    assert spec == {"predefinedMetricType": "ALBRequestCountPerTarget",
                    "resourceLabel": "app/edge/123/targetgroup/api3/03"}
    assert all(p["policyType"] == "TargetTrackingScaling" for p in policies.values())
    # The provider names the group (autonaming), so the link shows as the policies' parent here.
    assert all(p.parent.endswith("::app-asg") for p in ev.by_type(POLICY))


def test_no_request_policy_without_a_load_balancer():
    ev = build(load_balancer_arn_suffix=None)
    assert [p.name for p in ev.by_type(POLICY)] == ["app-cpu"]


def test_security_groups_connect_only_load_balancer_and_instances_on_the_app_port():
    ev = build(port=3000, data_tier_ports=(5432, 6379))
    [ingress] = ev.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert ingress.inputs == {**ingress.inputs, "securityGroupId": "app-sg-id", "referencedSecurityGroupId": "sg-alb",
                              "fromPort": 3000, "toPort": 3000, "ipProtocol": "tcp"}
    egress = {r.name: r.inputs for r in ev.by_type(EGRESS)}
    alb_out = egress["app-alb-out-to-instances"]
    assert (alb_out["securityGroupId"], alb_out["referencedSecurityGroupId"]) == ("sg-alb", "app-sg-id")
    assert (alb_out["fromPort"], alb_out["toPort"]) == (3000, 3000)
    instance_out = {(e["fromPort"], e["cidrIpv4"]) for n, e in egress.items() if e["securityGroupId"] == "app-sg-id"}
    assert instance_out == {(443, "0.0.0.0/0"), (5432, "10.0.0.0/16"), (6379, "10.0.0.0/16")}
    sg = ev.one("aws:ec2/securityGroup:SecurityGroup", "app-sg").inputs
    assert "ingress" not in sg and "egress" not in sg


def test_every_taggable_resource_has_the_house_tags():
    assert untagged(build(environment="dev")) == []


# --- capacity features (issue 14.4): each off by default; on, the exact inputs; bad values, the exact message

SCHEDULE = "aws:autoscaling/schedule:Schedule"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
BUSINESS_HOURS = ScheduledAction("business-hours", "0 8 * * MON-FRI", 4, 8, 20, "Europe/Berlin")
NIGHT = ScheduledAction("night", "0 20 * * *", 2, 2, 6)
ONE_SOURCE = (SOURCES[0],)


def test_features_are_off_by_default_and_add_nothing():
    args = asg_args()
    assert (args.warm_pool, args.mixed_instances, args.scheduled_actions, args.predictive_scaling) == (
        None, None, (), None)
    ev = build()
    group = ev.one(GROUP, "app-asg").inputs
    assert not {"warmPool", "mixedInstancesPolicy"} & set(group) and "launchTemplate" in group
    assert ev.by_type(SCHEDULE) == []
    assert [p.inputs["policyType"] for p in ev.by_type(POLICY)] == ["TargetTrackingScaling"] * 4
    template = ev.one(TEMPLATE, "app-lt").inputs
    assert template["instanceType"] == "m6i.large" and "hibernationOptions" not in template


def test_warm_pool_inputs():
    ev = build(warm_pool=WarmPool(pool_state="Running", min_size=2, max_group_prepared_capacity=12,
                                  reuse_on_scale_in=True))
    assert ev.one(GROUP, "app-asg").inputs["warmPool"] == {
        "poolState": "Running", "minSize": 2, "maxGroupPreparedCapacity": 12,
        "instanceReusePolicy": {"reuseOnScaleIn": True}}
    assert "hibernationOptions" not in ev.one(TEMPLATE, "app-lt").inputs


def test_warm_pool_defaults_to_stopped_up_to_the_group_maximum_and_terminates_on_scale_in():
    ev = build(warm_pool=WarmPool())
    assert ev.one(GROUP, "app-asg").inputs["warmPool"] == {
        "poolState": "Stopped", "minSize": 0, "maxGroupPreparedCapacity": -1,
        "instanceReusePolicy": {"reuseOnScaleIn": False}}


def test_hibernated_warm_pool_launches_hibernation_capable_instances():
    ev = build(warm_pool=WarmPool(pool_state="Hibernated"))
    assert ev.one(TEMPLATE, "app-lt").inputs["hibernationOptions"] == {"configured": True}
    assert ev.one(GROUP, "app-asg").inputs["warmPool"]["poolState"] == "Hibernated"


def test_mixed_instances_replace_the_launch_template_with_overrides_per_type():
    mixed = MixedInstances(("m6i.large", "m6a.large", "m7i.large"), on_demand_base_capacity=2,
                           on_demand_percentage_above_base=25, spot_allocation_strategy="capacity-optimized")
    ev = build(mixed_instances=mixed)
    group = ev.one(GROUP, "app-asg").inputs
    assert "launchTemplate" not in group
    policy = group["mixedInstancesPolicy"]
    spec = policy["launchTemplate"]["launchTemplateSpecification"]
    assert spec["launchTemplateId"] == "app-lt-id" and spec["version"] not in ("$Latest", "$Default")
    assert policy["launchTemplate"]["overrides"] == [
        {"instanceType": "m6i.large"}, {"instanceType": "m6a.large"}, {"instanceType": "m7i.large"}]
    assert policy["instancesDistribution"] == {"onDemandBaseCapacity": 2, "onDemandPercentageAboveBaseCapacity": 25,
                                               "spotAllocationStrategy": "capacity-optimized"}
    # The template names the first preference; Spot interruptions are rebalanced ahead of time.
    assert ev.one(TEMPLATE, "app-lt").inputs["instanceType"] == "m6i.large"
    assert group["capacityRebalance"] is True


def test_mixed_instances_default_to_on_demand_only_with_price_capacity_optimized_spot():
    ev = build(mixed_instances=MixedInstances(("c7i.large",)))
    distribution = ev.one(GROUP, "app-asg").inputs["mixedInstancesPolicy"]["instancesDistribution"]
    assert distribution == {"onDemandBaseCapacity": 0, "onDemandPercentageAboveBaseCapacity": 100,
                            "spotAllocationStrategy": "price-capacity-optimized"}
    assert ev.one(TEMPLATE, "app-lt").inputs["instanceType"] == "c7i.large"


def test_scheduled_actions_inputs():
    ev = build(scheduled_actions=(BUSINESS_HOURS, NIGHT))
    actions = {r.name: r for r in ev.by_type(SCHEDULE)}
    assert set(actions) == {"app-schedule-business-hours", "app-schedule-night"}
    # The group's name is the provider's (autonaming): unknown here, so the link shows as the parent.
    assert actions["app-schedule-business-hours"].inputs == {
        "scheduledActionName": "business-hours", "recurrence": "0 8 * * MON-FRI",
        "timeZone": "Europe/Berlin", "minSize": 4, "desiredCapacity": 8, "maxSize": 20}
    night = actions["app-schedule-night"].inputs
    assert (night["timeZone"], night["minSize"], night["desiredCapacity"], night["maxSize"]) == ("Etc/UTC", 2, 2, 6)
    assert all(a.parent.endswith("::app-asg") for a in actions.values())


def test_a_schedule_may_reach_the_group_maximum_when_it_is_configured_above_the_documented_one():
    validate_auto_scaling_group_args(asg_args(max_size=30, scheduled_actions=(
        ScheduledAction("peak", "0 9 * * *", 2, 10, 30),)))


def test_predictive_scaling_on_cpu_inputs():
    ev = build(predictive_scaling=PredictiveScaling(mode="ForecastAndScale", scheduling_buffer_seconds=600),
               cpu_target_percent=60)
    policy = ev.one(POLICY, "app-predictive")
    assert policy.inputs == {
        "policyType": "PredictiveScaling",
        "predictiveScalingConfiguration": {
            "mode": "ForecastAndScale", "schedulingBufferTime": "600",
            "maxCapacityBreachBehavior": "HonorMaxCapacity",
            "metricSpecification": {
                "targetValue": 60.0,
                "predefinedMetricPairSpecification": {"predefinedMetricType": "ASGCPUUtilization"}}}}
    assert policy.parent.endswith("::app-asg")


def test_predictive_scaling_on_requests_forecasts_the_one_target_group_with_the_tracking_target():
    ev = build(traffic_sources=ONE_SOURCE, requests_per_target=800, predictive_scaling=PredictiveScaling(
        metric="requests", max_capacity_breach_behavior="IncreaseMaxCapacity", max_capacity_buffer_percent=10))
    config = ev.one(POLICY, "app-predictive").inputs["predictiveScalingConfiguration"]
    assert config["mode"] == "ForecastOnly" and config["schedulingBufferTime"] == "300"
    assert (config["maxCapacityBreachBehavior"], config["maxCapacityBuffer"]) == ("IncreaseMaxCapacity", "10")
    assert config["metricSpecification"] == {"targetValue": 800.0, "predefinedMetricPairSpecification": {
        "predefinedMetricType": "ALBRequestCount", "resourceLabel": "app/edge/123/targetgroup/api1/01"}}
    tracking = ev.one(POLICY, "app-requests-api1").inputs["targetTrackingConfiguration"]
    assert tracking["targetValue"] == 800


@pytest.mark.parametrize("changes, message", [
    # warm pool
    (dict(warm_pool=WarmPool(pool_state="Warm")),
     "warm_pool.pool_state: 'Warm' is not allowed; expected one of 'Stopped', 'Running', 'Hibernated'"),
    (dict(warm_pool=WarmPool(min_size=-1)), "warm_pool.min_size: -1 is out of range; expected 0 or more"),
    (dict(warm_pool=WarmPool(min_size=3, max_group_prepared_capacity=2)),
     "warm_pool.max_group_prepared_capacity/min_size/warm_pool.min_size: 2 is below min_size 2 or warm_pool.min_size "
     "3; expected at least both (and 1), or none for the group's max_size"),
    (dict(warm_pool=WarmPool(), mixed_instances=MixedInstances(("m6i.large",))),
     "warm_pool/mixed_instances: AWS allows no warm pool in a group with a mixed instances policy (or Spot); give "
     "one of them"),
    # mixed instances
    (dict(mixed_instances=MixedInstances(())), "mixed_instances.instance_types: 0 type(s) given; expected 1 to 40"),
    (dict(mixed_instances=MixedInstances(("m6i.large", "large"))),
     "mixed_instances.instance_types: 'large' is not an instance type such as m6i.large"),
    (dict(mixed_instances=MixedInstances(("m6i.large", "m6i.large"))),
     "mixed_instances.instance_types: ['m6i.large', 'm6i.large'] has duplicates"),
    (dict(mixed_instances=MixedInstances(("m6i.large",), on_demand_base_capacity=-1)),
     "mixed_instances.on_demand_base_capacity: -1 is out of range; expected 0 or more"),
    (dict(mixed_instances=MixedInstances(("m6i.large",), on_demand_base_capacity=21)),
     "mixed_instances.on_demand_base_capacity/max_size: 21 is above max_size 20; expected at most max_size"),
    (dict(mixed_instances=MixedInstances(("m6i.large",), on_demand_percentage_above_base=101)),
     "mixed_instances.on_demand_percentage_above_base: 101 is out of range; expected 0 to 100"),
    (dict(mixed_instances=MixedInstances(("m6i.large",), spot_allocation_strategy="cheapest")),
     "mixed_instances.spot_allocation_strategy: 'cheapest' is not allowed; expected one of 'price-capacity-optimized', "
     "'capacity-optimized', 'capacity-optimized-prioritized', 'lowest-price'"),
    # scheduled actions
    (dict(scheduled_actions=(ScheduledAction("Business Hours", "0 8 * * *", 2, 5, 20),)),
     "scheduled_actions[0].name: 'Business Hours' is not allowed; expected lower-case letters, digits and '-', 1 to "
     "42 characters, starting and ending with a letter or digit"),
    (dict(scheduled_actions=(NIGHT, NIGHT)),
     "scheduled_actions[1].name: 'night' is used by an earlier action; names are unique"),
    (dict(scheduled_actions=(ScheduledAction("x", "0 8 * *", 2, 5, 20),)),
     "scheduled_actions[0].recurrence: '0 8 * *' is not a cron expression; expected five fields (minute hour "
     "day-of-month month day-of-week) such as '0 8 * * MON-FRI'"),
    (dict(scheduled_actions=(ScheduledAction("x", "0 8 * * *", 2, 5, 20, "Mars/Olympus"),)),
     "scheduled_actions[0].time_zone: 'Mars/Olympus' is not an IANA time zone; expected a name such as Etc/UTC or "
     "Europe/Berlin"),
    (dict(scheduled_actions=(ScheduledAction("x", "0 8 * * *", 6, 5, 20),)),
     "scheduled_actions[0].min_size/scheduled_actions[0].desired_capacity/scheduled_actions[0].max_size: 6/5/20 is not "
     "allowed; expected 0 <= min_size <= desired_capacity <= max_size"),
    (dict(scheduled_actions=(ScheduledAction("x", "0 8 * * *", 2, 5, 21),)),
     "scheduled_actions[0].max_size: 21 is above 20, the documented maximum (20) or the group's max_size (20) if "
     "higher"),
    (dict(max_size=30, scheduled_actions=(ScheduledAction("x", "0 8 * * *", 2, 5, 31),)),
     "scheduled_actions[0].max_size: 31 is above 30, the documented maximum (20) or the group's max_size (30) if "
     "higher"),
    (dict(scheduled_actions=tuple(ScheduledAction(f"a{i}", "0 8 * * *", 2, 5, 20) for i in range(126))),
     "scheduled_actions: 126 actions given; AWS allows at most 125 per group"),
    # predictive scaling
    (dict(predictive_scaling=PredictiveScaling(mode="Forecast")),
     "predictive_scaling.mode: 'Forecast' is not allowed; expected one of 'ForecastOnly', 'ForecastAndScale'"),
    (dict(predictive_scaling=PredictiveScaling(metric="memory")),
     "predictive_scaling.metric: 'memory' is not allowed; expected one of 'cpu', 'requests'"),
    (dict(load_balancer_arn_suffix=None, traffic_sources=ONE_SOURCE, predictive_scaling=PredictiveScaling(
        metric="requests")),
     "predictive_scaling.metric: 'requests' needs load_balancer_arn_suffix (the request count is the load "
     "balancer's); give it or use 'cpu'"),
    (dict(predictive_scaling=PredictiveScaling(metric="requests")),
     "predictive_scaling.metric/traffic_sources: 'requests' forecasts one target group's request count; 3 traffic "
     "source(s) given, expected exactly one with weight above 0, or use 'cpu'"),
    (dict(predictive_scaling=PredictiveScaling(scheduling_buffer_seconds=3601)),
     "predictive_scaling.scheduling_buffer_seconds: 3601 is out of range; expected 0 to 3600"),
    (dict(predictive_scaling=PredictiveScaling(max_capacity_breach_behavior="Ignore")),
     "predictive_scaling.max_capacity_breach_behavior: 'Ignore' is not allowed; expected one of 'HonorMaxCapacity', "
     "'IncreaseMaxCapacity'"),
    (dict(predictive_scaling=PredictiveScaling(mode="ForecastAndScale",
                                               max_capacity_breach_behavior="IncreaseMaxCapacity")),
     "predictive_scaling.max_capacity_breach_behavior/predictive_scaling.mode: 'IncreaseMaxCapacity' with "
     "'ForecastAndScale' lets the forecast raise the group's maximum past max_size 20 (and the documented 20), where "
     "AWS leaves it; expected 'HonorMaxCapacity', or 'ForecastOnly' to review forecasts"),
    (dict(predictive_scaling=PredictiveScaling(max_capacity_breach_behavior="IncreaseMaxCapacity",
                                               max_capacity_buffer_percent=101)),
     "predictive_scaling.max_capacity_buffer_percent: 101 is out of range; expected 0 to 100"),
    (dict(predictive_scaling=PredictiveScaling(max_capacity_buffer_percent=10)),
     "predictive_scaling.max_capacity_buffer_percent/predictive_scaling.max_capacity_breach_behavior: 10 with "
     "'HonorMaxCapacity'; AWS allows a buffer only with 'IncreaseMaxCapacity', expected 0"),
])
def test_capacity_feature_validation_names_argument_value_and_allowed(changes, message):
    with pytest.raises(ArgumentError) as info:
        validate_auto_scaling_group_args(asg_args(**changes))
    assert str(info.value) == message


@pytest.mark.parametrize("low, desired, high, ok", [(0, 0, 0, True), (2, 5, 20, True), (5, 5, 5, True),
                                                    (-1, 0, 5, False), (3, 2, 5, False), (2, 6, 5, False),
                                                    (2, 5, 21, False)])
def test_schedule_bounds_at_the_edges(low, desired, high, ok):
    args = asg_args(scheduled_actions=(ScheduledAction("edge", "*/5 * * * *", low, desired, high),))
    if ok:
        validate_auto_scaling_group_args(args)
    else:
        with pytest.raises(ArgumentError, match=r"^scheduled_actions\[0\]"):
            validate_auto_scaling_group_args(args)


def test_a_refused_feature_declares_no_resource():
    error, evaluation = run_refused_program(lambda: AutoScalingGroup("app", asg_args(
        scheduled_actions=(ScheduledAction("x", "0 8 * * *", 2, 5, 21),))))
    assert str(error).startswith("scheduled_actions[0].max_size: 21 is above 20")
    assert evaluation.resources == []

"""AutoScalingGroup: capacity validation (examples and properties), request-count targets, resources."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.auto_scaling_group import (AL2023_AMI_PARAMETER, AutoScalingGroup, AutoScalingGroupArgs,
                                           TrafficSource, request_count_targets, validate_auto_scaling_group_args,
                                           validate_capacity)
from scaling_kit.limits import AUTO_SCALING
from tests.conftest import run_program
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

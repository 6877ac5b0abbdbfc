"""Auto Scaling groups: bounds, health check, IMDSv2, missing and surplus groups."""

import pytest

from audit.findings import ERROR, WARNING

from .conftest import audit, only, short, tags

SERVICES = ["autoscaling"]


@pytest.fixture(scope="module")
def conforming(account):
    account.build_edge("asg-ok")
    return audit(account, "asg-ok", SERVICES)


def test_conforming_group_passes_every_check(conforming):
    assert conforming.findings == []
    # min, max, desired, health check type, grace, IMDSv2 and the group count.
    assert conforming.checks == 7


def test_raised_maximum_is_reported_with_configured_and_actual_value(account):
    edge = account.build_edge("asg-max")
    account.client("autoscaling").update_auto_scaling_group(AutoScalingGroupName=edge["asg"], MaxSize=40)
    report = audit(account, "asg-max", SERVICES)
    finding = only(report, "max size")
    assert (finding.resource, finding.expected, finding.actual, finding.severity) == (
        f"asg/{edge['asg']}", 20, 40, ERROR)
    assert len(report.errors) == 1


def test_lowered_minimum_and_desired_outside_bounds(account):
    edge = account.build_edge("asg-min")
    account.client("autoscaling").update_auto_scaling_group(AutoScalingGroupName=edge["asg"], MinSize=0,
                                                            DesiredCapacity=1)
    report = audit(account, "asg-min", SERVICES)
    assert (only(report, "min size").expected, only(report, "min size").actual) == (2, 0)
    desired = only(report, "desired capacity within configured bounds")
    assert (desired.expected, desired.actual) == ("2..20", 1)


def test_ec2_health_check_and_shorter_grace_period(account):
    edge = account.build_edge("asg-health")
    account.client("autoscaling").update_auto_scaling_group(
        AutoScalingGroupName=edge["asg"], HealthCheckType="EC2", HealthCheckGracePeriod=60)
    report = audit(account, "asg-health", SERVICES)
    assert (only(report, "health check type").expected, only(report, "health check type").actual) == ("ELB", "EC2")
    grace = only(report, "health check grace period")
    assert (grace.expected, grace.actual) == (300, 60)


def test_launch_template_version_allowing_imdsv1_is_reported(account):
    edge = account.build_edge("asg-imds")
    ec2 = account.client("ec2")
    version = ec2.create_launch_template_version(
        LaunchTemplateId=edge["template_id"], SourceVersion="1",
        LaunchTemplateData={"MetadataOptions": {"HttpTokens": "optional"}})["LaunchTemplateVersion"]["VersionNumber"]
    ec2.modify_launch_template(LaunchTemplateId=edge["template_id"], DefaultVersion=str(version))
    report = audit(account, "asg-imds", SERVICES)
    finding = only(report, "launch template IMDSv2 (HttpTokens)")
    assert (finding.expected, finding.actual) == ("required", "optional")


def test_missing_group_is_an_error(account):
    report = audit(account, "asg-none", SERVICES)
    finding = only(report, "auto scaling groups count")
    assert (finding.resource, finding.expected, finding.actual, finding.severity) == ("stack asg-none", 1, 0, ERROR)


def test_second_tagged_group_is_reported_as_surplus(account):
    edge = account.build_edge("asg-extra")
    autoscaling = account.client("autoscaling")
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="by-hand", LaunchTemplate={"LaunchTemplateId": edge["template_id"]},
        MinSize=2, MaxSize=20, DesiredCapacity=2, HealthCheckType="ELB", HealthCheckGracePeriod=300,
        VPCZoneIdentifier=account.subnet_ids[0], Tags=[dict(t, PropagateAtLaunch=True) for t in tags("asg-extra")])
    report = audit(account, "asg-extra", SERVICES)
    finding = only(report, "declared by the stack")
    assert (finding.resource, finding.severity) == ("asg/by-hand", WARNING)
    assert report.errors == []


def test_groups_of_other_stacks_and_eks_node_groups_are_ignored(account):
    account.build_edge("asg-mine")
    account.client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName=f"{short('asg-mine')}-eks-nodes", MinSize=1, MaxSize=100, DesiredCapacity=1,
        LaunchTemplate={"LaunchTemplateName": f"{short('asg-mine')}-lt"}, VPCZoneIdentifier=account.subnet_ids[0],
        Tags=[dict(t, PropagateAtLaunch=True) for t in tags("asg-mine", **{"eks:nodegroup-name": "nodes"})])
    report = audit(account, "asg-mine", SERVICES)
    assert report.findings == []

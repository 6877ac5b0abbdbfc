from policies import ec2
from tests.policies import UNKNOWN, link, resource, run, run_stack
from tests.policies.cases import Case, case_tests

LT, VOLUME = "aws:ec2/launchTemplate:LaunchTemplate", "aws:ebs/volume:Volume"
SG, INGRESS, RULE = ("aws:ec2/securityGroup:SecurityGroup", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                     "aws:ec2/securityGroupRule:SecurityGroupRule")
LB = "aws:lb/loadBalancer:LoadBalancer"
GOOD_LT = {"metadataOptions": {"httpTokens": "required", "httpEndpoint": "enabled"},
           "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeSize": 20.0}}]}

CASES = [
    Case(ec2.imdsv2_required, LT, GOOD_LT, {**GOOD_LT, "metadataOptions": {"httpTokens": "optional"}},
         {"blockDeviceMappings": GOOD_LT["blockDeviceMappings"]}, True, "'optional'"),
    Case(ec2.ebs_encryption, LT, GOOD_LT,
         {**GOOD_LT, "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "false"}}]},
         {"metadataOptions": GOOD_LT["metadataOptions"]}, True, "'/dev/xvda' is not encrypted"),
]
test_compliant, test_violating, test_missing_property, test_other_resource_types_are_ignored = case_tests(CASES)


def test_volumes_and_instances_are_checked():
    assert run(ec2.ebs_encryption, VOLUME, {"encrypted": True}) == []
    assert run(ec2.ebs_encryption, VOLUME, {"size": 10.0})
    assert run(ec2.ebs_encryption, "aws:ec2/instance:Instance", {"rootBlockDevice": {"encrypted": False}})
    assert run(ec2.imdsv2_required, "aws:ec2/instance:Instance", {"metadataOptions": {"httpTokens": "required"}}) == []


def alb_and_group(internal=False, port=443.0):
    group = resource(SG, "alb-sg", {"ingress": [{"protocol": "tcp", "fromPort": port, "toPort": port,
                                                 "cidrBlocks": ["0.0.0.0/0"]}]})
    lb = link(resource(LB, "alb", {"internal": internal, "securityGroups": [UNKNOWN]}), "securityGroups", group)
    return lb, group


def test_alb_group_may_admit_the_internet_on_443():
    assert run_stack(ec2.security_group_public_ingress, list(alb_and_group())) == []


def test_alb_group_may_not_admit_the_internet_on_22():
    lb, group = alb_and_group(port=22.0)
    assert "on 22" in run_stack(ec2.security_group_public_ingress, [lb, group])[0][0]


def test_internal_alb_group_gets_no_exemption():
    assert run_stack(ec2.security_group_public_ingress, list(alb_and_group(internal=True)))


def test_separate_ingress_rules_are_linked_to_their_group():
    lb, group = alb_and_group()
    app = resource(SG, "app-sg", {"ingress": []})
    to_alb = link(resource(INGRESS, "alb-80", {"cidrIpv4": "0.0.0.0/0", "fromPort": 80.0, "toPort": 80.0,
                                               "ipProtocol": "tcp", "securityGroupId": UNKNOWN}),
                  "securityGroupId", group)
    to_app = link(resource(INGRESS, "app-80", {"cidrIpv4": "0.0.0.0/0", "fromPort": 80.0, "toPort": 80.0,
                                               "ipProtocol": "tcp", "securityGroupId": UNKNOWN}),
                  "securityGroupId", app)
    legacy = link(resource(RULE, "app-all", {"type": "ingress", "cidrBlocks": ["0.0.0.0/0"], "fromPort": 0.0,
                                             "toPort": 0.0, "protocol": "-1", "securityGroupId": UNKNOWN}),
                  "securityGroupId", app)
    private = link(resource(INGRESS, "app-from-alb", {"referencedSecurityGroupId": UNKNOWN, "fromPort": 3000.0,
                                                      "toPort": 3000.0, "ipProtocol": "tcp",
                                                      "securityGroupId": UNKNOWN}), "securityGroupId", app)
    found = run_stack(ec2.security_group_public_ingress, [lb, group, app, to_alb, to_app, legacy, private])
    assert sorted(urn for _, urn in found) == sorted([to_app.urn, legacy.urn])
    assert any("all ports" in m for m, _ in found)


def test_ipv6_open_ingress_is_reported():
    group = resource(SG, "db-sg", {"ingress": [{"protocol": "tcp", "fromPort": 5432.0, "toPort": 5432.0,
                                                "ipv6CidrBlocks": ["::/0"]}]})
    assert run_stack(ec2.security_group_public_ingress, [group])

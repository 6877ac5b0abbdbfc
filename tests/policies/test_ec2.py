from policies import ec2
from tests.policies import UNKNOWN, link, resource, run, run_stack
from tests.policies.cases import Case, case_tests

LT, VOLUME = "aws:ec2/launchTemplate:LaunchTemplate", "aws:ebs/volume:Volume"
SG, INGRESS, RULE = ("aws:ec2/securityGroup:SecurityGroup", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                     "aws:ec2/securityGroupRule:SecurityGroupRule")
LB = "aws:lb/loadBalancer:LoadBalancer"
GOOD_LT = {"metadataOptions": {"httpTokens": "required", "httpEndpoint": "enabled"},
           "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeSize": 20.0}}]}

IMDS_MESSAGE = ("metadataOptions.httpTokens is {}; require IMDSv2 session tokens (httpTokens 'required') so SSRF "
                "bugs cannot read instance credentials")
CASES = [
    Case(ec2.imdsv2_required, LT, GOOD_LT, {**GOOD_LT, "metadataOptions": {"httpTokens": "optional"}},
         {"blockDeviceMappings": GOOD_LT["blockDeviceMappings"]}, True, "'optional'",
         message=IMDS_MESSAGE.format("'optional'")),
    Case(ec2.ebs_encryption, LT, GOOD_LT,
         {**GOOD_LT, "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "false"}}]},
         {"metadataOptions": GOOD_LT["metadataOptions"]}, True, "'/dev/xvda' is not encrypted",
         message="block device '/dev/xvda' is not encrypted"),
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


# --- Whole messages and the branches mutation testing found untested (issue 19) ------------------------------------

def test_imdsv2_absent_tokens_are_named_and_a_disabled_endpoint_needs_none():
    assert run(ec2.imdsv2_required, LT, {}) == [IMDS_MESSAGE.format("None")]
    assert run(ec2.imdsv2_required, LT, {"metadataOptions": {"httpEndpoint": "disabled"}}) == []
    assert run(ec2.imdsv2_required, LT, {"metadataOptions": {"httpEndpoint": "enabled"}}) == [IMDS_MESSAGE.format("None")]


def test_launch_template_without_ebs_mappings_is_reported_whole():
    expected = ["no blockDeviceMappings with ebs.encrypted: the root volume would take the AMI's unencrypted default"]
    assert run(ec2.ebs_encryption, LT, {}) == expected
    assert run(ec2.ebs_encryption, LT, {"blockDeviceMappings": [{"deviceName": "/dev/sdz", "noDevice": "true"}]}) == \
        expected


def test_each_unencrypted_launch_template_mapping_is_named():
    mappings = [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}},
                {"deviceName": "/dev/sdb", "ebs": {"encrypted": "false"}},
                {"deviceName": "/dev/sdc", "ebs": {"volumeSize": 10.0}},
                {"deviceName": "/dev/sdd"}]  # no ebs: an instance store or suppressed device, not an EBS volume
    assert run(ec2.ebs_encryption, LT, {"blockDeviceMappings": mappings}) == [
        "block device '/dev/sdb' is not encrypted", "block device '/dev/sdc' is not encrypted"]


def test_instance_root_and_each_ebs_device_are_checked_by_name():
    props = {"rootBlockDevice": {"encrypted": False},
             "ebsBlockDevices": [{"deviceName": "/dev/sdb", "encrypted": True}, {"deviceName": "/dev/sdc"}]}
    assert run(ec2.ebs_encryption, "aws:ec2/instance:Instance", props) == [
        "block device 'root' is not encrypted", "block device '/dev/sdc' is not encrypted"]
    assert run(ec2.ebs_encryption, "aws:ec2/instance:Instance",
               {"rootBlockDevice": {"encrypted": True}, "ebsBlockDevices": [{"deviceName": "/dev/sdb",
                                                                           "encrypted": True}]}) == []


def test_volume_messages_are_whole():
    assert run(ec2.ebs_encryption, VOLUME, {"encrypted": False}) == ["encrypted is not true"]
    assert run(ec2.ebs_encryption, VOLUME, {}) == ["encrypted is not true"]


def open_to(ports: str) -> str:
    return f"only an internet-facing ALB's security group may admit the internet, on ports {ports}"


def groups_by_id(internal=False):
    """An ALB naming its group by a known id (no dependency recorded), as after a deployment."""
    alb = resource(SG, "alb-sg", {"id": "sg-alb", "ingress": [
        {"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "cidrBlocks": ["0.0.0.0/0"]},
        {"protocol": "tcp", "fromPort": 8000.0, "toPort": 8080.0, "cidrBlocks": ["10.0.0.0/8", "0.0.0.0/0"],
         "ipv6CidrBlocks": ["::/0"]}]})
    lb = resource(LB, "alb", {"internal": internal, "securityGroups": ["sg-alb"]})
    app = resource(SG, "app-sg", {"id": "sg-app", "ingress": []})
    return lb, alb, app


def test_public_ingress_messages_name_the_rule_its_group_the_cidrs_and_the_ports():
    lb, alb, app = groups_by_id()
    app_v6 = resource(INGRESS, "app-v6", {"cidrIpv6": "::/0", "fromPort": 443.0, "toPort": 443.0, "ipProtocol": "tcp",
                                          "securityGroupId": "sg-app"})
    alb_v6 = resource(INGRESS, "alb-v6", {"cidrIpv6": "::/0", "fromPort": 443.0, "toPort": 443.0, "ipProtocol": "tcp",
                                          "securityGroupId": "sg-alb"})
    egress = resource(RULE, "egress", {"type": "egress", "cidrBlocks": ["0.0.0.0/0"], "fromPort": 0.0, "toPort": 0.0,
                                       "protocol": "-1", "securityGroupId": "sg-app"})
    legacy = resource(RULE, "legacy", {"type": "ingress", "ipv6CidrBlocks": ["::/0"], "fromPort": 22.0,
                                       "toPort": 22.0, "protocol": "tcp", "securityGroupId": "sg-app"})
    everything = resource(RULE, "all", {"type": "ingress", "cidrBlocks": ["0.0.0.0/0"], "fromPort": 0.0,
                                        "toPort": 0.0, "protocol": "-1", "securityGroupId": "sg-alb"})
    found = run_stack(ec2.security_group_public_ingress, [lb, alb, app, app_v6, alb_v6, egress, legacy, everything])
    assert found == [
        (f"{SG} alb-sg: ingress[1] admits 0.0.0.0/0, ::/0 on 8000-8080; {open_to('[80, 443]')}", alb.urn),
        (f"{INGRESS} app-v6 of {SG} app-sg: rule admits ::/0 on 443; {open_to('[80, 443]')}", app_v6.urn),
        (f"{RULE} legacy of {SG} app-sg: rule admits ::/0 on 22; {open_to('[80, 443]')}", legacy.urn),
        (f"{RULE} all of {SG} alb-sg: rule admits 0.0.0.0/0 on all ports; {open_to('[80, 443]')}", everything.urn),
    ]


def test_allowed_ports_come_from_the_configuration():
    lb, alb, _ = groups_by_id()
    found = run_stack(ec2.security_group_public_ingress, [lb, alb], {"allowedPorts": [8000]})
    assert [m for m, _ in found] == [
        f"{SG} alb-sg: ingress[0] admits 0.0.0.0/0 on 443; {open_to('[8000]')}",
        f"{SG} alb-sg: ingress[1] admits 0.0.0.0/0, ::/0 on 8000-8080; {open_to('[8000]')}"]


def test_an_alb_whose_internal_flag_is_unknown_or_true_exempts_nothing():
    for internal in (UNKNOWN, True):
        lb, alb, _ = groups_by_id(internal=internal)
        found = [m for m, _ in run_stack(ec2.security_group_public_ingress, [lb, alb])]
        assert found[0] == f"{SG} alb-sg: ingress[0] admits 0.0.0.0/0 on 443; {open_to('[80, 443]')}", found
        assert len(found) == 2


def test_an_alb_with_unknown_group_ids_exempts_only_groups_it_depends_on():
    lb, alb, app = groups_by_id()
    lb = resource(LB, "alb", {"internal": False, "securityGroups": UNKNOWN})
    found = run_stack(ec2.security_group_public_ingress, [lb, alb])
    assert [urn for _, urn in found] == [alb.urn, alb.urn]
    assert run_stack(ec2.security_group_public_ingress, [link(lb, "securityGroups", alb), alb]) == [
        (f"{SG} alb-sg: ingress[1] admits 0.0.0.0/0, ::/0 on 8000-8080; {open_to('[80, 443]')}", alb.urn)]


def test_udp_or_a_range_on_an_allowed_port_is_not_exempt():
    lb, alb, _ = groups_by_id()
    udp = resource(INGRESS, "udp", {"cidrIpv4": "0.0.0.0/0", "fromPort": 443.0, "toPort": 443.0,
                                    "ipProtocol": "udp", "securityGroupId": "sg-alb"})
    wide = resource(INGRESS, "wide", {"cidrIpv4": "0.0.0.0/0", "fromPort": 443.0, "toPort": 444.0,
                                      "ipProtocol": "6", "securityGroupId": "sg-alb"})
    tcp6 = resource(INGRESS, "tcp6", {"cidrIpv4": "0.0.0.0/0", "fromPort": 80.0, "toPort": 80.0,
                                      "ipProtocol": "6", "securityGroupId": "sg-alb"})
    found = run_stack(ec2.security_group_public_ingress, [lb, alb, udp, wide, tcp6])
    assert [urn for _, urn in found] == [alb.urn, udp.urn, wide.urn]
    assert found[1][0] == f"{INGRESS} udp of {SG} alb-sg: rule admits 0.0.0.0/0 on 443; {open_to('[80, 443]')}"
    assert found[2][0] == f"{INGRESS} wide of {SG} alb-sg: rule admits 0.0.0.0/0 on 443-444; {open_to('[80, 443]')}"


def test_a_rule_of_an_unknown_group_is_reported_without_an_owner():
    rule = resource(INGRESS, "stray", {"cidrIpv4": "0.0.0.0/0", "fromPort": 443.0, "toPort": 443.0,
                                       "ipProtocol": "tcp", "securityGroupId": "sg-elsewhere"})
    assert run_stack(ec2.security_group_public_ingress, [rule]) == [
        (f"{INGRESS} stray: rule admits 0.0.0.0/0 on 443; {open_to('[80, 443]')}", rule.urn)]


def test_only_the_named_property_links_a_rule_or_an_alb_to_a_group():
    """A dependency through another input (or an explicit depends_on) does not make a group the rule's own, nor
    an ALB's."""
    lb, alb, app = groups_by_id()
    app_443 = {"ingress": [{"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "cidrBlocks": ["0.0.0.0/0"]}]}
    app = resource(SG, "app-sg", {"id": "sg-app", **app_443})
    lb.dependencies.append(app)  # e.g. depends_on=[app tier]
    rule = link(resource(INGRESS, "r", {"cidrIpv4": "0.0.0.0/0", "fromPort": 443.0, "toPort": 443.0,
                                        "ipProtocol": "tcp", "securityGroupId": UNKNOWN}), "securityGroupId", app)
    rule.dependencies.append(alb)
    found = run_stack(ec2.security_group_public_ingress, [lb, alb, app, rule])
    assert found == [
        (f"{SG} alb-sg: ingress[1] admits 0.0.0.0/0, ::/0 on 8000-8080; {open_to('[80, 443]')}", alb.urn),
        (f"{SG} app-sg: ingress[0] admits 0.0.0.0/0 on 443; {open_to('[80, 443]')}", app.urn),
        (f"{INGRESS} r of {SG} app-sg: rule admits 0.0.0.0/0 on 443; {open_to('[80, 443]')}", rule.urn)]


def test_an_internal_or_undecided_alb_does_not_stop_the_next_alb_exempting_its_group():
    for internal in (True, UNKNOWN):
        first = resource(LB, "internal-alb", {"internal": internal, "securityGroups": []})
        lb, alb, _ = groups_by_id()
        found = run_stack(ec2.security_group_public_ingress, [first, lb, alb])
        assert [m for m, _ in found] == [
            f"{SG} alb-sg: ingress[1] admits 0.0.0.0/0, ::/0 on 8000-8080; {open_to('[80, 443]')}"], internal


def test_protocol_all_is_spelled_all_ports():
    rule = resource(RULE, "all", {"type": "ingress", "cidrBlocks": ["0.0.0.0/0"], "fromPort": 0.0, "toPort": 65535.0,
                                  "protocol": "all"})
    assert run_stack(ec2.security_group_public_ingress, [rule]) == [
        (f"{RULE} all: rule admits 0.0.0.0/0 on all ports; {open_to('[80, 443]')}", rule.urn)]


VPC = "aws:ec2/vpc:Vpc"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"


def vpc_with_endpoints(*services: str, endpoint_type: str = "Interface", name: str = "vpc"):
    vpc = resource(VPC, name, {"cidrBlock": "10.0.0.0/16"})
    endpoints = [link(resource(ENDPOINT, f"{name}-{service}", {
        "vpcId": UNKNOWN, "serviceName": f"com.amazonaws.us-east-1.{service}", "vpcEndpointType": endpoint_type}),
        "vpcId", vpc) for service in services]
    return [vpc, *endpoints]


def test_a_vpc_with_ecr_and_ssm_endpoints_complies():
    assert run_stack(ec2.vpc_interface_endpoints, vpc_with_endpoints("sts", "ec2", "ecr.api", "ecr.dkr", "ssm")) == []


def test_a_vpc_without_interface_endpoints_is_reported_with_the_missing_services():
    vpc, s3 = vpc_with_endpoints("s3", endpoint_type="Gateway")
    [(message, urn)] = run_stack(ec2.vpc_interface_endpoints, [vpc, s3])
    assert message == ("aws:ec2/vpc:Vpc vpc: no interface endpoint for ec2, ecr.api, ecr.dkr, ssm; instances and pods "
                       "reach these APIs through NAT and the internet instead of inside the VPC")
    assert urn == vpc.urn


def test_endpoints_count_only_for_the_vpc_they_belong_to():
    first = vpc_with_endpoints("ec2", "ecr.api", "ecr.dkr", "ssm", name="first")
    second = vpc_with_endpoints("ec2", "ecr.api", name="second")
    found = run_stack(ec2.vpc_interface_endpoints, first + second)
    assert [(urn, message.split(": ", 1)[1].split(";")[0]) for message, urn in found] == [
        (second[0].urn, "no interface endpoint for ecr.dkr, ssm")]


def test_an_endpoint_linked_by_a_known_vpc_id_counts_and_the_services_come_from_the_configuration():
    vpc = resource(VPC, "vpc", {"cidrBlock": "10.0.0.0/16", "id": "vpc-1"})
    sts = resource(ENDPOINT, "sts", {"vpcId": "vpc-1", "serviceName": "com.amazonaws.eu-west-1.sts",
                                     "vpcEndpointType": "Interface"})
    assert run_stack(ec2.vpc_interface_endpoints, [vpc, sts], {"requiredServices": ["sts"]}) == []
    assert run_stack(ec2.vpc_interface_endpoints, [vpc, sts], {"requiredServices": ["sts", "kms"]})

"""Network component: subnet plan, validation, and the resources under the mock engine."""

from __future__ import annotations

import ipaddress

import pytest

from components.network import (
    DEFAULT_INTERFACE_ENDPOINTS,
    Network,
    NetworkArgs,
    endpoint_subnet_cidrs,
    plan_subnets,
    validate_network_args,
)
from tests.conftest import run_program
from tests.helpers import untagged


def test_plan_gives_each_tier_and_zone_a_disjoint_subnet_inside_the_vpc():
    plan = plan_subnets("10.0.0.0/16", 3)
    cidrs = [ipaddress.IPv4Network(c) for tier in plan.values() for c in tier]
    assert len(cidrs) == 9 and all(c.prefixlen == 21 for c in cidrs)
    assert all(c.subnet_of(ipaddress.IPv4Network("10.0.0.0/16")) for c in cidrs)
    assert not any(a.overlaps(b) for i, a in enumerate(cidrs) for b in cidrs[i + 1:])


def test_adding_a_zone_never_moves_an_existing_subnet():
    three, four = plan_subnets("10.1.0.0/16", 3), plan_subnets("10.1.0.0/16", 4)
    for tier in three:
        assert four[tier][:3] == three[tier]
    assert endpoint_subnet_cidrs("10.1.0.0/16", 4)[:3] == endpoint_subnet_cidrs("10.1.0.0/16", 3)


@pytest.mark.parametrize("cidr_block", ["10.0.0.0/16", "172.16.0.0/20", "10.8.0.0/23"])
def test_endpoint_subnets_take_the_fourth_quarter_apart_from_every_tier(cidr_block):
    vpc = ipaddress.IPv4Network(cidr_block)
    tiers = [ipaddress.IPv4Network(c) for cidrs in plan_subnets(cidr_block, 8).values() for c in cidrs]
    endpoints = [ipaddress.IPv4Network(c) for c in endpoint_subnet_cidrs(cidr_block, 8)]
    assert len(set(endpoints)) == 8 and all(e.subnet_of(vpc) for e in endpoints)
    assert not any(e.overlaps(t) for e in endpoints for t in tiers)
    last_quarter = list(vpc.subnets(prefixlen_diff=2))[3]
    assert all(e.subnet_of(last_quarter) for e in endpoints)


@pytest.mark.parametrize("args, message", [
    (NetworkArgs(cidr_block="10.0.0.0/8"), "cidr_block: '10.0.0.0/8' has prefix /8; expected /16 to /23"),
    (NetworkArgs(cidr_block="nope"), "cidr_block: 'nope' is not an IPv4 CIDR block"),
    (NetworkArgs(az_count=1), "az_count: 1 is out of range; expected 2 to 8"),
    (NetworkArgs(nat_gateways="none"), "nat_gateways: 'none' is not allowed"),
    (NetworkArgs(availability_zones=("a",), az_count=2), "availability_zones: ['a'] names fewer zones"),
    (NetworkArgs(interface_endpoints=("com.amazonaws.us-east-1.sts",)),
     "interface_endpoints: 'com.amazonaws.us-east-1.sts' is not an AWS service name; expected the part after"),
    (NetworkArgs(interface_endpoints=("STS",)), "interface_endpoints: 'STS' is not an AWS service name"),
    (NetworkArgs(interface_endpoints=("s3",)), "interface_endpoints: 's3' is not needed: the network always has an "
                                               "S3 gateway endpoint"),
    (NetworkArgs(interface_endpoints=("sts", "ssm", "sts")), "interface_endpoints: ['sts', 'ssm', 'sts'] names a "
                                                             "service twice"),
])
def test_validation_names_argument_value_and_allowed(args, message):
    with pytest.raises(ValueError) as info:
        validate_network_args(args)
    assert str(info.value).startswith(message)


def build(args: NetworkArgs):
    return run_program(lambda: Network("net", args))


def test_three_zones_three_tiers_and_a_nat_gateway_per_zone():
    ev = build(NetworkArgs())
    subnets = ev.by_type("aws:ec2/subnet:Subnet")
    assert sorted(s.inputs["tags"]["Tier"] for s in subnets) == sorted(
        ["public", "private", "isolated", "endpoints"] * 3)
    assert {s.inputs["availabilityZone"] for s in subnets} == {"us-east-1a", "us-east-1b", "us-east-1c"}
    assert len(ev.by_type("aws:ec2/natGateway:NatGateway")) == 3
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in subnets)


def test_single_nat_gateway_serves_every_private_subnet():
    ev = build(NetworkArgs(nat_gateways="single"))
    nats = ev.by_type("aws:ec2/natGateway:NatGateway")
    assert len(nats) == 1
    private_tables = [r for r in ev.by_type("aws:ec2/routeTable:RouteTable") if "private" in r.name]
    assert len(private_tables) == 3
    assert {t.inputs["routes"][0]["natGatewayId"] for t in private_tables} == {"net-nat-0-id"}


def test_isolated_subnets_have_no_route_out():
    ev = build(NetworkArgs())
    isolated = ev.one("aws:ec2/routeTable:RouteTable", "net-isolated-rt")
    assert not isolated.inputs.get("routes")
    assocs = [a for a in ev.by_type("aws:ec2/routeTableAssociation:RouteTableAssociation") if "isolated" in a.name]
    assert {a.inputs["routeTableId"] for a in assocs} == {"net-isolated-rt-id"}


def test_public_route_goes_to_the_internet_gateway():
    ev = build(NetworkArgs())
    public = ev.one("aws:ec2/routeTable:RouteTable", "net-public-rt")
    assert public.inputs["routes"] == [{"cidrBlock": "0.0.0.0/0", "gatewayId": "net-igw-id"}]


def test_configured_zones_skip_the_lookup():
    ev = build(NetworkArgs(availability_zones=("eu-west-1a", "eu-west-1b"), az_count=2))
    assert "aws:index/getAvailabilityZones:getAvailabilityZones" not in ev.invokes
    assert {s.inputs["availabilityZone"] for s in ev.by_type("aws:ec2/subnet:Subnet")} == {"eu-west-1a", "eu-west-1b"}


def test_flow_logs_capture_all_traffic_with_a_least_privilege_role():
    ev = build(NetworkArgs(flow_log_retention_days=30))
    flow = ev.one("aws:ec2/flowLog:FlowLog", "net-flow-log")
    assert flow.inputs["trafficType"] == "ALL" and flow.inputs["vpcId"] == "net-vpc-id"
    assert ev.one("aws:cloudwatch/logGroup:LogGroup", "net-flow-logs").inputs["retentionInDays"] == 30
    import json
    policy = json.loads(ev.one("aws:iam/rolePolicy:RolePolicy", "net-flow-logs-policy").inputs["policy"])
    assert policy["Statement"][0]["Resource"][0].endswith(":net-flow-logs")


def test_default_security_group_is_stripped_of_rules():
    sg = build(NetworkArgs()).one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "net-default-sg")
    assert sg.inputs.get("ingress", []) == [] and sg.inputs.get("egress", []) == []


def test_every_taggable_resource_has_the_house_tags_and_caller_tags_win():
    ev = build(NetworkArgs(environment="dev", tags={"Team": "platform", "Environment": "sandbox"}))
    assert untagged(ev) == []
    vpc = ev.one("aws:ec2/vpc:Vpc", "net-vpc")
    assert vpc.inputs["tags"]["Team"] == "platform" and vpc.inputs["tags"]["Environment"] == "sandbox"
    assert vpc.inputs["tags"]["ManagedBy"] == "pulumi"


def test_interface_endpoints_have_private_dns_in_their_own_subnets_behind_https_from_the_vpc_only():
    ev = build(NetworkArgs(cidr_block="10.4.0.0/16"))
    endpoints = [e for e in ev.by_type("aws:ec2/vpcEndpoint:VpcEndpoint") if e.inputs["vpcEndpointType"] == "Interface"]
    assert sorted(e.inputs["serviceName"] for e in endpoints) == sorted(
        f"com.amazonaws.us-east-1.{service}" for service in DEFAULT_INTERFACE_ENDPOINTS)
    endpoint_subnets = [s for s in ev.by_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["Tier"] == "endpoints"]
    assert sorted(s.inputs["cidrBlock"] for s in endpoint_subnets) == endpoint_subnet_cidrs("10.4.0.0/16", 3)
    subnet_ids = sorted(f"{s.name}-id" for s in endpoint_subnets)
    for endpoint in endpoints:
        assert endpoint.inputs["privateDnsEnabled"] is True
        assert sorted(endpoint.inputs["subnetIds"]) == subnet_ids
        assert endpoint.inputs["securityGroupIds"] == ["net-endpoints-sg-id"]
    rules = [r for r in ev.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
             if r.inputs["securityGroupId"] == "net-endpoints-sg-id"]
    assert [(r.inputs["fromPort"], r.inputs["toPort"], r.inputs["cidrIpv4"]) for r in rules] == [(443, 443, "10.4.0.0/16")]
    assert not [r for r in ev.by_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
                if r.inputs["securityGroupId"] == "net-endpoints-sg-id"]
    # Like the data tier: the endpoint subnets use the isolated table, which has no route out.
    assocs = [a for a in ev.by_type("aws:ec2/routeTableAssociation:RouteTableAssociation") if "endpoints" in a.name]
    assert len(assocs) == 3 and {a.inputs["routeTableId"] for a in assocs} == {"net-isolated-rt-id"}


def test_the_s3_gateway_endpoint_serves_the_private_route_tables_even_without_interface_endpoints():
    ev = build(NetworkArgs(interface_endpoints=()))
    s3 = ev.one("aws:ec2/vpcEndpoint:VpcEndpoint", "net-endpoint-s3")
    assert s3.inputs["vpcEndpointType"] == "Gateway" and s3.inputs["serviceName"] == "com.amazonaws.us-east-1.s3"
    assert sorted(s3.inputs["routeTableIds"]) == [f"net-private-rt-{i}-id" for i in range(3)]
    assert len(ev.by_type("aws:ec2/vpcEndpoint:VpcEndpoint")) == 1
    assert not [s for s in ev.by_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["Tier"] == "endpoints"]
    assert not [g for g in ev.by_type("aws:ec2/securityGroup:SecurityGroup") if "endpoints" in g.name]


def test_only_the_named_interface_endpoints_are_created():
    ev = build(NetworkArgs(interface_endpoints=("sts", "ecr.dkr")))
    names = sorted(e.name for e in ev.by_type("aws:ec2/vpcEndpoint:VpcEndpoint"))
    assert names == ["net-endpoint-ecr-dkr", "net-endpoint-s3", "net-endpoint-sts"]

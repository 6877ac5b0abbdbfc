"""Network: a VPC across several availability zones with three tiers of subnets.

* public   - the load balancer and the NAT gateways; a route to the internet gateway;
* private  - application instances and Kubernetes nodes; egress through NAT;
* isolated - databases, caches and brokers; no route out of the VPC at all.

Subnet CIDRs come from a fixed slot plan (``plan_subnets``): each tier owns a quarter of the VPC and
each zone a fixed eighth of that quarter, so adding a zone later never moves an existing subnet (a
moved CIDR would replace the subnet and everything in it).

The fourth quarter holds the interface VPC endpoints (``interface_endpoints``: STS, Secrets Manager, ECR,
SSM, CloudWatch Logs and EC2 by default), in subnets of their own with no route out. Workloads reach the AWS APIs
they call without NAT, and a Kubernetes NetworkPolicy can admit HTTPS to exactly those subnets
(``endpoint_subnet_cidrs``) instead of the internet: a NetworkPolicy names addresses, and the public
endpoints' addresses are not fixed. An S3 gateway endpoint (free) on the private route tables carries ECR's
image layers and the package repositories' downloads.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_aws as aws

from scaling_kit.aws_limits import LOG_RETENTION_DAYS

from .encryption import log_group_key
from .naming import physical_name
from .tagging import house_tags, merge_tags
from .validation import ArgumentError, check_arguments, resolve_protect

TIERS = ("public", "private", "isolated")
LOG_GROUP_NAME_MAX_LENGTH = 512
MIN_ZONES = 2   # the load balancer needs two zones
MAX_ZONES = 8   # the slot plan gives each tier eight zone slots
NAT_MODES = ("per-az", "single")
ENDPOINT_TIER = "endpoints"  # the slot plan's fourth quarter
# The AWS APIs the stack's workloads call (Security Hub EC2.10 asks for ec2, EC2.55-57 for ecr.api, ecr.dkr
# and ssm): STS for IRSA, Secrets Manager for the cache's AUTH token, ECR for images, SSM for the instances'
# settings and Session Manager (with ssmmessages and ec2messages), CloudWatch Logs for the container logs,
# EC2 for the load balancer controller and the cluster autoscaler.
DEFAULT_INTERFACE_ENDPOINTS = ("sts", "secretsmanager", "ecr.api", "ecr.dkr", "ssm", "ssmmessages",
                               "ec2messages", "logs", "ec2")
_SERVICE_NAME = re.compile(r"[a-z0-9]+(?:[.-][a-z0-9]+)*")


@dataclass(frozen=True)
class NetworkArgs:
    """Arguments of :class:`Network`."""

    cidr_block: str = "10.0.0.0/16"
    """IPv4 CIDR of the VPC, /16 to /23. Defaults to ``10.0.0.0/16``."""
    availability_zones: Sequence[str] = ()
    """Zones to use. Defaults to the first ``az_count`` available zones of the region."""
    az_count: int = 3
    """How many zones the VPC spans, 2 to 8. Defaults to 3."""
    nat_gateways: str = "per-az"
    """``per-az`` (one NAT gateway per zone, survives a zone outage) or ``single``. Defaults to ``per-az``."""
    flow_log_retention_days: int = 365
    """Retention of the flow log group in days (a CloudWatch Logs retention value). Defaults to 365."""
    interface_endpoints: Sequence[str] = DEFAULT_INTERFACE_ENDPOINTS
    """AWS services (``sts``, ``ecr.api``: the part after ``com.amazonaws.<region>.``) given an interface VPC
    endpoint with private DNS in the endpoint subnets. Each costs per hour and zone; empty creates none (and no
    endpoint subnets), and the workloads reach AWS through NAT. Defaults to ``DEFAULT_INTERFACE_ENDPOINTS``."""
    environment: str = "prod"
    """Environment for the house tags. Defaults to ``prod``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags, merged over the house tags. Defaults to none."""


def _quarter_cidrs(cidr_block: str, quarter: int, az_count: int) -> list[str]:
    """The slot plan: quarter ``q`` of the VPC, zone ``z`` takes slot ``q * 8 + z`` of 32."""
    slots = list(ipaddress.IPv4Network(cidr_block, strict=True).subnets(prefixlen_diff=5))  # 4 quarters x 8 zones
    return [str(slots[quarter * MAX_ZONES + z]) for z in range(az_count)]


def plan_subnets(cidr_block: str, az_count: int) -> dict[str, list[str]]:
    """CIDRs per tier for ``az_count`` zones: tier ``t`` takes quarter ``t``."""
    return {tier: _quarter_cidrs(cidr_block, t, az_count) for t, tier in enumerate(TIERS)}


def endpoint_subnet_cidrs(cidr_block: str, az_count: int) -> list[str]:
    """CIDRs of the interface endpoints' subnets: the quarter after the tiers' (the fourth)."""
    return _quarter_cidrs(cidr_block, len(TIERS), az_count)


def validate_network_args(args: NetworkArgs) -> None:
    """Raise ``ValueError`` naming the argument, its value and what is allowed."""
    check_arguments(args)
    try:
        vpc = ipaddress.IPv4Network(args.cidr_block, strict=True)
    except ValueError:
        raise ArgumentError("cidr_block", f"{args.cidr_block!r} is not an IPv4 CIDR block such as 10.0.0.0/16") from None
    if not 16 <= vpc.prefixlen <= 23:
        raise ArgumentError("cidr_block", f"{args.cidr_block!r} has prefix /{vpc.prefixlen}; expected /16 to /23 "
                         "(AWS allows /16 at most; subnets of /28 need at least /23)")
    if not MIN_ZONES <= args.az_count <= MAX_ZONES:
        raise ArgumentError("az_count", f"{args.az_count} is out of range; expected {MIN_ZONES} to {MAX_ZONES} "
                         "(the load balancer needs two zones)")
    if args.availability_zones and len(args.availability_zones) < args.az_count:
        raise ArgumentError("availability_zones", f"{list(args.availability_zones)!r} names fewer zones than "
                         f"az_count ({args.az_count})")
    services = list(args.interface_endpoints)
    for service in services:
        if not isinstance(service, str) or not _SERVICE_NAME.fullmatch(service) or service.startswith("com."):
            raise ArgumentError("interface_endpoints", f"{service!r} is not an AWS service name; expected the part "
                                "after com.amazonaws.<region>. such as 'sts' or 'ecr.api'", value=service)
        if service == "s3":
            raise ArgumentError("interface_endpoints", "'s3' is not needed: the network always has an S3 gateway "
                                "endpoint (free, on the private route tables)", value=service)
    if len(set(services)) != len(services):
        raise ArgumentError("interface_endpoints", f"{services!r} names a service twice; expected each once")
    if args.nat_gateways not in NAT_MODES:
        raise ArgumentError("nat_gateways", f"{args.nat_gateways!r} is not allowed; expected one of {NAT_MODES}")
    if args.flow_log_retention_days not in LOG_RETENTION_DAYS:
        raise ArgumentError("flow_log_retention_days", f"{args.flow_log_retention_days} is not a CloudWatch Logs "
                            f"retention; expected one of {LOG_RETENTION_DAYS}")


class Network(pulumi.ComponentResource):
    """A VPC with public, private and isolated subnets, NAT gateways, VPC endpoints and flow logs."""

    vpc_id: pulumi.Output[str]
    """ID of the VPC."""
    vpc_cidr_block: str
    """CIDR of the VPC."""
    availability_zones: list[str]
    """Zones the subnets are in, in subnet order."""
    public_subnet_ids: list[pulumi.Output[str]]
    """Public subnets, one per zone (load balancers, NAT gateways)."""
    private_subnet_ids: list[pulumi.Output[str]]
    """Private subnets with NAT egress, one per zone (instances, Kubernetes nodes)."""
    isolated_subnet_ids: list[pulumi.Output[str]]
    """Isolated subnets without any route out, one per zone (databases, caches, brokers)."""
    nat_gateway_ids: list[pulumi.Output[str]]
    """NAT gateways (one per zone, or one)."""
    endpoint_subnet_ids: list[pulumi.Output[str]]
    """Subnets of the interface endpoints, one per zone; none without ``interface_endpoints``."""
    endpoint_subnet_cidrs: list[str]
    """Their CIDRs, known before deployment: where workloads reach the AWS APIs on 443."""
    interface_endpoint_ids: dict[str, pulumi.Output[str]]
    """Interface endpoint of each service in ``interface_endpoints``."""
    endpoint_security_group_id: Optional[pulumi.Output[str]]
    """Security group of the interface endpoints: 443 from the VPC only; None without endpoints."""
    s3_endpoint_id: pulumi.Output[str]
    """The S3 gateway endpoint."""
    app_security_group_id: pulumi.Output[str]
    """Membership group of the application tier: the data tier admits its members. It has no rules of its
    own; application instances carry it beside their own group. Declared with the VPC so the data tier can
    admit it before the instances exist (their user data reads endpoints the data tier creates)."""

    def __init__(self, name: str, args: NetworkArgs, opts: Optional[pulumi.ResourceOptions] = None):
        validate_network_args(args)
        super().__init__("scaling:network:Network", name, None, opts)
        tags = merge_tags(house_tags(args.environment), args.tags)
        child = pulumi.ResourceOptions(parent=self)

        zones = list(args.availability_zones) or list(aws.get_availability_zones(
            state="available", opts=pulumi.InvokeOptions(parent=self)).names)
        if len(zones) < args.az_count:
            raise ArgumentError("az_count", f"{args.az_count} zones requested but the region offers only {zones!r}")
        zones = zones[: args.az_count]
        plan = plan_subnets(args.cidr_block, args.az_count)

        vpc = aws.ec2.Vpc(f"{name}-vpc", cidr_block=args.cidr_block, enable_dns_hostnames=True,
                          enable_dns_support=True, tags={**tags, "Name": f"{name}-vpc"}, opts=child)
        vpc_child = pulumi.ResourceOptions(parent=vpc)

        # Take over the default security group and strip its allow-all rules, so nothing lands in it open.
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=vpc.id, ingress=[], egress=[],
                                     tags={**tags, "Name": f"{name}-default-deny"}, opts=vpc_child)

        subnets: dict[str, list[aws.ec2.Subnet]] = {}
        for tier in TIERS:
            subnets[tier] = [
                aws.ec2.Subnet(f"{name}-{tier}-{i}", vpc_id=vpc.id, cidr_block=cidr, availability_zone=zone,
                               map_public_ip_on_launch=False,
                               tags={**tags, "Name": f"{name}-{tier}-{zone}", "Tier": tier,
                                     # Let the AWS load balancer controller find the right subnets.
                                     **({"kubernetes.io/role/elb": "1"} if tier == "public" else {}),
                                     **({"kubernetes.io/role/internal-elb": "1"} if tier == "private" else {})},
                               opts=vpc_child)
                for i, (zone, cidr) in enumerate(zip(zones, plan[tier], strict=True))
            ]

        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={**tags, "Name": f"{name}-igw"},
                                      opts=vpc_child)
        public_rt = aws.ec2.RouteTable(
            f"{name}-public-rt", vpc_id=vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw.id)],
            tags={**tags, "Name": f"{name}-public"}, opts=vpc_child)
        for i, subnet in enumerate(subnets["public"]):
            aws.ec2.RouteTableAssociation(f"{name}-public-rta-{i}", subnet_id=subnet.id,
                                          route_table_id=public_rt.id, opts=pulumi.ResourceOptions(parent=subnet))

        nat_count = args.az_count if args.nat_gateways == "per-az" else 1
        nats = []
        for i in range(nat_count):
            eip = aws.ec2.Eip(f"{name}-nat-eip-{i}", domain="vpc", tags={**tags, "Name": f"{name}-nat-{zones[i]}"},
                              opts=vpc_child)
            nats.append(aws.ec2.NatGateway(f"{name}-nat-{i}", allocation_id=eip.id,
                                           subnet_id=subnets["public"][i].id,
                                           tags={**tags, "Name": f"{name}-nat-{zones[i]}"},
                                           opts=pulumi.ResourceOptions(parent=vpc, depends_on=[igw])))
        private_route_tables: list[aws.ec2.RouteTable] = []
        for i, subnet in enumerate(subnets["private"]):
            nat = nats[i % nat_count]
            rt = aws.ec2.RouteTable(
                f"{name}-private-rt-{i}", vpc_id=vpc.id,
                routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nat.id)],
                tags={**tags, "Name": f"{name}-private-{zones[i]}"}, opts=vpc_child)
            aws.ec2.RouteTableAssociation(f"{name}-private-rta-{i}", subnet_id=subnet.id, route_table_id=rt.id,
                                          opts=pulumi.ResourceOptions(parent=subnet))
            private_route_tables.append(rt)

        # Isolated subnets get an explicit table with only the implicit local route, so a later change to
        # the VPC's main route table cannot give the data tier a way out.
        isolated_rt = aws.ec2.RouteTable(f"{name}-isolated-rt", vpc_id=vpc.id,
                                         tags={**tags, "Name": f"{name}-isolated"}, opts=vpc_child)
        for i, subnet in enumerate(subnets["isolated"]):
            aws.ec2.RouteTableAssociation(f"{name}-isolated-rta-{i}", subnet_id=subnet.id,
                                          route_table_id=isolated_rt.id, opts=pulumi.ResourceOptions(parent=subnet))

        self._endpoints(name, vpc, args, zones, private_route_tables, isolated_rt, tags)
        self._flow_logs(name, vpc, args.flow_log_retention_days, tags, resolve_protect(None, args.environment))
        app_sg = aws.ec2.SecurityGroup(f"{name}-app-tier-sg", vpc_id=vpc.id,
                                       description=f"{name}: application tier membership (admitted by the data tier)",
                                       tags={**tags, "Name": f"{name}-app-tier"}, opts=vpc_child)

        self.vpc_id = vpc.id
        self.app_security_group_id = app_sg.id
        self.vpc_cidr_block = args.cidr_block
        self.availability_zones = zones
        self.public_subnet_ids = [s.id for s in subnets["public"]]
        self.private_subnet_ids = [s.id for s in subnets["private"]]
        self.isolated_subnet_ids = [s.id for s in subnets["isolated"]]
        self.nat_gateway_ids = [n.id for n in nats]
        self.register_outputs({
            "vpc_id": self.vpc_id,
            "public_subnet_ids": self.public_subnet_ids,
            "private_subnet_ids": self.private_subnet_ids,
            "isolated_subnet_ids": self.isolated_subnet_ids,
            "nat_gateway_ids": self.nat_gateway_ids,
            "app_security_group_id": self.app_security_group_id,
            "endpoint_subnet_ids": self.endpoint_subnet_ids,
            "interface_endpoint_ids": self.interface_endpoint_ids,
            "s3_endpoint_id": self.s3_endpoint_id,
        })

    def _endpoints(self, name: str, vpc: aws.ec2.Vpc, args: NetworkArgs, zones: list[str],
                   private_route_tables: list[aws.ec2.RouteTable], isolated_rt: aws.ec2.RouteTable,
                   tags: Mapping[str, str]) -> None:
        vpc_child = pulumi.ResourceOptions(parent=vpc)
        region = aws.get_region(opts=pulumi.InvokeOptions(parent=self)).region
        s3 = aws.ec2.VpcEndpoint(f"{name}-endpoint-s3", vpc_id=vpc.id, service_name=f"com.amazonaws.{region}.s3",
                                 vpc_endpoint_type="Gateway", route_table_ids=[rt.id for rt in private_route_tables],
                                 tags={**tags, "Name": f"{name}-s3"}, opts=vpc_child)
        self.s3_endpoint_id = s3.id
        self.endpoint_subnet_ids, self.endpoint_subnet_cidrs, self.interface_endpoint_ids = [], [], {}
        self.endpoint_security_group_id = None
        if not args.interface_endpoints:
            return
        cidrs = endpoint_subnet_cidrs(args.cidr_block, len(zones))
        subnets = []
        for i, (zone, cidr) in enumerate(zip(zones, cidrs, strict=True)):
            subnet = aws.ec2.Subnet(f"{name}-{ENDPOINT_TIER}-{i}", vpc_id=vpc.id, cidr_block=cidr, availability_zone=zone,
                                    map_public_ip_on_launch=False,
                                    tags={**tags, "Name": f"{name}-{ENDPOINT_TIER}-{zone}", "Tier": ENDPOINT_TIER},
                                    opts=vpc_child)
            # The isolated tier's table: only the local route, like the data tier.
            aws.ec2.RouteTableAssociation(f"{name}-{ENDPOINT_TIER}-rta-{i}", subnet_id=subnet.id,
                                          route_table_id=isolated_rt.id, opts=pulumi.ResourceOptions(parent=subnet))
            subnets.append(subnet)
        sg = aws.ec2.SecurityGroup(f"{name}-endpoints-sg", vpc_id=vpc.id,
                                   description=f"{name}: interface VPC endpoints, HTTPS from the VPC",
                                   tags={**tags, "Name": f"{name}-endpoints"}, opts=vpc_child)
        # No egress rule: an endpoint only answers; replies pass a security group without one.
        aws.vpc.SecurityGroupIngressRule(f"{name}-endpoints-in-https", security_group_id=sg.id, ip_protocol="tcp",
                                         from_port=443, to_port=443, cidr_ipv4=args.cidr_block,
                                         description="HTTPS from the VPC to the AWS APIs' endpoints", tags=tags,
                                         opts=pulumi.ResourceOptions(parent=sg))
        for service in args.interface_endpoints:
            endpoint = aws.ec2.VpcEndpoint(
                f"{name}-endpoint-{service.replace('.', '-')}", vpc_id=vpc.id,
                service_name=f"com.amazonaws.{region}.{service}", vpc_endpoint_type="Interface",
                private_dns_enabled=True, subnet_ids=[s.id for s in subnets], security_group_ids=[sg.id],
                tags={**tags, "Name": f"{name}-{service}"}, opts=vpc_child)
            self.interface_endpoint_ids[service] = endpoint.id
        self.endpoint_subnet_ids = [s.id for s in subnets]
        self.endpoint_subnet_cidrs = cidrs
        self.endpoint_security_group_id = sg.id

    def _flow_logs(self, name: str, vpc: aws.ec2.Vpc, retention_days: int, tags: Mapping[str, str],
                   protect: bool) -> None:
        opts = pulumi.ResourceOptions(parent=self)
        # Named here, not auto-named: the key policy must name the group before the group exists.
        log_group_name = physical_name(f"{name}-flow-logs", LOG_GROUP_NAME_MAX_LENGTH)
        # A key of its own: flow logs are the network's audit trail, readable only through this group.
        key = log_group_key(f"{name}-flow-logs-key", f"{name}: VPC flow logs", tags, self, protect,
                            [log_group_name])
        log_group = aws.cloudwatch.LogGroup(f"{name}-flow-logs", name=log_group_name, retention_in_days=retention_days,
                                            kms_key_id=key.arn, tags=tags, opts=opts)
        role = aws.iam.Role(f"{name}-flow-logs-role", tags=tags, opts=opts, assume_role_policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                           "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}}],
        }))
        aws.iam.RolePolicy(f"{name}-flow-logs-policy", role=role.id, opts=pulumi.ResourceOptions(parent=role),
                           policy=log_group.arn.apply(lambda arn: json.dumps({
                               "Version": "2012-10-17",
                               "Statement": [{"Effect": "Allow",
                                              "Action": ["logs:CreateLogStream", "logs:PutLogEvents",
                                                         "logs:DescribeLogStreams"],
                                              "Resource": [arn, f"{arn}:*"]}],
                           })))
        aws.ec2.FlowLog(f"{name}-flow-log", vpc_id=vpc.id, traffic_type="ALL",
                        log_destination_type="cloud-watch-logs", log_destination=log_group.arn,
                        iam_role_arn=role.arn, tags=tags, opts=opts)

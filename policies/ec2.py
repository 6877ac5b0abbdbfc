"""EC2: IMDSv2, encrypted EBS volumes, security groups closed to the internet except the ALB's 80/443, and VPCs
that reach ECR and Systems Manager through interface endpoints."""

from __future__ import annotations

from typing import Optional

from pulumi_policy.proxy import UnknownValueError

from scaling_kit.aws_limits import endpoint_service

from .common import (
    CRITICAL,
    HIGH,
    MEDIUM,
    UnknownCollector,
    as_bool,
    as_number,
    depends_on,
    fmt,
    get,
    items,
    known_equal,
    label,
    of_type,
    resource_policy,
    schema,
    stack_policy,
)

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
INSTANCE = "aws:ec2/instance:Instance"
VOLUME = "aws:ebs/volume:Volume"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
VPC = "aws:ec2/vpc:Vpc"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
# AWS Security Hub EC2.10, EC2.55, EC2.56 and EC2.57: a VPC has interface endpoints for EC2, the ECR API, the
# Docker registry and Systems Manager.
ENDPOINT_SERVICES = ["ec2", "ecr.api", "ecr.dkr", "ssm"]
LOAD_BALANCER_TYPES = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
OPEN_CIDRS = ("0.0.0.0/0", "::/0")


def _imdsv2(args, k, violation):
    tokens = get(args.props, "metadataOptions", "httpTokens")
    if get(args.props, "metadataOptions", "httpEndpoint") == "disabled":
        return  # no metadata service at all
    if tokens != "required":
        violation(f"metadataOptions.httpTokens is {tokens!r}; require IMDSv2 session tokens (httpTokens "
                  "'required') so SSRF bugs cannot read instance credentials")


imdsv2_required = resource_policy(
    "aws-ec2-launch-template-imdsv2",
    "Instances require IMDSv2 (metadata session tokens).",
    (LAUNCH_TEMPLATE, INSTANCE), _imdsv2, severity=HIGH,
    remediation="Set metadata_options={'http_tokens': 'required', 'http_endpoint': 'enabled', "
                "'http_put_response_hop_limit': 2}.")


def _ebs_encryption(args, k, violation):
    props = args.props
    if args.resource_type == LAUNCH_TEMPLATE:
        mappings = [m for m in items(get(props, "blockDeviceMappings")) if get(m, "ebs") is not None]
        if not mappings:
            violation("no blockDeviceMappings with ebs.encrypted: the root volume would take the AMI's "
                      "unencrypted default")
        for mapping in mappings:
            if as_bool(get(mapping, "ebs", "encrypted")) is not True:
                violation(f"block device {get(mapping, 'deviceName')!r} is not encrypted")
    elif args.resource_type == INSTANCE:
        devices = [("root", get(props, "rootBlockDevice"))] + \
            [(get(d, "deviceName"), d) for d in items(get(props, "ebsBlockDevices"))]
        for name, device in devices:
            if as_bool(get(device, "encrypted")) is not True:
                violation(f"block device {name!r} is not encrypted")
    elif as_bool(get(props, "encrypted")) is not True:
        violation("encrypted is not true")


ebs_encryption = resource_policy(
    "aws-ec2-launch-template-ebs-encryption",
    "EBS volumes (launch template block devices, instances, volumes) are encrypted at rest.",
    (LAUNCH_TEMPLATE, INSTANCE, VOLUME), _ebs_encryption, severity=CRITICAL,
    remediation="Set block_device_mappings=[{device_name: '/dev/xvda', ebs: {encrypted: 'true', "
                "volume_type: 'gp3'}}] (or encrypted=True on volumes).")


def _internet_facing_security_groups(args):
    """Security groups attached to internet-facing load balancers."""
    groups = of_type(args, SECURITY_GROUP)
    result = []
    for lb in of_type(args, *LOAD_BALANCER_TYPES):
        try:
            if get(lb.props, "internal") is True:
                continue
        except UnknownValueError:
            continue  # cannot tell; its groups then get no exemption
        for group in groups:
            # mypy cannot type a lambda whose default binds the loop value (known_equal calls it at once).
            if depends_on(lb, group, "securityGroups") or any(
                    known_equal(lambda sg=sg: sg, group, "id")  # type: ignore[misc]
                    for sg in _safe_list(lb.props, "securityGroups")):
                result.append(group)
    return result


def _safe_list(props, key):
    try:
        return items(get(props, key))
    except UnknownValueError:
        return []  # an unknown list cannot identify a group by id; dependencies still can


def _ports(from_port, to_port, protocol) -> str:
    if str(protocol) in ("-1", "all"):
        return "all ports"
    return fmt(from_port) if from_port == to_port else f"{fmt(from_port)}-{fmt(to_port)}"


def _allowed(from_port, to_port, protocol, group, public_groups, allowed_ports) -> bool:
    if str(protocol).lower() not in ("tcp", "6") or group is None or group not in public_groups:
        return False
    low, high = as_number(from_port), as_number(to_port)
    return low is not None and low == high and int(low) in allowed_ports


def _target_group(rule, groups):
    for group in groups:
        if depends_on(rule, group, "securityGroupId") or \
                known_equal(lambda: get(rule.props, "securityGroupId"), group, "id"):
            return group
    return None


def _public_ingress(args, k, report):
    unknown = UnknownCollector()
    allowed_ports = set(k["allowedPorts"])
    public_groups = _internet_facing_security_groups(args)
    groups = of_type(args, SECURITY_GROUP)

    def check(resource, group, cidrs, from_port, to_port, protocol, where):
        open_cidrs = [c for c in cidrs if c in OPEN_CIDRS]
        if open_cidrs and not _allowed(from_port, to_port, protocol, group, public_groups, allowed_ports):
            owner = f" of {label(group)}" if group is not None and group is not resource else ""
            report(f"{label(resource)}{owner}: {where} admits {', '.join(open_cidrs)} on "
                   f"{_ports(from_port, to_port, protocol)}; only an internet-facing ALB's security group may "
                   f"admit the internet, on ports {sorted(allowed_ports)}", resource.urn)

    for group in groups:
        with unknown.guard():
            for index, rule in enumerate(items(get(group.props, "ingress"))):
                cidrs = [str(c) for c in items(get(rule, "cidrBlocks")) + items(get(rule, "ipv6CidrBlocks"))]
                check(group, group, cidrs, get(rule, "fromPort"), get(rule, "toPort"), get(rule, "protocol"),
                      f"ingress[{index}]")
    for rule in of_type(args, INGRESS_RULE):
        with unknown.guard():
            cidrs = [str(c) for c in (get(rule.props, "cidrIpv4"), get(rule.props, "cidrIpv6")) if c]
            check(rule, _target_group(rule, groups), cidrs, get(rule.props, "fromPort"), get(rule.props, "toPort"),
                  get(rule.props, "ipProtocol"), "rule")
    for rule in of_type(args, SECURITY_GROUP_RULE):
        with unknown.guard():
            if get(rule.props, "type") != "ingress":
                continue
            cidrs = [str(c) for c in items(get(rule.props, "cidrBlocks")) + items(get(rule.props, "ipv6CidrBlocks"))]
            check(rule, _target_group(rule, groups), cidrs, get(rule.props, "fromPort"), get(rule.props, "toPort"),
                  get(rule.props, "protocol"), "rule")
    unknown.raise_first()


security_group_public_ingress = stack_policy(
    "aws-ec2-security-group-public-ingress",
    "No security group admits 0.0.0.0/0 or ::/0, except an internet-facing ALB's group on 80 and 443.",
    _public_ingress, severity=CRITICAL,
    remediation="Admit the app and data tiers only from the ALB's or the app tier's security group "
                "(referenced_security_group_id); keep internet ingress on the ALB's group, ports 80/443.",
    config_schema=schema(allowedPorts={"type": "array", "items": {"type": "integer"}, "default": [80, 443],
                                       "description": "Ports an internet-facing ALB may open to the internet."}))



def _endpoint_service(endpoint) -> Optional[str]:
    """The service of an interface endpoint (``com.amazonaws.<region>.ecr.api`` -> ``ecr.api``), else None."""
    if get(endpoint.props, "vpcEndpointType") != "Interface":
        return None  # a gateway endpoint (S3, DynamoDB) stands for no interface endpoint
    return endpoint_service(str(get(endpoint.props, "serviceName") or ""))


def _vpc_endpoints(args, k, report):
    unknown = UnknownCollector()
    endpoints = of_type(args, VPC_ENDPOINT)
    for vpc in of_type(args, VPC):
        with unknown.guard():
            services = set()
            for endpoint in endpoints:
                if depends_on(endpoint, vpc, "vpcId") or known_equal(lambda e=endpoint: get(e.props, "vpcId"),  # type: ignore[misc]
                                                                     vpc, "id"):
                    services.add(_endpoint_service(endpoint))
            missing = [service for service in k["requiredServices"] if service not in services]
            if missing:
                report(f"{label(vpc)}: no interface endpoint for {', '.join(missing)}; instances and pods reach "
                       "these APIs through NAT and the internet instead of inside the VPC", vpc.urn)
    unknown.raise_first()


vpc_interface_endpoints = stack_policy(
    "aws-vpc-interface-endpoints",
    "Each VPC has interface endpoints for EC2, the ECR API, the Docker registry and Systems Manager (Security Hub "
    "EC2.10 and EC2.55-57).",
    _vpc_endpoints, severity=MEDIUM,
    remediation="Keep the Network component's interface_endpoints (scaling:networkInterfaceEndpoints) with ec2, "
                "ecr.api, ecr.dkr and ssm, or create aws.ec2.VpcEndpoint(vpc_endpoint_type='Interface', "
                "private_dns_enabled=True) for each.",
    config_schema=schema(requiredServices={
        "type": "array", "items": {"type": "string"}, "default": ENDPOINT_SERVICES,
        "description": "Services each VPC needs an interface endpoint for (after com.amazonaws.<region>.)."}))

POLICIES = [imdsv2_required, ebs_encryption, security_group_public_ingress, vpc_interface_endpoints]

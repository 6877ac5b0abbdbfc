"""Addresses of the network known before it exists, from the same slot plan the Network component follows:
the Kubernetes NetworkPolicies name them (a policy can only name addresses)."""

from __future__ import annotations

from components.network import NetworkArgs, endpoint_subnet_cidrs, plan_subnets, validate_network_args

from .config import StackSettings


def public_subnet_cidrs(settings: StackSettings) -> tuple[str, ...]:
    """Where the load balancer's nodes sit (the same plan the Network follows), for the workload's NetworkPolicy;
    none while the network settings are out of range (the Network component reports those)."""
    network = settings.network
    try:
        validate_network_args(NetworkArgs(cidr_block=network.vpc_cidr, az_count=network.az_count))
    except ValueError:
        return ()
    return tuple(plan_subnets(network.vpc_cidr, network.az_count)["public"])


def aws_endpoint_cidrs(settings: StackSettings) -> tuple[str, ...]:
    """The interface endpoints' subnets (the same plan the Network follows), where the pods reach the AWS APIs;
    none without endpoints, or while the network settings are out of range (the Network component reports
    those)."""
    network = settings.network
    if not network.interface_endpoints:
        return ()
    try:
        validate_network_args(NetworkArgs(cidr_block=network.vpc_cidr, az_count=network.az_count))
    except ValueError:
        return ()
    return tuple(endpoint_subnet_cidrs(network.vpc_cidr, network.az_count))

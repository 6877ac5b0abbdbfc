"""Addresses of the network known before it exists, from the same slot plan the Network component follows:
the Kubernetes NetworkPolicies name them (a policy can only name addresses)."""

from __future__ import annotations

from components.network import NetworkArgs, endpoint_subnet_cidrs, plan_subnets, validate_network_args

from .config import StackSettings


def _plan_valid(settings: StackSettings) -> bool:
    """Whether the network settings are in range; when they are not, the plan has no addresses to give (the
    Network component reports the settings)."""
    network = settings.network
    try:
        validate_network_args(NetworkArgs(cidr_block=network.vpc_cidr, az_count=network.az_count))
    except ValueError:
        return False
    return True


def public_subnet_cidrs(settings: StackSettings) -> tuple[str, ...]:
    """Where the load balancer's nodes sit, for the workload's NetworkPolicy; none while the network settings
    are out of range."""
    if not _plan_valid(settings):
        return ()
    return tuple(plan_subnets(settings.network.vpc_cidr, settings.network.az_count)["public"])


def aws_endpoint_cidrs(settings: StackSettings) -> tuple[str, ...]:
    """The interface endpoints' subnets, where the pods reach the AWS APIs; none without endpoints, or while the
    network settings are out of range."""
    network = settings.network
    if not network.interface_endpoints or not _plan_valid(settings):
        return ()
    return tuple(endpoint_subnet_cidrs(network.vpc_cidr, network.az_count))

"""Edge tier wiring (issue 3): load balancer, WAF rate limit and the Auto Scaling group behind them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import pulumi

from components.auto_scaling_group import AutoScalingGroup, AutoScalingGroupArgs, TrafficSource
from components.load_balancer import BackendArgs, LoadBalancer, LoadBalancerArgs
from components.network import Network
from components.rate_limit import RateLimit, RateLimitArgs

from .config import StackSettings


@dataclass(frozen=True)
class EdgeTier:
    """What the rest of the program needs from the edge tier."""
    load_balancer: LoadBalancer
    rate_limit: RateLimit
    auto_scaling_group: AutoScalingGroup
    app_security_group_id: pulumi.Output[str]
    """Security group of the application instances (the data tier admits it)."""
    exports: dict[str, Any]
    """Stack outputs of the edge tier."""


def load_balancer_args(settings: StackSettings, network: Any) -> LoadBalancerArgs:
    """Arguments of the ALB from the settings; ``network`` is a Network (or the preflight's planned one)."""
    lb = settings.load_balancer
    return LoadBalancerArgs(
        vpc_id=network.vpc_id, subnet_ids=network.public_subnet_ids,
        backends=tuple(BackendArgs(n, w) for n, w in zip(lb.backend_names, lb.backend_weights)),
        backend_port=lb.backend_port, health_check_path=lb.health_check_path, ingress_cidrs=tuple(lb.ingress_cidrs),
        certificate_arn=lb.certificate_arn, idle_timeout_seconds=lb.idle_timeout_seconds,
        deregistration_delay_seconds=lb.deregistration_delay_seconds, slow_start_seconds=lb.slow_start_seconds,
        deletion_protection=lb.deletion_protection, access_log_retention_days=lb.access_log_retention_days,
        environment=settings.environment)


def rate_limit_args(settings: StackSettings, resource_arn: Any) -> RateLimitArgs:
    rl = settings.rate_limit
    return RateLimitArgs(
        resource_arn=resource_arn, requests=rl.requests, window_seconds=rl.window_seconds,
        key_header=rl.key_header, mode=rl.mode, managed_rules=rl.managed_rules,
        log_retention_days=rl.log_retention_days, environment=settings.environment)


def auto_scaling_group_args(settings: StackSettings, network: Any, traffic_sources: Sequence[TrafficSource],
                            load_balancer_arn_suffix: Any, load_balancer_security_group_id: Any,
                            port: int) -> AutoScalingGroupArgs:
    asg = settings.autoscaling
    return AutoScalingGroupArgs(
        vpc_id=network.vpc_id, vpc_cidr_block=network.vpc_cidr_block, subnet_ids=network.private_subnet_ids,
        subnet_zones=tuple(network.availability_zones), traffic_sources=tuple(traffic_sources),
        load_balancer_arn_suffix=load_balancer_arn_suffix,
        load_balancer_security_group_id=load_balancer_security_group_id, port=port,
        min_size=asg.min_size, max_size=asg.max_size, desired_capacity=asg.desired_capacity,
        health_check_grace_period_seconds=asg.health_check_grace_period_seconds,
        instance_type=asg.instance_type, ami_id=asg.ami_id, cpu_target_percent=asg.cpu_target_percent,
        requests_per_target=asg.requests_per_target,
        instance_refresh_min_healthy_percent=asg.instance_refresh_min_healthy_percent,
        environment=settings.environment)


def planned_auto_scaling_group_args(settings: StackSettings, network: Any) -> AutoScalingGroupArgs:
    """The group's arguments with placeholders for the load balancer's IDs (for the preflight)."""
    lb = settings.load_balancer
    sources = [TrafficSource(n, "arn:planned", "targetgroup/planned", w)
               for n, w in zip(lb.backend_names, lb.backend_weights)]
    return auto_scaling_group_args(settings, network, sources, "app/planned", "sg-planned", lb.backend_port)


def build_edge(settings: StackSettings, network: Network, prefix: str = "") -> EdgeTier:
    """Declare the ALB, its web ACL and the Auto Scaling group registered in all its target groups."""
    load_balancer = LoadBalancer(f"{prefix}edge-lb", load_balancer_args(settings, network))
    rate_limit = RateLimit(f"{prefix}edge-rate-limit", rate_limit_args(settings, load_balancer.arn))
    group = AutoScalingGroup(f"{prefix}edge-asg", auto_scaling_group_args(
        settings, network,
        [TrafficSource(n, arn, suffix, w) for n, arn, suffix, w in zip(
            load_balancer.backend_names, load_balancer.target_group_arns,
            load_balancer.target_group_arn_suffixes, load_balancer.backend_weights)],
        load_balancer.arn_suffix, load_balancer.security_group_id, load_balancer.backend_port))

    exports: dict[str, Any] = {
        "albArn": load_balancer.arn,
        "albArnSuffix": load_balancer.arn_suffix,
        "albDnsName": load_balancer.dns_name,
        "albZoneId": load_balancer.zone_id,
        "albSecurityGroupId": load_balancer.security_group_id,
        "httpListenerArn": load_balancer.http_listener_arn,
        "targetGroupArns": load_balancer.target_group_arns,
        "webAclArn": rate_limit.web_acl_arn,
        "asgName": group.name,
        "appSecurityGroupId": group.security_group_id,
    }
    if load_balancer.https_listener_arn is not None:
        exports["httpsListenerArn"] = load_balancer.https_listener_arn
    return EdgeTier(load_balancer=load_balancer, rate_limit=rate_limit, auto_scaling_group=group,
                    app_security_group_id=group.security_group_id, exports=exports)

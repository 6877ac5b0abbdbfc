"""Edge tier wiring: the load balancer with its web ACL, and the EC2 pools behind its weighted target groups.

Each backend of the design's nginx upstream (api1/api2/api3, weights 5/5/3) is a target group with a
pool of its own, named by ``scaling:lbBackendPlatforms``: ``ec2`` gives the backend an Auto Scaling group
of its own, with the design's bounds (2/20/5) per pool; ``eks`` gives it the Kubernetes workload (the
HPA's 2/50), registered by the AWS Load Balancer Controller (see ``stack/kubernetes.py``). No target is
ever in two weighted groups, so the weights split requests between distinct pools as nginx's do.

``build_edge`` runs first (the load balancer's security group is needed by the pools and the cluster);
``build_pools`` runs after the data tier, because the instances read the application settings (with the
data tier's endpoints) from an SSM parameter when they start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import pulumi

from components.auto_scaling_group import (
    AutoScalingGroup,
    AutoScalingGroupArgs,
    MixedInstances,
    PredictiveScaling,
    TrafficSource,
    WarmPool,
)
from components.container_app import ContainerApp
from components.load_balancer import BackendArgs, LoadBalancer, LoadBalancerArgs
from components.network import Network
from components.rate_limit import RateLimit, RateLimitArgs

from .config import PROJECT, AutoScalingSettings, StackSettings

# The first EC2 pool keeps the URNs of the single group earlier versions declared for every backend.
LEGACY_GROUP_NAME = "edge-asg"


@dataclass(frozen=True)
class Backend:
    """One weighted backend of the load balancer and the platform of its pool."""
    name: str
    weight: int
    platform: str
    index: int


@dataclass(frozen=True)
class EdgeTier:
    """What the rest of the program needs from the edge tier."""
    load_balancer: LoadBalancer
    rate_limit: RateLimit
    exports: dict[str, Any]
    """Stack outputs of the edge tier."""

    def target_group_arn(self, backend: Backend) -> pulumi.Output[str]:
        return self.load_balancer.target_group_arns[backend.index]


@dataclass(frozen=True)
class Pools:
    """The EC2 pools, by backend name."""
    auto_scaling_groups: dict[str, AutoScalingGroup]
    exports: dict[str, Any]


def backends(settings: StackSettings) -> list[Backend]:
    lb = settings.load_balancer
    return [Backend(n, w, p, i) for i, (n, w, p) in
            enumerate(zip(lb.backend_names, lb.backend_weights, lb.backend_platforms, strict=True))]


def eks_backend(settings: StackSettings) -> Optional[Backend]:
    """The backend the Kubernetes workload serves, if any (configuration allows one at most)."""
    return next((b for b in backends(settings) if b.platform == "eks"), None)


def app_settings_parameter_name(settings: StackSettings) -> str:
    """The SSM parameter the instances read their settings from (project and stack make it unique)."""
    return f"/{PROJECT}/{settings.stack}/app-settings"


def load_balancer_args(settings: StackSettings, network: Any) -> LoadBalancerArgs:
    """Arguments of the ALB from the settings; ``network`` is a Network (or the preflight's planned one)."""
    lb = settings.load_balancer
    return LoadBalancerArgs(
        vpc_id=network.vpc_id, subnet_ids=network.public_subnet_ids,
        backends=tuple(BackendArgs(b.name, b.weight, "ip" if b.platform == "eks" else "instance")
                       for b in backends(settings)),
        backend_port=settings.app.port, health_check_path=settings.app.health_check_path,
        ingress_cidrs=tuple(lb.ingress_cidrs),
        certificate_arn=lb.certificate_arn, domain_name=lb.domain_name, hosted_zone_id=lb.hosted_zone_id,
        idle_timeout_seconds=lb.idle_timeout_seconds,
        deregistration_delay_seconds=lb.deregistration_delay_seconds, slow_start_seconds=lb.slow_start_seconds,
        deletion_protection=lb.deletion_protection, access_log_retention_days=lb.access_log_retention_days,
        backend_tls=lb.backend_tls, environment=settings.environment)


def rate_limit_args(settings: StackSettings, resource_arn: Any) -> RateLimitArgs:
    rl = settings.rate_limit
    return RateLimitArgs(
        resource_arn=resource_arn, requests=rl.requests, window_seconds=rl.window_seconds,
        key_header=rl.key_header, mode=rl.mode, managed_rules=rl.managed_rules,
        managed_rule_overrides=tuple(rl.rule_overrides), log_retention_days=rl.log_retention_days,
        environment=settings.environment)


def container_app(settings: StackSettings) -> ContainerApp:
    app = settings.app.resolved(settings.is_production)
    return ContainerApp(image=app.image, port=settings.app.port, args=app.args,
                        settings_parameter=app_settings_parameter_name(settings),
                        tls=settings.load_balancer.backend_tls,
                        request_timeout_seconds=settings.load_balancer.idle_timeout_seconds)


def auto_scaling_group_args(settings: StackSettings, network: Any, source: TrafficSource,
                            load_balancer_arn_suffix: Any, load_balancer_security_group_id: Any,
                            app_security_group_id: Any) -> AutoScalingGroupArgs:
    asg = settings.autoscaling
    return AutoScalingGroupArgs(
        vpc_id=network.vpc_id, vpc_cidr_block=network.vpc_cidr_block, subnet_ids=network.private_subnet_ids,
        subnet_zones=tuple(network.availability_zones), traffic_sources=(source,),
        load_balancer_arn_suffix=load_balancer_arn_suffix,
        load_balancer_security_group_id=load_balancer_security_group_id, port=settings.app.port,
        container=container_app(settings), member_security_group_ids=(app_security_group_id,),
        min_size=asg.min_size, max_size=asg.max_size, desired_capacity=asg.desired_capacity,
        health_check_grace_period_seconds=asg.health_check_grace_period_seconds,
        instance_type=asg.instance_type, ami_id=asg.ami_id, cpu_target_percent=asg.cpu_target_percent,
        requests_per_target=asg.requests_per_target,
        instance_refresh_min_healthy_percent=asg.instance_refresh_min_healthy_percent,
        **capacity_feature_args(asg), environment=settings.environment)


def capacity_feature_args(asg: AutoScalingSettings) -> dict[str, Any]:
    """The warm pool, mixed instances, scheduled actions and predictive scaling the settings turn on (none by
    default: the group's arguments are then those of the single-type group)."""
    return dict(
        warm_pool=None if asg.warm_pool_state == "off" else WarmPool(
            pool_state=asg.warm_pool_state, min_size=asg.warm_pool_min_size,
            max_group_prepared_capacity=None if asg.warm_pool_max_prepared_capacity == -1
            else asg.warm_pool_max_prepared_capacity, reuse_on_scale_in=asg.warm_pool_reuse_on_scale_in),
        mixed_instances=MixedInstances(
            instance_types=tuple(asg.instance_types), on_demand_base_capacity=asg.on_demand_base_capacity,
            on_demand_percentage_above_base=asg.on_demand_percentage_above_base,
            spot_allocation_strategy=asg.spot_allocation_strategy) if asg.instance_types else None,
        scheduled_actions=tuple(asg.scheduled_actions()),
        predictive_scaling=None if asg.predictive_mode == "off" else PredictiveScaling(
            mode=asg.predictive_mode, metric=asg.predictive_metric,
            scheduling_buffer_seconds=asg.predictive_scheduling_buffer_seconds,
            max_capacity_breach_behavior=asg.predictive_max_capacity_breach,
            max_capacity_buffer_percent=asg.predictive_max_capacity_buffer_percent))


def planned_auto_scaling_group_args(settings: StackSettings, network: Any) -> list[AutoScalingGroupArgs]:
    """Each EC2 pool's arguments with placeholders for the load balancer's IDs (for the preflight)."""
    return [auto_scaling_group_args(settings, network, TrafficSource(b.name, "arn:planned", "targetgroup/planned",
                                                                     b.weight),
                                    "app/planned", "sg-planned", "sg-app-planned")
            for b in backends(settings) if b.platform == "ec2"]


def pool_name(prefix: str, backend: Backend) -> str:
    return f"{prefix}{LEGACY_GROUP_NAME}-{backend.name}"


def build_edge(settings: StackSettings, network: Network, prefix: str = "") -> EdgeTier:
    """Declare the ALB with its weighted target groups and its web ACL."""
    load_balancer = LoadBalancer(f"{prefix}edge-lb", load_balancer_args(settings, network))
    rate_limit = RateLimit(f"{prefix}edge-rate-limit", rate_limit_args(settings, load_balancer.arn))
    exports: dict[str, Any] = {
        "albArn": load_balancer.arn,
        "albArnSuffix": load_balancer.arn_suffix,
        "albDnsName": load_balancer.dns_name,
        "albZoneId": load_balancer.zone_id,
        "albSecurityGroupId": load_balancer.security_group_id,
        "httpListenerArn": load_balancer.http_listener_arn,
        "targetGroupArns": load_balancer.target_group_arns,
        "webAclArn": rate_limit.web_acl_arn,
        "appSecurityGroupId": network.app_security_group_id,
    }
    if load_balancer.https_listener_arn is not None:
        exports["httpsListenerArn"] = load_balancer.https_listener_arn
        exports["certificateArn"] = load_balancer.certificate_arn
    if load_balancer.domain_name is not None:
        exports["url"] = f"https://{load_balancer.domain_name}/"
    return EdgeTier(load_balancer=load_balancer, rate_limit=rate_limit, exports=exports)


def build_pools(settings: StackSettings, network: Network, edge: EdgeTier, start_after: list[pulumi.Resource],
                prefix: str = "") -> Pools:
    """Declare one Auto Scaling group per EC2 backend, registered in that backend's target group only.

    ``start_after``: resources the instances need when they boot (the settings parameter)."""
    lb = edge.load_balancer
    groups: dict[str, AutoScalingGroup] = {}
    for backend in (b for b in backends(settings) if b.platform == "ec2"):
        source = TrafficSource(backend.name, lb.target_group_arns[backend.index],
                               lb.target_group_arn_suffixes[backend.index], backend.weight)
        # The first pool was once the only group: an alias keeps its (and its children's) URNs.
        aliases = [pulumi.Alias(name=f"{prefix}{LEGACY_GROUP_NAME}")] if not groups else []
        groups[backend.name] = AutoScalingGroup(
            pool_name(prefix, backend),
            auto_scaling_group_args(settings, network, source, lb.arn_suffix, lb.security_group_id,
                                    network.app_security_group_id),
            pulumi.ResourceOptions(aliases=aliases, depends_on=start_after))
    exports = {
        "asgNames": {name: group.name for name, group in groups.items()},
        "asgRoleNames": {name: group.role_name for name, group in groups.items()},
    }
    return Pools(auto_scaling_groups=groups, exports=exports)

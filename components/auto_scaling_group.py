"""AutoScalingGroup: the design's ai-agent-asg (min 2, max 20, desired 5, ELB health checks, 300 s grace).

The design's three weighted nginx servers (api1/api2/api3) become three target groups of one load
balancer, each with a pool of its own: an Auto Scaling group per EC2 backend (or the EKS workload). A
group registers in its own target group only, so the 5/5/3 weights split requests between distinct pools
as nginx's weights split them between servers, and each pool scales on its own share. With ``container``
the instances run the application (Docker, started by cloud-init, settings from SSM).

Network path: the group owns the instances' security group. It admits the load balancer's security group
on the backend port only, and adds the matching egress rule to the load balancer's group, so the ALB can
reach exactly its targets. Instance egress is HTTPS anywhere (SSM agent, package repositories, AWS APIs:
their IP ranges change too often to list) plus the data-tier ports inside the VPC, nothing else.

Capacity features, each off by default (then the group's inputs are exactly those of the single-type group):
a warm pool (``warm_pool``), several instance types with on-demand and Spot (``mixed_instances``), scheduled
actions (``scheduled_actions``) and predictive scaling (``predictive_scaling``). See docs/capacity.md.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_aws as aws
from pulumi_aws.autoscaling import (
    PolicyPredictiveScalingConfigurationMetricSpecificationPredefinedMetricPairSpecificationArgs as _MetricPair,
)

from scaling_kit.limits import AUTO_SCALING, DATABASE, HPA, LOAD_BALANCING

from .container_app import ContainerApp, instance_statements, user_data, validate_container_app
from .tagging import house_tags, merge_tags
from .validation import ArgumentError, check_arguments

AL2023_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
# PostgreSQL (RDS Proxy and instances), Redis/Valkey, MSK with IAM authentication (the only listener opened).
DEFAULT_DATA_TIER_PORTS = (DATABASE.port, 6379, 9098)
ENABLED_METRICS = ("GroupMinSize", "GroupMaxSize", "GroupDesiredCapacity", "GroupInServiceInstances",
                   "GroupPendingInstances", "GroupStandbyInstances", "GroupTerminatingInstances",
                   "GroupTotalInstances", "GroupInServiceCapacity", "GroupPendingCapacity",
                   "GroupStandbyCapacity", "GroupTerminatingCapacity", "GroupTotalCapacity")
HEALTH_CHECK_TYPES = ("ELB", "EC2")
WARM_POOL_STATES = ("Stopped", "Running", "Hibernated")
SPOT_ALLOCATION_STRATEGIES = ("price-capacity-optimized", "capacity-optimized", "capacity-optimized-prioritized",
                              "lowest-price")
MAX_INSTANCE_TYPES = 40  # overrides of a mixed instances policy (AWS quota)
MAX_SCHEDULED_ACTIONS = 125  # scheduled actions per Auto Scaling group (AWS quota)
PREDICTIVE_MODES = ("ForecastOnly", "ForecastAndScale")
PREDICTIVE_METRICS = ("cpu", "requests")
BREACH_BEHAVIORS = ("HonorMaxCapacity", "IncreaseMaxCapacity")
MAX_SCHEDULING_BUFFER_SECONDS = 3600  # AWS: less than or equal to the forecast interval of one hour
_SCHEDULE_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?")
_INSTANCE_TYPE = re.compile(r"[a-z][a-z0-9-]*\.[a-z0-9]+")
_CRON_FIELD = re.compile(r"[0-9A-Za-z*,/?#-]+")


@dataclass(frozen=True)
class TrafficSource:
    """A target group the instances register in, and its share of the load balancer's traffic."""

    name: str
    """Name of the target group's backend (``api1``); part of the request-count policy's identity."""
    target_group_arn: pulumi.Input[str]
    """ARN of the target group."""
    target_group_arn_suffix: pulumi.Input[str]
    """ARN suffix of the target group (``targetgroup/<name>/<id>``)."""
    weight: int = 1
    """Weight of the target group in the listener's forward action. Defaults to 1."""


@dataclass(frozen=True)
class WarmPool:
    """Pre-initialized instances beside the group: a scale-out starts (or attaches) one of them instead of booting a
    new instance. AWS allows no warm pool with ``mixed_instances`` (Spot)."""

    pool_state: str = "Stopped"
    """State of the instances in the pool: ``Stopped`` (pay for volumes only), ``Running`` or ``Hibernated`` (the
    launch template then enables hibernation; the root volume must hold the instance's memory). Defaults to
    ``Stopped``."""
    min_size: int = 0
    """Instances kept in the pool at least. Defaults to 0."""
    max_group_prepared_capacity: Optional[int] = None
    """Instances in the group and the pool together, at most. Defaults to none (the group's ``max_size``)."""
    reuse_on_scale_in: bool = False
    """Return instances to the pool on scale-in instead of terminating them. Defaults to False (terminate, so every
    instance starts from the current launch template)."""


@dataclass(frozen=True)
class MixedInstances:
    """Several instance types and a split between on-demand and Spot capacity (a mixed instances policy)."""

    instance_types: Sequence[str]
    """Instance types in order of preference, 1 to 40; each overrides the launch template's type. Required."""
    on_demand_base_capacity: int = 0
    """Instances of the group that are always on-demand. Defaults to 0."""
    on_demand_percentage_above_base: int = 100
    """Share of the capacity above the base that is on-demand, 0 to 100 (the rest is Spot). Defaults to 100 (no
    Spot: the cheaper split is a deliberate choice)."""
    spot_allocation_strategy: str = "price-capacity-optimized"
    """How Spot capacity is spread over the types: ``price-capacity-optimized``, ``capacity-optimized``,
    ``capacity-optimized-prioritized`` or ``lowest-price``. Defaults to ``price-capacity-optimized`` (fewest
    interruptions at a low price, as AWS recommends)."""


@dataclass(frozen=True)
class ScheduledAction:
    """A recurring change of the group's bounds (business hours, a nightly batch)."""

    name: str
    """Name of the action: lower-case letters, digits and '-', up to 42 characters; part of the resource's
    identity. Required."""
    recurrence: str
    """Unix cron expression of five fields (minute hour day-of-month month day-of-week), such as
    ``0 8 * * MON-FRI``. Required."""
    min_size: int
    """Minimum instances from the action on. Required."""
    desired_capacity: int
    """Desired instances from the action on (scaling policies adjust it afterwards). Required."""
    max_size: int
    """Maximum instances from the action on; at most the group's ``max_size`` or the documented 20, whichever is
    higher. Required."""
    time_zone: str = "Etc/UTC"
    """IANA time zone the cron expression is read in (``Europe/Berlin`` follows daylight saving time). Defaults to
    ``Etc/UTC``."""


@dataclass(frozen=True)
class PredictiveScaling:
    """A predictive scaling policy: forecasts the load from 14 days of history and launches capacity ahead of it.
    Its target is the target tracking policy's (``cpu_target_percent`` or ``requests_per_target``)."""

    mode: str = "ForecastOnly"
    """``ForecastOnly`` (forecasts to review, no scaling) or ``ForecastAndScale``. Defaults to ``ForecastOnly``."""
    metric: str = "cpu"
    """Metric pair: ``cpu`` (ASGCPUUtilization) or ``requests`` (ALBRequestCount of the one weighted target group;
    needs ``load_balancer_arn_suffix``). Defaults to ``cpu``."""
    scheduling_buffer_seconds: int = AUTO_SCALING.health_check_grace_period_seconds
    """Seconds instances launch ahead of the forecast, 0 to 3600. Defaults to 300 (the design's grace period: the
    time an instance needs before it serves)."""
    max_capacity_breach_behavior: str = "HonorMaxCapacity"
    """``HonorMaxCapacity`` or ``IncreaseMaxCapacity`` (only with ``ForecastOnly``: in ``ForecastAndScale`` AWS would
    raise the group's maximum past ``max_size`` and keep it there). Defaults to ``HonorMaxCapacity``."""
    max_capacity_buffer_percent: int = 0
    """Buffer above the forecast with ``IncreaseMaxCapacity``, 0 to 100; AWS allows it with no other behavior.
    Defaults to 0."""


@dataclass(frozen=True)
class AutoScalingGroupArgs:
    """Arguments of :class:`AutoScalingGroup`."""

    vpc_id: pulumi.Input[str]
    """VPC of the instances' security group. Required."""
    vpc_cidr_block: str
    """CIDR of the VPC; instance egress to the data tier stays inside it. Required."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets, one per zone, at least two. Required."""
    subnet_zones: Sequence[str] = ()
    """Zone of each subnet, to check they span two zones. Defaults to unchecked (one zone per subnet assumed)."""
    traffic_sources: Sequence[TrafficSource] = ()
    """Target groups to register in. Defaults to none (then ``health_check_type`` must be ``EC2``)."""
    load_balancer_arn_suffix: Optional[pulumi.Input[str]] = None
    """ARN suffix of the ALB, for request-count scaling. Defaults to none (no request-count policy)."""
    load_balancer_security_group_id: Optional[pulumi.Input[str]] = None
    """Security group of the ALB; admitted on ``port`` and given egress to the instances. Defaults to none."""
    port: int = LOAD_BALANCING.backend_port
    """Port the application listens on. Defaults to 3000 (the design)."""
    min_size: int = AUTO_SCALING.min_size
    """Minimum instances. Defaults to 2 (the design)."""
    max_size: int = AUTO_SCALING.max_size
    """Maximum instances. Defaults to 20 (the design)."""
    desired_capacity: int = AUTO_SCALING.desired_capacity
    """Initial desired instances; scaling policies own it afterwards. Defaults to 5 (the design)."""
    health_check_type: str = AUTO_SCALING.health_check_type
    """``ELB`` (replace instances the load balancer finds unhealthy) or ``EC2``. Defaults to ``ELB``."""
    health_check_grace_period_seconds: int = AUTO_SCALING.health_check_grace_period_seconds
    """Seconds before health checks count for a new instance. Defaults to 300 (the design)."""
    default_instance_warmup_seconds: int = 120
    """Seconds before a new instance's metrics count for scaling. Defaults to 120."""
    instance_type: str = "m6i.large"
    """EC2 instance type. Defaults to ``m6i.large``."""
    ami_id: str = ""
    """AMI ID. Defaults to the latest Amazon Linux 2023 (x86_64), read from the SSM public parameter at deploy."""
    root_volume_size_gb: int = 20
    """Size of the encrypted gp3 root volume, 8 to 16384 GiB. Defaults to 20."""
    container: Optional[ContainerApp] = None
    """The application container the instances run: renders the user data (Docker, a systemd unit, the
    settings from SSM) and grants the instance role what starting it needs. Defaults to none."""
    user_data: str = ""
    """Raw cloud-init user data (plain text, base64-encoded here), instead of ``container``. Defaults to none."""
    cpu_target_percent: int = HPA.cpu_utilization_percent
    """Target average CPU for target tracking, 1 to 100. Defaults to 70 (as the design's HPA)."""
    requests_per_target: int = 1000
    """Target ALB requests per instance per minute for target tracking. Defaults to 1000."""
    instance_refresh_min_healthy_percent: int = 90
    """Capacity kept in service while an instance refresh replaces instances. Defaults to 90."""
    member_security_group_ids: Sequence[pulumi.Input[str]] = ()
    """More security groups the instances carry, such as the application tier's membership group that the
    data tier admits. Defaults to none."""
    data_tier_ports: Sequence[int] = DEFAULT_DATA_TIER_PORTS
    """TCP ports the instances may reach inside the VPC. Defaults to 5432, 6379, 9098."""
    warm_pool: Optional[WarmPool] = None
    """A warm pool of pre-initialized instances. Defaults to none."""
    mixed_instances: Optional[MixedInstances] = None
    """Several instance types and on-demand/Spot split instead of the single ``instance_type``. Defaults to none
    (on-demand ``instance_type`` only)."""
    scheduled_actions: Sequence[ScheduledAction] = ()
    """Recurring changes of min/desired/max. Defaults to none."""
    predictive_scaling: Optional[PredictiveScaling] = None
    """A predictive scaling policy beside target tracking. Defaults to none."""
    environment: str = "prod"
    """Environment for the house tags. Defaults to ``prod``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags, merged over the house tags (and propagated to instances). Defaults to none."""


def validate_capacity(min_size: int, desired_capacity: int, max_size: int) -> None:
    """0 <= min <= desired <= max and max >= 1."""
    if not 0 <= min_size <= desired_capacity <= max_size or max_size < 1:
        raise ArgumentError("min_size/desired_capacity/max_size", f"{min_size}/{desired_capacity}/{max_size} is not "
                         "allowed; expected 0 <= min_size <= desired_capacity <= max_size and max_size >= 1")


def request_count_targets(sources: Sequence[TrafficSource], requests_per_instance: int) -> dict[str, int]:
    """Per target group, the ALBRequestCountPerTarget value that means ``requests_per_instance`` in total.

    A group's instances are in each of its sources, so a source carrying weight w of W sees w/W of an
    instance's requests (the stack gives each pool one source: its whole target is that source's); sources
    without weight carry no traffic and get no policy."""
    total = sum(s.weight for s in sources)
    return {s.name: max(1, round(requests_per_instance * s.weight / total)) for s in sources if s.weight > 0}


def schedule_ceiling(group_max_size: int) -> int:
    """The highest max_size a scheduled action may set: the documented ceiling, or the group's own maximum when it
    is configured higher (the policy pack then judges the group and the actions alike)."""
    return max(AUTO_SCALING.max_size, group_max_size)


@functools.cache
def _iana_time_zones() -> frozenset[str]:
    """The time zone database's names, listed once per process: listing walks the database (about 0.1 s) and a
    group may have 125 scheduled actions."""
    return frozenset(zoneinfo.available_timezones())


def _time_zone_problem(name: str, zones: AbstractSet[str]) -> Optional[str]:
    # Without a time zone database (no zones) only the shape can be checked; AWS checks the name at deployment.
    known = name in zones if zones else bool(re.fullmatch(r"[A-Za-z_]+(/[A-Za-z0-9_+-]+){0,2}", name))
    return None if known else f"{name!r} is not an IANA time zone; expected a name such as Etc/UTC or Europe/Berlin"


def validate_warm_pool(pool: WarmPool, args: AutoScalingGroupArgs) -> None:
    if pool.pool_state not in WARM_POOL_STATES:
        raise ArgumentError("warm_pool.pool_state", f"{pool.pool_state!r} is not allowed; expected one of "
                            f"{', '.join(map(repr, WARM_POOL_STATES))}")
    if pool.min_size < 0:
        raise ArgumentError("warm_pool.min_size", f"{pool.min_size} is out of range; expected 0 or more")
    prepared = pool.max_group_prepared_capacity
    if prepared is not None and prepared < max(args.min_size, pool.min_size, 1):
        raise ArgumentError(("warm_pool.max_group_prepared_capacity", "min_size", "warm_pool.min_size"),
                            f"{prepared} is below min_size {args.min_size} or warm_pool.min_size {pool.min_size}; "
                            "expected at least both (and 1), or none for the group's max_size")
    if args.mixed_instances is not None:
        raise ArgumentError(("warm_pool", "mixed_instances"), "AWS allows no warm pool in a group with a mixed "
                            "instances policy (or Spot); give one of them")


def validate_mixed_instances(mixed: MixedInstances, args: AutoScalingGroupArgs) -> None:
    types = list(mixed.instance_types)
    if not 1 <= len(types) <= MAX_INSTANCE_TYPES:
        raise ArgumentError("mixed_instances.instance_types", f"{len(types)} type(s) given; expected 1 to "
                            f"{MAX_INSTANCE_TYPES}")
    if bad := [t for t in types if not _INSTANCE_TYPE.fullmatch(t)]:
        raise ArgumentError("mixed_instances.instance_types", f"{bad[0]!r} is not an instance type such as m6i.large")
    if len(set(types)) != len(types):
        raise ArgumentError("mixed_instances.instance_types", f"{types!r} has duplicates")
    if mixed.on_demand_base_capacity < 0:
        raise ArgumentError("mixed_instances.on_demand_base_capacity", f"{mixed.on_demand_base_capacity} is out of "
                            "range; expected 0 or more")
    if mixed.on_demand_base_capacity > args.max_size:
        raise ArgumentError(("mixed_instances.on_demand_base_capacity", "max_size"),
                            f"{mixed.on_demand_base_capacity} is above max_size {args.max_size}; expected at most "
                            "max_size")
    if not 0 <= mixed.on_demand_percentage_above_base <= 100:
        raise ArgumentError("mixed_instances.on_demand_percentage_above_base",
                            f"{mixed.on_demand_percentage_above_base} is out of range; expected 0 to 100")
    if mixed.spot_allocation_strategy not in SPOT_ALLOCATION_STRATEGIES:
        raise ArgumentError("mixed_instances.spot_allocation_strategy", f"{mixed.spot_allocation_strategy!r} is not "
                            f"allowed; expected one of {', '.join(map(repr, SPOT_ALLOCATION_STRATEGIES))}")


def validate_scheduled_actions(actions: Sequence[ScheduledAction], group_max_size: int) -> None:
    if len(actions) > MAX_SCHEDULED_ACTIONS:
        raise ArgumentError("scheduled_actions", f"{len(actions)} actions given; AWS allows at most "
                            f"{MAX_SCHEDULED_ACTIONS} per group")
    ceiling = schedule_ceiling(group_max_size)
    seen: set[str] = set()
    for i, action in enumerate(actions):
        path = f"scheduled_actions[{i}]"
        if not _SCHEDULE_NAME.fullmatch(action.name):
            raise ArgumentError(f"{path}.name", f"{action.name!r} is not allowed; expected lower-case letters, digits "
                                "and '-', 1 to 42 characters, starting and ending with a letter or digit")
        if action.name in seen:
            raise ArgumentError(f"{path}.name", f"{action.name!r} is used by an earlier action; names are unique")
        seen.add(action.name)
        fields = action.recurrence.split()
        if len(fields) != 5 or not all(_CRON_FIELD.fullmatch(f) for f in fields):
            raise ArgumentError(f"{path}.recurrence", f"{action.recurrence!r} is not a cron expression; expected five "
                                "fields (minute hour day-of-month month day-of-week) such as '0 8 * * MON-FRI'")
        if (problem := _time_zone_problem(action.time_zone, _iana_time_zones())) is not None:
            raise ArgumentError(f"{path}.time_zone", problem)
        sizes = f"{action.min_size}/{action.desired_capacity}/{action.max_size}"
        if not 0 <= action.min_size <= action.desired_capacity <= action.max_size:
            raise ArgumentError([f"{path}.min_size", f"{path}.desired_capacity", f"{path}.max_size"],
                                f"{sizes} is not allowed; expected 0 <= min_size <= desired_capacity <= max_size")
        if action.max_size > ceiling:
            raise ArgumentError(f"{path}.max_size", f"{action.max_size} is above {ceiling}, the documented maximum "
                                f"({AUTO_SCALING.max_size}) or the group's max_size ({group_max_size}) if higher")


def validate_predictive_scaling(predictive: PredictiveScaling, args: AutoScalingGroupArgs) -> None:
    if predictive.mode not in PREDICTIVE_MODES:
        raise ArgumentError("predictive_scaling.mode", f"{predictive.mode!r} is not allowed; expected one of "
                            f"{', '.join(map(repr, PREDICTIVE_MODES))}")
    if predictive.metric not in PREDICTIVE_METRICS:
        raise ArgumentError("predictive_scaling.metric", f"{predictive.metric!r} is not allowed; expected one of "
                            f"{', '.join(map(repr, PREDICTIVE_METRICS))}")
    if predictive.metric == "requests":
        if args.load_balancer_arn_suffix is None:
            raise ArgumentError("predictive_scaling.metric", "'requests' needs load_balancer_arn_suffix (the "
                                "request count is the load balancer's); give it or use 'cpu'")
        if len([s for s in args.traffic_sources if s.weight > 0]) != 1:
            raise ArgumentError(("predictive_scaling.metric", "traffic_sources"), "'requests' forecasts one target "
                                f"group's request count; {len(args.traffic_sources)} traffic source(s) given, expected "
                                "exactly one with weight above 0, or use 'cpu'")
    if not 0 <= predictive.scheduling_buffer_seconds <= MAX_SCHEDULING_BUFFER_SECONDS:
        raise ArgumentError("predictive_scaling.scheduling_buffer_seconds", f"{predictive.scheduling_buffer_seconds} "
                            f"is out of range; expected 0 to {MAX_SCHEDULING_BUFFER_SECONDS}")
    behavior = predictive.max_capacity_breach_behavior
    if behavior not in BREACH_BEHAVIORS:
        raise ArgumentError("predictive_scaling.max_capacity_breach_behavior", f"{behavior!r} is not allowed; "
                            f"expected one of {', '.join(map(repr, BREACH_BEHAVIORS))}")
    if behavior == "IncreaseMaxCapacity" and predictive.mode == "ForecastAndScale":
        raise ArgumentError(("predictive_scaling.max_capacity_breach_behavior", "predictive_scaling.mode"),
                            "'IncreaseMaxCapacity' with 'ForecastAndScale' lets the forecast raise the group's maximum "
                            f"past max_size {args.max_size} (and the documented {AUTO_SCALING.max_size}), where AWS "
                            "leaves it; expected 'HonorMaxCapacity', or 'ForecastOnly' to review forecasts")
    if not 0 <= predictive.max_capacity_buffer_percent <= 100:
        raise ArgumentError("predictive_scaling.max_capacity_buffer_percent",
                            f"{predictive.max_capacity_buffer_percent} is out of range; expected 0 to 100")
    if predictive.max_capacity_buffer_percent and behavior != "IncreaseMaxCapacity":
        raise ArgumentError(("predictive_scaling.max_capacity_buffer_percent",
                             "predictive_scaling.max_capacity_breach_behavior"),
                            f"{predictive.max_capacity_buffer_percent} with {behavior!r}; AWS allows a buffer only "
                            "with 'IncreaseMaxCapacity', expected 0")


def validate_auto_scaling_group_args(args: AutoScalingGroupArgs) -> None:
    """Raise ``ValueError`` naming the argument, its value and what is allowed."""
    check_arguments(args)
    validate_capacity(args.min_size, args.desired_capacity, args.max_size)
    if len(args.subnet_ids) < 2:
        raise ArgumentError("subnet_ids", f"{len(args.subnet_ids)} subnet(s) given; expected subnets in at least two "
                         "availability zones so a zone outage leaves capacity")
    if args.subnet_zones:
        if len(args.subnet_zones) != len(args.subnet_ids):
            raise ArgumentError("subnet_zones", f"{len(args.subnet_zones)} zone(s) for {len(args.subnet_ids)} subnet(s); "
                             "give the zone of each subnet")
        if len(set(args.subnet_zones)) < 2:
            raise ArgumentError("subnet_zones", f"{list(args.subnet_zones)!r} is one zone; expected at least two")
    if args.health_check_type not in HEALTH_CHECK_TYPES:
        raise ArgumentError("health_check_type", f"{args.health_check_type!r} is not allowed; expected one of "
                         f"{HEALTH_CHECK_TYPES}")
    if args.health_check_type == "ELB" and not args.traffic_sources:
        raise ArgumentError("health_check_type", "'ELB' needs traffic_sources (target groups); give them or use 'EC2'")
    names = [s.name for s in args.traffic_sources]
    if len(set(names)) != len(names):
        raise ArgumentError("traffic_sources", f"names {names!r} have duplicates")
    if any(s.weight < 0 for s in args.traffic_sources) or (args.traffic_sources and
                                                          not any(s.weight for s in args.traffic_sources)):
        raise ArgumentError("traffic_sources", f"weights {[s.weight for s in args.traffic_sources]!r} are not allowed; "
                         "expected weights >= 0 and at least one above 0")
    for arg in ("health_check_grace_period_seconds", "default_instance_warmup_seconds"):
        if getattr(args, arg) < 0:
            raise ArgumentError(arg, f"{getattr(args, arg)} is out of range; expected 0 or more seconds")
    if not 1 <= args.port <= 65535:
        raise ArgumentError("port", f"{args.port} is out of range; expected 1 to 65535")
    if "." not in args.instance_type:  # also refuses "" (type checked above: always a str)
        raise ArgumentError("instance_type", f"{args.instance_type!r} is not an instance type such as m6i.large")
    if args.ami_id and not args.ami_id.startswith("ami-"):
        raise ArgumentError("ami_id", f"{args.ami_id!r} is not an AMI ID; expected ami-... or empty for Amazon Linux 2023")
    if not 8 <= args.root_volume_size_gb <= 16384:
        raise ArgumentError("root_volume_size_gb", f"{args.root_volume_size_gb} is out of range; expected 8 to 16384")
    if not 1 <= args.cpu_target_percent <= 100:
        raise ArgumentError("cpu_target_percent", f"{args.cpu_target_percent} is out of range; expected 1 to 100")
    if args.requests_per_target < 1:
        raise ArgumentError("requests_per_target", f"{args.requests_per_target} is out of range; expected at least 1")
    if not 0 <= args.instance_refresh_min_healthy_percent <= 100:
        raise ArgumentError("instance_refresh_min_healthy_percent", f"{args.instance_refresh_min_healthy_percent} is out "
                         "of range; expected 0 to 100")
    for port in args.data_tier_ports:
        if not 1 <= port <= 65535:
            raise ArgumentError("data_tier_ports", f"{port} is out of range; expected 1 to 65535")
    if args.container is not None:
        validate_container_app(args.container)
        if args.user_data:
            raise ArgumentError("user_data", "give either container or user_data, not both")
        if args.container.port != args.port:
            raise ArgumentError("container.port", f"{args.container.port} differs from port {args.port}, where the load "
                             "balancer sends traffic and health checks; use the same port")
    if args.warm_pool is not None:
        validate_warm_pool(args.warm_pool, args)
    if args.mixed_instances is not None:
        validate_mixed_instances(args.mixed_instances, args)
    validate_scheduled_actions(args.scheduled_actions, args.max_size)
    if args.predictive_scaling is not None:
        validate_predictive_scaling(args.predictive_scaling, args)


class AutoScalingGroup(pulumi.ComponentResource):
    """An EC2 Auto Scaling group behind the load balancer, with target tracking and instance refresh."""

    name: pulumi.Output[str]
    """Name of the Auto Scaling group."""
    arn: pulumi.Output[str]
    """ARN of the Auto Scaling group."""
    security_group_id: pulumi.Output[str]
    """Security group of the instances (the data tier admits it)."""
    launch_template_id: pulumi.Output[str]
    """Launch template of the instances."""
    role_name: pulumi.Output[str]
    """IAM role of the instances (attach application permissions to it)."""
    max_size: int
    """Maximum size of the group (alarms watch for the group sitting at it)."""

    def __init__(self, name: str, args: AutoScalingGroupArgs, opts: Optional[pulumi.ResourceOptions] = None):
        validate_auto_scaling_group_args(args)
        super().__init__("scaling:auto_scaling_group:AutoScalingGroup", name, None, opts)
        tags = merge_tags(house_tags(args.environment), args.tags)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOptions(parent=self)

        sg = self._security_group(name, args, tags)

        role = aws.iam.Role(f"{name}-role", tags=tags, opts=child, assume_role_policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                           "Principal": {"Service": "ec2.amazonaws.com"}}],
        }))
        partition = aws.get_partition(opts=invoke).partition
        # Session Manager instead of SSH: no key pairs, no port 22, every session audited.
        aws.iam.RolePolicyAttachment(f"{name}-ssm", role=role.name,
                                     policy_arn=f"arn:{partition}:iam::aws:policy/AmazonSSMManagedInstanceCore",
                                     opts=pulumi.ResourceOptions(parent=role))
        profile = aws.iam.InstanceProfile(f"{name}-profile", role=role.name, tags=tags,
                                          opts=pulumi.ResourceOptions(parent=role))
        if args.container is not None:
            identity = aws.get_caller_identity(opts=invoke)
            region = aws.get_region(opts=invoke)
            aws.iam.RolePolicy(f"{name}-start-app", role=role.name, policy=json.dumps({
                "Version": "2012-10-17",
                "Statement": instance_statements(args.container, partition, region.region, identity.account_id)}),
                opts=pulumi.ResourceOptions(parent=role))
        boot_script = user_data(args.container) if args.container is not None else args.user_data

        # The AMI is resolved at deploy time rather than with image_id="resolve:ssm:..." (which EC2 also
        # accepts): a new AMI then shows up in the preview as a new template version and rolls out through
        # the instance refresh below with auto rollback, and all instances run the same image. Pin ami_id
        # to hold an image.
        image_id = args.ami_id or aws.ssm.get_parameter(name=AL2023_AMI_PARAMETER, opts=invoke).value
        mixed = args.mixed_instances
        hibernate = args.warm_pool is not None and args.warm_pool.pool_state == "Hibernated"
        template = aws.ec2.LaunchTemplate(
            f"{name}-lt", image_id=image_id, update_default_version=True,
            # With several types the overrides choose; the template names the first preference.
            instance_type=mixed.instance_types[0] if mixed is not None else args.instance_type,
            # Hibernated warm-pool instances must be launched hibernation-capable (encrypted root volume, below).
            hibernation_options=aws.ec2.LaunchTemplateHibernationOptionsArgs(configured=True) if hibernate else None,
            iam_instance_profile=aws.ec2.LaunchTemplateIamInstanceProfileArgs(arn=profile.arn),
            # IMDSv2 only, and hop limit 1 so containers on the host cannot reach the instance credentials.
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1,
                instance_metadata_tags="disabled"),
            block_device_mappings=[aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name="/dev/xvda",  # root device of Amazon Linux 2023
                ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                    volume_type="gp3", volume_size=args.root_volume_size_gb, encrypted="true",
                    delete_on_termination="true"))],
            network_interfaces=[aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                device_index=0, associate_public_ip_address="false", delete_on_termination="true",
                security_groups=[sg.id, *args.member_security_group_ids])],
            # 1-minute metrics: target tracking reacts in minutes, not in 5-minute steps.
            monitoring=aws.ec2.LaunchTemplateMonitoringArgs(enabled=True),
            ebs_optimized="true",
            user_data=_base64(boot_script) if boot_script else None,
            tag_specifications=[aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=t, tags={**tags, "Name": name})
                                for t in ("volume", "network-interface")],
            tags=tags, opts=child)

        group = aws.autoscaling.Group(
            f"{name}-asg", vpc_zone_identifiers=list(args.subnet_ids), min_size=args.min_size,
            max_size=args.max_size, desired_capacity=args.desired_capacity,
            health_check_type=args.health_check_type,
            health_check_grace_period=args.health_check_grace_period_seconds,
            default_instance_warmup=args.default_instance_warmup_seconds,
            target_group_arns=[s.target_group_arn for s in args.traffic_sources],
            # A concrete version number: "$Latest" would hide template changes from the instance refresh.
            # AWS takes either a launch template or a mixed instances policy (which then names the template).
            launch_template=aws.autoscaling.GroupLaunchTemplateArgs(
                id=template.id, version=template.latest_version.apply(str)) if mixed is None else None,
            mixed_instances_policy=_mixed_instances_policy(mixed, template) if mixed is not None else None,
            warm_pool=_warm_pool(args.warm_pool) if args.warm_pool is not None else None,
            capacity_rebalance=True, metrics_granularity="1Minute",
            # The SDK types the names as its Metric enum; AWS takes them as plain strings.
            enabled_metrics=list(ENABLED_METRICS),  # type: ignore[arg-type]
            instance_refresh=aws.autoscaling.GroupInstanceRefreshArgs(
                strategy="Rolling",
                preferences=aws.autoscaling.GroupInstanceRefreshPreferencesArgs(
                    min_healthy_percentage=args.instance_refresh_min_healthy_percent,
                    # Launch replacements before terminating old ones (AWS allows max - min <= 100).
                    max_healthy_percentage=max(100, min(args.instance_refresh_min_healthy_percent + 20, 200)),
                    # The SDK types the warm-up as a string; the provider takes the number of seconds.
                    auto_rollback=True, instance_warmup=args.default_instance_warmup_seconds)),  # type: ignore[arg-type]
            tags=[aws.autoscaling.GroupTagArgs(key=k, value=v, propagate_at_launch=True)
                  for k, v in sorted({**tags, "Name": name}.items())],
            # Scaling owns desiredCapacity after the first deployment; a redeploy must not reset it.
            # A component's depends_on does not reach its children: the group (whose creation boots the
            # instances) waits for what the caller said the instances need, such as their settings parameter.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["desiredCapacity"],
                                        depends_on=opts.depends_on if opts is not None else None))

        group_child = pulumi.ResourceOptions(parent=group)
        aws.autoscaling.Policy(
            f"{name}-cpu", autoscaling_group_name=group.name, policy_type="TargetTrackingScaling",
            target_tracking_configuration=aws.autoscaling.PolicyTargetTrackingConfigurationArgs(
                target_value=args.cpu_target_percent,
                predefined_metric_specification=aws.autoscaling.
                PolicyTargetTrackingConfigurationPredefinedMetricSpecificationArgs(
                    predefined_metric_type="ASGAverageCPUUtilization")),
            opts=group_child)
        if args.load_balancer_arn_suffix is not None:
            targets = request_count_targets(args.traffic_sources, args.requests_per_target)
            for source in args.traffic_sources:
                if source.name not in targets:
                    continue
                aws.autoscaling.Policy(
                    f"{name}-requests-{source.name}", autoscaling_group_name=group.name,
                    policy_type="TargetTrackingScaling",
                    target_tracking_configuration=aws.autoscaling.PolicyTargetTrackingConfigurationArgs(
                        target_value=targets[source.name],
                        predefined_metric_specification=aws.autoscaling.
                        PolicyTargetTrackingConfigurationPredefinedMetricSpecificationArgs(
                            predefined_metric_type="ALBRequestCountPerTarget",
                            resource_label=pulumi.Output.concat(args.load_balancer_arn_suffix, "/",
                                                                source.target_group_arn_suffix))),
                    opts=group_child)
        for action in args.scheduled_actions:
            aws.autoscaling.Schedule(
                f"{name}-schedule-{action.name}", autoscaling_group_name=group.name,
                scheduled_action_name=action.name, recurrence=action.recurrence, time_zone=action.time_zone,
                min_size=action.min_size, desired_capacity=action.desired_capacity, max_size=action.max_size,
                opts=group_child)
        if args.predictive_scaling is not None:
            aws.autoscaling.Policy(
                f"{name}-predictive", autoscaling_group_name=group.name, policy_type="PredictiveScaling",
                predictive_scaling_configuration=_predictive_configuration(args.predictive_scaling, args),
                opts=group_child)

        self.name = group.name
        self.arn = group.arn
        self.security_group_id = sg.id
        self.launch_template_id = template.id
        self.role_name = role.name
        self.max_size = args.max_size
        self.register_outputs({"name": self.name, "arn": self.arn, "security_group_id": self.security_group_id,
                               "launch_template_id": self.launch_template_id, "role_name": self.role_name})

    def _security_group(self, name: str, args: AutoScalingGroupArgs, tags: Mapping[str, str]) -> aws.ec2.SecurityGroup:
        sg = aws.ec2.SecurityGroup(f"{name}-sg", vpc_id=args.vpc_id, description=f"{name}: application instances",
                                   tags={**tags, "Name": f"{name}-instances"},
                                   opts=pulumi.ResourceOptions(parent=self))
        opts = pulumi.ResourceOptions(parent=sg)
        if args.load_balancer_security_group_id is not None:
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-in-from-alb", security_group_id=sg.id, ip_protocol="tcp", from_port=args.port,
                to_port=args.port, referenced_security_group_id=args.load_balancer_security_group_id,
                description="Application port from the load balancer", tags=tags, opts=opts)
            # The load balancer's only egress: to these instances on the application port (traffic and health checks).
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-alb-out-to-instances", security_group_id=args.load_balancer_security_group_id,
                ip_protocol="tcp", from_port=args.port, to_port=args.port, referenced_security_group_id=sg.id,
                description=f"Load balancer to {name} instances", tags=tags, opts=opts)
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-out-https", security_group_id=sg.id, ip_protocol="tcp", from_port=443, to_port=443,
            cidr_ipv4="0.0.0.0/0", description="HTTPS out: SSM, package repositories, AWS APIs", tags=tags,
            opts=opts)
        for port in sorted(set(args.data_tier_ports)):
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-out-vpc-{port}", security_group_id=sg.id, ip_protocol="tcp", from_port=port, to_port=port,
                cidr_ipv4=args.vpc_cidr_block, description=f"Data tier port {port} inside the VPC", tags=tags,
                opts=opts)
        return sg


def _mixed_instances_policy(mixed: MixedInstances, template: aws.ec2.LaunchTemplate
                            ) -> aws.autoscaling.GroupMixedInstancesPolicyArgs:
    return aws.autoscaling.GroupMixedInstancesPolicyArgs(
        launch_template=aws.autoscaling.GroupMixedInstancesPolicyLaunchTemplateArgs(
            launch_template_specification=aws.autoscaling.
            GroupMixedInstancesPolicyLaunchTemplateLaunchTemplateSpecificationArgs(
                launch_template_id=template.id, version=template.latest_version.apply(str)),
            overrides=[aws.autoscaling.GroupMixedInstancesPolicyLaunchTemplateOverrideArgs(instance_type=t)
                       for t in mixed.instance_types]),
        instances_distribution=aws.autoscaling.GroupMixedInstancesPolicyInstancesDistributionArgs(
            on_demand_base_capacity=mixed.on_demand_base_capacity,
            on_demand_percentage_above_base_capacity=mixed.on_demand_percentage_above_base,
            spot_allocation_strategy=mixed.spot_allocation_strategy))


def _warm_pool(pool: WarmPool) -> aws.autoscaling.GroupWarmPoolArgs:
    return aws.autoscaling.GroupWarmPoolArgs(
        pool_state=pool.pool_state, min_size=pool.min_size,
        # -1 is AWS's "the group's maximum size".
        max_group_prepared_capacity=(-1 if pool.max_group_prepared_capacity is None
                                     else pool.max_group_prepared_capacity),
        instance_reuse_policy=aws.autoscaling.GroupWarmPoolInstanceReusePolicyArgs(
            reuse_on_scale_in=pool.reuse_on_scale_in))




def _predictive_configuration(predictive: PredictiveScaling, args: AutoScalingGroupArgs
                              ) -> aws.autoscaling.PolicyPredictiveScalingConfigurationArgs:
    if predictive.metric == "requests":
        [source] = [s for s in args.traffic_sources if s.weight > 0]
        # The same per-instance target as the request-count target tracking policy of that group.
        target = request_count_targets(args.traffic_sources, args.requests_per_target)[source.name]
        # validate_auto_scaling_group_args refuses the request metric without the load balancer's suffix.
        assert args.load_balancer_arn_suffix is not None
        pair = _MetricPair(
            predefined_metric_type="ALBRequestCount",
            resource_label=pulumi.Output.concat(args.load_balancer_arn_suffix, "/", source.target_group_arn_suffix))
    else:
        target = args.cpu_target_percent
        pair = _MetricPair(predefined_metric_type="ASGCPUUtilization")
    increase = predictive.max_capacity_breach_behavior == "IncreaseMaxCapacity"
    # pulumi-aws types the two buffers as strings.
    return aws.autoscaling.PolicyPredictiveScalingConfigurationArgs(
        mode=predictive.mode, scheduling_buffer_time=str(predictive.scheduling_buffer_seconds),
        max_capacity_breach_behavior=predictive.max_capacity_breach_behavior,
        max_capacity_buffer=str(predictive.max_capacity_buffer_percent) if increase else None,
        metric_specification=aws.autoscaling.PolicyPredictiveScalingConfigurationMetricSpecificationArgs(
            target_value=float(target), predefined_metric_pair_specification=pair))


def _base64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()

"""Typed stack configuration.

Every setting of the project is declared here once, as a field of a frozen dataclass with its
description, default and bounds. The same declarations drive:

* ``load_settings`` - turns raw stack configuration (``Pulumi.<stack>.yaml`` or the values the
  Pulumi engine hands the program, which are all strings) into typed settings objects;
* the ``config:`` section of ``Pulumi.yaml`` (``python -m stack.config --pulumi-yaml`` prints it,
  and a test keeps the file in step);
* the configuration reference in the README (``python -m stack.config --markdown``).

Defaults are the production values of the design (``../shared/scaling-design.md``); the dev stack
file sets its cheaper values explicitly. There are no per-environment defaults in code because the
Pulumi CLI always passes the ``Pulumi.yaml`` default, so code could never tell "unset" from "default".

Every problem is collected - wrong type, out of range, unknown choice, unknown key, missing required
key, inconsistent pair - and reported together as one ``ConfigurationError`` before any resource is
declared. ``ConfigurationError`` is a ``pulumi.RunError``, so the real CLI prints the messages without a
Python traceback.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import re
import sys
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Optional

import pulumi

from components.auto_scaling_group import (
    BREACH_BEHAVIORS,
    PREDICTIVE_METRICS,
    PREDICTIVE_MODES,
    SPOT_ALLOCATION_STRATEGIES,
    WARM_POOL_STATES,
    ScheduledAction,
)
from components.certificate import certificate_arn_problem as _certificate_arn_problem
from components.certificate import domain_name_problem as _domain_name_problem
from components.certificate import hosted_zone_id_problem as _hosted_zone_id_problem
from components.network import DEFAULT_INTERFACE_ENDPOINTS, MAX_ZONES, MIN_ZONES
from scaling_kit.aws_limits import LOG_RETENTION_DAYS
from scaling_kit.config_checks import key_problems, region_problem
from scaling_kit.limits import AUTO_SCALING, CACHE, DATABASE, HPA, LOAD_BALANCING, MESSAGING, RATE_LIMIT

PROJECT = "scaling"
ENVIRONMENTS = ("dev", "prod")
BACKEND_PLATFORMS = ("ec2", "eks")
# Dev runs this when appImage is empty: a static HTTP server that answers 200 on every path, as any UID,
# with a read-only root filesystem - enough for the health checks, the probes and the request metric.
DEV_APP_IMAGE = "docker.io/hashicorp/http-echo:1.0"
# registry/path:tag or registry/path@sha256:digest (lower-case path, as registries require).
_IMAGE = re.compile(r"[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+(:[\w][\w.-]{0,127})?(@sha256:[0-9a-f]{64})?")
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
_REQUIRED = object()
_MISSING = object()



class ConfigurationError(pulumi.RunError):
    """One or more configuration values are invalid. ``problems`` holds one message per problem."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid stack configuration ({len(self.problems)} problem(s)):\n{lines}")


def setting(description: str, default: Any = _REQUIRED, *, minimum: Optional[int] = None,
            maximum: Optional[int] = None, choices: Optional[tuple] = None,
            item_minimum: Optional[int] = None, item_maximum: Optional[int] = None,
            check: Optional[typing.Callable[[Any], Optional[str]]] = None,
            min_items: Optional[int] = None, max_items: Optional[int] = None) -> Any:
    """Declare one setting. ``check`` returns an error reason for a bad value, or None."""
    return field(metadata=dict(description=description, default=default, minimum=minimum,
                               maximum=maximum, choices=choices, item_minimum=item_minimum,
                               item_maximum=item_maximum, check=check, min_items=min_items,
                               max_items=max_items))


def _cidr(value: str) -> Optional[str]:
    try:
        ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        try:
            network = ipaddress.IPv4Network(value, strict=False)
        except ValueError:
            return "expected an IPv4 CIDR block such as 10.0.0.0/16"
        return f"has host bits set after the /{network.prefixlen}; did you mean {network}?"
    return None



def _ami_or_empty(value: str) -> Optional[str]:
    if value and not re.fullmatch(r"ami-[0-9a-f]{8,17}", value):
        return "expected an AMI ID (ami-0123456789abcdef0) or an empty string for the latest Amazon Linux 2023"
    return None


def _schedule_shape(entry: str) -> Optional[str]:
    """The shape of one asgSchedules entry; the values (cron, zone, bounds) are the component's to judge."""
    if not re.fullmatch(r"[^:]+:[^:]+:[^:]+:[0-9]+:[0-9]+:[0-9]+", entry):
        return ("expected 'name:cron:timeZone:min:desired:max' such as "
                "'business-hours:0 8 * * MON-FRI:Europe/Berlin:4:8:20'")
    return None


def _addon_version(value: str) -> Optional[str]:
    if not re.fullmatch(r"v[0-9]+\.[0-9]+\.[0-9]+-eksbuild\.[0-9]+", value):
        return "expected an EKS add-on version such as v1.20.1-eksbuild.3 (aws eks describe-addon-versions)"
    return None


def _topic(value: str) -> Optional[str]:
    if not re.fullmatch(r"[a-zA-Z0-9._-]{1,249}", value):
        return "expected a Kafka topic name (letters, digits, '.', '_', '-')"
    return None


def _image_or_empty(value: str) -> Optional[str]:
    if value and not _IMAGE.fullmatch(value):
        return ("expected an image reference such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.4.2 "
                "or registry/app@sha256:<64 hex digits>")
    return None


def _env_reason(entry: str) -> Optional[str]:
    name, sep, _ = entry.partition("=")
    if not sep or not re.fullmatch(r"[A-Z_][A-Z0-9_]*", name):
        return "expected NAME=value with an upper-case NAME (letters, digits, '_')"
    if any(word in name for word in ("PASSWORD", "TOKEN", "SECRET", "CREDENTIAL", "PRIVATE_KEY")):
        return "looks secret; keep secrets in Secrets Manager, never in plain settings"
    return None


# --------------------------------------------------------------------------------------------
# Sections. The config key of a field is the section prefix + the field name in camelCase.
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NetworkSettings:
    """VPC layout: three tiers of subnets (public, private with NAT egress, isolated)."""
    PREFIX: ClassVar[str] = "network"
    vpc_cidr: str = setting("IPv4 CIDR of the VPC; split into /21 subnets per tier and zone (for a /16).",
                            "10.0.0.0/16", check=_cidr)
    availability_zones: list[str] = setting(
        "Availability zones to use; empty means the first zones from aws.getAvailabilityZones.", [],
        max_items=6)
    az_count: int = setting(f"How many availability zones the VPC spans, {MIN_ZONES} to {MAX_ZONES} (the Network "
                            "component checks it).", 3)
    nat_gateways: str = setting("NAT gateways: one per zone (resilient) or a single one (cheap).",
                                "per-az", choices=("per-az", "single"))
    flow_log_retention_days: int = setting("Retention of the VPC flow log group, in days.", 365,
                                           choices=LOG_RETENTION_DAYS)
    interface_endpoints: list[str] = setting(
        "AWS services given an interface VPC endpoint in subnets of their own (sts, ecr.api, ...: the part after "
        "com.amazonaws.<region>.); the pods reach AWS there. Each costs per hour and zone; empty creates none.",
        list(DEFAULT_INTERFACE_ENDPOINTS), max_items=30)



@dataclass(frozen=True)
class ApplicationSettings:
    """The application both compute platforms run: the EC2 pools (Docker, started by cloud-init) and the
    EKS workload. One image, one port, one health check, one set of settings for both."""
    PREFIX: ClassVar[str] = "app"
    image: str = setting(
        "Container image of the application (registry/repository:tag or @sha256:digest). Required in prod, pinned by "
        "digest (registry/repository[:tag]@sha256:<digest>); "
        f"empty in dev runs {DEV_APP_IMAGE} (answers 200 on every path, /health included).", "",
        check=_image_or_empty)
    args: list[str] = setting("Arguments passed to the image's entrypoint; empty in dev with the default image "
                              "means its own (listen on appPort).", [], max_items=32)
    port: int = setting("Port the application listens on, on both platforms (the design's api*:3000).",
                        LOAD_BALANCING.backend_port, minimum=1, maximum=65535)
    health_check_path: str = setting("HTTP path that answers 200 while the application is healthy (target groups, "
                                     "Kubernetes probes).", "/health",
                                     check=lambda v: None if re.fullmatch(r"/[\x21-\x7e]{0,1023}", v) else
                                     "expected a path starting with '/', at most 1024 visible characters")
    environment: list[str] = setting(
        "Extra plain environment variables, NAME=value (secrets never: the app reads them from Secrets Manager).",
        [], max_items=100, check=lambda v: next((f"{e!r}: {_env_reason(e)}" for e in v if _env_reason(e)), None))
    internet_https: bool = setting(
        "Let the application's and the consumer's pods open HTTPS to addresses outside the VPC (third-party APIs). "
        "Off, they reach only the AWS APIs of networkInterfaceEndpoints (sts and secretsmanager needed).", False)

    def resolved(self, production: bool) -> ResolvedApplication:
        """Image and arguments to run: the configured ones, or in dev the default echo server."""
        if self.image:
            return ResolvedApplication(self.image, tuple(self.args))
        if production:
            raise ValueError("no image in prod")
        return ResolvedApplication(DEV_APP_IMAGE, tuple(self.args) or (f"-listen=:{self.port}", "-text=ok"))


@dataclass(frozen=True)
class ResolvedApplication:
    image: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class LoadBalancerSettings:
    """Application Load Balancer: the design's nginx upstream (defaults: scaling_kit/limits.py)."""
    PREFIX: ClassVar[str] = "lb"
    ingress_cidrs: list[str] = setting("CIDRs allowed to reach the load balancer on 80/443.",
                                       ["0.0.0.0/0"], min_items=1, check=lambda v: next(
                                           (f"{c!r}: {_cidr(c)}" for c in v if _cidr(c)), None))
    certificate_arn: str = setting(
        "An existing ACM certificate ARN (in the stack's region) for the HTTPS listener; or set lbDomainName instead. "
        "Required in prod unless lbDomainName is set; empty in dev means plain HTTP (flagged by policy).", "",
        check=lambda v: _certificate_arn_problem(v) if v else None)
    domain_name: str = setting(
        "Domain to serve (api.example.com): an ACM certificate is requested for it, validated by DNS in "
        "lbHostedZoneId, and an alias record points it at the load balancer. Exclusive with lbCertificateArn.", "",
        check=lambda v: _domain_name_problem(v) if v else None)
    hosted_zone_id: str = setting(
        "Route 53 public hosted zone (Z...) of lbDomainName, for the validation and alias records.", "",
        check=lambda v: _hosted_zone_id_problem(v) if v else None)
    backend_names: list[str] = setting("Names of the backend target groups (the design's api1..3).",
                                       ["api1", "api2", "api3"], min_items=1, max_items=5)
    backend_weights: list[int] = setting("Weight of each backend, in the order of backendNames.",
                                         list(LOAD_BALANCING.backend_weights), min_items=1, max_items=5, item_minimum=0,
                                         item_maximum=999)
    backend_platforms: list[str] = setting(
        "The pool behind each backend, in the order of backendNames: ec2 (an Auto Scaling group of its own) or "
        "eks (the Kubernetes workload, registered by the AWS Load Balancer Controller). Pools are never shared, "
        "so the weights split requests between distinct pools as nginx's do.", ["ec2", "ec2", "eks"],
        min_items=1, max_items=5, check=lambda v: next(
            (f"{p!r}: expected 'ec2' or 'eks'" for p in v if p not in BACKEND_PLATFORMS), None))
    idle_timeout_seconds: int = setting(
        f"Idle timeout of the load balancer (the design's {LOAD_BALANCING.idle_timeout_seconds} s proxy timeouts).",
        LOAD_BALANCING.idle_timeout_seconds, minimum=1, maximum=4000)
    deletion_protection: bool = setting("Protect the load balancer from deletion.", True)
    access_log_retention_days: int = setting("Days to keep access logs in S3.", 90, minimum=1,
                                             maximum=3650)
    deregistration_delay_seconds: int = setting(
        f"Seconds a deregistering target keeps serving in-flight requests (the design's "
        f"{LOAD_BALANCING.idle_timeout_seconds} s timeouts bound them).",
        LOAD_BALANCING.idle_timeout_seconds, minimum=0, maximum=3600)
    slow_start_seconds: int = setting(
        "Seconds a new target ramps up to its full share; 0 disables (AWS allows 0 or 30 to 900).", 0,
        minimum=0, maximum=900)
    backend_tls: bool = setting(
        "End-to-end TLS: HTTPS target groups and health checks, and the application behind a TLS sidecar (Envoy) "
        "with a self-signed certificate created at boot on both platforms (docs/application.md). Prod turns it on.",
        False)

    def check(self) -> list[str]:
        problems = []
        names, weights = self.backend_names, self.backend_weights
        if len(names) != len(weights):
            problems.append(f"{key_of(self, 'backend_weights')}: {weights!r} has {len(weights)} "
                            f"weight(s) but {key_of(self, 'backend_names')} has {len(names)} name(s); "
                            "give one weight per backend")
        if self.certificate_arn and self.domain_name:
            problems.append(f"{key_of(self, 'certificate_arn')} and {key_of(self, 'domain_name')}: both set; expected "
                            "one: an existing certificate, or a domain to request one for")
        if bool(self.domain_name) != bool(self.hosted_zone_id):
            problems.append(f"{key_of(self, 'domain_name')} {json.dumps(self.domain_name)} and "
                            f"{key_of(self, 'hosted_zone_id')} {json.dumps(self.hosted_zone_id)}: expected both (the "
                            "certificate is validated and the alias created in that zone) or neither")
        platforms = self.backend_platforms
        if len(platforms) != len(names):
            problems.append(f"{key_of(self, 'backend_platforms')}: {platforms!r} has {len(platforms)} pool(s) but "
                            f"{key_of(self, 'backend_names')} has {len(names)} name(s); give one pool per backend")
        if platforms.count("eks") > 1:
            problems.append(f"{key_of(self, 'backend_platforms')}: {platforms!r} puts the one Kubernetes workload "
                            "behind several weighted target groups; two groups sharing a pool make their weights "
                            "meaningless. Name 'eks' once")
        return problems


@dataclass(frozen=True)
class RateLimitSettings:
    """WAF rate limiting: the design's requests per window per client (defaults: scaling_kit/limits.py)."""
    PREFIX: ClassVar[str] = "rateLimit"
    requests: int = setting("Requests allowed per client in one window.", RATE_LIMIT.max_requests, minimum=1,
                            maximum=2_000_000_000)
    window_seconds: int = setting(f"Length of the window in seconds (the design's {RATE_LIMIT.window_seconds // 60} minutes).",
                                  RATE_LIMIT.window_seconds, minimum=60, maximum=86_400)
    key_header: str = setting("Header that identifies the client (e.g. x-user-id); empty means client IP.",
                              "")
    mode: str = setting("block: answer 429 above the limit; count: only count (for rollout).", "block",
                        choices=("block", "count"))
    managed_rules: bool = setting("Add the AWS managed rule groups to the web ACL after the rate rules: common rule "
                                  "set, known bad inputs, Amazon IP reputation list.", True)
    rule_overrides: list[str] = setting(
        "Actions of single rules inside the managed groups, each 'Group:RuleName:action' such as "
        "'AWSManagedRulesCommonRuleSet:SizeRestrictions_BODY:count' (action: allow, block, captcha, challenge, "
        "count); the RateLimit component checks the groups and actions.", [], max_items=100)
    log_retention_days: int = setting("Retention of the WAF log group (aws-waf-logs-...), in days.", 365,
                                      choices=LOG_RETENTION_DAYS)


@dataclass(frozen=True)
class AutoScalingSettings:
    """EC2 Auto Scaling group behind the load balancer (the design's ai-agent-asg)."""
    PREFIX: ClassVar[str] = "asg"
    min_size: int = setting("Minimum instances.", AUTO_SCALING.min_size, minimum=0, maximum=1000)
    max_size: int = setting("Maximum instances.", AUTO_SCALING.max_size, minimum=1, maximum=1000)
    desired_capacity: int = setting("Initial desired instances (scaling owns it afterwards).",
                                    AUTO_SCALING.desired_capacity, minimum=0, maximum=1000)
    instance_type: str = setting("EC2 instance type.", "m6i.large")
    ami_id: str = setting("AMI ID; empty means the latest Amazon Linux 2023 from the SSM public parameter.",
                          "", check=_ami_or_empty)
    health_check_grace_period_seconds: int = setting("Seconds before ELB health checks count.",
                                                     AUTO_SCALING.health_check_grace_period_seconds,
                                                     minimum=0, maximum=7200)
    cpu_target_percent: int = setting("Target average CPU utilization for target tracking.",
                                      HPA.cpu_utilization_percent, minimum=1, maximum=100)
    requests_per_target: int = setting("Target ALB requests per target per minute for target tracking.",
                                       1000, minimum=1, maximum=1_000_000)
    instance_refresh_min_healthy_percent: int = setting(
        "Share of capacity kept in service while an instance refresh replaces instances.", 90, minimum=0,
        maximum=100)
    # Capacity features (docs/capacity.md), each off by default; the AutoScalingGroup component judges the values.
    warm_pool_state: str = setting(
        "Warm pool of pre-initialized instances: off, or the state they wait in (Stopped, Running, Hibernated).",
        "off", choices=("off", *WARM_POOL_STATES))
    warm_pool_min_size: int = setting("Instances kept in the warm pool at least (with asgWarmPoolState).", 0,
                                      minimum=0, maximum=1000)
    warm_pool_max_prepared_capacity: int = setting(
        "Instances in the group and its warm pool together, at most; -1 means asgMaxSize.", -1, minimum=-1,
        maximum=1000)
    warm_pool_reuse_on_scale_in: bool = setting(
        "Return instances to the warm pool on scale-in instead of terminating them.", False)
    instance_types: list[str] = setting(
        "Instance types in order of preference for a mixed instances policy (on-demand and Spot); empty means "
        "asgInstanceType only, on-demand.", [], max_items=40)
    on_demand_base_capacity: int = setting("With asgInstanceTypes: instances that are always on-demand.", 0,
                                           minimum=0, maximum=1000)
    on_demand_percentage_above_base: int = setting(
        "With asgInstanceTypes: on-demand share of the capacity above the base, in percent (the rest is Spot).", 100,
        minimum=0, maximum=100)
    spot_allocation_strategy: str = setting(
        "With asgInstanceTypes: how Spot capacity is spread over the types.", "price-capacity-optimized",
        choices=SPOT_ALLOCATION_STRATEGIES)
    schedules: list[str] = setting(
        "Scheduled actions, each 'name:cron:timeZone:min:desired:max', such as "
        "'business-hours:0 8 * * MON-FRI:Europe/Berlin:4:8:20' (cron of five fields, an IANA time zone or Etc/UTC).",
        [], max_items=125, check=lambda v: next((f"{e!r}: {_schedule_shape(e)}" for e in v if _schedule_shape(e)),
                                                None))
    predictive_mode: str = setting(
        "Predictive scaling: off, ForecastOnly (forecasts to review) or ForecastAndScale.", "off",
        choices=("off", *PREDICTIVE_MODES))
    predictive_metric: str = setting(
        "Metric pair predictive scaling forecasts: cpu (target asgCpuTargetPercent) or requests (target "
        "asgRequestsPerTarget).", "cpu", choices=PREDICTIVE_METRICS)
    predictive_scheduling_buffer_seconds: int = setting(
        "Seconds predictive scaling launches instances ahead of the forecast.",
        AUTO_SCALING.health_check_grace_period_seconds, minimum=0, maximum=3600)
    predictive_max_capacity_breach: str = setting(
        "When the forecast reaches asgMaxSize: HonorMaxCapacity, or IncreaseMaxCapacity (ForecastOnly only).",
        "HonorMaxCapacity", choices=BREACH_BEHAVIORS)
    predictive_max_capacity_buffer_percent: int = setting(
        "Buffer above the forecast with IncreaseMaxCapacity, in percent.", 0, minimum=0, maximum=100)

    def scheduled_actions(self) -> list[ScheduledAction]:
        """asgSchedules as the component's arguments (the shape is checked on load)."""
        actions = []
        for entry in self.schedules:
            name, recurrence, time_zone, low, desired, high = entry.split(":")
            actions.append(ScheduledAction(name=name, recurrence=recurrence, time_zone=time_zone,
                                           min_size=int(low), desired_capacity=int(desired), max_size=int(high)))
        return actions



@dataclass(frozen=True)
class DatabaseSettings:
    """PostgreSQL shards, each a primary with read replicas behind an RDS Proxy."""
    PREFIX: ClassVar[str] = "db"
    engine_version: str = setting("PostgreSQL major version.", "16", choices=("14", "15", "16", "17"))
    instance_class: str = setting(
        "Instance class of primaries and replicas.", "db.r6g.large",
        check=lambda v: None if re.fullmatch(r"db\.[a-z0-9]+\.[a-z0-9]+", v) else "expected an RDS instance class "
        "such as db.r6g.large")
    allocated_storage_gb: int = setting("Initial gp3 storage per primary, in GiB.", 100, minimum=20,
                                        maximum=65536)
    max_allocated_storage_gb: int = setting("Storage autoscaling ceiling per primary, in GiB.", 1000,
                                            minimum=20, maximum=65536)
    replica_count: int = setting("Read replicas per shard.", DATABASE.min_read_replicas_prod, minimum=0, maximum=15)
    replica_instance_class: str = setting(
        "Instance class of the replicas; empty means the primaries' class.", "",
        check=lambda v: None if not v or re.fullmatch(r"db\.[a-z0-9]+\.[a-z0-9]+", v) else "expected an RDS "
        "instance class such as db.r6g.large, or an empty string for the primaries' class")
    allow_major_version_upgrade: bool = setting(
        "Allow an in-place major upgrade when dbEngineVersion is raised (off: AWS rejects the change).", False)
    shard_count: int = setting(f"Number of shards (the design's {DATABASE.shard_count}).", DATABASE.shard_count,
                               minimum=1, maximum=64)
    multi_az: bool = setting("Run each primary Multi-AZ.", True)
    backup_retention_days: int = setting("Automated backup retention in days.", 7, minimum=1, maximum=35)
    deletion_protection: bool = setting("Deletion protection and a final snapshot.", True)
    database_name: str = setting(
        "Name of the application database.", DATABASE.database_name,
        check=lambda v: None if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,62}", v) else "expected a letter, then "
        "letters, digits or '_', at most 63 characters")
    pool_max_connections: int = setting(f"Client pool size (the design's max {DATABASE.pool_max_connections}).",
                                        DATABASE.pool_max_connections, minimum=1, maximum=1000)
    pool_idle_timeout_seconds: int = setting(
        f"Idle client connection timeout (the design's {DATABASE.pool_idle_timeout_seconds} s).",
        DATABASE.pool_idle_timeout_seconds, minimum=1, maximum=14400)
    pool_connect_timeout_seconds: int = setting(
        f"Connection timeout (the design's {DATABASE.pool_connect_timeout_seconds} s).",
        DATABASE.pool_connect_timeout_seconds, minimum=1, maximum=120)



@dataclass(frozen=True)
class CacheSettings:
    """ElastiCache replication group in cluster mode (the design's Redis cluster)."""
    PREFIX: ClassVar[str] = "cache"
    engine: str = setting("Cache engine.", "valkey", choices=("valkey", "redis"))
    engine_version: str = setting("Engine version.", "8.0")
    node_type: str = setting("Node type.", "cache.r7g.large")
    shards: int = setting(f"Node groups (shards) in cluster mode (the design's {CACHE.shards}).", CACHE.shards,
                          minimum=1, maximum=500)
    replicas_per_shard: int = setting("Replicas per shard.", 1, minimum=0, maximum=5)
    snapshot_retention_days: int = setting("Days to keep automatic snapshots.", 7, minimum=0, maximum=35)
    ttl_seconds: int = setting(f"Cache-aside TTL exported to applications (the design's {CACHE.ttl_seconds} s).",
                               CACHE.ttl_seconds, minimum=1, maximum=31_536_000)
    session_key_prefix: str = setting("Key prefix for session state (stateless services).", CACHE.session_key_prefix)


@dataclass(frozen=True)
class StreamingSettings:
    """Amazon MSK cluster and its topics (the design's Kafka)."""
    PREFIX: ClassVar[str] = "kafka"
    version: str = setting("Kafka version of the MSK cluster.", "3.8.x")
    broker_instance_type: str = setting("Broker instance type.", "kafka.m7g.large")
    # As many brokers as replicas of a partition: the smallest cluster that holds the design's topics.
    broker_count: int = setting("Number of brokers; a multiple of the zone count.", MESSAGING.replication_factor,
                                minimum=1, maximum=30)
    volume_size_gb: int = setting("Initial EBS volume per broker, in GiB.", 100, minimum=1,
                                  maximum=16384)
    max_volume_size_gb: int = setting("Storage autoscaling ceiling per broker, in GiB.", 1000, minimum=1,
                                      maximum=16384)
    topic_partitions: int = setting(
        f"Partitions of the {MESSAGING.topic} topic (the design's {MESSAGING.partitions}).", MESSAGING.partitions,
        minimum=1, maximum=10000)
    topic_replication_factor: int = setting(
        f"Replication factor of topics (the design's {MESSAGING.replication_factor}).", MESSAGING.replication_factor,
        minimum=1, maximum=30)
    extra_topics: list[str] = setting(f"More topics to create, beside {MESSAGING.topic}, with the same settings.",
                                      [], max_items=50, check=lambda v: next(
                                          (f"{t!r}: {_topic(t)}" for t in v if _topic(t)), None))
    deployed_topics: list[str] = setting(
        "Topics as deployed, 'name:partitions:replicationFactor' "
        f"({MESSAGING.topic}:{MESSAGING.partitions}:{MESSAGING.replication_factor}); the program refuses fewer "
        "partitions, another replication factor or dropping one. Record a topic here once it is deployed.",
        [], max_items=51, check=lambda v: next(
            (f"{t!r}: expected 'name:partitions:replicationFactor' such as 'features:10:3'" for t in v
             if not re.fullmatch(r"[a-zA-Z0-9._-]{1,249}:[1-9][0-9]*:[1-9][0-9]*", t)), None))
    storage_target_percent: int = setting("Broker disk utilization that storage autoscaling keeps (AWS: 50-60).",
                                          60, minimum=10, maximum=80)


@dataclass(frozen=True)
class KubernetesSettings:
    """EKS cluster and the ai-agent-system workload with its HPA (defaults: scaling_kit/limits.py)."""
    PREFIX: ClassVar[str] = "eks"
    version: str = setting("Kubernetes version of the EKS cluster.", "1.33")
    public_access_cidrs: list[str] = setting(
        "CIDRs allowed to reach the public API endpoint; empty keeps the endpoint private only.", [],
        check=lambda v: next((f"{c!r}: {_cidr(c)}" for c in v if _cidr(c)), None))
    node_instance_type: str = setting("Instance type of the managed node group (x86_64, see the capacity table "
                                      "in components/eks_cluster.py).", "m6i.xlarge")
    node_min_size: int = setting("Minimum nodes.", 3, minimum=1, maximum=450)
    node_max_size: int = setting("Maximum nodes; must hold hpaMaxReplicas pods with their requests.", 12,
                                 minimum=1, maximum=450)
    vpc_cni_version: str = setting("Version of the vpc-cni EKS add-on (must suit eksVersion).",
                                   "v1.20.1-eksbuild.3", check=_addon_version)
    core_dns_version: str = setting("Version of the coredns EKS add-on (must suit eksVersion).",
                                    "v1.12.4-eksbuild.1", check=_addon_version)
    kube_proxy_version: str = setting("Version of the kube-proxy EKS add-on (must suit eksVersion).",
                                      "v1.33.5-eksbuild.2", check=_addon_version)
    cluster_autoscaler_version: str = setting("Cluster Autoscaler image tag; its minor must be eksVersion's.",
                                              "v1.33.0", check=lambda v: None if re.fullmatch(
                                                  r"v[0-9]+\.[0-9]+\.[0-9]+", v) else "expected a tag such as v1.33.0")
    app_cpu_request_millicores: int = setting("CPU request per pod, in millicores (HPA utilization is "
                                              "relative to it).", 500, minimum=10, maximum=64000)
    app_memory_request_mib: int = setting("Memory request (and limit) per pod, in MiB.", 512, minimum=16,
                                          maximum=262144)
    hpa_min_replicas: int = setting("HPA minimum replicas (the design's 2); at least 2 so a node can drain "
                                    "while one pod keeps serving.", HPA.min_replicas, minimum=2, maximum=1000)
    hpa_max_replicas: int = setting("HPA maximum replicas (the design's 50).", HPA.max_replicas, minimum=1,
                                    maximum=1000)
    hpa_cpu_target_percent: int = setting("HPA CPU utilization target (the design's 70).",
                                          HPA.cpu_utilization_percent, minimum=1, maximum=100)
    hpa_memory_target_percent: int = setting("HPA memory utilization target (the design's 80).",
                                             HPA.memory_utilization_percent, minimum=1, maximum=100)
    hpa_requests_per_second: int = setting("HPA requests_per_second AverageValue (the design's 1000).",
                                           int(HPA.requests_per_second_average_value), minimum=1,
                                           maximum=1_000_000)


@dataclass(frozen=True)
class ConsumerSettings:
    """The feature-processors consumer of the features topic, scaled by KEDA on its lag (docs/consumer.md)."""
    PREFIX: ClassVar[str] = "consumer"
    image: str = setting(
        "Container image of the consumer (registry/repository:tag or @sha256:digest). Required in prod; empty in "
        f"dev runs {DEV_APP_IMAGE} as an idle stand-in.", "", check=_image_or_empty)
    args: list[str] = setting("Arguments passed to the consumer image's entrypoint.", [], max_items=32)
    min_replicas: int = setting("Replica floor; 0 scales to zero without lag, 1 keeps a member in the group (reads "
                                "at once, lag stays published).", 1, minimum=0, maximum=10000)
    max_replicas: int = setting(f"Replica ceiling, at most the partitions of {MESSAGING.topic}; 0 means those "
                                "partitions (a consumer beyond them sits idle).", 0, minimum=0, maximum=10000)
    lag_threshold: int = setting("Target lag per replica (KEDA lagThreshold), in messages.", 100, minimum=1,
                                 maximum=10_000_000)
    cpu_request_millicores: int = setting("CPU request per consumer pod, in millicores.", 250, minimum=10,
                                          maximum=64000)
    memory_request_mib: int = setting("Memory request (and limit) per consumer pod, in MiB.", 256, minimum=16,
                                      maximum=262144)
    keda_chart_version: str = setting("Version of the kedacore/keda Helm chart (KEDA's, for eksVersion).", "2.18.3",
                                      check=lambda v: None if re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", v) else
                                      "expected a chart version such as 2.18.3")

    def resolved(self, production: bool) -> ResolvedApplication:
        """Image and arguments to run: the configured ones, or in dev the echo server as an idle stand-in."""
        if self.image:
            return ResolvedApplication(self.image, tuple(self.args))
        if production:
            raise ValueError("no consumer image in prod")
        return ResolvedApplication(DEV_APP_IMAGE, tuple(self.args) or ("-listen=:8080", "-text=ok"))


def _subscription(value: str) -> Optional[str]:
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) or re.fullmatch(r"https://[^\s/]+(/\S*)?", value):
        return None
    return "expected an email address (ops@example.com) or an HTTPS URL (https://hooks.example.com/alarms)"


@dataclass(frozen=True)
class AlarmSettings:
    """Where the CloudWatch alarms of the stack notify (see docs/alarms.md)."""
    PREFIX: ClassVar[str] = "alarms"
    subscriptions: list[str] = setting(
        "Email addresses and HTTPS URLs subscribed to the stack's alarm topic; email subscribers must confirm. "
        "Empty: the topic collects the notifications and nobody is told.", [], max_items=20,
        check=lambda v: next((f"{e!r}: {_subscription(e)}" for e in v if _subscription(e)), None))


@dataclass(frozen=True)
class StackSettings:
    """All settings of one stack."""
    stack: str
    environment: str
    network: NetworkSettings
    app: ApplicationSettings
    load_balancer: LoadBalancerSettings
    rate_limit: RateLimitSettings
    autoscaling: AutoScalingSettings
    database: DatabaseSettings
    cache: CacheSettings
    streaming: StreamingSettings
    kubernetes: KubernetesSettings
    alarms: AlarmSettings
    consumer: ConsumerSettings

    @property
    def is_production(self) -> bool:
        return self.environment == "prod"


SECTIONS: dict[str, type] = {
    "network": NetworkSettings,
    "app": ApplicationSettings,
    "load_balancer": LoadBalancerSettings,
    "rate_limit": RateLimitSettings,
    "autoscaling": AutoScalingSettings,
    "database": DatabaseSettings,
    "cache": CacheSettings,
    "streaming": StreamingSettings,
    "kubernetes": KubernetesSettings,
    "alarms": AlarmSettings,
    "consumer": ConsumerSettings,
}

ENVIRONMENT_KEY = "environment"
ENVIRONMENT_DESCRIPTION = "Environment of the stack: dev (small and cheap) or prod (the documented limits)."


# --------------------------------------------------------------------------------------------
# Machinery
# --------------------------------------------------------------------------------------------

def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def config_key(section: type[Any], field_name: str) -> str:
    """The key (without the project namespace) of one field of a settings class (one of ``SECTIONS``, which
    carry ``PREFIX``), e.g. ``asgMaxSize``."""
    suffix = _camel(field_name)
    return section.PREFIX + suffix[0].upper() + suffix[1:]


def key_of(instance: Any, field_name: str) -> str:
    """The namespaced key of a field, as users write it in a stack file."""
    return f"{PROJECT}:{config_key(type(instance), field_name)}"


def _type_name(kind: Any) -> str:
    return {str: "a string", int: "an integer", bool: "a boolean (true or false)",
            list[str]: "a list of strings", list[int]: "a list of integers"}[kind]


def _coerce(kind: Any, raw: Any) -> Any:
    """Parse one raw value (engine values are strings, YAML values may be native) or raise ValueError."""
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        raise ValueError
    if kind is int:
        if isinstance(raw, bool):
            raise ValueError
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str) and re.fullmatch(r"-?[0-9]+", raw.strip()):
            return int(raw)
        raise ValueError
    if kind is str:
        if isinstance(raw, str):
            return raw
        raise ValueError
    # list[str] / list[int]
    item_kind = typing.get_args(kind)[0]
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            raise ValueError from None
    if not isinstance(value, list):
        raise ValueError
    return [_coerce(item_kind, item) for item in value]


def _describe_allowed(kind: Any, meta: Mapping[str, Any]) -> str:
    if meta["choices"] is not None:
        return "one of " + ", ".join(repr(c) if isinstance(c, str) else str(c) for c in meta["choices"])
    text = _type_name(kind)
    lo, hi = meta["minimum"], meta["maximum"]
    if lo is not None and hi is not None:
        text += f" from {lo} to {hi}"
    elif lo is not None:
        text += f" of at least {lo}"
    return text


def _field_problems(key: str, kind: Any, meta: Mapping[str, Any], value: Any) -> list[str]:
    shown = json.dumps(value)
    if meta["choices"] is not None and value not in meta["choices"]:
        return [f"{key}: {shown} is not allowed; expected {_describe_allowed(kind, meta)}"]
    lo, hi = meta["minimum"], meta["maximum"]
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        return [f"{key}: {shown} is out of range; expected {_describe_allowed(kind, meta)}"]
    problems = []
    if isinstance(value, list):
        if meta["min_items"] is not None and len(value) < meta["min_items"]:
            problems.append(f"{key}: {shown} has {len(value)} item(s); expected at least {meta['min_items']}")
        if meta["max_items"] is not None and len(value) > meta["max_items"]:
            problems.append(f"{key}: {shown} has {len(value)} item(s); expected at most {meta['max_items']}")
        ilo, ihi = meta["item_minimum"], meta["item_maximum"]
        for item in value:
            if (ilo is not None and item < ilo) or (ihi is not None and item > ihi):
                problems.append(f"{key}: item {item} of {shown} is out of range; expected each from {ilo} to {ihi}")
    if meta["check"] is not None and not problems and (reason := meta["check"](value)):
        problems.append(f"{key}: {shown}: {reason}")
    return problems


def _load_section(section: type, raw: Mapping[str, Any], problems: list[str]) -> Any:
    hints = typing.get_type_hints(section)
    values = {}
    for f in dataclasses.fields(section):
        meta = f.metadata
        kind = hints[f.name]
        key = f"{PROJECT}:{config_key(section, f.name)}"
        value = raw.get(key, _MISSING)
        if value is _MISSING:
            if meta["default"] is _REQUIRED:
                problems.append(f"{key}: missing; expected {_describe_allowed(kind, meta)}")
                continue
            value = meta["default"]
        else:
            try:
                value = _coerce(kind, value)
            except ValueError:
                problems.append(f"{key}: {json.dumps(value)} is not {_type_name(kind)}; expected "
                                f"{_describe_allowed(kind, meta)}")
                continue
        field_problems = _field_problems(key, kind, meta, value)
        problems.extend(field_problems)
        if not field_problems:
            values[f.name] = value
    if len(values) < len(dataclasses.fields(section)):
        return None
    instance = section(**values)
    problems.extend(instance.check() if hasattr(instance, "check") else [])
    return instance


def known_keys() -> set[str]:
    keys = {f"{PROJECT}:{ENVIRONMENT_KEY}"}
    for section in SECTIONS.values():
        keys.update(f"{PROJECT}:{config_key(section, f.name)}" for f in dataclasses.fields(section))
    return keys


# The AWS APIs the application's and the consumer's pods call: STS (their IAM role, IRSA), Secrets Manager
# (the cache's AUTH token).
POD_AWS_SERVICES = ("sts", "secretsmanager")


def load_settings(raw: Mapping[str, Any], stack: str) -> StackSettings:
    """Turn raw configuration (``{"scaling:asgMaxSize": "20", ...}``) into settings or raise
    ``ConfigurationError`` listing every problem. Keys of the providers' namespaces are the providers' to
    judge, except ``aws:region``; an unknown namespace or key gets a "did you mean" (scaling_kit/config_checks.py)."""
    problems: list[str] = key_problems(raw, PROJECT, known_keys())
    if (region := region_problem(raw)) is not None:
        problems.append(region)
    env_key = f"{PROJECT}:{ENVIRONMENT_KEY}"
    environment = raw.get(env_key, _MISSING)
    if environment is _MISSING:
        problems.append(f"{env_key}: missing; expected one of {', '.join(map(repr, ENVIRONMENTS))}")
    elif environment not in ENVIRONMENTS:
        problems.append(f"{env_key}: {json.dumps(environment)} is not allowed; expected one of "
                        f"{', '.join(map(repr, ENVIRONMENTS))}")
    sections = {name: _load_section(cls, raw, problems) for name, cls in SECTIONS.items()}
    app = sections["app"]
    if environment == "prod" and app is not None and not app.image:
        problems.append(f"{key_of(app, 'image')}: missing; prod runs only an image you name (the dev default "
                        f"{DEV_APP_IMAGE} is a stand-in). Set it with: pulumi config set {key_of(app, 'image')} "
                        "<registry>/<repository>@sha256:<digest> --stack <stack>")
    elif environment == "prod" and app is not None and not _DIGEST.search(app.image):
        # A tag can be pushed again with other content; a digest names exactly the image that was reviewed.
        problems.append(f"{key_of(app, 'image')}: {json.dumps(app.image)} names a tag only; prod runs images pinned by "
                        "digest: expected <registry>/<repository>[:<tag>]@sha256:<64 hex digits> (docker buildx "
                        "imagetools inspect <image> prints it)")
    consumer = sections["consumer"]
    if environment == "prod" and consumer is not None and not consumer.image:
        problems.append(f"{key_of(consumer, 'image')}: missing; prod runs only a consumer image you name (the dev "
                        f"default {DEV_APP_IMAGE} is an idle stand-in). Set it with: pulumi config set "
                        f"{key_of(consumer, 'image')} <registry>/<repository>:<tag> --stack <stack>")
    network = sections["network"]
    if app is not None and network is not None and not app.internet_https:
        missing = [service for service in POD_AWS_SERVICES if service not in network.interface_endpoints]
        if missing:
            problems.append(f"{key_of(app, 'internet_https')}: false, but {key_of(network, 'interface_endpoints')} "
                            f"lacks {', '.join(missing)}: the pods would reach neither through the VPC nor outside "
                            f"it. Expected {key_of(app, 'internet_https')} true, or {', '.join(missing)} added")
    if problems:
        raise ConfigurationError(problems)
    return StackSettings(stack=stack, environment=environment, **sections)


# --------------------------------------------------------------------------------------------
# Documents generated from the declarations
# --------------------------------------------------------------------------------------------

def _yaml_type(kind: Any) -> dict:
    if kind in (list[str], list[int]):
        return {"type": "array", "items": {"type": "string" if kind == list[str] else "integer"}}
    return {"type": {str: "string", int: "integer", bool: "boolean"}[kind]}


def declarations() -> list[tuple[str, dict]]:
    """(key, declaration) pairs for the ``config:`` section of Pulumi.yaml, in declaration order."""
    out = [(ENVIRONMENT_KEY, {"type": "string", "description": ENVIRONMENT_DESCRIPTION})]
    for section in SECTIONS.values():
        hints = typing.get_type_hints(section)
        for f in dataclasses.fields(section):
            decl = _yaml_type(hints[f.name])
            decl["description"] = f.metadata["description"]
            if f.metadata["default"] is not _REQUIRED:
                decl["default"] = f.metadata["default"]
            out.append((config_key(section, f.name), decl))
    return out


PULUMI_YAML_HEADER = """\
# Pulumi project: the scaling design (../shared/scaling-design.md) on AWS.
# Generated from stack/config.py by `python -m stack.config --pulumi-yaml > Pulumi.yaml`; a test keeps it in step.
name: scaling
description: Horizontally scaled service on AWS - load balancer, auto scaling, EKS with HPA, sharded PostgreSQL,
  Redis cluster, Kafka, WAF rate limiting.
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: .venv
"""


def pulumi_yaml() -> str:
    """The whole Pulumi.yaml: project header and one typed declaration per setting."""
    lines = [PULUMI_YAML_HEADER.rstrip("\n"), "config:"]
    for key, decl in declarations():
        lines.append(f"  {key}:")
        for name in ("type", "items", "description", "default"):
            if name in decl:
                lines.append(f"    {name}: {json.dumps(decl[name])}")
    return "\n".join(lines) + "\n"


def markdown_reference() -> str:
    rows = ["| key | type | default | allowed | description |", "|---|---|---|---|---|"]
    rows.append(f"| `{ENVIRONMENT_KEY}` | string | required | 'dev', 'prod' | {ENVIRONMENT_DESCRIPTION} |")
    for section in SECTIONS.values():
        hints = typing.get_type_hints(section)
        for f in dataclasses.fields(section):
            meta, kind = f.metadata, hints[f.name]
            default = "required" if meta["default"] is _REQUIRED else f"`{json.dumps(meta['default'])}`"
            rows.append(f"| `{config_key(section, f.name)}` | {_yaml_type(kind)['type']} | {default} | "
                        f"{_describe_allowed(kind, meta)} | {meta['description']} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--pulumi-yaml"]:
        print(pulumi_yaml(), end="")
    elif sys.argv[1:] == ["--markdown"]:
        print(markdown_reference(), end="")
    else:
        sys.exit("usage: python -m stack.config --pulumi-yaml | --markdown")

"""Preflight: every component's own validation, run while the configuration loads.

The components validate their arguments before declaring anything, but the stack builds its tiers one
after another: a bad value for the last tier would otherwise surface after the first tiers had declared
resources (and, under the real CLI, as a traceback). Here each tier's arguments are built from the
settings exactly as the program builds them, with a *planned* network standing in for values that only
exist once resources do (IDs), and each component's validator runs on them. Every problem becomes a
configuration problem, reported with the others before any resource is declared.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

import pulumi

from components.auto_scaling_group import validate_auto_scaling_group_args
from components.cache import validate_cache_args
from components.certificate import certificate_arn_problem
from components.consumer import validate_kafka_consumer_args
from components.keda import validate_keda_args
from components.load_balancer import validate_load_balancer_args
from components.network import validate_network_args
from components.rate_limit import validate_rate_limit_args
from components.sharded_database import default_base_identifier, validate_sharded_database_args
from components.streaming import validate_streaming_args

from .argument_keys import config_problem
from .cache_and_streaming import cache_args, streaming_args
from .config import PROJECT, ConfigurationError, StackSettings, key_of, load_settings
from .consumer import consumer_args, keda_args
from .database import sharded_database_args
from .edge import load_balancer_args, planned_auto_scaling_group_args, rate_limit_args
from .kubernetes import kubernetes_settings_problems
from .program import network_args


@dataclass(frozen=True)
class PlannedNetwork:
    """The attributes of ``components.network.Network`` the tiers read, with placeholder IDs."""
    vpc_id: str
    vpc_cidr_block: str
    availability_zones: list[str]
    public_subnet_ids: list[str]
    private_subnet_ids: list[str]
    isolated_subnet_ids: list[str]


def planned_network(settings: StackSettings) -> PlannedNetwork:
    net = settings.network
    zones = list(net.availability_zones[: net.az_count]) or [f"zone-{i}" for i in range(net.az_count)]
    return PlannedNetwork(
        vpc_id="vpc-planned", vpc_cidr_block=net.vpc_cidr, availability_zones=zones,
        **{f"{tier}_subnet_ids": [f"subnet-{tier}-{i}" for i in range(net.az_count)]
           for tier in ("public", "private", "isolated")})


def tls_problems(settings: StackSettings, region: Optional[str]) -> list[str]:
    """Prod serves HTTPS only, so it needs a certificate source; an existing certificate must be in the stack's
    region (``aws:region``; when the region comes from the environment instead, the component checks it)."""
    lb, problems = settings.load_balancer, []
    domain, zone, arn = (key_of(lb, k) for k in ("domain_name", "hosted_zone_id", "certificate_arn"))
    if settings.is_production and not (lb.domain_name or lb.certificate_arn):
        problems.append(f"{domain} + {zone}, or {arn}: required in prod (the load balancer serves HTTPS only); set "
                        f"the domain to serve and its Route 53 hosted zone (a certificate is requested and validated), "
                        f"or an existing ACM certificate, e.g. `pulumi config set {domain} api.example.com --stack "
                        f"{settings.stack}` and `pulumi config set {zone} Z0123456789ABCDEFGHIJ --stack {settings.stack}`")
    if lb.certificate_arn and region and (reason := certificate_arn_problem(lb.certificate_arn, region)):
        problems.append(f"{arn}: {json.dumps(lb.certificate_arn)}: {reason}")
    return problems


def preflight_problems(settings: StackSettings, region: Optional[str] = None) -> list[str]:
    """One message per component whose validation fails, naming the settings it comes from; ``region`` is the
    stack's ``aws:region`` when it is configured."""
    network = planned_network(settings)
    app_sgs = ["sg-planned"]

    def auto_scaling_groups() -> None:
        for args in planned_auto_scaling_group_args(settings, network):
            validate_auto_scaling_group_args(args)

    def consumer() -> None:
        validate_keda_args(keda_args(settings))
        validate_kafka_consumer_args(consumer_args(settings))

    checks: list[tuple[str, Callable[[], object]]] = [
        ("network*", lambda: validate_network_args(network_args(settings))),
        ("lb*", lambda: validate_load_balancer_args(load_balancer_args(settings, network))),
        ("rateLimit*", lambda: validate_rate_limit_args(rate_limit_args(settings, "arn:planned"))),
        ("asg*/app*", auto_scaling_groups),
        ("db*", lambda: validate_sharded_database_args(sharded_database_args(settings, network, app_sgs),
                                                       default_base_identifier("db", settings.stack, PROJECT))),
        ("cache*", lambda: validate_cache_args(cache_args(settings, network, app_sgs))),
        ("kafka*/network*", lambda: validate_streaming_args(streaming_args(settings, network, app_sgs))),
        ("consumer*/kafka*", consumer),
    ]
    problems = tls_problems(settings, region)
    for keys, check in checks:
        try:
            check()
        except ValueError as error:
            problems.append(config_problem(keys, error))
    problems.extend(kubernetes_settings_problems(settings))
    return problems


def load_checked_settings(raw: Mapping[str, Any], stack: str) -> StackSettings:
    """``load_settings`` and then the preflight: typed settings that every component accepts, or one
    ``ConfigurationError`` listing every problem."""
    settings = load_settings(raw, stack)
    if (problems := preflight_problems(settings, raw.get("aws:region"))):
        raise ConfigurationError(problems)
    return settings


def load_from_pulumi() -> StackSettings:
    """Checked settings of the running program, from the configuration the engine passed in."""
    raw = dict(pulumi.runtime.config.CONFIG.get())
    return load_checked_settings(raw, pulumi.get_stack())

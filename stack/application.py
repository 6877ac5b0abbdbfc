"""The application's settings, one map for both platforms: the EKS workload's ConfigMap and the SSM
parameter the EC2 pools read at boot (``components/app_settings.py``).

Declared after the data tier, whose endpoints it carries, and before the pools that read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from components.app_settings import AppSettings, AppSettingsArgs
from components.workload import design_app_settings

from .config import StackSettings
from .edge import app_settings_parameter_name

# Exports of other tiers that the app needs -> the environment variable it reads them from.
ENDPOINT_EXPORTS = {
    "dbShardMap": "DB_SHARD_MAP",
    "dbProxyEndpoint": "DB_PROXY_ENDPOINT",
    "dbPort": "DB_PORT",
    "cacheConfigurationEndpoint": "CACHE_CONFIGURATION_ENDPOINT",
    "cachePort": "CACHE_PORT",
    "cacheAuthSecretArn": "CACHE_AUTH_SECRET_ARN",
    "kafkaBootstrapBrokersIam": "KAFKA_BOOTSTRAP_BROKERS",
}
# Exports that are secrets -> the environment variable the workload's Secret gives it (never plain settings).
SECRET_EXPORTS = {"cacheAuthToken": "CACHE_AUTH_TOKEN"}


@dataclass(frozen=True)
class AppTier:
    settings: AppSettings
    endpoints: dict[str, Any]
    secrets: dict[str, Any]


def plain_app_settings(settings: StackSettings) -> dict[str, str]:
    """The design's application settings, with the values this stack configures where it configures them, the
    port and the operator's extra environment."""
    values = design_app_settings()
    values.update({
        "PORT": str(settings.app.port),
        "CACHE_TTL_SECONDS": str(settings.cache.ttl_seconds),
        "SESSION_KEY_PREFIX": settings.cache.session_key_prefix,
        "DB_NAME": settings.database.database_name,
        "DB_SHARD_COUNT": str(settings.database.shard_count),
        "DB_POOL_MAX": str(settings.database.pool_max_connections),
        "DB_POOL_IDLE_TIMEOUT_MS": str(settings.database.pool_idle_timeout_seconds * 1000),
        "DB_POOL_CONNECTION_TIMEOUT_MS": str(settings.database.pool_connect_timeout_seconds * 1000),
        "RATE_LIMIT_MAX": str(settings.rate_limit.requests),
        "RATE_LIMIT_WINDOW_MS": str(settings.rate_limit.window_seconds * 1000),
    })
    for entry in settings.app.environment:
        name, value = entry.split("=", 1)
        values[name] = value
    return values


def build_app_settings(settings: StackSettings, exports: Mapping[str, Any], prefix: str = "") -> AppTier:
    endpoints = {env: exports[key] for key, env in ENDPOINT_EXPORTS.items() if key in exports}
    secrets = {env: pulumi.Output.secret(exports[key]) for key, env in SECRET_EXPORTS.items() if key in exports}
    component = AppSettings(f"{prefix}app-settings", AppSettingsArgs(
        parameter_name=app_settings_parameter_name(settings),
        values={**plain_app_settings(settings), **endpoints}, environment=settings.environment))
    # The workload's ConfigMap takes the same text (JSON values serialized once, in one key order).
    return AppTier(settings=component, endpoints={k: component.values[k] for k in endpoints}, secrets=secrets)

"""Wiring of the data tier's PostgreSQL: the design's sharded database from the stack settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from components.database import DatabaseArgs
from components.network import Network
from components.sharded_database import ShardedDatabase, ShardedDatabaseArgs

from .config import StackSettings


def sharded_database_args(settings: StackSettings, network: Any,
                          app_security_group_ids: Sequence[Any]) -> ShardedDatabaseArgs:
    """Arguments of the shards from the settings; ``network`` is a Network (or the preflight's planned one)."""
    db = settings.database
    return ShardedDatabaseArgs(shard_count=db.shard_count, database=DatabaseArgs(
        vpc_id=network.vpc_id, subnet_ids=network.isolated_subnet_ids,
        app_security_group_ids=list(app_security_group_ids), availability_zones=network.availability_zones,
        engine_version=db.engine_version, allow_major_version_upgrade=db.allow_major_version_upgrade,
        instance_class=db.instance_class, replica_instance_class=db.replica_instance_class,
        allocated_storage_gb=db.allocated_storage_gb, max_allocated_storage_gb=db.max_allocated_storage_gb,
        replica_count=db.replica_count, multi_az=db.multi_az, backup_retention_days=db.backup_retention_days,
        deletion_protection=db.deletion_protection, database_name=db.database_name,
        pool_max_connections=db.pool_max_connections, pool_idle_timeout_seconds=db.pool_idle_timeout_seconds,
        pool_connect_timeout_seconds=db.pool_connect_timeout_seconds, environment=settings.environment))


@dataclass(frozen=True)
class DatabaseTier:
    """What the rest of the program needs from the database tier."""
    database: ShardedDatabase
    """The shards (their ``connect_policy_statements`` go to the application's identity)."""
    exports: dict[str, Any]
    """Stack outputs of the tier."""


def build_database(settings: StackSettings, network: Network, app_security_group_ids: Sequence[Any],
                   prefix: str = "") -> DatabaseTier:
    """Declare the shards in the isolated subnets, reachable only from the app tier."""
    sharded = ShardedDatabase(f"{prefix}db", sharded_database_args(settings, network, app_security_group_ids))
    return DatabaseTier(database=sharded, exports={
        "dbShardMap": sharded.shard_map,
        "dbProxyEndpoint": sharded.proxy_endpoints[0],   # shard 0, for clients that use a single shard
        "dbPort": sharded.port,
        "dbSecretArns": sharded.secret_arns,
        "dbSecurityGroupId": sharded.security_group_id,
        "dbClientSettings": sharded.client_settings,
        # What an rds-db:connect grant names (arn:...:dbuser:<prx- id>/<user>), for identities outside this stack.
        "dbProxyArns": sharded.proxy_arns,
    })

"""ShardedDatabase: the design's "Sharding Strategy" - N PostgreSQL shards, each a :class:`Database`.

The pieces every shard can share (KMS key, subnet group, parameter group, security groups, monitoring
role) are declared once here and handed to each shard, which keeps a 16-shard preview small and fast.
Shard ``i`` is the child ``<name>-shard-<ii>`` with the identifier ``<base>-shard-<ii>``: the names
depend only on the index, so adding shards never renames (and so never replaces) an existing one.
Applications route a key with ``scaling_kit.sharding.shard_for(user_id, shard_count)``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Optional

import pulumi

from scaling_kit.limits import DATABASE
from scaling_kit.sharding import SHARD_KEY_HEX_CHARS

from .database import (
    IDENTIFIER_MAX_LENGTH,
    Database,
    DatabaseArgs,
    declare_shared_resources,
    default_identifier,
    proxy_connect_statements,
    validate_database_args,
)
from .validation import ArgumentError, check_arguments, resolve_protect

MAX_SHARDS = 64


@dataclass(frozen=True)
class ShardedDatabaseArgs:
    """Arguments of :class:`ShardedDatabase`."""

    database: DatabaseArgs
    """Template for every shard (VPC, subnets, app security groups, sizes, windows, pool, tags).
    Its ``identifier``, if set, is the base of the shard identifiers; ``zone_offset`` and ``shared`` are
    set per shard."""
    shard_count: int = DATABASE.shard_count
    """Number of shards, 1 to 64. Defaults to 16 (the design's ``shardCount``)."""
    protect: Optional[bool] = None
    """Whether Pulumi refuses to delete or replace the stateful resources (data, and the keys that encrypt it).
    Defaults to True when ``environment`` is ``prod``."""


def shard_name(name: str, index: int) -> str:
    """Child name of shard ``index``: depends on the index only, so it never changes when shards are added."""
    return f"{name}-shard-{index:02d}"


def default_base_identifier(name: str, stack: Optional[str] = None, project: Optional[str] = None) -> str:
    """``<project>-<stack>-<name>`` with room for the shard suffix (``-shard-00``) and the replica suffix."""
    return default_identifier(name, stack, project=project,
                              max_length=IDENTIFIER_MAX_LENGTH - len(shard_name("", 0)))


def validate_sharded_database_args(args: ShardedDatabaseArgs, base_identifier: str) -> list[DatabaseArgs]:
    """Validate and return the per-shard arguments (without ``shared``); raise ``ValueError`` otherwise."""
    check_arguments(args)  # shard_count is an int from here on (a bool or a str is refused by its annotation)
    if not 1 <= args.shard_count <= MAX_SHARDS:
        raise ArgumentError("shard_count", f"{args.shard_count!r} is out of range; expected an integer from 1 to "
                         f"{MAX_SHARDS}")
    if args.database.shared is not None:
        raise ArgumentError("database.shared", "given; expected None (ShardedDatabase declares the shared pieces)")
    if args.database.protect is not None:
        raise ArgumentError("database.protect", f"{args.database.protect!r} given on the template; expected None "
                                                "(set ShardedDatabaseArgs.protect: it covers every shard and the shared key)")
    protect = resolve_protect(args.protect, args.database.environment)
    shards = [dataclasses.replace(args.database, identifier=shard_name(base_identifier, i), zone_offset=i,
                                  protect=protect)
              for i in range(args.shard_count)]
    for shard in shards:
        try:
            validate_database_args(shard, shard.identifier)
        except ArgumentError as error:
            raise error.within("database") from error
    return shards


class ShardedDatabase(pulumi.ComponentResource):
    """N PostgreSQL shards sharing one KMS key, subnet group, parameter group and security groups."""

    shards: list[Database]
    """The shards, in shard order (shard ``i`` serves ``shard_for(user_id, shard_count) == i``)."""
    shard_count: int
    """Number of shards."""
    shard_map: pulumi.Output[dict]
    """``{"0": {"writer": host, "proxy": host, "readers": [host, ...]}, ...}`` keyed by shard index."""
    proxy_endpoints: list[pulumi.Output[str]]
    """Proxy host name of each shard, in shard order."""
    secret_arns: list[pulumi.Output[str]]
    """ARN of each shard's RDS-managed master user secret, in shard order."""
    port: int
    """PostgreSQL port of every shard."""
    security_group_id: pulumi.Output[str]
    """Security group of all instances."""
    proxy_security_group_id: pulumi.Output[str]
    """Security group of all proxies."""
    kms_key_arn: pulumi.Output[str]
    """The shared KMS key."""
    proxy_arns: list[pulumi.Output[str]]
    """ARN of each shard's RDS Proxy, in shard order."""
    app_db_user: str
    """Database user the application connects as through every proxy."""
    connect_policy_statements: pulumi.Output[list]
    """IAM statements (JSON-able dicts) granting ``rds-db:connect`` as ``app_db_user`` through every shard's
    proxy (one statement naming each proxy's ``rds-db`` ARN); put them in the application role's policy."""
    client_settings: dict[str, Any]
    """Pool settings for applications plus the routing parameters (``shardCount``, ``shardKeyHexChars``)."""

    def __init__(self, name: str, args: ShardedDatabaseArgs, opts: Optional[pulumi.ResourceOptions] = None):
        base_identifier = args.database.identifier or default_base_identifier(name)
        shard_args = validate_sharded_database_args(args, base_identifier)
        super().__init__("scaling:database:ShardedDatabase", name, None, opts)

        shared = declare_shared_resources(name, dataclasses.replace(args.database, protect=shard_args[0].protect), self)
        self.shards = [Database(shard_name(name, i), dataclasses.replace(a, shared=shared),
                                pulumi.ResourceOptions(parent=self))
                       for i, a in enumerate(shard_args)]

        self.shard_count = args.shard_count
        self.shard_map = pulumi.Output.from_input({
            str(i): {"writer": s.writer_endpoint, "proxy": s.proxy_endpoint, "readers": s.reader_endpoints}
            for i, s in enumerate(self.shards)})
        self.proxy_endpoints = [s.proxy_endpoint for s in self.shards]
        self.secret_arns = [s.secret_arn for s in self.shards]
        self.port = args.database.port
        self.security_group_id = pulumi.Output.from_input(shared.security_group_id)
        self.proxy_security_group_id = pulumi.Output.from_input(shared.proxy_security_group_id)
        self.kms_key_arn = pulumi.Output.from_input(shared.kms_key_arn)
        self.proxy_arns = [s.proxy_arn for s in self.shards]
        self.app_db_user = self.shards[0].app_db_user
        self.connect_policy_statements = pulumi.Output.all(*self.proxy_arns).apply(
            lambda arns: proxy_connect_statements(arns, self.app_db_user))
        self.client_settings = {**self.shards[0].client_settings, "shardCount": args.shard_count,
                                "shardKeyHexChars": SHARD_KEY_HEX_CHARS}
        self.register_outputs({
            "shard_map": self.shard_map,
            "proxy_endpoints": self.proxy_endpoints,
            "secret_arns": self.secret_arns,
            "port": self.port,
            "security_group_id": self.security_group_id,
            "proxy_arns": self.proxy_arns,
            "connect_policy_statements": self.connect_policy_statements,
        })

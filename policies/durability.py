"""Durability: stateful resources are protected from deletion by the engine in production."""

from __future__ import annotations

from .common import HIGH, resource_policy, schema, string_list

STATEFUL_TYPES = [
    "aws:rds/instance:Instance", "aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance",
    "aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/serverlessCache:ServerlessCache",
    "aws:msk/cluster:Cluster", "aws:msk/serverlessCluster:ServerlessCluster", "aws:msk/topic:Topic",
    "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2", "aws:ebs/volume:Volume",
    "aws:kms/key:Key", "aws:secretsmanager/secret:Secret", "aws:eks/cluster:Cluster",
    "aws:dynamodb/table:Table", "aws:efs/fileSystem:FileSystem",
]


def _protect(args, k, violation):
    if args.resource_type not in k["statefulTypes"]:
        return
    if not args.opts.protect:
        violation("protect is not set: `pulumi destroy` or a replacing change would delete its data; "
                  "stateful resources carry protect=True in prod")


stateful_protect = resource_policy(
    "pulumi-stateful-resource-protect",
    "Stateful resources (databases, caches, brokers, buckets, volumes, keys) have protect=True in production.",
    None, _protect, severity=HIGH, prod_only=True,
    remediation="Pass opts=ResourceOptions(protect=environment == 'prod') to the stateful child resource.",
    config_schema=schema(statefulTypes=string_list(STATEFUL_TYPES, "Resource types that hold data.")))

POLICIES = [stateful_protect]

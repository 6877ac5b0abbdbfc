"""Every policy of the pack, in one list: the CLI entry point and the offline preview share it."""

from __future__ import annotations

from pulumi_policy import Policy

from . import (
               alb,
               autoscaling,
               cloudwatch,
               durability,
               ec2,
               eks,
               elasticache,
               iam,
               keda,
               kubernetes,
               kubernetes_security,
               msk,
               pools,
               rds,
               s3,
               secrets,
               stack_rules,
               waf,
)

ALL_POLICIES: list[Policy] = [
    *alb.POLICIES, *waf.POLICIES, *autoscaling.POLICIES, *ec2.POLICIES, *rds.POLICIES, *elasticache.POLICIES,
    *msk.POLICIES, *eks.POLICIES, *kubernetes.POLICIES, *s3.POLICIES, *secrets.POLICIES, *iam.POLICIES, *durability.POLICIES,
    *stack_rules.POLICIES, *pools.POLICIES,
    *cloudwatch.POLICIES, *keda.POLICIES, *kubernetes_security.POLICIES,
]

BY_NAME: dict[str, Policy] = {policy.name: policy for policy in ALL_POLICIES}
assert len(BY_NAME) == len(ALL_POLICIES), "policy names must be unique"

"""Customer-managed KMS keys, made the same way by every component that encrypts data at rest.

Every key carries an explicit key policy (issue 17; AWS's default policy is implicit and scanners flag it):

* the account administers the key (``arn:<partition>:iam::<account>:root`` with ``kms:*``). This is what
  delegates the key to IAM: without it nobody could manage the key again, and IAM policies (the app roles'
  ``kms:Decrypt`` scoped by ``kms:ViaService``, the EKS cluster role's rights on its key) would have no effect;
* a service principal only where the service calls KMS as itself rather than through a grant made with the
  caller's IAM rights, and then only under a condition naming the one resource it may use the key for
  (CloudWatch Logs: ``kms:EncryptionContext:aws:logs:arn``; CloudWatch alarms: the SNS topic ARN);
* nothing else. RDS, ElastiCache, MSK, Secrets Manager and EKS use their keys through grants and IAM, so
  their keys need no service statement.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Optional

import pulumi
import pulumi_aws as aws

LOGS_KEY_ACTIONS = ("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*")
"""What CloudWatch Logs needs on a log group's key (AWS: "Encrypt log data in CloudWatch Logs using AWS KMS")."""


def account_administers_key(partition: str, account_id: str) -> dict:
    """The statement that makes the account (and so IAM policies in it) the key's administrator."""
    return {"Sid": "AccountAdministersTheKey", "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"}, "Action": "kms:*", "Resource": "*"}


def key_policy(partition: str, account_id: str, *service_statements: dict) -> str:
    """A key policy: the account administers the key, plus ``service_statements`` (each conditioned)."""
    return json.dumps({"Version": "2012-10-17",
                       "Statement": [account_administers_key(partition, account_id), *service_statements]})


def log_group_arn(partition: str, region: str, account_id: str, log_group_name: str) -> str:
    """The ARN CloudWatch Logs puts in the encryption context (``aws:logs:arn``): without the ``:*`` suffix."""
    return f"arn:{partition}:logs:{region}:{account_id}:log-group:{log_group_name}"


def logs_key_statement(partition: str, region: str, account_id: str, log_group_names: Sequence[str]) -> dict:
    """CloudWatch Logs of this region may use the key for the named log groups only."""
    arns = [log_group_arn(partition, region, account_id, n) for n in log_group_names]
    return {"Sid": "CloudWatchLogsEncryptTheseLogGroups", "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"}, "Action": list(LOGS_KEY_ACTIONS),
            "Resource": "*",
            "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": arns[0] if len(arns) == 1 else arns}}}


def customer_managed_key(name: str, description: str, tags: Mapping[str, str], parent: pulumi.Resource,
                         protect: bool, policy: Optional[pulumi.Input[str]] = None) -> aws.kms.Key:
    """A symmetric key with automatic yearly rotation and the longest deletion window (30 days), so a
    mistaken deletion can still be cancelled. ``protect`` in production: losing the key loses the data.
    ``policy``: a key policy with the service statements the key needs (build it with ``key_policy``);
    None writes out the account-administers-the-key policy alone, never AWS's implicit default."""
    if policy is None:
        invoke = pulumi.InvokeOptions(parent=parent)
        policy = key_policy(aws.get_partition(opts=invoke).partition,
                            aws.get_caller_identity(opts=invoke).account_id)
    return aws.kms.Key(name, description=description, enable_key_rotation=True, deletion_window_in_days=30,
                       policy=policy, tags=dict(tags), opts=pulumi.ResourceOptions(parent=parent, protect=protect))


def log_group_key(name: str, description: str, tags: Mapping[str, str], parent: pulumi.Resource, protect: bool,
                  log_group_names: Sequence[str]) -> aws.kms.Key:
    """A key for the log groups ``log_group_names`` (known names: the key policy names their ARNs, and the
    log groups need the key when they are created, so the names cannot come from the log groups)."""
    invoke = pulumi.InvokeOptions(parent=parent)
    partition = aws.get_partition(opts=invoke).partition
    account = aws.get_caller_identity(opts=invoke).account_id
    region = aws.get_region(opts=invoke).region
    return customer_managed_key(name, description, tags, parent, protect, policy=key_policy(
        partition, account, logs_key_statement(partition, region, account, log_group_names)))

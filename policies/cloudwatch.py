"""CloudWatch alarms and their SNS topics, and CloudWatch log groups.

An alarm somebody hears, over a channel that stays encrypted; logs kept under a customer key for a year.

An alarm without actions changes state on a console nobody watches; one without OK actions leaves the
people it paged guessing whether it still fires. ``treatMissingData`` decides whether silence is fine,
bad or unknown, and the right answer differs per metric, so it must be chosen, not left to the default.

The topic must be encrypted with a customer-managed key: alarm payloads name resources and thresholds, and
CloudWatch cannot publish to a topic under the AWS-managed SNS key (``alias/aws/sns``), whose policy
cannot be changed to admit it.
"""

from __future__ import annotations

from collections.abc import Sequence

from .common import HIGH, MEDIUM, as_number, fmt, get, integer, resource_policy, schema

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
# CIS AWS Foundations and the common IaC scanners ask for a year of logs: an incident is often found months late.
MIN_LOG_RETENTION_DAYS = 365
TOPIC = "aws:sns/topic:Topic"
MISSING_DATA_TREATMENTS = ("breaching", "notBreaching", "ignore", "missing")
AWS_MANAGED_SNS_KEY = "alias/aws/sns"


def _actions_and_missing_data(args, k, violation):
    props = args.props
    for key in ("alarmActions", "okActions"):
        # Counted, not read: the topic's ARN is unknown during a first preview, the number of actions is not.
        actions = get(props, key)
        if not (isinstance(actions, Sequence) and not isinstance(actions, str) and len(actions)):
            violation(f"{key} is empty: nobody is told when the alarm "
                      f"{'fires' if key == 'alarmActions' else 'clears'}")
    treatment = get(props, "treatMissingData")
    if treatment is None:
        violation("treatMissingData is not set: choose what silence means for this metric "
                  f"({', '.join(MISSING_DATA_TREATMENTS)})")
    elif treatment not in MISSING_DATA_TREATMENTS:
        violation(f"treatMissingData is {treatment!r}; expected one of {', '.join(MISSING_DATA_TREATMENTS)}")


alarm_actions = resource_policy(
    "aws-cloudwatch-alarm-actions-and-missing-data",
    "Every metric alarm notifies when it fires and when it clears, and says what missing data means.",
    (ALARM,), _actions_and_missing_data, severity=MEDIUM,
    remediation="Set alarm_actions and ok_actions to the stack's alarm topic (components.alarms.Alarms does) and "
                "treat_missing_data to breaching, notBreaching, ignore or missing, with a comment saying why.")


def _topic_encrypted(args, k, violation):
    key = get(args.props, "kmsMasterKeyId")
    if key in (None, ""):
        violation("kmsMasterKeyId is not set: messages are stored unencrypted")
    elif key == AWS_MANAGED_SNS_KEY:
        violation(f"kmsMasterKeyId is {AWS_MANAGED_SNS_KEY!r}, the AWS-managed key: CloudWatch alarms cannot "
                  "publish to a topic under it")


topic_encrypted = resource_policy(
    "aws-sns-topic-kms-encrypted",
    "SNS topics are encrypted at rest with a customer-managed KMS key.",
    (TOPIC,), _topic_encrypted, severity=HIGH,
    remediation="Set kms_master_key_id to a customer-managed key whose policy lets the publishing services "
                "(cloudwatch.amazonaws.com) use kms:Decrypt and kms:GenerateDataKey*.")

def _log_group_encrypted(args, k, violation):
    # Only whether a key is set: its ARN is unknown until the key exists, and the key's own policy is
    # aws-kms-key-explicit-policy's to judge.
    if get(args.props, "kmsKeyId") in (None, ""):
        violation("kmsKeyId is not set: CloudWatch Logs stores the group under its own service key, which no key "
                  "policy of this account controls")


log_group_kms_encrypted = resource_policy(
    "aws-cloudwatch-log-group-kms-encrypted",
    "CloudWatch log groups are encrypted with a customer-managed KMS key.",
    (LOG_GROUP,), _log_group_encrypted, severity=HIGH,
    remediation="Name the log group, create its key with components.encryption.log_group_key (a key policy that "
                "lets logs.<region>.amazonaws.com use it for that group's ARN only) and set kms_key_id=key.arn.")


def _log_group_retention(args, k, violation):
    days = as_number(get(args.props, "retentionInDays"))
    if days is None or days == 0:
        return  # absent or 0: CloudWatch Logs keeps the events forever
    if days < k["minDays"]:
        violation(f"retentionInDays is {fmt(days)}; keep logs at least {k['minDays']} days")


log_group_retention = resource_policy(
    "aws-cloudwatch-log-group-retention",
    f"CloudWatch log groups keep their events at least {MIN_LOG_RETENTION_DAYS} days (or forever).",
    (LOG_GROUP,), _log_group_retention, severity=MEDIUM,
    remediation="Set retention_in_days to 365 or a longer CloudWatch Logs retention value (components default to "
                "365; a dev stack may shorten it, the pack reports it there as advisory).",
    config_schema=schema(minDays=integer(MIN_LOG_RETENTION_DAYS, "Fewest days a log group may keep events.", 1)))

POLICIES = [alarm_actions, topic_encrypted, log_group_kms_encrypted, log_group_retention]

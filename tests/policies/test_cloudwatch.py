import pytest
from pulumi_policy.proxy import UnknownValueError

from policies import cloudwatch
from tests.policies import UNKNOWN, run
from tests.policies.cases import Case, case_tests

ALARM, TOPIC, LOG_GROUP = cloudwatch.ALARM, cloudwatch.TOPIC, cloudwatch.LOG_GROUP
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/k"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:alarms"


def alarm(**changes):
    props = {"alarmActions": [TOPIC_ARN], "okActions": [TOPIC_ARN], "treatMissingData": "notBreaching",
             "comparisonOperator": "GreaterThanThreshold", "threshold": 5.0, "evaluationPeriods": 5.0}
    props.update(changes)
    return {k: v for k, v in props.items() if v is not None}


CASES = [
    Case(cloudwatch.alarm_actions, ALARM, alarm(), alarm(alarmActions=[]), alarm(alarmActions=None), True,
         "alarmActions is empty", id="alarm-actions"),
    Case(cloudwatch.alarm_actions, ALARM, alarm(), alarm(okActions=[]), alarm(okActions=None), True,
         "okActions is empty", id="ok-actions"),
    Case(cloudwatch.alarm_actions, ALARM, alarm(treatMissingData="breaching"), alarm(treatMissingData="zero"),
         alarm(treatMissingData=None), True, "treatMissingData is 'zero'", id="missing-data"),
    Case(cloudwatch.topic_encrypted, TOPIC, {"kmsMasterKeyId": "arn:aws:kms:us-east-1:123456789012:key/k"},
         {"kmsMasterKeyId": "alias/aws/sns"}, {"name": "alarms"}, True, "the AWS-managed key"),
    Case(cloudwatch.log_group_kms_encrypted, LOG_GROUP, {"name": "g", "kmsKeyId": KEY_ARN},
         {"name": "g", "kmsKeyId": ""}, {"name": "g"}, True, "kmsKeyId is not set"),
    # Absent retention means "never expire", which keeps logs longer than any minimum.
    Case(cloudwatch.log_group_retention, LOG_GROUP, {"retentionInDays": 365.0}, {"retentionInDays": 30.0},
         {"name": "g"}, False, "retentionInDays is 30; keep logs at least 365 days"),
]
test_compliant, test_violating, test_missing_property, test_other_resource_types_are_ignored = case_tests(CASES)


@pytest.mark.parametrize("treatment", cloudwatch.MISSING_DATA_TREATMENTS)
def test_every_documented_treatment_is_accepted(treatment):
    assert run(cloudwatch.alarm_actions, ALARM, alarm(treatMissingData=treatment)) == []


def test_missing_treatment_is_named_with_the_choices():
    [message] = run(cloudwatch.alarm_actions, ALARM, alarm(treatMissingData=None))
    assert message.startswith("treatMissingData is not set") and "notBreaching" in message


def test_alarm_without_any_action_reports_both():
    messages = run(cloudwatch.alarm_actions, ALARM, alarm(alarmActions=None, okActions=None))
    assert [m.split(" ")[0] for m in messages] == ["alarmActions", "okActions"]


def test_actions_unknown_during_preview_are_counted_not_read():
    assert run(cloudwatch.alarm_actions, ALARM, alarm(alarmActions=[UNKNOWN], okActions=[UNKNOWN])) == []


def test_unencrypted_topic_and_unknown_key():
    assert run(cloudwatch.topic_encrypted, TOPIC, {"kmsMasterKeyId": ""}) == [
        "kmsMasterKeyId is not set: messages are stored unencrypted"]
    with pytest.raises(UnknownValueError):  # an unknown key during preview: the analyzer reports "can't run"
        run(cloudwatch.topic_encrypted, TOPIC, {"kmsMasterKeyId": UNKNOWN})


def test_log_group_key_unknown_during_preview_raises_for_the_analyzer_note():
    with pytest.raises(UnknownValueError):
        run(cloudwatch.log_group_kms_encrypted, LOG_GROUP, {"name": "g", "kmsKeyId": UNKNOWN})


def test_zero_retention_is_never_expire_and_the_minimum_is_a_knob():
    assert run(cloudwatch.log_group_retention, LOG_GROUP, {"retentionInDays": 0.0}) == []
    assert run(cloudwatch.log_group_retention, LOG_GROUP, {"retentionInDays": 30.0}, {"minDays": 30}) == []
    assert run(cloudwatch.log_group_retention, LOG_GROUP, {"retentionInDays": 14.0}, {"minDays": 30}) == [
        "retentionInDays is 14; keep logs at least 30 days"]

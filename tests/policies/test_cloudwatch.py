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


# Whole messages (issue 19: a fragment check lets the wording and the named values drift unnoticed).
TREATMENTS = "breaching, notBreaching, ignore, missing"


def test_alarm_messages_are_whole():
    assert run(cloudwatch.alarm_actions, ALARM, alarm(alarmActions=None, okActions=[], treatMissingData=None)) == [
        "alarmActions is empty: nobody is told when the alarm fires",
        "okActions is empty: nobody is told when the alarm clears",
        f"treatMissingData is not set: choose what silence means for this metric ({TREATMENTS})"]
    assert run(cloudwatch.alarm_actions, ALARM, alarm(treatMissingData="zero")) == [
        f"treatMissingData is 'zero'; expected one of {TREATMENTS}"]


@pytest.mark.parametrize("actions", [TOPIC_ARN, "", {"arn": TOPIC_ARN}])
def test_actions_that_are_not_a_list_are_empty(actions):
    """A string (even an ARN) or a map is not a list of actions."""
    assert run(cloudwatch.alarm_actions, ALARM, alarm(alarmActions=actions)) == [
        "alarmActions is empty: nobody is told when the alarm fires"]


def test_one_action_is_enough():
    assert run(cloudwatch.alarm_actions, ALARM, alarm(alarmActions=[TOPIC_ARN], okActions=["a", "b"])) == []


@pytest.mark.parametrize("key", ["", None, "alias/aws/sns"])
def test_topic_messages_are_whole(key):
    props = {"name": "alarms"} if key is None else {"kmsMasterKeyId": key}
    expected = ("kmsMasterKeyId is 'alias/aws/sns', the AWS-managed key: CloudWatch alarms cannot publish to a topic "
                "under it") if key else "kmsMasterKeyId is not set: messages are stored unencrypted"
    assert run(cloudwatch.topic_encrypted, TOPIC, props) == [expected]


def test_a_customer_key_alias_is_accepted():
    assert run(cloudwatch.topic_encrypted, TOPIC, {"kmsMasterKeyId": "alias/alarms"}) == []


@pytest.mark.parametrize("props", [{"name": "g"}, {"name": "g", "kmsKeyId": ""}])
def test_log_group_key_message_is_whole(props):
    assert run(cloudwatch.log_group_kms_encrypted, LOG_GROUP, props) == [
        "kmsKeyId is not set: CloudWatch Logs stores the group under its own service key, which no key policy of this "
        "account controls"]


@pytest.mark.parametrize("days, expected", [
    (1.0, ["retentionInDays is 1; keep logs at least 365 days"]),
    ("30", ["retentionInDays is 30; keep logs at least 365 days"]),   # a numeric string is read as a number
    ("never", []),                                                    # not a number: nothing to compare
    (0.0, []), (365.0, []), (3653.0, []),
])
def test_retention_values(days, expected):
    assert run(cloudwatch.log_group_retention, LOG_GROUP, {"retentionInDays": days}) == expected

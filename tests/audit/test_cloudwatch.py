"""CloudWatch alarms and dashboard: coverage of the tiers, actions, missing data, the dashboard."""

import pytest

from audit.cloudwatch import dashboard_name
from audit.findings import ERROR

from .conftest import audit, only

SERVICES = ["cloudwatch"]


@pytest.fixture(scope="module")
def conforming(account):
    account.build_alarms("cw-ok")
    return audit(account, "cw-ok", SERVICES)


def test_conforming_alarms_and_dashboard_pass_every_check(conforming):
    assert conforming.findings == []
    # 5 namespaces + shard CPU + consumer lag; 4 checks on each of 8 alarms; the dashboard's tiers
    assert conforming.checks == 7 + 4 * 8 + 1
    assert conforming.found == 8 + 1


def test_alarm_without_ok_action_or_missing_data_choice_is_reported(account):
    account.build_alarms("cw-noaction", ok_actions=False, missing_data="")
    report = audit(account, "cw-noaction", SERVICES)
    ok = report.find("alarm/", "OK action")
    missing = report.find("alarm/", "missing data treated deliberately")
    assert len(ok) == 8 and all(f.actual == "none" and f.severity == ERROR for f in ok)
    # DescribeAlarms omits TreatMissingData when it was never set (CloudWatch then treats gaps as "missing").
    assert len(missing) == 8 and all(f.actual == "unset" for f in missing), missing


def test_a_tier_without_alarms_and_too_few_shard_alarms_are_reported(account):
    account.build_alarms("cw-gaps", shards=1, namespaces=("AWS/ApplicationELB", "AWS/RDS", "AWS/Kafka",
                                                         "AWS/NATGateway"))
    report = audit(account, "cw-gaps", SERVICES)
    assert {(f.check, f.expected, f.actual) for f in report.findings} == {
        ("alarms on AWS/ElastiCache", "at least one", "none"),
        ("database CPU alarms (one per shard primary)", 2, 1),
        ("dashboard tiers", "a widget for each of AWS/ApplicationELB, AWS/RDS, AWS/ElastiCache, AWS/Kafka, "
                            "AWS/NATGateway", "missing AWS/ElastiCache")}


def test_missing_consumer_lag_alarm_and_dashboard(account):
    account.build_alarms("cw-bare", namespaces=("AWS/ApplicationELB", "AWS/RDS", "AWS/ElastiCache", "AWS/NATGateway"),
                         dashboard=False)
    report = audit(account, "cw-bare", SERVICES)
    lag = only(report, "consumer lag alarm (feature-processors on features)")
    assert (lag.expected, lag.actual) == (1, 0)
    board = only(report, "dashboard")
    assert (board.resource, board.expected, board.actual) == (
        f"dashboard/{dashboard_name('scaling', 'cw-bare')}", "present", "missing")


def test_other_stacks_alarms_are_not_counted(account):
    report = audit(account, "cw-none", SERVICES)
    assert only(report, "alarms on AWS/RDS").actual == "none"
    assert report.found == 0

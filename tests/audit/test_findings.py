"""Finding, Report, and the table and JSON renderings."""

import json

import pytest

from audit.findings import ERROR, WARNING, Finding, Report, render_table, to_json


def _report() -> Report:
    report = Report(stack="prod", region="us-east-1", checks=12, resources={"asg/web", "rds/shard00", "stack prod"})
    report.add(Finding("rds/shard00", "declared by the stack", "16 primaries", "17 tagged", WARNING))
    report.add(Finding("asg/web", "max size", 20, 40))
    report.add(Finding("rds/shard00", "storage encrypted", True, False))
    return report


def test_table_lists_errors_first_with_aligned_columns_and_a_summary():
    lines = render_table(_report()).splitlines()
    assert lines[0].split() == ["SEVERITY", "RESOURCE", "CHECK", "EXPECTED", "ACTUAL"]
    assert lines[1].split() == ["error", "asg/web", "max", "size", "20", "40"]
    assert lines[2].split() == ["error", "rds/shard00", "storage", "encrypted", "true", "false"]
    assert lines[3].split()[:3] == ["warning", "rds/shard00", "declared"]
    # Columns line up: every row has the check at the same offset as the header.
    offset = lines[0].index("CHECK")
    assert all(line[offset - 2:offset] == "  " for line in lines[1:4])
    assert lines[-1] == ("Audited stack prod in us-east-1: 12 checks on 3 resources; 2 error(s), 1 warning(s).")


def test_clean_report_says_so_and_still_counts_checks():
    text = render_table(Report(stack="dev", region="us-east-1", checks=40, resources={"a", "b"}))
    assert text.splitlines() == ["No findings.", "Audited stack dev in us-east-1: 40 checks on 2 resources; "
                                                 "0 error(s), 0 warning(s)."]


def test_long_values_are_cut_in_the_table_but_not_in_json():
    report = Report(stack="prod", region="us-east-1")
    long_text = "permission denied on DescribeDBInstances: AccessDenied: " + "x" * 100
    report.add(Finding("stack prod", "database instances", "readable", long_text))
    assert "..." in render_table(report) and long_text not in render_table(report)
    assert to_json(report)["findings"][0]["actual"] == long_text


def test_json_has_findings_and_summary():
    data = json.loads(json.dumps(to_json(_report())))
    assert data["summary"] == {"checks": 12, "resources": 3, "errors": 2, "warnings": 1}
    assert data["findings"][1] == {"resource": "asg/web", "check": "max size", "expected": 20, "actual": 40,
                                   "severity": ERROR}


def test_unknown_severity_is_rejected():
    with pytest.raises(ValueError, match="severity 'fatal' is not allowed"):
        Finding("asg/web", "max size", 20, 40, "fatal")

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
    lines = render_table(_report(), width=120).splitlines()  # not the terminal of whoever runs the tests
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


def test_long_values_wrap_in_the_table_and_stay_whole_in_json():
    report = Report(stack="prod", region="us-east-1")
    endpoint = "https://rds.us-east-1.amazonaws.com/"
    long_text = ("unreachable: EndpointConnectionError: Could not connect to the endpoint URL: "
                 + "x" * 40 + " " + endpoint)
    report.add(Finding("stack prod", "database instances", "readable (rds:DescribeDBInstances)", long_text))
    table = render_table(report, width=100)
    assert "..." not in table
    rows = table.split("\n\n")[0].splitlines()
    assert all(len(line) <= 100 for line in rows) and len(rows) > 2  # header + a row over several lines
    # Every character of the value is in the table, the endpoint at the end included, in order (a word
    # longer than the column is split over lines, never cut).
    actual_start = rows[0].index("ACTUAL")
    shown = "".join(line[actual_start:] for line in rows[1:])
    assert "".join(shown.split()) == "".join(long_text.split())
    assert to_json(report)["findings"][0]["actual"] == long_text


def test_a_hint_is_printed_below_its_row_and_kept_in_json():
    report = Report(stack="dev", region="eu-west-1")
    report.add(Finding("stack dev", "resources found", "resources tagged Project=scaling, Stack=dev",
                       "nothing tagged Project=scaling, Stack=dev found in eu-west-1", hint="try --region"))
    lines = render_table(report, width=120).splitlines()
    assert lines[-3].strip() == "hint: try --region" and lines[-2] == ""  # after the (wrapped) row
    assert lines[-1].startswith("Audited stack dev in eu-west-1: nothing tagged for the stack found; ")
    assert to_json(report)["findings"][0]["hint"] == "try --region"
    assert to_json(report)["summary"]["nothingFound"] is True


def test_json_has_findings_and_summary():
    data = json.loads(json.dumps(to_json(_report())))
    assert data["summary"] == {"checks": 12, "resources": 3, "found": 0, "errors": 2, "warnings": 1,
                               "nothingFound": False}
    assert data["findings"][1] == {"resource": "asg/web", "check": "max size", "expected": 20, "actual": 40,
                                   "severity": ERROR, "hint": ""}


def test_unknown_severity_is_rejected():
    with pytest.raises(ValueError, match="severity 'fatal' is not allowed"):
        Finding("asg/web", "max size", 20, 40, "fatal")

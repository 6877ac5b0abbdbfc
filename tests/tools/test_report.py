"""The Markdown report of the offline preview (offline/report.py)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Optional

from pulumi_policy import EnforcementLevel

from offline.engine import Evaluation, RecordedResource
from offline.report import NO_COMPONENT, group_by_component, render_markdown, summary_line
from tests.conftest import stack_evaluation


@dataclass
class Violation:
    """The fields render_markdown reads from a violation of the policy report."""
    policy: str
    resource: Optional[str]
    message: str
    enforcement: object


@dataclass
class Report:
    violations: list


def urn(type_: str, name: str, parents: tuple[str, ...] = ()) -> str:
    return f"urn:pulumi:dev::scaling::{'$'.join(parents + (type_,))}::{name}"


def hand_built() -> Evaluation:
    """app (component) > db (nested component) > 2 instances; app > 1 bucket; a role on the stack."""
    app = RecordedResource(urn("scaling:app:App", "app"), "scaling:app:App", "app", "", False, {})
    db = RecordedResource(urn("scaling:db:Db", "app-db", ("scaling:app:App",)), "scaling:db:Db", "app-db",
                          app.urn, False, {})
    instances = [RecordedResource(urn("aws:rds/instance:Instance", f"app-db-{i}", ("scaling:app:App", "scaling:db:Db")),
                                  "aws:rds/instance:Instance", f"app-db-{i}", db.urn, True, {}) for i in range(2)]
    bucket = RecordedResource(urn("aws:s3/bucket:Bucket", "app-logs", ("scaling:app:App",)), "aws:s3/bucket:Bucket",
                              "app-logs", app.urn, True, {})
    role = RecordedResource(urn("aws:iam/role:Role", "loose"), "aws:iam/role:Role", "loose", "", True, {})
    empty = RecordedResource(urn("scaling:empty:Empty", "empty"), "scaling:empty:Empty", "empty", "", False, {})
    return Evaluation("scaling", "dev", [app, db, *instances, bucket, role, empty], {}, {}, [])


def table(markdown: str, header: str) -> list[list[str]]:
    """Rows of the table whose header line is ``header``, each split into cells (escaped pipes kept)."""
    lines = markdown.splitlines()
    start = lines.index(header)
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


RESOURCES = "| component | resource type | count |"
POLICIES = "| enforcement | policy | resource | message |"


# --- grouping -----------------------------------------------------------------------------------------

def test_nested_components_count_under_their_top_level_component():
    groups = {g.name: g for g in group_by_component(hand_built())}
    assert set(groups) == {"app", "empty", NO_COMPONENT}
    assert groups["app"].counts == Counter({"aws:rds/instance:Instance": 2, "scaling:db:Db": 1,
                                            "aws:s3/bucket:Bucket": 1})
    assert groups["app"].total == 5  # the component itself, the nested one and three cloud resources
    assert groups[NO_COMPONENT].counts == Counter({"aws:iam/role:Role": 1})
    assert groups["empty"].total == 1


def test_resource_table_of_the_hand_built_stack():
    rows = table(render_markdown(hand_built()), RESOURCES)
    assert rows == [
        ["`app` (`scaling:app:App`), 5 in all", "`aws:rds/instance:Instance`", "2"],
        ["", "`aws:s3/bucket:Bucket`", "1"],
        ["", "`scaling:db:Db`", "1"],
        ["`empty` (`scaling:empty:Empty`), 1 in all", "(no children)", "0"],
        [f"{NO_COMPONENT}, 1 in all", "`aws:iam/role:Role`", "1"],
    ]


def test_real_dev_stack_groups_every_resource_once():
    evaluation = stack_evaluation("dev")
    groups = group_by_component(evaluation)
    assert sum(g.total for g in groups) == len(evaluation.resources)
    top_level = [r for r in evaluation.resources if not r.custom and r.parent not in {x.urn for x in evaluation.resources}]
    assert [g.name for g in groups if g.type] == [r.name for r in top_level]
    # Every subnet of the stack belongs to the network component.
    network = next(g for g in groups if g.type == "scaling:network:Network")
    assert network.counts["aws:ec2/subnet:Subnet"] == len(evaluation.by_type("aws:ec2/subnet:Subnet")) == 9


def test_real_dev_report_lists_the_network_with_its_counts():
    evaluation = stack_evaluation("dev")
    markdown = render_markdown(evaluation)
    rows = table(markdown, RESOURCES)
    start = next(i for i, row in enumerate(rows) if row[0].startswith("`network` (`scaling:network:Network`)"))
    network_rows = [rows[start]]
    for row in rows[start + 1:]:
        if row[0]:  # the next component
            break
        network_rows.append(row)
    counts = {row[1].strip("`"): int(row[2]) for row in network_rows}
    assert counts["aws:ec2/subnet:Subnet"] == 9 and counts["aws:ec2/natGateway:NatGateway"] == 1
    assert counts["aws:ec2/vpc:Vpc"] == 1
    assert f"{len(evaluation.resources)} resources: " in markdown


def test_tables_are_well_formed():
    markdown = render_markdown(stack_evaluation("dev"), Report([
        Violation("a-b-c", None, "pipe | inside\nand a second line", "advisory")]))
    for header in (RESOURCES, POLICIES):
        rows = table(markdown, header)
        assert rows and all(len(row) == header.count("|") - 1 for row in rows), rows


# --- summary line ---------------------------------------------------------------------------------------

def test_summary_line_without_a_policy_report():
    evaluation = stack_evaluation("dev")
    assert summary_line(evaluation) == f"scaling-dev: {len(evaluation.resources)} resources to create, policies not evaluated"
    assert f"**{summary_line(evaluation)}**" in render_markdown(evaluation).splitlines()


def test_summary_line_counts_mandatory_and_advisory_violations_on_prod():
    evaluation = stack_evaluation("prod")
    report = Report([Violation("p-adv-1", None, "m", "advisory"), Violation("p-man", None, "m", "mandatory"),
                     Violation("p-adv-2", None, "m", EnforcementLevel.ADVISORY),
                     Violation("p-off", None, "m", "disabled")])
    assert summary_line(evaluation, report) == (
        f"scaling-prod: {len(evaluation.resources)} resources to create, 1 mandatory and 2 advisory "
        "policy violations")
    assert summary_line(evaluation, Report([])).endswith("0 mandatory and 0 advisory policy violations")
    assert summary_line(evaluation, Report([Violation("x", None, "m", "advisory")])).endswith(
        "0 mandatory and 1 advisory policy violation")


# --- policy verdicts ------------------------------------------------------------------------------------

def test_violations_table_puts_mandatory_first_and_shows_resources_by_name_and_type():
    evaluation = hand_built()
    bucket_urn = evaluation.one("aws:s3/bucket:Bucket", "app-logs").urn
    report = Report([
        Violation("s3-bucket-versioning", bucket_urn, "enable versioning", "advisory"),
        Violation("rds-instance-encrypted", "app-db-0", "storage is not encrypted", EnforcementLevel.MANDATORY),
        Violation("stack-shard-count", None, "16 shards | design", "MANDATORY"),
        Violation("waf-rate-limit", "", "line one\nline two", "advisory"),
    ])
    rows = table(render_markdown(evaluation, report), POLICIES)
    assert rows == [
        ["**mandatory**", "`rds-instance-encrypted`", "`app-db-0`", "storage is not encrypted"],
        ["**mandatory**", "`stack-shard-count`", "(stack)", "16 shards \\| design"],
        ["advisory", "`s3-bucket-versioning`", "`app-logs` (`aws:s3/bucket:Bucket`)", "enable versioning"],
        ["advisory", "`waf-rate-limit`", "(stack)", "line one<br>line two"],
    ]


def test_empty_policy_report_says_so_and_no_report_leaves_the_section_out():
    with_report = render_markdown(hand_built(), Report([]))
    assert "#### Policy violations" in with_report and "No policy violations." in with_report
    assert "#### Policy violations" not in render_markdown(hand_built())


def test_failed_program_reports_the_error_without_tables():
    evaluation = Evaluation("scaling", "prod", [], {}, {}, [],
                            error=RuntimeError('scaling:asgMaxSize: "many" is not an integer'))
    markdown = render_markdown(evaluation)
    assert "scaling-prod: the program failed, nothing to create" in markdown
    assert 'scaling:asgMaxSize: "many" is not an integer' in markdown
    assert RESOURCES not in markdown


# --- with the real policy runner (offline/policy_check.py) ----------------------------------------------

def test_real_policy_report_of_dev_matches_the_summary_and_the_table():
    from offline.policy_check import run_policies

    evaluation = stack_evaluation("dev")
    report = run_policies(evaluation, "dev")
    markdown = render_markdown(evaluation, report)
    assert (f"**scaling-dev: {len(evaluation.resources)} resources to create, {len(report.mandatory)} mandatory "
            f"and {len(report.advisory)} advisory policy violation") in markdown
    rows = table(markdown, POLICIES) if report.violations else []
    assert len(rows) == len(report.violations)
    levels = [row[0].strip("*") for row in rows]
    assert levels == sorted(levels, key=lambda level: level != "mandatory")
    for v in report.violations:
        shown = f"`{v.resource_name}` (`{v.resource_type}`)" if v.urn else "(stack)"
        assert any(row[1] == f"`{v.policy}`" and row[2] == shown for row in rows), v
    assert f"{report.policies_run} policies evaluated." in markdown


def test_real_report_classes_render_stack_level_and_skipped_checks():
    from offline.policy_check import PolicyReport, Skipped
    from offline.policy_check import Violation as RealViolation

    evaluation = hand_built()
    bucket = evaluation.one("aws:s3/bucket:Bucket", "app-logs")
    report = PolicyReport(pack="scaling-policies", stack="dev", config_path="policies/config/dev.json", policies_run=3,
                          violations=[
        RealViolation("s3-bucket-versioning", "advisory", "medium", bucket.type, bucket.name, bucket.urn, "versioning off"),
        RealViolation("stack-shards", "mandatory", "high", "", "", "", "2 shards, need 16"),
    ], skipped=[Skipped("rds-encrypted", "aws:rds/instance:Instance", "app-db-0", "urn:x", "unknown")])
    markdown = render_markdown(evaluation, report)
    assert table(markdown, POLICIES) == [
        ["**mandatory**", "`stack-shards`", "(stack)", "2 shards, need 16"],
        ["advisory", "`s3-bucket-versioning`", "`app-logs` (`aws:s3/bucket:Bucket`)", "versioning off"],
    ]
    assert "3 policies evaluated. 1 check skipped: a value they read is known only after apply." in markdown
    assert summary_line(evaluation, report).endswith("1 mandatory and 1 advisory policy violation")


def test_markdown_embeds_the_images_it_is_given():
    from offline.report import render_markdown
    markdown = render_markdown(hand_built(), None, images=["docs/simulator-spike.png"])
    assert "#### Attachments\n\n![simulator-spike.png](docs/simulator-spike.png)\n" in markdown
    assert "#### Attachments" not in render_markdown(hand_built(), None)


def test_preview_embeds_a_simulator_plot_only_in_markdown(capsys):
    from offline import preview
    assert preview.main(["--stack", "dev", "--no-policies", "--markdown", "--embed", "docs/simulator-spike.png"]) == 0
    assert "![simulator-spike.png](docs/simulator-spike.png)" in capsys.readouterr().out
    assert preview.main(["--stack", "dev", "--embed", "docs/simulator-spike.png"]) == preview.EXIT_USAGE
    assert "--embed needs --markdown" in capsys.readouterr().err
    assert preview.main(["--stack", "dev", "--markdown", "--embed", "nope.png"]) == preview.EXIT_USAGE
    assert "--embed nope.png: no such file" in capsys.readouterr().err

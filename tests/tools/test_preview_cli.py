"""`python -m offline.preview` as a user runs it: exit codes, clean stdout, clear errors, quiet pipes, --diff."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from offline.diff import BaseFileError, compare, flatten, load_base, render_markdown, render_text
from offline.replacement import REPLACE_ON_CHANGE, forces_replacement

ROOT = Path(__file__).resolve().parents[2]
EXIT_OK, EXIT_POLICY, EXIT_CONFIG, EXIT_USAGE = 0, 1, 2, 3


def preview(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "offline.preview", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "NO_COLOR": "", **(env or {})})


@pytest.fixture(scope="module")
def dev_json(tmp_path_factory) -> Path:
    """The dev preview as JSON, written the way the pull-request workflow writes the base preview."""
    result = preview("--stack", "dev", "--json", "--no-policies")
    assert result.returncode == EXIT_OK, result.stderr
    path = tmp_path_factory.mktemp("base") / "dev.json"
    path.write_text(result.stdout)
    return path


def test_json_stdout_is_only_json_and_exits_0(dev_json):
    data = json.loads(dev_json.read_text())
    assert data["stack"] == "dev" and data["resources"] and "outputs" in data


def test_text_preview_through_a_pipe_is_plain_within_120_columns():
    result = preview("--stack", "prod", "--set-file", "tests/fixtures/prod-operator-values.yaml")
    assert result.returncode == EXIT_OK, result.stderr
    assert "\x1b[" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 120
    assert result.stdout.rstrip().splitlines()[-1].startswith("scaling-prod: ")


def test_no_color_wins_over_a_terminal_but_not_over_color_always():
    result = preview("--stack", "dev", "--no-policies", "--color", "always", env={"NO_COLOR": "1"})
    assert result.returncode == EXIT_OK and "\x1b[" in result.stdout


def test_broken_pipe_is_quiet():
    """`... | head -3`: no BrokenPipeError traceback, and the first lines arrive."""
    command = (f"{sys.executable} -m offline.preview --stack prod --set-file tests/fixtures/prod-operator-values.yaml "
               "--no-policies | head -3")
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "NO_COLOR": ""})
    assert result.stdout.splitlines()[0] == "Stack scaling-prod"
    assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize("args, code, message", [
    (["--stack", "nope"], EXIT_USAGE, "stacks with a file: dev, prod"),
    (["--stack", "dev", "--set", "aws:region="], EXIT_USAGE, "empty value for aws:region"),
    (["--stack", "dev", "--set", "asgMaxSize"], EXIT_USAGE, "expected KEY=VALUE"),
    (["--stack", "dev", "--diff", "no-such-base.json"], EXIT_USAGE, "--diff no-such-base.json: no such file"),
    (["--stack", "dev", "--bogus"], EXIT_USAGE, "unrecognized arguments: --bogus"),
    (["--stack", "dev", "--set", "scalling:asgMaxSize=50"], EXIT_CONFIG,
     "scalling:asgMaxSize: unknown namespace 'scalling'; expected one of 'scaling', 'aws', 'kubernetes', 'random', "
     "'pulumi'; did you mean 'scaling:asgMaxSize'?"),
    (["--stack", "dev", "--set", "scaling:asgMaxsize=5"], EXIT_CONFIG, "did you mean 'scaling:asgMaxSize'?"),
    (["--stack", "dev", "--set", "aws:region=us-east-7"], EXIT_CONFIG, 'aws:region: "us-east-7" is not an AWS region'),
])
def test_each_mistake_is_one_clear_message_and_its_exit_code(args, code, message):
    result = preview(*args)
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_yaml_error_names_file_line_and_column_and_exits_2(tmp_path):
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.broken.yaml").write_text("config:\n  scaling:environment: dev\n   bad: [\n")
    result = preview("--stack", "broken", "--cwd", str(tmp_path))
    assert result.returncode == EXIT_CONFIG
    assert result.stderr.startswith("error: Pulumi.broken.yaml: not valid YAML at line 3, column 7")
    assert "Traceback" not in result.stderr


def test_a_file_that_is_not_a_preview_is_a_usage_error(tmp_path):
    (tmp_path / "x.json").write_text('{"resources": 3}')
    with pytest.raises(BaseFileError, match="not a preview made with --json"):
        load_base(tmp_path / "x.json")
    (tmp_path / "y.json").write_text("{not json")
    with pytest.raises(BaseFileError, match=r"not JSON \(line 1, column 2"):
        load_base(tmp_path / "y.json")


# --- the diff -------------------------------------------------------------------------------------------

def test_diff_against_the_same_preview_is_empty_and_json_carries_it(dev_json):
    result = preview("--stack", "dev", "--no-policies", "--json", "--diff", str(dev_json))
    assert result.returncode == EXIT_OK, result.stderr
    diff = json.loads(result.stdout)["diff"]
    assert diff["summary"] == {"add": 0, "remove": 0, "change": 0, "replace": 0} and diff["resources"] == []


def test_diff_lists_added_changed_and_replaced_resources_in_text_and_markdown(dev_json):
    result = preview("--stack", "dev", "--no-policies", "--diff", str(dev_json), "--set", "scaling:asgMaxSize=5",
                     "--set", "scaling:dbShardCount=3", "--set", "scaling:cacheNodeType=cache.t4g.medium")
    assert result.returncode == EXIT_OK, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Diff against dev.json (scaling-dev): ")
    assert ": 0 to add, " not in lines[0] and ", 0 to remove, " in lines[0] and "(0 replaced" in lines[0]
    assert not any("(REPLACE)" in line for line in lines)  # a bigger ASG, a third shard, a larger node: no replace
    # A third shard adds only the third shard's resources, and removes nothing.
    added = [line for line in lines if line.startswith("  + ")]
    assert added and all("shard-02" in line.split()[-1] for line in added)
    assert "  ~ aws:autoscaling:Group  edge-asg-api1-asg  (update in place)" in lines  # each EC2 pool
    assert "  ~ aws:autoscaling:Group  edge-asg-api2-asg  (update in place)" in lines
    assert "      maxSize: 3 -> 5" in lines
    assert "  + aws:rds:Instance  db-shard-02-primary" in lines
    assert "      nodeType: cache.t4g.small -> cache.t4g.medium" in lines
    assert max(len(line) for line in lines) <= 120
    markdown = preview("--stack", "dev", "--no-policies", "--markdown", "--diff", str(dev_json),
                       "--set", "scaling:asgMaxSize=5").stdout
    assert "#### Changes against the base (scaling-dev)" in markdown
    assert "| `maxSize` | `3` → `5` | no |" in markdown
    # The diff comes right after the summary line, before the per-component resource table.
    assert markdown.index("#### Changes against the base") < markdown.index("#### Resources to create")


def _resource(urn: str, type_: str, inputs: dict, **options) -> dict:
    return {"urn": urn, "type": type_, "name": urn.rsplit(":", 1)[-1], "inputs": inputs,
            "options": {"protect": False, "replaceOnChanges": [], **options}}


def test_compare_marks_replacing_changes_from_the_table_and_the_resource_option():
    rds = "aws:rds/instance:Instance"
    base = {"project": "p", "stack": "s", "outputs": {"a": 1}, "resources": [
        _resource("urn:db", rds, {"engine": "postgres", "instanceClass": "db.r6g.large"}),
        _resource("urn:asg", "aws:autoscaling/group:Group", {"maxSize": 20}),
        _resource("urn:gone", "aws:s3/bucket:Bucket", {}),
        _resource("urn:custom", "acme:x/y:Y", {"size": 1}),
        _resource("urn:opt", "acme:x/y:Y", {"spec": {"a": 1}}, replaceOnChanges=["spec"]),
    ]}
    head = {"project": "p", "stack": "s", "outputs": {"a": 2}, "resources": [
        _resource("urn:db", rds, {"engine": "mysql", "instanceClass": "db.r6g.xlarge"}),
        _resource("urn:asg", "aws:autoscaling/group:Group", {"maxSize": 40}, protect=True),
        _resource("urn:custom", "acme:x/y:Y", {"size": 2}),
        _resource("urn:opt", "acme:x/y:Y", {"spec": {"a": 2}}, replaceOnChanges=["spec"]),
        _resource("urn:new", "aws:s3/bucket:Bucket", {"bucket": "b"}),
    ]}
    diff = compare(base, head)
    by_urn = {r.urn: r for r in diff.resources}
    assert by_urn["urn:new"].action == "add" and by_urn["urn:gone"].action == "remove"
    db = by_urn["urn:db"]
    assert [(c.path, c.old, c.new, c.replaces) for c in db.changes] == [
        ("engine", "postgres", "mysql", True), ("instanceClass", "db.r6g.large", "db.r6g.xlarge", False)]
    assert db.replaces is True
    asg = by_urn["urn:asg"]
    assert asg.replaces is False and [c.path for c in asg.changes] == ["maxSize", "options.protect"]
    assert by_urn["urn:custom"].replaces is None  # not in the table: not known offline
    assert by_urn["urn:opt"].replaces is True     # the replaceOnChanges option decides
    assert [(c.path, c.old, c.new) for c in diff.outputs] == [("a", 1, 2)]
    assert diff.summary() == ("1 to add, 1 to remove, 4 to change (2 replaced, 1 not known offline), "
                              "1 output(s) changed")
    text = render_text(diff)
    assert "  +- aws:rds:Instance  db  (REPLACE)" in text and "engine: postgres -> mysql  [forces replacement]" in text
    assert "  ~? acme:x:Y  custom  (update; replacement not known offline)" in text
    assert "| +- | `db` | `aws:rds/instance:Instance` | `engine` | `postgres` → `mysql` | **yes** |" in \
        render_markdown(diff)


def test_flatten_paths_match_the_replacement_table_paths():
    assert flatten({"spec": {"selector": {"matchLabels": {"app": "x"}}}, "l": [1, {"a": 2}], "e": []}) == {
        "spec.selector.matchLabels.app": "x", "l[0]": 1, "l[1].a": 2, "e": []}
    deployment = "kubernetes:apps/v1:Deployment"
    assert forces_replacement(deployment, "spec.selector.matchLabels.app") is True
    assert forces_replacement(deployment, "spec.template.spec.containers[0].image") is False
    assert forces_replacement("aws:msk/cluster:Cluster", "brokerNodeGroupInfo.clientSubnets[1]") is True
    assert forces_replacement("aws:msk/cluster:Cluster", "brokerNodeGroupInfo.instanceType") is False
    assert forces_replacement("random:index/randomPassword:RandomPassword", "length") is True


def test_the_replacement_table_covers_every_type_the_stacks_declare(dev_json):
    types = {r["type"] for r in json.loads(dev_json.read_text())["resources"] if r["custom"]}
    # The kubernetes provider resource is left out on purpose: whether a provider change replaces the
    # resources it manages depends on the cluster it points at, which is unknown offline.
    assert types - set(REPLACE_ON_CHANGE) == {"pulumi:providers:kubernetes"}

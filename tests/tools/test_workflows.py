"""The GitHub Actions workflows: valid against the workflow schema, and consistent with the README.

The schema is the one vendored inside the ``check-jsonschema`` package (offline, no download); the
workflows must run the README's two commands (``./scaling test``, ``./scaling preview --stack <stack>``),
keep one deploy of a stack at a time, put prod behind
the ``production`` environment and pass the policy pack with a per-stack config file that exists.
"""

from __future__ import annotations

import importlib.resources
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
PR, DEPLOY = WORKFLOWS / "pull-request.yml", WORKFLOWS / "deploy.yml"
STACKS = sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))
# Inputs of pulumi/actions (action.yml of v7.0.0, the pinned commit): `with:` keys outside this set are typos
# the action would ignore silently (e.g. `policy-packs`), and the schema cannot see them.
PULUMI_ACTION_INPUTS = {
    "command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir", "comment-on-pr",
    "comment-on-pr-number", "comment-on-summary", "github-token", "cloud-url", "secrets-provider",
    "parallel", "message", "config-map", "expect-no-changes", "diff", "replace", "exclude",
    "exclude-dependents", "target", "target-dependents", "policyPacks", "policyPackConfigs", "refresh",
    "upsert", "remove", "edit-pr-comment", "color", "exclude-protected", "plan", "suppress-outputs",
    "suppress-progress", "always-include-summary", "continue-on-error", "log-verbosity", "log-flow", "debug",
}


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader that, like GitHub (YAML 1.2), reads only true/false as booleans, so `on:` stays a key."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))


def load(path: Path) -> dict:
    return yaml.load(path.read_text(), Loader=_Yaml12Loader)


def workflow_files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.y*ml"))


def steps(workflow: dict, job: str | None = None) -> list[dict]:
    jobs = [workflow["jobs"][job]] if job else list(workflow["jobs"].values())
    return [step for j in jobs for step in j.get("steps", [])]


def run_lines(workflow: dict, job: str | None = None) -> list[str]:
    return [line.strip() for s in steps(workflow, job) if "run" in s for line in s["run"].splitlines()]


def pulumi_steps(workflow: dict) -> list[tuple[str, dict]]:
    return [(name, step) for name, job in workflow["jobs"].items() for step in job.get("steps", [])
            if step.get("uses", "").startswith("pulumi/actions@")]


def matrix_values(job: dict, variable: str) -> list[str]:
    """Values a `${{ matrix.<variable> }}` takes in ``job``; one empty string if there is no matrix."""
    matrix = (job.get("strategy") or {}).get("matrix") or {}
    values = list(matrix.get(variable, [])) + [inc[variable] for inc in matrix.get("include", [])
                                               if variable in inc]
    return [str(v) for v in values] or [""]


def expand(text: str, variable: str, value: str) -> str:
    return re.sub(r"\$\{\{\s*matrix\." + variable + r"\s*\}\}", value, text)


def readme_two_commands() -> list[str]:
    """The commands of the README's "Two commands on a fresh machine" code block."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Two commands on a fresh machine", 1)[1]
    block = re.search(r"```(?:bash|sh)\n(.*?)```", section, re.S).group(1)
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.split("#", 1)[0].strip()]


def is_preview(line: str) -> bool:
    return line.startswith("./scaling preview ")


# --- schema -------------------------------------------------------------------------------------------

def test_there_is_a_pull_request_and_a_deploy_workflow():
    assert {PR, DEPLOY} <= set(workflow_files())


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_workflow_is_valid_against_the_vendored_github_workflow_schema(path):
    schema_file = importlib.resources.files("check_jsonschema.builtin_schemas.vendor") / "github-workflows.json"
    schema = json.loads(schema_file.read_text())
    validator = jsonschema.Draft7Validator(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(load(path))]
    assert errors == []


def test_the_schema_check_can_fail():
    """Guards the test above: a workflow without jobs and with a misspelt key must be rejected."""
    schema_file = importlib.resources.files("check_jsonschema.builtin_schemas.vendor") / "github-workflows.json"
    validator = jsonschema.Draft7Validator(json.loads(schema_file.read_text()))
    broken = load(PR)
    broken["jobs"]["offline"]["run-on"] = broken["jobs"]["offline"].pop("runs-on")
    assert list(validator.iter_errors(broken))


def test_check_jsonschema_cli_accepts_the_workflows_offline():
    cli = Path(sys.executable).parent / "check-jsonschema"
    if not cli.exists():
        pytest.skip("check-jsonschema CLI is not installed next to this interpreter")
    result = subprocess.run([str(cli), "--builtin-schema", "vendor.github-workflows",
                             *map(str, workflow_files())], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


# --- the README's commands -------------------------------------------------------------------------------

def test_readme_block_holds_the_two_commands():
    commands = readme_two_commands()
    assert len(commands) == 2
    assert any(c.startswith("./scaling preview --stack ") for c in commands) and "./scaling test" in commands


@pytest.mark.parametrize("path", [PR, DEPLOY], ids=lambda p: p.name)
def test_workflow_runs_the_readme_commands_for_every_stack(path):
    workflow = load(path)
    lines = run_lines(workflow)
    for command in readme_two_commands():
        words = shlex.split(command)
        if "--stack" not in words:
            assert command in lines, f"{path.name} does not run `{command}`"
            continue
        for stack in STACKS:
            expected = command.replace(f"--stack {words[words.index('--stack') + 1]}", f"--stack {stack}")
            assert any(line.startswith(expected + " ") or line == expected for line in lines), \
                f"{path.name} does not run `{expected}`"


@pytest.mark.parametrize("path", [PR, DEPLOY], ids=lambda p: p.name)
def test_offline_previews_write_the_markdown_report_to_the_job_summary(path):
    previews = [line for line in run_lines(load(path)) if is_preview(line)]
    assert len(previews) == len(STACKS)
    for line in previews:
        assert "--markdown" in shlex.split(line.split("|", 1)[0]) and '"$GITHUB_STEP_SUMMARY"' in line
        assert "make " not in line, "make would echo its command line into the report and lose exit codes"
        # With a pipe only `bash -o pipefail` (what an explicit `shell: bash` runs) fails the step.
    assert load(path)["defaults"]["run"]["shell"] == "bash"


def test_pull_request_offline_job_needs_no_secret_and_sets_up_python_with_pip_cache():
    workflow = load(PR)
    offline = workflow["jobs"]["offline"]
    assert "secrets." not in json.dumps(offline) and "id-token" not in json.dumps(offline)
    setup = next(s for s in offline["steps"] if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["python-version"] == "3.11" and setup["with"]["cache"] == "pip"
    names = [s.get("uses", s.get("run", "")) for s in offline["steps"]]
    assert names[0].startswith("actions/checkout@")
    previews = [i for i, s in enumerate(offline["steps"])
                if any(is_preview(line.strip()) for line in s.get("run", "").splitlines())]
    assert previews and names.index("./scaling test") < min(previews)


def _step_runs(step: dict) -> list[str]:
    return [line.strip() for line in step.get("run", "").splitlines()]


def _command_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.strip().startswith("#")]


def test_static_checks_run_before_the_tests_in_ci_and_in_the_pull_request_job():
    offline = load(PR)["jobs"]["offline"]
    runs = [line for step in offline["steps"] for line in _step_runs(step)]
    assert "./scaling lint" in runs and runs.index("./scaling lint") < runs.index("./scaling test")
    # A lint finding must not hide the test results from the review.
    [test_step] = [s for s in offline["steps"] if _step_runs(s) == ["./scaling test"]]
    assert "!cancelled()" in test_step.get("if", "")
    ci = _command_lines(ROOT / ".ci" / "run")
    assert "./scaling lint" in ci and ci.index("./scaling lint") < ci.index("./scaling test")


def test_scaling_lint_fails_on_a_finding(tmp_path):
    """`./scaling lint` passes its arguments to ruff: a file with an unused import must fail the command (and
    the command must not stop at ruff: mypy's summary is printed too)."""
    finding = tmp_path / "finding.py"
    finding.write_text("import os\n")
    result = subprocess.run([str(ROOT / "scaling"), "lint", str(finding)], cwd=ROOT, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode != 0
    assert "F401" in result.stdout and "finding.py" in result.stdout
    assert "source file" in result.stdout  # mypy's summary line ("Success: ..." or "Found ...")


def test_pull_request_previews_the_base_offline_and_diffs_every_stack_against_it():
    offline = load(PR)["jobs"]["offline"]
    checkouts = [s for s in offline["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    base = next(s for s in checkouts if s.get("with", {}).get("path"))
    assert base["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert base["with"]["persist-credentials"] is False
    folder = base["with"]["path"]
    for stack in STACKS:
        [step] = [s for s in offline["steps"] if any(line.startswith(f"./scaling preview --stack {stack} ")
                                                     for line in _step_runs(s))]
        text = step["run"]
        # The base's own code writes the base preview as JSON, without policies, inside the base checkout.
        assert re.search(rf"cd {re.escape(folder)} && \.\./\.venv/bin/python -m offline\.preview --stack {stack} "
                         rf"--json --no-policies( --set-file \S+)?\) > \S*base-{stack}\.json", text), text
        assert f'DIFF="--diff $RUNNER_TEMP/base-{stack}.json"' in text
        [preview] = [line for line in _step_runs(step) if line.startswith("./scaling preview")]
        assert "--diff" not in preview or "$DIFF" in preview
        assert "$DIFF" in preview and '"$GITHUB_STEP_SUMMARY"' in preview and f"reports/{stack}.md" in preview
        assert step["if"] == "${{ !cancelled() }}"


def test_pull_request_comment_job_posts_the_reports_once_without_cloud_credentials():
    workflow = load(PR)
    job = workflow["jobs"]["comment"]
    assert job["needs"] == "offline" and job["permissions"] == {"pull-requests": "write"}
    assert "github.event.pull_request.head.repo.full_name == github.repository" in job["if"]
    assert "!cancelled()" in job["if"]  # a failed preview (a violation) is what the comment must show
    assert "secrets." not in json.dumps(job) and "aws-actions" not in json.dumps(job)
    upload = next(s for s in workflow["jobs"]["offline"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    download = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/download-artifact@"))
    assert upload["with"]["name"] == download["with"]["name"]
    script = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/github-script@"))["with"]["script"]
    # One comment per pull request, found again by its marker and edited by later pushes.
    assert "updateComment" in script and "createComment" in script and "<!-- offline-preview-diff -->" in script


# --- cloud jobs -----------------------------------------------------------------------------------------

def test_cloud_preview_runs_only_with_credentials_and_comments_once_per_stack():
    workflow = load(PR)
    job = workflow["jobs"]["cloud-preview"]
    gate = workflow["jobs"][re.search(r"needs\.([\w-]+)\.outputs", job["if"]).group(1)]
    gate_text = json.dumps(gate)
    assert "secrets.PULUMI_ACCESS_TOKEN != ''" in gate_text and "vars.AWS_ROLE_ARN != ''" in gate_text
    # Forks get neither secrets nor an OIDC token: the gate also checks where the branch lives.
    assert "github.event.pull_request.head.repo.full_name == github.repository" in gate_text
    assert gate.get("permissions") == {}
    assert sorted(matrix_values(job, "stack")) == STACKS
    [(_, step)] = pulumi_steps({"jobs": {"cloud-preview": job}})
    assert step["with"]["command"] == "preview"
    assert step["with"]["comment-on-pr"] is True and step["with"]["edit-pr-comment"] is True
    assert step["env"]["PULUMI_ACCESS_TOKEN"] == "${{ secrets.PULUMI_ACCESS_TOKEN }}"


@pytest.mark.parametrize("path", [PR, DEPLOY], ids=lambda p: p.name)
def test_pulumi_steps_pass_the_policy_pack_and_an_existing_per_stack_config(path):
    workflow = load(path)
    found = set()
    for job_name, step in pulumi_steps(workflow):
        assert re.fullmatch(r"pulumi/actions@[0-9a-f]{40}", step["uses"]), "pin a commit SHA"
        assert set(step["with"]) <= PULUMI_ACTION_INPUTS, set(step["with"]) - PULUMI_ACTION_INPUTS
        assert step["with"]["policyPacks"] == "policies" and (ROOT / "policies").is_dir()
        for stack in matrix_values(workflow["jobs"][job_name], "stack"):
            stack_name = expand(step["with"]["stack-name"], "stack", stack)
            config = expand(step["with"]["policyPackConfigs"], "stack", stack)
            assert config == f"policies/config/{stack_name}.json"
            assert (ROOT / config).is_file(), f"{path.name}/{job_name}: {config} does not exist"
            found.add(stack_name)
    assert sorted(found) == STACKS


def test_deploy_runs_up_for_dev_then_prod_behind_the_production_environment():
    workflow = load(DEPLOY)
    assert set(workflow["on"]) == {"push", "workflow_dispatch"}
    assert workflow["on"]["push"]["branches"] == ["main"]
    by_stack = {step["with"]["stack-name"]: (name, step) for name, step in pulumi_steps(workflow)}
    assert set(by_stack) == {"dev", "prod"}
    assert all(step["with"]["command"] == "up" for _, step in by_stack.values())
    dev_job, prod_job = (workflow["jobs"][by_stack[s][0]] for s in ("dev", "prod"))
    assert dev_job["environment"] == "dev" and prod_job["environment"] == "production"
    assert by_stack["dev"][0] in ([prod_job["needs"]] if isinstance(prod_job["needs"], str) else prod_job["needs"])
    # Deploys run only after the README's commands passed on the same commit.
    verify = dev_job["needs"] if isinstance(dev_job["needs"], str) else dev_job["needs"][0]
    assert "./scaling test" in run_lines(workflow, verify)


def test_deploys_of_one_stack_never_run_at_once_and_previews_cancel_superseded_runs():
    deploy = load(DEPLOY)
    groups = {}
    for name, step in pulumi_steps(deploy):
        concurrency = deploy["jobs"][name]["concurrency"]
        assert concurrency["cancel-in-progress"] is False, "cancelling a running `pulumi up` leaves it half done"
        assert step["with"]["stack-name"] in concurrency["group"]
        groups[step["with"]["stack-name"]] = concurrency["group"]
    assert len(set(groups.values())) == len(groups) == 2
    pr = load(PR)["concurrency"]
    assert pr["cancel-in-progress"] is True and "github.event.pull_request.number" in pr["group"]


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_permissions_are_least_privilege(path):
    workflow = load(path)
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        permissions = job.get("permissions")
        assert isinstance(permissions, dict), f"{name}: declare the job's permissions"
        uses = [s.get("uses", "") for s in job.get("steps", [])]
        needs_oidc = any(u.startswith("aws-actions/configure-aws-credentials@") for u in uses)
        comments = any(s.get("with", {}).get("comment-on-pr") is True
                       or "createComment" in str(s.get("with", {}).get("script", "")) for s in job.get("steps", []))
        assert (permissions.get("id-token") == "write") == needs_oidc, name
        assert (permissions.get("pull-requests") == "write") == comments, name
        assert set(permissions) <= {"contents", "id-token", "pull-requests"}, name
        assert permissions.get("contents", "read") == "read", name


# `uses: owner/repo@<40 hex>  # vX.Y.Z`: a tag can be moved to other code after review, a commit cannot.
# The comment is what a reader (and Dependabot, which rewrites both) sees; the SHA is what runs.
_PINNED_USES = re.compile(r"\s*-?\s*uses:\s*(?P<action>[\w.-]+/[\w./-]+)@(?P<ref>[0-9a-f]{40})"
                          r"\s+# (?P<version>v\d+\.\d+\.\d+)\s*")


def unpinned_uses(text: str) -> list[str]:
    """The `uses:` lines of a workflow that do not name a full commit SHA with its version in a comment
    (local actions, ``./...``, are the repository's own code and need no pin)."""
    return [line.strip() for line in text.splitlines()
            if re.match(r"\s*-?\s*uses:", line) and not re.match(r"\s*-?\s*uses:\s*\./", line)
            and not _PINNED_USES.fullmatch(line)]


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_actions_are_pinned_to_a_commit_sha_with_the_version_in_a_comment(path):
    text = path.read_text()
    assert unpinned_uses(text) == []
    # Every step's `uses` (as GitHub reads it, comments dropped) is one of the lines checked above.
    assert all(re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", step["uses"])
               for step in steps(load(path)) if "uses" in step and not step["uses"].startswith("./"))


def test_the_pin_check_can_fail():
    assert unpinned_uses("      - uses: actions/checkout@v6\n") == ["- uses: actions/checkout@v6"]
    assert unpinned_uses("        uses: actions/checkout@main\n") == ["uses: actions/checkout@main"]
    sha = "d23441a48e516b6c34aea4fa41551a30e30af803"
    assert unpinned_uses(f"      - uses: actions/checkout@{sha}\n") == [f"- uses: actions/checkout@{sha}"]
    assert unpinned_uses(f"      - uses: actions/checkout@{sha[:12]}  # v6.1.0\n") != []
    assert unpinned_uses(f"      - uses: actions/checkout@{sha}  # v6.1.0\n") == []
    assert unpinned_uses("      - uses: ./.github/actions/local\n") == []


def test_ci_document_names_every_secret_and_variable_the_workflows_read():
    section = (ROOT / "docs" / "ci.md").read_text()
    assert "(docs/ci.md)" in (ROOT / "README.md").read_text(), "the README links the CI setup"
    text = "\n".join(path.read_text() for path in workflow_files())
    names = set(re.findall(r"\b(?:secrets|vars)\.([A-Z][A-Z0-9_]*)", text)) - {"GITHUB_TOKEN"}
    assert names >= {"PULUMI_ACCESS_TOKEN", "AWS_ROLE_ARN", "AWS_REGION"}
    for name in names:
        assert f"`{name}`" in section, f"README CI section does not explain {name}"
    for environment in ("`dev`", "`production`", "token.actions.githubusercontent.com", "sts.amazonaws.com"):
        assert environment in section, f"docs/ci.md does not mention {environment}"


def test_cloud_jobs_create_the_virtualenvs_the_program_and_the_policy_pack_name():
    program_venv = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["runtime"]["options"]["virtualenv"]
    pack = yaml.safe_load((ROOT / "policies" / "PulumiPolicy.yaml").read_text())["runtime"]
    pack_venv = f"policies/{(pack.get('options') or {}).get('virtualenv', 'venv')}"
    for path in (PR, DEPLOY):
        workflow = load(path)
        for job_name, pulumi_step in pulumi_steps(workflow):
            job_steps = workflow["jobs"][job_name]["steps"]
            before = job_steps[:job_steps.index(pulumi_step)]
            lines = [line.strip() for s in before if "run" in s for line in s["run"].splitlines()]
            assert (f"python3 -m venv {program_venv} && {program_venv}/bin/pip install -c constraints.txt "
                    "-r requirements.txt" in lines), f"{path.name}/{job_name}"
            assert (f"python3 -m venv {pack_venv} && {pack_venv}/bin/pip install -r policies/requirements.txt"
                    in lines), f"{path.name}/{job_name}"


# --- reaching the EKS API from the deploy jobs (docs/deploy.md, "How CI reaches the cluster") -------------

from scripts import cluster_access  # noqa: E402  (the deploy jobs' decision step, tested without GitHub)


def _deploy_jobs() -> dict[str, tuple[str, dict, dict]]:
    """stack -> (job name, job, its pulumi/actions step) of the deploy workflow."""
    workflow = load(DEPLOY)
    return {step["with"]["stack-name"]: (name, workflow["jobs"][name], step) for name, step in pulumi_steps(workflow)}


def _caret_floor(requirement: str) -> tuple[int, ...]:
    match = re.fullmatch(r"\^(\d+)\.(\d+)\.(\d+)", requirement)
    assert match, f"pulumi-version {requirement!r}: expected a caret range such as ^3.158.0"
    return tuple(map(int, match.groups()))


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_deploy_job_decides_whether_it_reaches_the_cluster_before_pulumi_up(stack):
    name, job, pulumi_step = _deploy_jobs()[stack]
    variable = cluster_access.runner_variable(stack)
    # A self-hosted runner inside the stack's VPC when the variable names one; GitHub's hosted runner otherwise.
    assert job["runs-on"] == f"${{{{ vars.{variable} || 'ubuntu-latest' }}}}"
    [decide] = [s for s in job["steps"] if "scripts.cluster_access" in s.get("run", "")]
    assert job["steps"].index(decide) < job["steps"].index(pulumi_step)
    words = shlex.split(decide["run"])
    assert words[:3] == [".venv/bin/python", "-m", "scripts.cluster_access"]
    assert words[words.index("--stack") + 1] == stack
    assert words[words.index("--runner") + 1] == "$DEPLOY_RUNNER"
    assert decide["env"]["DEPLOY_RUNNER"] == f"${{{{ vars.{variable} }}}}"
    assert words[words.index("--github-output") + 1] == "$GITHUB_OUTPUT"
    assert words[words.index("--summary") + 1] == "$GITHUB_STEP_SUMMARY"
    # The venv the step runs in is created before it (it reads the stack file with scaling_kit).
    assert any("python3 -m venv .venv" in s.get("run", "") for s in job["steps"][:job["steps"].index(decide)])
    step_id = decide["id"]
    assert pulumi_step["with"]["exclude"] == f"${{{{ steps.{step_id}.outputs.exclude }}}}"
    assert pulumi_step["with"]["exclude-dependents"] == f"${{{{ steps.{step_id}.outputs.exclude-dependents }}}}"
    floor = _caret_floor(str(pulumi_step["with"]["pulumi-version"]))
    assert floor >= tuple(map(int, cluster_access.MINIMUM_PULUMI_CLI.split("."))), \
        f"{name}: --exclude needs Pulumi CLI {cluster_access.MINIMUM_PULUMI_CLI} or later"


def test_caret_floor_rejects_a_range_that_admits_old_clis():
    assert _caret_floor("^3.158.0") == (3, 158, 0)
    assert _caret_floor("^3.157.1") < tuple(map(int, cluster_access.MINIMUM_PULUMI_CLI.split(".")))
    with pytest.raises(AssertionError):
        _caret_floor("^3")


def test_ci_document_explains_the_runner_variables():
    text = (ROOT / "docs" / "ci.md").read_text()
    for stack in STACKS:
        assert f"`{cluster_access.runner_variable(stack)}`" in text


# The engine's glob semantics (pkg/resource/deploy UrnTargets.getMatcher): `**` any text, `*` no colon.
@pytest.mark.parametrize("pattern, urn, expected", [
    ("urn:pulumi:s::p::a:b:C::n", "urn:pulumi:s::p::a:b:C::n", True),
    ("urn:pulumi:s::p::a:b:C::n", "urn:pulumi:s::p::a:b:C::n2", False),
    ("urn:pulumi:s::p::a:b:C::*", "urn:pulumi:s::p::a:b:C::name-1", True),
    ("urn:pulumi:s::p::*", "urn:pulumi:s::p::a:b:C::n", False),  # `*` stops at a colon
    ("urn:pulumi:s::p::**", "urn:pulumi:s::p::a:b:C$d:e:F::n", True),
    ("urn:pulumi:s::p::**$kubernetes:**", "urn:pulumi:s::p::x:y:Z$kubernetes:apps/v1:Deployment::d", True),
    ("urn:pulumi:s::p::**$kubernetes:**", "urn:pulumi:s::p::x:y:Z$pulumi:providers:kubernetes::k", False),
    ("urn:pulumi:s::p::a.b", "urn:pulumi:s::p::aXb", False),  # no regular-expression meaning
])
def test_urn_glob_matches_like_the_engine(pattern, urn, expected):
    assert cluster_access.urn_glob_matches(pattern, urn) is expected


def _engine_urns(stack: str) -> dict[str, tuple[str, object]]:
    """mock URN -> (the URN the real engine gives the resource, the record). The type part of a real URN is
    the chain of the ancestors' types without the stack's, joined by `$`; the mock only prefixes the parent's."""
    from tests.conftest import stack_evaluation
    resources = stack_evaluation(stack).resources
    by_urn = {r.urn: r for r in resources}

    def qualified_type(resource) -> str:
        parent = by_urn.get(resource.parent)
        if parent is None or parent.type == "pulumi:pulumi:Stack":
            return resource.type
        return f"{qualified_type(parent)}${resource.type}"
    return {r.urn: (f"urn:pulumi:{stack}::scaling::{qualified_type(r)}::{r.name}", r) for r in resources}


def _excluded_with_dependents(stack: str, patterns: list[str]) -> set[str]:
    """Real URNs `pulumi up --exclude <patterns> --exclude-dependents` leaves out: what a pattern matches, then
    (in registration order, which is topological) whatever has an excluded parent, dependency, property
    dependency or provider (stepGenerator.isExcludedFromUpdate)."""
    urns = _engine_urns(stack)
    excluded: set[str] = set()
    for mock_urn, (real, record) in urns.items():
        links = [record.parent, *record.depends_on, *(u for us in record.property_dependencies.values() for u in us)]
        if record.provider:
            links.append(record.provider.rsplit("::", 1)[0])  # a provider reference is "<urn>::<id>"
        if any(cluster_access.urn_glob_matches(p, real) for p in patterns) or any(u in excluded for u in links):
            excluded.add(mock_urn)
    return {urns[u][0] for u in excluded}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_exclusions_leave_out_exactly_the_kubernetes_tier(stack):
    patterns = cluster_access.exclude_patterns(stack, "scaling")
    excluded = _excluded_with_dependents(stack, patterns)
    real = {u for u, _ in _engine_urns(stack).values()}

    def in_kubernetes_tier(urn: str) -> bool:
        qualified = urn.split("::")[2]
        return (any(t.startswith("kubernetes:") or t == "pulumi:providers:kubernetes" for t in qualified.split("$"))
                or qualified.split("$")[0] in cluster_access.KUBERNETES_COMPONENTS)
    assert excluded == {u for u in real if in_kubernetes_tier(u)}
    # What the tier holds, so the equality above cannot pass on two empty sets.
    assert any("scaling:eks_cluster:EksCluster$kubernetes:helm.sh/v3:Release::" in u for u in excluded)
    assert any("$kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding::" in u for u in excluded)
    assert any(u.endswith("$pulumi:providers:kubernetes::eks-k8s") for u in excluded)
    # The cluster itself, its nodes and add-ons, and every other tier stay in the update.
    for kept in ("scaling:eks_cluster:EksCluster$aws:eks/cluster:Cluster::", "$aws:eks/nodeGroup:NodeGroup::",
                 "aws:rds/instance:Instance::", "aws:lb/targetGroup:TargetGroup::"):
        assert any(kept in u for u in real - excluded), kept
    assert not any(kept in u for u in excluded for kept in ("aws:eks/cluster:Cluster", "aws:rds/", "aws:msk/"))


def _project(tmp_path: Path, stack_config: str) -> Path:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.ci.yaml").write_text("config:\n  scaling:environment: dev\n" + stack_config)
    return tmp_path


def _outputs(text: str) -> dict[str, str]:
    """Parse $GITHUB_OUTPUT lines (NAME=value and NAME<<DELIMITER ... DELIMITER) as the runner does."""
    outputs, lines = {}, iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            else:
                raise AssertionError(f"{name}: delimiter {delimiter} never closes")
            outputs[name] = "\n".join(body)
        else:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


def test_private_endpoint_and_no_runner_skips_the_kubernetes_tier_and_says_why(tmp_path):
    root = _project(tmp_path, "")
    decision = cluster_access.decide("ci", root)
    assert not decision.apply_kubernetes
    assert list(decision.exclude) == cluster_access.exclude_patterns("ci", "scaling")
    outputs = _outputs(decision.github_outputs())
    assert outputs["exclude"].splitlines() == list(decision.exclude)
    assert outputs["exclude-dependents"] == "true" and outputs["kubernetes"] == "skipped"
    summary = decision.summary()
    assert "skipped" in summary and "private only" in summary and "`DEPLOY_RUNNER_CI`" in summary
    assert "scaling:eksPublicAccessCidrs" in summary and "docs/deploy.md" in summary
    assert all(f"--exclude '{p}'" in summary for p in decision.exclude) and "--exclude-dependents" in summary


def test_public_access_cidrs_in_the_stack_file_apply_the_kubernetes_tier(tmp_path):
    root = _project(tmp_path, "  scaling:eksPublicAccessCidrs:\n    - 203.0.113.0/24\n    - 198.51.100.7/32\n")
    decision = cluster_access.decide("ci", root)
    assert decision.apply_kubernetes and decision.exclude == ()
    outputs = _outputs(decision.github_outputs())
    assert outputs["exclude"] == "" and outputs["exclude-dependents"] == "false" and outputs["kubernetes"] == "applied"
    assert "`203.0.113.0/24`" in decision.summary() and "`198.51.100.7/32`" in decision.summary()


def test_a_runner_inside_the_vpc_applies_the_kubernetes_tier_of_a_private_cluster(tmp_path):
    root = _project(tmp_path, "")
    decision = cluster_access.decide("ci", root, runner="scaling-vpc-ci")
    assert decision.apply_kubernetes and decision.exclude == ()
    assert "`scaling-vpc-ci`" in decision.summary()
    assert not cluster_access.decide("ci", root, runner="   ").apply_kubernetes, "a blank variable is no runner"


@pytest.mark.parametrize("stack_config, message", [
    ("  scaling:eksPublicAccessCidrs: [\"10.0.0.1/8\"]\n", "'10.0.0.1/8'"),
    ("  scaling:eksPublicAccessCidrs: 203.0.113.0/24\n", "expected a list of IPv4 CIDR blocks"),
    ("  scaling:eksPublicAccessCidrs:\n    secure: AAABAGx0ZXN0\n", "is a secret"),
])
def test_a_bad_public_access_setting_is_a_configuration_error_naming_it(tmp_path, stack_config, message):
    root = _project(tmp_path, stack_config)
    with pytest.raises(cluster_access.StackFileError) as error:
        cluster_access.decide("ci", root)
    assert "scaling:eksPublicAccessCidrs" in str(error.value) and message in str(error.value)


def test_command_writes_the_step_outputs_and_the_summary_and_fails_on_a_configuration_error(tmp_path, capsys):
    (tmp_path / "project").mkdir()
    root = _project(tmp_path / "project", "")
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    assert cluster_access.main(["--stack", "ci", "--root", str(root), "--github-output", str(output),
                                "--summary", str(summary)]) == 0
    assert _outputs(output.read_text())["kubernetes"] == "skipped"
    assert "### Kubernetes tier of `ci`: skipped" in summary.read_text()
    assert "::warning::Kubernetes tier of ci skipped" in capsys.readouterr().out
    assert cluster_access.main(["--stack", "missing", "--root", str(root)]) == 2
    assert "::error::no stack file Pulumi.missing.yaml" in capsys.readouterr().err

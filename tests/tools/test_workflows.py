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
# Inputs of pulumi/actions (action.yml of v6/v7): `with:` keys outside this set are typos the action
# would ignore silently (e.g. `policy-packs`), and the schema cannot see them.
PULUMI_ACTION_INPUTS = {
    "command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir", "comment-on-pr",
    "comment-on-pr-number", "comment-on-summary", "github-token", "cloud-url", "secrets-provider",
    "parallel", "message", "config-map", "expect-no-changes", "diff", "replace", "target",
    "target-dependents", "policyPacks", "policyPackConfigs", "refresh", "upsert", "remove",
    "edit-pr-comment", "color", "exclude-protected", "plan", "suppress-outputs", "suppress-progress",
    "always-include-summary",
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
_PINNED_USES = re.compile(r"\s*-?\s*uses:\s*(?P<action>[\w.-]+/[\w./-]+)@(?P<ref>[0-9a-f]{40})\s+# (?P<version>v\d+\.\d+\.\d+)\s*")


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

"""The README's commands run as a user runs them (a subprocess of ./scaling), exit codes and stdout intact.

./scaling installs into .venv on first use (already done when the tests run through it) and then
``exec``s the tool: these tests check that nothing in between swallows the tool's exit code or writes to
its stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCALING = ROOT / "scaling"
EXIT_OK, EXIT_POLICY, EXIT_CONFIG, EXIT_USAGE = 0, 1, 2, 3


def run(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(SCALING), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env=env, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def dev_json() -> subprocess.CompletedProcess:
    return run("preview", "--stack", "dev", "--json")


def test_preview_of_dev_exits_0_and_its_json_stdout_parses(dev_json):
    assert dev_json.returncode == EXIT_OK, dev_json.stderr[-2000:]
    data = json.loads(dev_json.stdout)  # nothing but JSON: no set-up message, no command echo
    assert data["resources"] and data["counts"]
    assert data["policies"]["mandatory"] == 0


def test_a_bad_flag_is_a_usage_error():
    result = run("preview", "--stack", "dev", "--no-such-flag")
    assert result.returncode == EXIT_USAGE, result.stderr
    assert "--no-such-flag" in result.stderr and result.stdout == ""


def test_a_bad_set_value_is_a_configuration_error_naming_the_key():
    result = run("preview", "--stack", "dev", "--set", "scaling:asgMaxSize=lots")
    assert result.returncode == EXIT_CONFIG, result.stderr[-2000:]
    assert "asgMaxSize" in result.stderr and "lots" in result.stderr
    assert result.stdout == ""


def test_a_mandatory_policy_violation_exits_1():
    # prod is mandatory; an ASG maximum above the documented 20 violates aws-autoscaling-group-max-size.
    result = run("preview", "--stack", "prod", "--json", "--set-file", "tests/fixtures/prod-operator-values.yaml",
                 "--set", "scaling:asgMaxSize=40")
    assert result.returncode == EXIT_POLICY, result.stderr[-2000:]
    names = {v["policy"] for v in json.loads(result.stdout)["policies"]["violations"]}
    assert "aws-autoscaling-group-max-size" in names


def test_an_unknown_command_is_a_usage_error_and_help_lists_the_commands():
    result = run("no-such-command")
    assert result.returncode == EXIT_USAGE and "unknown command: no-such-command" in result.stderr
    listed = run("help")
    assert listed.returncode == 0
    for command in ("preview", "test", "audit", "docs", "lint", "bench", "lock"):
        assert f"\n  {command} " in listed.stdout


def test_make_help_lists_the_targets():
    result = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    if result.returncode == 127 or "No such file" in result.stderr:
        pytest.skip("make is not installed")
    assert result.returncode == 0, result.stderr
    for target in ("preview", "test", "lint", "lock", "docs"):
        assert f"make {target} " in result.stdout

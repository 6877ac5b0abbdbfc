"""The command: a whole conforming prod-like environment, drift, JSON, exit codes."""

import json

import pytest

from audit.__main__ import main

from .conftest import SMALL_PROD


@pytest.fixture(scope="module")
def prod(account):
    """The whole stack under the tag Stack=prod, as the command looks for it."""
    return account.build_all("prod")


def _args(account, *extra):
    sets = [f"--set={k}={v}" for k, v in {**SMALL_PROD, "scaling:lbCertificateArn": account.certificate_arn}.items()]
    return ["--stack", "prod", *sets, *extra]


def test_conforming_environment_passes_with_exit_code_0(account, prod, capsys):
    assert main(_args(account, "--json")) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["findings"] == []
    assert data["summary"]["errors"] == 0
    # Every service was checked: 7 ASG + 21 load balancer + 31 database + 11 cache + 8 MSK + 6 EKS checks, and
    # CloudWatch: 6 coverage checks, 4 on each of the 7 alarms, the dashboard's tiers.
    assert data["summary"]["checks"] == 12 + 7 + 21 + 31 + 11 + 8 + 6 + (7 + 4 * 8 + 1)
    assert (data["stack"], data["region"]) == ("prod", "us-east-1")


def test_drift_gives_a_table_and_exit_code_1(account, prod, capsys):
    autoscaling = account.client("autoscaling")
    autoscaling.update_auto_scaling_group(AutoScalingGroupName=prod["asg"], MaxSize=40)
    try:
        assert main(_args(account)) == 1
    finally:
        autoscaling.update_auto_scaling_group(AutoScalingGroupName=prod["asg"], MaxSize=20)
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["SEVERITY", "RESOURCE", "CHECK", "EXPECTED", "ACTUAL"]
    assert out[1].split() == ["error", f"asg/{prod['asg']}", "max", "size", "20", "40"]
    assert out[-1].endswith("1 error(s), 0 warning(s).")


def test_only_warnings_keep_exit_code_0(account, prod, capsys):
    # The stack file's 2 replicas per shard, audited as if the stack declared one shard: the second primary
    # is a surplus (warning), not an error.
    assert main(_args(account, "--set=scaling:dbShardCount=1", "--only", "rds", "--json")) == 0
    data = json.loads(capsys.readouterr().out)
    assert [f["check"] for f in data["findings"]] == ["declared by the stack"]


def test_missing_everything_for_an_undeployed_stack(account, prod, capsys):
    assert main(["--stack", "dev", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    counts = {f["check"]: (f["expected"], f["actual"]) for f in data["findings"]}
    nothing = counts.pop("resources found")
    assert counts == {"VPCs count": (1, 0), "auto scaling groups count": (1, 0), "application load balancers count": (1, 0),
                      "target groups count": (3, 0), "database primaries (shards) count": (2, 0),
                      "cache replication groups count": (1, 0), "MSK clusters count": (1, 0),
                      "EKS clusters count": (1, 0), "dashboard": ("present", "missing"),
                      **{f"alarms on {n}": ("at least one", "none")
                         for n in ("AWS/ApplicationELB", "AWS/RDS", "AWS/ElastiCache", "AWS/Kafka",
                                   "AWS/NATGateway")},
                      "database CPU alarms (one per shard primary)": (2, 0),
                      "consumer lag alarm (feature-processors on features)": (1, 0)}
    assert nothing == ("resources tagged Project=scaling, Stack=dev",
                       "nothing tagged Project=scaling, Stack=dev found in us-east-1")
    [finding] = [f for f in data["findings"] if f["check"] == "resources found"]
    assert "account 123456789012, region us-east-1" in finding["hint"] and "--region" in finding["hint"]
    assert data["summary"]["nothingFound"] is True and data["summary"]["found"] == 0


def test_nothing_found_leads_the_table_with_its_hint(account, prod, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")  # the table fits the terminal; this test reads its layout
    assert main(["--stack", "dev", "--only", "rds"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:4] == ["error", "stack", "dev", "resources"]
    assert any(line.strip().startswith("hint: the credentials point at account") for line in lines)
    assert "nothing tagged for the stack found" in lines[-1]


def test_a_deployed_stack_has_no_nothing_found_finding(account, prod, capsys):
    main(_args(account, "--json"))
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["found"] > 0 and data["summary"]["nothingFound"] is False


def test_help_is_complete_sentences_with_examples_and_exit_codes(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "check them against the\nstack configuration and the documented limits." in out
    assert "Exit codes: 0 no finding of severity error" in out and "python -m audit --stack prod --json" in out


@pytest.mark.parametrize("argv, message", [
    (["--stack", "nope"], "no stack file Pulumi.nope.yaml"),
    (["--stack", "prod", "--set", "dbShardCount"], "expected KEY=VALUE"),
    (["--stack", "prod", "--set", "scaling:dbShardCount=0"], "scaling:dbShardCount: 0 is out of range"),
    (["--stack", "prod", "--retry-mode", "legacy"], "invalid choice: 'legacy'"),
    (["--stack", "prod", "--only", "s3"], "invalid choice: 's3'"),
    (["--json"], "the following arguments are required: --stack"),
])
def test_usage_and_configuration_errors_exit_2(argv, message, capsys):
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own usage errors
        code = exit_.code
    assert code == 2
    assert message in capsys.readouterr().err


def test_no_credentials_exits_2_without_calling_aws(monkeypatch, capsys):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for key in ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(key, raising=False)
    assert main(["--stack", "dev"]) == 2
    assert "no AWS credentials found" in capsys.readouterr().err

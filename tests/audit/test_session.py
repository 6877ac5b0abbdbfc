"""Session options: region, profile, endpoint and retry configuration; unreachable endpoints."""

import pytest

from audit import run_audit
from audit.expectations import load_expectations
from audit.session import DEFAULT_MAX_ATTEMPTS, Clients, SessionOptions, client_config, resolve_options
from tests.conftest import operator_values


def test_region_precedence_flag_then_aws_region_then_stack():
    assert resolve_options(region="eu-west-1", stack_region="us-east-1", env={"AWS_REGION": "ap-south-1"}).region \
        == "eu-west-1"
    assert resolve_options(stack_region="us-east-1", env={"AWS_REGION": "ap-south-1"}).region == "ap-south-1"
    assert resolve_options(stack_region="us-east-1", env={}).region == "us-east-1"
    # Nothing given: the session's own chain (AWS_DEFAULT_REGION, the profile) decides.
    assert resolve_options(env={}).region is None


def test_retry_settings_from_flags_or_environment():
    assert (resolve_options(env={}).retry_mode, resolve_options(env={}).max_attempts) == ("standard",
                                                                                         DEFAULT_MAX_ATTEMPTS)
    options = resolve_options(env={"AWS_RETRY_MODE": "adaptive", "AWS_MAX_ATTEMPTS": "9"})
    assert (options.retry_mode, options.max_attempts) == ("adaptive", 9)
    assert resolve_options(retry_mode="standard", max_attempts=3, env={"AWS_RETRY_MODE": "adaptive"}).max_attempts == 3
    config = client_config(options)
    assert config.retries == {"mode": "adaptive", "total_max_attempts": 9}
    assert "scaling-audit" in config.user_agent_extra


@pytest.mark.parametrize("kwargs, message", [
    ({"retry_mode": "legacy"}, "retry mode 'legacy' is not allowed"),
    ({"max_attempts": 0}, "max attempts 0 is out of range"),
    ({"env": {"AWS_MAX_ATTEMPTS": "many"}}, "max attempts 'many' is not an integer"),
])
def test_bad_retry_settings_are_rejected_with_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        resolve_options(**{"env": {}, **kwargs})


def test_every_client_shares_the_retry_config_and_region():
    clients = Clients(SessionOptions(region="eu-central-1", retry_mode="adaptive", max_attempts=4))
    for service in ("autoscaling", "elbv2", "rds"):
        client = clients(service)
        assert client.meta.region_name == "eu-central-1"
        assert client.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 4}
    assert clients("rds") is clients("rds")


def test_aws_endpoint_url_and_profile_are_honored(monkeypatch, tmp_path):
    config = tmp_path / "config"
    config.write_text("[profile audit]\nregion = sa-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    monkeypatch.setenv("AWS_PROFILE", "audit")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    clients = Clients(resolve_options(stack_region=None))
    assert clients("kafka").meta.endpoint_url == "http://127.0.0.1:4566"
    assert clients.region == "sa-east-1"
    explicit = Clients(resolve_options(endpoint_url="http://127.0.0.1:9000", region="us-east-1"))
    assert explicit("rds").meta.endpoint_url == "http://127.0.0.1:9000"


def test_unreachable_endpoint_gives_one_finding_per_check_and_no_traceback(monkeypatch):
    # Nothing listens on port 9 (discard) here: every connection is refused at once, no AWS involved.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    clients = Clients(SessionOptions(region="us-east-1", max_attempts=1))
    report = run_audit(load_expectations("prod", operator_values("prod")), clients)
    assert {f.check for f in report.findings} == {
        "VPCs", "auto scaling groups", "load balancers and target groups", "database instances",
        "cache replication groups", "MSK clusters", "EKS clusters", "CloudWatch alarms", "dashboard"}
    assert all(f.severity == "error" for f in report.findings)
    assert report.find("stack prod", "auto scaling groups")[0].actual.startswith(
        "unreachable: EndpointConnectionError")
    # The tagging API failed for the load balancers; later services skip it instead of waiting again.
    assert report.find("stack prod", "database instances")[0].actual.startswith(
        "skipped: resourcegroupstaggingapi endpoint unreachable")
    assert set(clients.unreachable) == {"ec2", "autoscaling", "resourcegroupstaggingapi", "eks", "cloudwatch"}

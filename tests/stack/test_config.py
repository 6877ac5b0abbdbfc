"""Typed stack configuration: defaults, coercion, and one clear message per bad value."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scaling_kit.limits import AUTO_SCALING, CACHE, DATABASE, HPA, LOAD_BALANCING, MESSAGING, RATE_LIMIT
from stack import config
from stack.config import ConfigurationError, load_settings
from tests.conftest import operator_values

ROOT = Path(__file__).resolve().parents[2]


def load(**values):
    # prod, with the values only an operator knows (the image; prod refuses to run without one).
    raw = {"scaling:environment": "prod", **operator_values("prod")}
    raw.update({f"scaling:{k}": v for k, v in values.items()})
    return load_settings(raw, "test")


def problems(**values) -> list[str]:
    with pytest.raises(ConfigurationError) as info:
        load(**values)
    return info.value.problems


def test_defaults_are_the_documented_limits():
    """The loaded defaults are scaling_kit.limits' values (tests/stack/test_documented_limits.py checks every
    declaration; this checks that loading keeps them)."""
    s = load()
    assert (s.autoscaling.min_size, s.autoscaling.max_size, s.autoscaling.desired_capacity) == \
        (AUTO_SCALING.min_size, AUTO_SCALING.max_size, AUTO_SCALING.desired_capacity)
    assert s.autoscaling.health_check_grace_period_seconds == AUTO_SCALING.health_check_grace_period_seconds
    assert s.load_balancer.backend_weights == list(LOAD_BALANCING.backend_weights)
    assert s.load_balancer.idle_timeout_seconds == LOAD_BALANCING.idle_timeout_seconds
    assert (s.rate_limit.requests, s.rate_limit.window_seconds) == (RATE_LIMIT.max_requests, RATE_LIMIT.window_seconds)
    assert (s.database.shard_count, s.database.pool_max_connections) == \
        (DATABASE.shard_count, DATABASE.pool_max_connections)
    assert (s.database.pool_idle_timeout_seconds, s.database.pool_connect_timeout_seconds) == \
        (DATABASE.pool_idle_timeout_seconds, DATABASE.pool_connect_timeout_seconds)
    assert (s.cache.shards, s.cache.ttl_seconds) == (CACHE.shards, CACHE.ttl_seconds)
    assert (s.streaming.topic_partitions, s.streaming.topic_replication_factor) == \
        (MESSAGING.partitions, MESSAGING.replication_factor)
    assert (s.kubernetes.hpa_min_replicas, s.kubernetes.hpa_max_replicas) == (HPA.min_replicas, HPA.max_replicas)
    assert (s.kubernetes.hpa_cpu_target_percent, s.kubernetes.hpa_memory_target_percent) == \
        (HPA.cpu_utilization_percent, HPA.memory_utilization_percent)
    assert s.is_production


def test_engine_strings_are_parsed_like_native_values():
    s = load(asgMaxSize="12", lbDeletionProtection="false", lbBackendWeights="[1, 2]",
             lbBackendNames='["a", "b"]', lbBackendPlatforms='["ec2", "eks"]')
    assert s.autoscaling.max_size == 12
    assert s.load_balancer.deletion_protection is False
    assert s.load_balancer.backend_weights == [1, 2]
    assert s.load_balancer.backend_platforms == ["ec2", "eks"]


@pytest.mark.parametrize("key, value, expected", [
    ("asgMaxSize", "abc", 'scaling:asgMaxSize: "abc" is not an integer; expected an integer from 1 to 1000'),
    ("asgMaxSize", True, "scaling:asgMaxSize: true is not an integer"),
    # Digits of other scripts are not ASCII digits: int() would take them, AWS would not.
    ("asgMaxSize", "\u0661\u0662", r'scaling:asgMaxSize: "\u0661\u0662" is not an integer'),
    ("eksVpcCniVersion", "v1.20.\u0661-eksbuild.3",
     r'scaling:eksVpcCniVersion: "v1.20.\u0661-eksbuild.3": expected an EKS add-on version'),
    ("asgMaxSize", 0, "scaling:asgMaxSize: 0 is out of range; expected an integer from 1 to 1000"),
    ("lbDeletionProtection", "yes", 'scaling:lbDeletionProtection: "yes" is not a boolean'),
    ("networkNatGateways", "many", "scaling:networkNatGateways: \"many\" is not allowed; expected one of "
                                   "'per-az', 'single'"),
    ("networkVpcCidr", "10.0.0.1/16", "scaling:networkVpcCidr: \"10.0.0.1/16\": has host bits set after the /16; "
                                      "did you mean 10.0.0.0/16?"),
    ("networkVpcCidr", "10.0.0/16", "scaling:networkVpcCidr: \"10.0.0/16\": expected an IPv4 CIDR block"),
    ("lbIngressCidrs", ["192.168.1.7/24"], "scaling:lbIngressCidrs: [\"192.168.1.7/24\"]: '192.168.1.7/24': has host "
                                           "bits set after the /24; did you mean 192.168.1.0/24?"),
    ("lbBackendWeights", "[5, 1000]", "scaling:lbBackendWeights: item 1000 of [5, 1000] is out of range"),
    ("lbBackendWeights", "not json", 'scaling:lbBackendWeights: "not json" is not a list of integers'),
    ("networkFlowLogRetentionDays", 42, "scaling:networkFlowLogRetentionDays: 42 is not allowed; expected "
                                         "one of 1, 3, 5"),
    ("lbCertificateArn", "my-cert", 'scaling:lbCertificateArn: "my-cert": expected an ACM certificate ARN'),
    ("lbHostedZoneId", "example.com", 'scaling:lbHostedZoneId: "example.com": expected a Route 53 hosted zone ID'),
    ("lbDomainName", "https://api.example.com",
     'scaling:lbDomainName: "https://api.example.com": expected a lower-case DNS name'),
])
def test_each_bad_value_names_the_key_the_value_and_what_is_allowed(key, value, expected):
    found = problems(**{key: value})
    assert len(found) == 1, found
    assert found[0].startswith(expected), found[0]


def test_unknown_keys_are_errors_so_typos_do_not_pass():
    assert problems(asgMaxsize=20) == [
        "scaling:asgMaxsize: unknown setting; see the configuration reference in the README "
        "(settings are case-sensitive); did you mean 'scaling:asgMaxSize'?"]


def test_other_namespaces_are_not_ours_to_judge():
    assert load_settings({"scaling:environment": "dev", "aws:region": "eu-west-1"}, "x").environment == "dev"


def test_missing_environment_and_an_unknown_one():
    with pytest.raises(ConfigurationError) as info:
        load_settings({}, "x")
    assert info.value.problems == ["scaling:environment: missing; expected one of 'dev', 'prod'"]
    with pytest.raises(ConfigurationError) as info:
        load_settings({"scaling:environment": "qa"}, "x")
    assert "scaling:environment: \"qa\" is not allowed" in info.value.problems[0]


def test_inconsistent_pairs_are_reported():
    """The configuration layer checks only what its representation needs (one weight per backend name);
    rules of a component are the component's, reported by the preflight (tests/stack/test_preflight.py)."""
    found = problems(lbBackendWeights=[1, 2])
    assert any("has 2 weight(s) but scaling:lbBackendNames has 3 name(s)" in p for p in found), found


def test_all_problems_are_reported_at_once():
    found = problems(asgMaxSize="x", cacheShards=0, typo=1)
    assert len(found) == 3
    assert "every" not in str(ConfigurationError(found)) and "3 problem(s)" in str(ConfigurationError(found))


def test_configuration_error_is_a_run_error_so_the_cli_prints_no_traceback():
    import pulumi
    assert issubclass(ConfigurationError, pulumi.RunError)


def test_pulumi_yaml_declares_every_setting_with_its_type_and_description():
    assert (ROOT / "Pulumi.yaml").read_text() == config.pulumi_yaml(), \
        "Pulumi.yaml is stale: run `python -m stack.config --pulumi-yaml > Pulumi.yaml`"
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    assert {f"scaling:{k}" for k in declared} == config.known_keys()
    assert all(d["type"] and d["description"] for d in declared.values())


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_files_load_and_hold_no_plain_text_secret(stack):
    raw = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    settings = load_settings({**raw, **operator_values(stack)}, stack)
    assert settings.environment == stack
    for key, value in raw.items():
        if any(word in key.lower() for word in ("password", "token", "secret", "key")) and \
                not key.lower().endswith(("keyheader", "keyprefix")):
            assert isinstance(value, dict) and "secure" in value, f"{key} must be set with --secret"

"""Expectations come from the stack configuration, whose defaults are the documented limits."""

import pytest

from audit.expectations import load_expectations
from components.rate_limit import waf_rate_limit
from scaling_kit.limits import AUTO_SCALING, CACHE, DATABASE, LOAD_BALANCING, RATE_LIMIT
from stack.config import ConfigurationError
from tests.conftest import operator_values


def test_prod_expects_the_documented_limits():
    exp = load_expectations("prod", operator_values("prod"))
    s = exp.settings
    assert (exp.project, exp.stack, exp.region) == ("scaling", "prod", "us-east-1")
    assert (s.autoscaling.min_size, s.autoscaling.max_size) == (AUTO_SCALING.min_size, AUTO_SCALING.max_size)
    assert s.autoscaling.health_check_grace_period_seconds == AUTO_SCALING.health_check_grace_period_seconds
    assert exp.health_check_type == AUTO_SCALING.health_check_type == "ELB"
    assert exp.algorithm == LOAD_BALANCING.algorithm
    assert s.database.shard_count == DATABASE.shard_count == 16
    assert s.database.replica_count >= DATABASE.min_read_replicas_prod
    assert s.cache.shards == CACHE.shards
    assert exp.https
    assert exp.tag_filters == [{"Key": "Project", "Values": ["scaling"]}, {"Key": "Stack", "Values": ["prod"]}]


def test_waf_rate_is_the_components_conversion_of_the_documented_rate():
    exp = load_expectations("prod", operator_values("prod"))
    assert exp.waf_limit_and_window == waf_rate_limit(RATE_LIMIT.max_requests, RATE_LIMIT.window_seconds) == (67, 600)


def test_dev_expects_its_own_smaller_values():
    exp = load_expectations("dev")
    assert exp.settings.database.shard_count < 16
    assert exp.settings.load_balancer.deletion_protection is False
    assert exp.https is False


def test_overrides_change_and_remove_keys():
    exp = load_expectations("dev", {"scaling:dbShardCount": 4, "scaling:lbDeletionProtection": None,
                                    "scaling:lbBackendWeights": [1, 1, 1]})
    assert exp.settings.database.shard_count == 4
    assert exp.settings.load_balancer.backend_weights == [1, 1, 1]
    # Removed from the stack file (dev sets false): the Pulumi.yaml default applies.
    assert exp.settings.load_balancer.deletion_protection is True


def test_invalid_configuration_and_unknown_stack_raise():
    with pytest.raises(ConfigurationError, match="scaling:dbShardCount"):
        load_expectations("prod", {"scaling:dbShardCount": 0})
    with pytest.raises(FileNotFoundError, match="Pulumi.nope.yaml"):
        load_expectations("nope")

"""Configuration keys no typed setting can check: namespaces, project keys, aws:region, empty --set values."""

from __future__ import annotations

import pytest

from scaling_kit.aws_limits import REGIONS, partition_of
from scaling_kit.config_checks import did_you_mean, key_problems, region_problem
from scaling_kit.stackfiles import parse_overrides

KNOWN = {"scaling:asgMaxSize", "scaling:asgMinSize", "scaling:environment"}


def test_a_misspelled_namespace_is_an_error_with_the_corrected_key():
    assert key_problems({"scalling:asgMaxSize": "50"}, "scaling", KNOWN) == [
        "scalling:asgMaxSize: unknown namespace 'scalling'; expected one of 'scaling', 'aws', 'kubernetes', "
        "'random', 'pulumi'; did you mean 'scaling:asgMaxSize'?"]


def test_an_unrelated_namespace_is_an_error_without_a_guess():
    [problem] = key_problems({"zzz:thing": "1"}, "scaling", KNOWN)
    assert problem.startswith("zzz:thing: unknown namespace 'zzz'") and "did you mean" not in problem


def test_a_misspelled_key_gets_the_closest_known_key():
    [problem] = key_problems({"scaling:asgMaxsize": "50"}, "scaling", KNOWN)
    assert problem.endswith("did you mean 'scaling:asgMaxSize'?")


def test_known_keys_and_provider_namespaces_pass():
    assert key_problems({"scaling:asgMaxSize": "1", "aws:region": "x", "kubernetes:context": "y",
                         "pulumi:tags": "{}", "random:x": "1"}, "scaling", KNOWN) == []


def test_did_you_mean_stays_quiet_when_nothing_is_close():
    assert did_you_mean("completely-different", KNOWN) == ""


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"])
def test_regions_of_every_partition_pass(region):
    assert region_problem({"aws:region": region}) is None


def test_an_unknown_region_names_the_value_and_the_closest_region():
    problem = region_problem({"aws:region": "us-east-7"})
    assert problem.startswith('aws:region: "us-east-7" is not an AWS region')
    assert "did you mean 'us-east-1'?" in problem or "did you mean 'us-east-2'?" in problem


def test_skip_region_validation_is_honoured_as_the_provider_honours_it():
    assert region_problem({"aws:region": "xx-new-1", "aws:skipRegionValidation": "true"}) is None


def test_the_region_list_matches_the_installed_botocore():
    """A region botocore knows and this list does not would reject a valid stack: keep them equal."""
    loader = pytest.importorskip("botocore.loaders")
    partitions = {p["partition"]: set(p["regions"]) for p in loader.Loader().load_data("endpoints")["partitions"]}
    missing = {name: sorted(regions - set(REGIONS.get(name, ()))) for name, regions in partitions.items()}
    assert {k: v for k, v in missing.items() if v} == {}
    assert partition_of("cn-north-1") == "aws-cn" and partition_of("us-east-7") is None


@pytest.mark.parametrize("pair", ["aws:region=", "scaling:asgMaxSize=  "])
def test_empty_set_values_are_refused(pair):
    with pytest.raises(ValueError, match=r"empty value for .*leave the option out"):
        parse_overrides([pair], "scaling")


def test_set_keeps_a_value_with_an_equals_sign():
    assert parse_overrides(["asgMaxSize=a=b"], "scaling") == {"scaling:asgMaxSize": "a=b"}

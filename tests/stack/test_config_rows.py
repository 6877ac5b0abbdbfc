"""Pure rows for stack/config.py's machinery and value checks: each pattern accepted at its edge and refused one step
past it, each message whole, each generated document's rows exact (issue 19).

Engine-free and hypothesis-free like test_config_boundaries.py, so ``scripts/mutation.py config`` can fork per mutant
with this file. The bounds of the integer settings are test_config_boundaries.py's; this file holds the rest: the
check functions, the loader's messages, the cross-field rules of the load balancer, the dev defaults of the images,
and the Pulumi.yaml / reference-table generators.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import ClassVar

import pytest

from components.auto_scaling_group import ScheduledAction
from scaling_kit.config_checks import region_problem
from scaling_kit.limits import AUTO_SCALING, LOAD_BALANCING
from stack import config
from stack.config import ConfigurationError, load_settings
from tests.conftest import operator_values

PROD_IMAGE = operator_values("prod")["scaling:appImage"]
HEX64 = "0123456789abcdef" * 4


def built(section: type, **overrides):
    """An instance of a settings class with its declared defaults, some replaced."""
    values = {f.name: f.metadata["default"] for f in dataclasses.fields(section)}
    return section(**{**values, **overrides})


def problems_of(raw: dict) -> list[str]:
    try:
        load_settings(raw, "test")
    except ConfigurationError as error:
        return error.problems
    return []


def prod(**values) -> dict:
    return {"scaling:environment": "prod", **operator_values("prod"), **values}


# --- ConfigurationError and setting()

def test_configuration_error_lists_every_problem():
    source = ["a: bad", "b: worse"]
    error = ConfigurationError(source)
    assert str(error) == "invalid stack configuration (2 problem(s)):\n  - a: bad\n  - b: worse"
    assert error.problems == source and error.problems is not source
    assert str(ConfigurationError(["only"])) == "invalid stack configuration (1 problem(s)):\n  - only"


def test_setting_records_every_declaration_in_the_field_metadata():
    def check(value):
        return None

    declared = config.setting("Described.", 5, minimum=1, maximum=9, choices=(1, 5), item_minimum=2, item_maximum=8,
                              check=check, min_items=3, max_items=4)
    assert dict(declared.metadata) == dict(description="Described.", default=5, minimum=1, maximum=9, choices=(1, 5),
                                           item_minimum=2, item_maximum=8, check=check, min_items=3, max_items=4)
    bare = config.setting("Only a description.")
    assert dict(bare.metadata) == dict(description="Only a description.", default=config._REQUIRED, minimum=None,
                                       maximum=None, choices=None, item_minimum=None, item_maximum=None, check=None,
                                       min_items=None, max_items=None)


# --- the value checks: each pattern at its edge

CIDR = "expected an IPv4 CIDR block such as 10.0.0.0/16"
AMI = "expected an AMI ID (ami-0123456789abcdef0) or an empty string for the latest Amazon Linux 2023"
SCHEDULE = ("expected 'name:cron:timeZone:min:desired:max' such as "
            "'business-hours:0 8 * * MON-FRI:Europe/Berlin:4:8:20'")
ADDON = "expected an EKS add-on version such as v1.20.1-eksbuild.3 (aws eks describe-addon-versions)"
TOPIC = "expected a Kafka topic name (letters, digits, '.', '_', '-')"
IMAGE = ("expected an image reference such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.4.2 "
         "or registry/app@sha256:<64 hex digits>")
ENV_SHAPE = "expected NAME=value with an upper-case NAME (letters, digits, '_')"
ENV_SECRET = "looks secret; keep secrets in Secrets Manager, never in plain settings"
SUBSCRIPTION = "expected an email address (ops@example.com) or an HTTPS URL (https://hooks.example.com/alarms)"


@pytest.mark.parametrize("check, value, reason", [
    (config._cidr, "10.0.0.0/16", None),
    (config._cidr, "0.0.0.0/0", None),
    (config._cidr, "10.0.0.1/32", None),
    (config._cidr, "10.0.0.1/16", "has host bits set after the /16; did you mean 10.0.0.0/16?"),
    (config._cidr, "192.168.1.7/31", "has host bits set after the /31; did you mean 192.168.1.6/31?"),
    (config._cidr, "10.0.0.0/33", CIDR),
    (config._cidr, "10.0.0/16x", CIDR),
    (config._cidr, "::/0", CIDR),
    (config._ami_or_empty, "", None),
    (config._ami_or_empty, "ami-" + "0" * 8, None),
    (config._ami_or_empty, "ami-" + "f" * 17, None),
    (config._ami_or_empty, "ami-" + "0" * 7, AMI),
    (config._ami_or_empty, "ami-" + "0" * 18, AMI),
    (config._ami_or_empty, "ami-" + "0" * 7 + "g", AMI),
    (config._ami_or_empty, "AMI-" + "0" * 8, AMI),
    (config._ami_or_empty, "xami-" + "0" * 8, AMI),
    (config._schedule_shape, "business-hours:0 8 * * MON-FRI:Europe/Berlin:4:8:20", None),
    (config._schedule_shape, "n:c:z:0:0:0", None),
    (config._schedule_shape, "n:c:z:0:0", SCHEDULE),
    (config._schedule_shape, "n:c:z:0:0:0:0", SCHEDULE),
    (config._schedule_shape, "n:c:z:0:0:x", SCHEDULE),
    (config._schedule_shape, "n:c:z:-1:0:0", SCHEDULE),
    (config._schedule_shape, ":c:z:0:0:0", SCHEDULE),
    (config._addon_version, "v1.20.1-eksbuild.3", None),
    (config._addon_version, "v10.200.31-eksbuild.42", None),
    (config._addon_version, "1.20.1-eksbuild.3", ADDON),
    (config._addon_version, "v1.20-eksbuild.3", ADDON),
    (config._addon_version, "v1.20.1-eksbuild", ADDON),
    (config._addon_version, "v1.20.1-eksbuild.3 ", ADDON),
    (config._addon_version, "V1.20.1-EKSBUILD.3", ADDON),
    (config._topic, "a", None),
    (config._topic, "Aa0._-" + "x" * 243, None),
    (config._topic, "x" * 250, TOPIC),
    (config._topic, "", TOPIC),
    (config._topic, "a b", TOPIC),
    (config._topic, "a/b", TOPIC),
    (config._image_or_empty, "", None),
    (config._image_or_empty, "registry.example.com/app:1.4.2", None),
    (config._image_or_empty, "localhost:5000/team/app", None),
    (config._image_or_empty, f"r/app@sha256:{HEX64}", None),
    (config._image_or_empty, f"r/app:{'t' * 128}@sha256:{HEX64}", None),
    (config._image_or_empty, f"r/app:{'t' * 129}", IMAGE),
    (config._image_or_empty, "app", IMAGE),
    (config._image_or_empty, "Registry/app", IMAGE),
    (config._image_or_empty, f"r/app@sha256:{HEX64[:-1]}", IMAGE),
    (config._image_or_empty, "r/app:1 ", IMAGE),
    (config._env_reason, "A=1", None),
    (config._env_reason, "_=", None),
    (config._env_reason, "LOG_LEVEL2=a=b", None),
    (config._env_reason, "A", ENV_SHAPE),
    (config._env_reason, "=1", ENV_SHAPE),
    (config._env_reason, "a=1", ENV_SHAPE),
    (config._env_reason, "2A=1", ENV_SHAPE),
    (config._env_reason, "A-B=1", ENV_SHAPE),
    (config._env_reason, "DB_PASSWORD=x", ENV_SECRET),
    (config._env_reason, "API_TOKEN=x", ENV_SECRET),
    (config._env_reason, "SECRETS=x", ENV_SECRET),
    (config._env_reason, "AWS_CREDENTIALS=x", ENV_SECRET),
    (config._env_reason, "TLS_PRIVATE_KEY=x", ENV_SECRET),
    (config._env_reason, "PRIVATE=x", None),
    (config._env_reason, "KEY=x", None),
    (config._subscription, "ops@example.com", None),
    (config._subscription, "https://hooks.example.com", None),
    (config._subscription, "https://hooks.example.com/alarms?x=1", None),
    (config._subscription, "ops@example", SUBSCRIPTION),
    (config._subscription, "ops@@example.com", SUBSCRIPTION),
    (config._subscription, "o ps@example.com", SUBSCRIPTION),
    (config._subscription, "http://hooks.example.com/alarms", SUBSCRIPTION),
    (config._subscription, "https://", SUBSCRIPTION),
    (config._subscription, "https://hooks.example.com/a b", SUBSCRIPTION),
], ids=lambda v: v.__name__ if callable(v) else None)
def test_value_checks(check, value, reason):
    assert check(value) == reason


# --- the images each platform runs

@pytest.mark.parametrize("section, dev_args", [
    (config.ApplicationSettings, ("-listen=:3000", "-text=ok")),
    (config.ConsumerSettings, ("-listen=:8080", "-text=ok")),
])
def test_dev_runs_the_echo_server_when_no_image_is_named(section, dev_args):
    settings = built(section, **({"port": 3000} if section is config.ApplicationSettings else {}))
    assert settings.resolved(False) == config.ResolvedApplication(config.DEV_APP_IMAGE, dev_args)
    assert built(section, args=["-x"]).resolved(False) == config.ResolvedApplication(config.DEV_APP_IMAGE, ("-x",))
    named = built(section, image="r/app:1", args=["a", "b"])
    assert named.resolved(True) == named.resolved(False) == config.ResolvedApplication("r/app:1", ("a", "b"))
    assert built(section, image="r/app:1").resolved(True) == config.ResolvedApplication("r/app:1", ())


def test_the_dev_echo_server_listens_on_the_application_port():
    assert built(config.ApplicationSettings, port=8443).resolved(False).args == ("-listen=:8443", "-text=ok")


def test_prod_never_runs_the_stand_in():
    with pytest.raises(ValueError) as app:
        built(config.ApplicationSettings).resolved(True)
    assert str(app.value) == "no image in prod"
    with pytest.raises(ValueError) as consumer:
        built(config.ConsumerSettings).resolved(True)
    assert str(consumer.value) == "no consumer image in prod"


def test_schedules_become_the_components_scheduled_actions():
    settings = built(config.AutoScalingSettings, schedules=["business-hours:0 8 * * MON-FRI:Europe/Berlin:4:8:20",
                                                            "night:0 20 * * *:Etc/UTC:0:1:2"])
    assert settings.scheduled_actions() == [
        ScheduledAction(name="business-hours", recurrence="0 8 * * MON-FRI", time_zone="Europe/Berlin", min_size=4,
                        desired_capacity=8, max_size=20),
        ScheduledAction(name="night", recurrence="0 20 * * *", time_zone="Etc/UTC", min_size=0, desired_capacity=1,
                        max_size=2)]
    assert built(config.AutoScalingSettings).scheduled_actions() == []


# --- the load balancer's cross-field rules, whole messages

def lb_check(**overrides) -> list[str]:
    return built(config.LoadBalancerSettings, **overrides).check()


def test_load_balancer_defaults_are_consistent():
    assert lb_check() == []
    assert lb_check(domain_name="api.example.com", hosted_zone_id="Z1") == []
    assert lb_check(certificate_arn="arn") == []
    assert lb_check(backend_names=["a"], backend_weights=[1], backend_platforms=["eks"]) == []


def test_one_weight_per_backend():
    assert lb_check(backend_weights=[1, 2]) == [
        "scaling:lbBackendWeights: [1, 2] has 2 weight(s) but scaling:lbBackendNames has 3 name(s); "
        "give one weight per backend"]
    assert lb_check(backend_weights=[1, 2, 3, 4]) == [
        "scaling:lbBackendWeights: [1, 2, 3, 4] has 4 weight(s) but scaling:lbBackendNames has 3 name(s); "
        "give one weight per backend"]


def test_a_certificate_or_a_domain_not_both():
    assert lb_check(certificate_arn="arn", domain_name="api.example.com", hosted_zone_id="Z1") == [
        "scaling:lbCertificateArn and scaling:lbDomainName: both set; expected one: an existing certificate, or a "
        "domain to request one for"]


def test_a_domain_and_its_zone_together():
    assert lb_check(domain_name="api.example.com") == [
        'scaling:lbDomainName "api.example.com" and scaling:lbHostedZoneId "": expected both (the certificate is '
        "validated and the alias created in that zone) or neither"]
    assert lb_check(hosted_zone_id="Z1") == [
        'scaling:lbDomainName "" and scaling:lbHostedZoneId "Z1": expected both (the certificate is validated and '
        "the alias created in that zone) or neither"]


def test_one_pool_per_backend_and_eks_once():
    assert lb_check(backend_platforms=["ec2", "eks"]) == [
        "scaling:lbBackendPlatforms: ['ec2', 'eks'] has 2 pool(s) but scaling:lbBackendNames has 3 name(s); give one "
        "pool per backend"]
    assert lb_check(backend_platforms=["eks", "ec2", "eks"]) == [
        "scaling:lbBackendPlatforms: ['eks', 'ec2', 'eks'] puts the one Kubernetes workload behind several weighted "
        "target groups; two groups sharing a pool make their weights meaningless. Name 'eks' once"]
    assert lb_check(backend_platforms=["ec2", "ec2", "ec2"]) == []


def test_every_load_balancer_problem_at_once():
    assert lb_check(backend_weights=[1], certificate_arn="arn", domain_name="d", backend_platforms=["eks", "eks"]) == [
        "scaling:lbBackendWeights: [1] has 1 weight(s) but scaling:lbBackendNames has 3 name(s); give one weight per "
        "backend",
        "scaling:lbCertificateArn and scaling:lbDomainName: both set; expected one: an existing certificate, or a "
        "domain to request one for",
        'scaling:lbDomainName "d" and scaling:lbHostedZoneId "": expected both (the certificate is validated and the '
        "alias created in that zone) or neither",
        "scaling:lbBackendPlatforms: ['eks', 'eks'] has 2 pool(s) but scaling:lbBackendNames has 3 name(s); give one "
        "pool per backend",
        "scaling:lbBackendPlatforms: ['eks', 'eks'] puts the one Kubernetes workload behind several weighted target "
        "groups; two groups sharing a pool make their weights meaningless. Name 'eks' once"]


# --- keys

def test_keys_are_the_prefix_and_the_camel_case_field_name():
    assert config._camel("health_check_grace_period_seconds") == "healthCheckGracePeriodSeconds"
    assert config._camel("image") == "image"
    assert config.config_key(config.AutoScalingSettings, "max_size") == "asgMaxSize"
    assert config.config_key(config.KubernetesSettings, "version") == "eksVersion"
    assert config.key_of(built(config.CacheSettings), "ttl_seconds") == "scaling:cacheTtlSeconds"


def test_known_keys_are_the_environment_and_every_field():
    keys = config.known_keys()
    assert len(keys) == 1 + sum(len(dataclasses.fields(s)) for s in config.SECTIONS.values())
    assert {"scaling:environment", "scaling:networkVpcCidr", "scaling:consumerKedaChartVersion",
            "scaling:alarmsSubscriptions"} <= keys
    assert all(k.startswith("scaling:") for k in keys)


# --- the loader's pieces, rows of their own

def test_type_names():
    assert [config._type_name(k) for k in (str, int, bool, list[str], list[int])] == [
        "a string", "an integer", "a boolean (true or false)", "a list of strings", "a list of integers"]


@pytest.mark.parametrize("kind, raw, expected", [
    (bool, "True", True), (bool, "fAlSe", False),
    (int, "0", 0), (int, "-0", 0), (int, "\t12\n", 12), (int, 0, 0),
    (str, "", ""),
    (list[str], "[]", []), (list[str], '["a", "b"]', ["a", "b"]), (list[int], [1, "2"], [1, 2]),
    (list[int], '["3"]', [3]), (list[str], [], []),
])
def test_coercion_rows(kind, raw, expected):
    coerced = config._coerce(kind, raw)
    assert coerced == expected and type(coerced) is type(expected)


@pytest.mark.parametrize("kind, raw", [
    (bool, "truex"), (bool, "t"), (int, "1 2"), (int, "--1"), (int, "+1"), (str, None), (str, ["a"]),
    (list[str], None), (list[str], "[1]"), (list[int], '"[1]"'), (list[int], "[1,"), (list[int], 3),
])
def test_coercion_refusals(kind, raw):
    with pytest.raises(ValueError):
        config._coerce(kind, raw)


def meta(**values) -> dict:
    return {**config.setting("d").metadata, "default": 0, **values}


@pytest.mark.parametrize("kind, declared, text", [
    (int, meta(minimum=0, maximum=0), "an integer from 0 to 0"),
    (int, meta(minimum=-1), "an integer of at least -1"),
    (int, meta(minimum=0), "an integer of at least 0"),
    (int, meta(maximum=9), "an integer"),
    (int, meta(choices=(1, 3, 5), minimum=1, maximum=5), "one of 1, 3, 5"),
    (str, meta(choices=("a", "b")), "one of 'a', 'b'"),
    (bool, meta(), "a boolean (true or false)"),
    (list[int], meta(minimum=1, maximum=2), "a list of integers from 1 to 2"),
])
def test_allowed_values_rows(kind, declared, text):
    assert config._describe_allowed(kind, declared) == text


@pytest.mark.parametrize("kind, declared, value, found", [
    (int, meta(minimum=1, maximum=3), 1, []),
    (int, meta(minimum=1, maximum=3), 3, []),
    (int, meta(minimum=1, maximum=3), 0, ["k: 0 is out of range; expected an integer from 1 to 3"]),
    (int, meta(minimum=1, maximum=3), 4, ["k: 4 is out of range; expected an integer from 1 to 3"]),
    (int, meta(minimum=1), 10 ** 9, []),
    (int, meta(minimum=1), 0, ["k: 0 is out of range; expected an integer of at least 1"]),
    (int, meta(maximum=3), -5, []),
    (int, meta(maximum=3), 4, ["k: 4 is out of range; expected an integer"]),
    (int, meta(choices=(1, 3)), 3, []),
    (int, meta(choices=(1, 3)), 2, ["k: 2 is not allowed; expected one of 1, 3"]),
    (str, meta(choices=("a",), check=lambda v: "never"), "b", ['k: "b" is not allowed; expected one of \'a\'']),
    (str, meta(check=lambda v: f"bad {v}"), "x", ['k: "x": bad x']),
    (str, meta(check=lambda v: None), "x", []),
    (str, meta(check=lambda v: ""), "x", []),
    (list[int], meta(min_items=2, max_items=3), [1, 2], []),
    (list[int], meta(min_items=2, max_items=3), [1, 2, 3], []),
    (list[int], meta(min_items=2, max_items=3), [1], ["k: [1] has 1 item(s); expected at least 2"]),
    (list[int], meta(min_items=2, max_items=3), [1, 2, 3, 4], ["k: [1, 2, 3, 4] has 4 item(s); expected at most 3"]),
    (list[int], meta(item_minimum=0, item_maximum=9), [0, 9], []),
    (list[int], meta(item_minimum=0, item_maximum=9), [-1, 10, 5], [
        "k: item -1 of [-1, 10, 5] is out of range; expected each from 0 to 9",
        "k: item 10 of [-1, 10, 5] is out of range; expected each from 0 to 9"]),
    (list[int], meta(item_minimum=0), [10 ** 9], []),
    (list[int], meta(item_minimum=0), [-1], ["k: item -1 of [-1] is out of range; expected each from 0 to None"]),
    (list[int], meta(item_maximum=9), [-10 ** 9], []),
    (list[int], meta(item_maximum=9), [10], ["k: item 10 of [10] is out of range; expected each from None to 9"]),
    # The check judges a list only once its count and items are right (its message would be noise otherwise).
    (list[int], meta(max_items=1, check=lambda v: "checked"), [1, 2], ["k: [1, 2] has 2 item(s); expected at most 1"]),
    (list[int], meta(max_items=2, check=lambda v: "checked"), [1, 2], ["k: [1, 2]: checked"]),
    (list[str], meta(min_items=1, max_items=1), ["a", "b"], ['k: ["a", "b"] has 2 item(s); expected at most 1']),
])
def test_field_problem_rows(kind, declared, value, found):
    assert config._field_problems("k", kind, declared, value) == found


@dataclass(frozen=True)
class _Probe:
    """A section with a required setting (the project's own all have defaults), to try the loader's "missing"."""
    PREFIX: ClassVar[str] = "probe"
    size: int = config.setting("A required size.", minimum=1, maximum=5)
    names: list[str] = config.setting("Names.", ["a"], max_items=2)

    def check(self) -> list[str]:
        return [f"probe check saw {self.size} and {self.names}"]


def test_a_required_setting_missing_is_named_with_what_is_allowed():
    problems: list[str] = []
    assert config._load_section(_Probe, {}, problems) is None
    assert problems == ["scaling:probeSize: missing; expected an integer from 1 to 5"]


def test_a_missing_setting_does_not_hide_the_problems_of_the_next_ones():
    problems: list[str] = []
    assert config._load_section(_Probe, {"scaling:probeNames": "[1]"}, problems) is None
    assert problems == ["scaling:probeSize: missing; expected an integer from 1 to 5",
                        'scaling:probeNames: "[1]" is not a list of strings; expected a list of strings']


def test_a_section_loads_with_its_defaults_then_runs_its_own_check():
    problems: list[str] = []
    assert config._load_section(_Probe, {"scaling:probeSize": "5", "other": 1}, problems) == _Probe(5, ["a"])
    assert problems == ["probe check saw 5 and ['a']"]


def test_a_section_with_any_bad_field_is_not_built_and_not_checked():
    problems: list[str] = []
    raw = {"scaling:probeSize": "6", "scaling:probeNames": '["a", "b", "c"]'}
    assert config._load_section(_Probe, raw, problems) is None
    assert problems == ["scaling:probeSize: 6 is out of range; expected an integer from 1 to 5",
                        'scaling:probeNames: ["a", "b", "c"] has 3 item(s); expected at most 2']
    problems = []
    assert config._load_section(_Probe, {"scaling:probeSize": "x", "scaling:probeNames": "[1]"}, problems) is None
    assert problems == ['scaling:probeSize: "x" is not an integer; expected an integer from 1 to 5',
                        'scaling:probeNames: "[1]" is not a list of strings; expected a list of strings']


def test_a_section_without_a_check_loads():
    problems: list[str] = []
    assert config._load_section(config.CacheSettings, {"scaling:cacheShards": 7}, problems) == \
        built(config.CacheSettings, shards=7)
    assert problems == []


# --- load_settings: the environment, the images of prod, everything at once

def test_the_environment_is_required_and_one_of_two():
    assert problems_of({}) == ["scaling:environment: missing; expected one of 'dev', 'prod'"]
    assert problems_of({"scaling:environment": "qa"}) == [
        "scaling:environment: \"qa\" is not allowed; expected one of 'dev', 'prod'"]
    assert problems_of({"scaling:environment": "Dev"}) == [
        "scaling:environment: \"Dev\" is not allowed; expected one of 'dev', 'prod'"]


def test_a_dev_stack_loads_from_the_defaults_alone():
    settings = load_settings({"scaling:environment": "dev"}, "mine")
    assert (settings.stack, settings.environment, settings.is_production) == ("mine", "dev", False)
    assert settings.app == built(config.ApplicationSettings)
    assert settings.consumer == built(config.ConsumerSettings)
    assert settings.network == built(config.NetworkSettings)


def test_a_prod_stack_with_its_operator_values_loads():
    settings = load_settings(prod(), "live")
    assert (settings.stack, settings.environment, settings.is_production) == ("live", "prod", True)
    assert settings.app.image == PROD_IMAGE
    assert settings.consumer.image == operator_values("prod")["scaling:consumerImage"]
    assert settings.load_balancer.domain_name == "api.example.com"


def test_prod_needs_an_application_image():
    assert problems_of(prod(**{"scaling:appImage": ""})) == [
        f"scaling:appImage: missing; prod runs only an image you name (the dev default {config.DEV_APP_IMAGE} is a "
        "stand-in). Set it with: pulumi config set scaling:appImage <registry>/<repository>@sha256:<digest> "
        "--stack <stack>"]


def test_prod_needs_the_application_image_pinned_by_digest():
    tagged = PROD_IMAGE.split("@")[0]
    assert problems_of(prod(**{"scaling:appImage": tagged})) == [
        f"scaling:appImage: {json.dumps(tagged)} names a tag only; prod runs images pinned by digest: expected "
        "<registry>/<repository>[:<tag>]@sha256:<64 hex digits> (docker buildx imagetools inspect <image> prints it)"]
    assert problems_of(prod(**{"scaling:appImage": f"r/app@sha256:{HEX64}"})) == []
    # dev runs a tag as it is.
    assert problems_of({"scaling:environment": "dev", "scaling:appImage": tagged}) == []


def test_prod_needs_a_consumer_image():
    assert problems_of(prod(**{"scaling:consumerImage": ""})) == [
        f"scaling:consumerImage: missing; prod runs only a consumer image you name (the dev default "
        f"{config.DEV_APP_IMAGE} is an idle stand-in). Set it with: pulumi config set scaling:consumerImage "
        "<registry>/<repository>:<tag> --stack <stack>"]


def test_a_bad_image_is_reported_once_not_again_as_missing():
    # The section is not built, so the prod rules (which need it) stay quiet; the image's own problem is enough.
    assert problems_of(prod(**{"scaling:appImage": "Bad", "scaling:consumerImage": "Bad"})) == [
        f'scaling:appImage: "Bad": {IMAGE}', f'scaling:consumerImage: "Bad": {IMAGE}']


def test_keys_region_and_values_are_reported_together_in_order():
    assert problems_of({"scaling:environment": "qa", "aws:region": "mars-1", "scaling:asgMaxsize": 2,
                        "scaling:cacheShards": 0}) == [
        "scaling:asgMaxsize: unknown setting; see the configuration reference in the README (settings are "
        "case-sensitive); did you mean 'scaling:asgMaxSize'?",
        region_problem({"aws:region": "mars-1"}),
        "scaling:environment: \"qa\" is not allowed; expected one of 'dev', 'prod'",
        "scaling:cacheShards: 0 is out of range; expected an integer from 1 to 500"]


def test_a_known_region_passes():
    assert problems_of({"scaling:environment": "dev", "aws:region": "eu-central-1"}) == []


# --- the generated documents

def test_yaml_types():
    assert config._yaml_type(str) == {"type": "string"}
    assert config._yaml_type(int) == {"type": "integer"}
    assert config._yaml_type(bool) == {"type": "boolean"}
    assert config._yaml_type(list[str]) == {"type": "array", "items": {"type": "string"}}
    assert config._yaml_type(list[int]) == {"type": "array", "items": {"type": "integer"}}


def test_declarations_rows():
    declared = config.declarations()
    assert len(declared) == len(config.known_keys())
    assert declared[0] == ("environment", {"type": "string", "description": config.ENVIRONMENT_DESCRIPTION})
    assert declared[1] == ("networkVpcCidr", {
        "type": "string", "default": "10.0.0.0/16",
        "description": "IPv4 CIDR of the VPC; split into /21 subnets per tier and zone (for a /16)."})
    rows = dict(declared)
    assert rows["lbBackendWeights"] == {"type": "array", "items": {"type": "integer"},
                                        "default": list(LOAD_BALANCING.backend_weights),
                                        "description": "Weight of each backend, in the order of backendNames."}
    assert list(rows["asgMaxSize"]) == ["type", "description", "default"]


def test_a_required_setting_is_declared_without_a_default(monkeypatch):
    monkeypatch.setattr(config, "SECTIONS", {"probe": _Probe})
    assert config.declarations() == [
        ("environment", {"type": "string", "description": config.ENVIRONMENT_DESCRIPTION}),
        ("probeSize", {"type": "integer", "description": "A required size."}),
        ("probeNames", {"type": "array", "items": {"type": "string"}, "description": "Names.", "default": ["a"]})]
    assert config.markdown_reference() == (
        "| key | type | default | allowed | description |\n"
        "|---|---|---|---|---|\n"
        f"| `environment` | string | required | 'dev', 'prod' | {config.ENVIRONMENT_DESCRIPTION} |\n"
        "| `probeSize` | integer | required | an integer from 1 to 5 | A required size. |\n"
        '| `probeNames` | array | `["a"]` | a list of strings | Names. |\n')
    assert config.pulumi_yaml() == config.PULUMI_YAML_HEADER + (
        "config:\n"
        "  environment:\n"
        '    type: "string"\n'
        f"    description: {json.dumps(config.ENVIRONMENT_DESCRIPTION)}\n"
        "  probeSize:\n"
        '    type: "integer"\n'
        '    description: "A required size."\n'
        "  probeNames:\n"
        '    type: "array"\n'
        '    items: {"type": "string"}\n'
        '    description: "Names."\n'
        '    default: ["a"]\n')


def test_reference_table_rows():
    rows = config.markdown_reference().splitlines()
    assert len(rows) == 2 + len(config.known_keys())
    assert f"| `asgMaxSize` | integer | `{AUTO_SCALING.max_size}` | an integer from 1 to 1000 | Maximum instances. |" \
        in rows
    assert "| `cacheEngine` | string | `\"valkey\"` | one of 'valkey', 'redis' | Cache engine. |" in rows

"""Every component's arguments: wrong types and unknown environments are refused with a message naming the
argument, before any resource is declared; stateful components share one ``protect`` argument."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from components import validation
from components.app_identity import AppIdentity, AppIdentityArgs, validate_app_identity_args
from components.app_settings import AppSettings, AppSettingsArgs, validate_app_settings_args
from components.auto_scaling_group import (
    AutoScalingGroup,
    AutoScalingGroupArgs,
    TrafficSource,
    validate_auto_scaling_group_args,
)
from components.cache import Cache, CacheArgs, validate_cache_args
from components.certificate import (
    DnsValidatedCertificate,
    DnsValidatedCertificateArgs,
    validate_dns_validated_certificate_args,
)
from components.database import Database, DatabaseArgs, validate_database_args
from components.eks_cluster import EksCluster, EksClusterArgs, validate_eks_cluster_args
from components.load_balancer import LoadBalancer, LoadBalancerArgs, validate_load_balancer_args
from components.load_balancer_controller import (
    LoadBalancerController,
    LoadBalancerControllerArgs,
    validate_load_balancer_controller_args,
)
from components.metrics_pipeline import (
    MetricsPipeline,
    MetricsPipelineArgs,
    metrics_catalog,
    validate_metrics_pipeline_args,
)
from components.network import Network, NetworkArgs, validate_network_args
from components.rate_limit import RateLimit, RateLimitArgs, validate_rate_limit_args
from components.sharded_database import ShardedDatabase, ShardedDatabaseArgs, validate_sharded_database_args
from components.streaming import Streaming, StreamingArgs, validate_streaming_args
from components.validation import ArgumentError, ArgumentTypeError, check_argument_types
from components.workload import Workload, WorkloadArgs, validate_workload_args
from tests.conftest import run_refused_program

ROOT = Path(__file__).resolve().parents[2]
SUBNETS = ("subnet-a", "subnet-b", "subnet-c")
DB = DatabaseArgs(vpc_id="vpc-1", subnet_ids=SUBNETS[:2])

# component -> (its class, arguments that validate, the validator as the component calls it)
COMPONENTS = {
    "Network": (Network, NetworkArgs(), validate_network_args),
    "LoadBalancer": (LoadBalancer, LoadBalancerArgs(vpc_id="vpc-1", subnet_ids=SUBNETS[:2]),
                     validate_load_balancer_args),
    "RateLimit": (RateLimit, RateLimitArgs(), validate_rate_limit_args),
    "AutoScalingGroup": (AutoScalingGroup, AutoScalingGroupArgs(
        vpc_id="vpc-1", vpc_cidr_block="10.0.0.0/16", subnet_ids=SUBNETS[:2],
        traffic_sources=(TrafficSource("api1", "arn:tg", "targetgroup/api1/1"),)), validate_auto_scaling_group_args),
    "Database": (Database, DB, lambda a: validate_database_args(a, "prod-db")),
    "ShardedDatabase": (ShardedDatabase, ShardedDatabaseArgs(database=DB),
                        lambda a: validate_sharded_database_args(a, "prod-db")),
    "Cache": (Cache, CacheArgs(vpc_id="vpc-1", subnet_ids=SUBNETS[:2]), validate_cache_args),
    "Streaming": (Streaming, StreamingArgs(vpc_id="vpc-1", subnet_ids=SUBNETS), validate_streaming_args),
    "EksCluster": (EksCluster, EksClusterArgs(subnet_ids=SUBNETS), validate_eks_cluster_args),
    "MetricsPipeline": (MetricsPipeline, MetricsPipelineArgs(), validate_metrics_pipeline_args),
    "Workload": (Workload, WorkloadArgs(metrics_catalog=metrics_catalog(MetricsPipelineArgs())), validate_workload_args),
    "AppIdentity": (AppIdentity, AppIdentityArgs(grants={"kafka": [{"Effect": "Allow", "Action": "kafka:*",
                                                                    "Resource": "*"}]},
                                                 instance_role_names=("api-role",)), validate_app_identity_args),
    "DnsValidatedCertificate": (DnsValidatedCertificate, DnsValidatedCertificateArgs("api.example.com", "Z1"),
                                validate_dns_validated_certificate_args),
    "AppSettings": (AppSettings, AppSettingsArgs("/scaling/dev/app-settings", {"PORT": 8080}),
                    validate_app_settings_args),
    "LoadBalancerController": (LoadBalancerController, LoadBalancerControllerArgs(
        "eks", "vpc-1", "arn:oidc", "https://oidc.example", ("arn:tg",), "sg-lb", "sg-nodes", 8443),
        validate_load_balancer_controller_args),
}
STATEFUL = ("Database", "ShardedDatabase", "Cache", "Streaming", "LoadBalancer", "EksCluster")
FIELDS = [(component, f.name) for component, (_, args, _) in COMPONENTS.items() for f in dataclasses.fields(args)]

JUNK = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False), st.text(max_size=8),
                 st.lists(st.integers(-3, 3), max_size=3), st.lists(st.text(max_size=4), max_size=3),
                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.just(object()))


@pytest.mark.parametrize("component", COMPONENTS)
def test_the_baseline_arguments_are_valid(component):
    _, args, validate = COMPONENTS[component]
    validate(args)


@pytest.mark.parametrize("component, field_name", FIELDS, ids=[f"{c}.{f}" for c, f in FIELDS])
@given(value=JUNK)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_wrongly_typed_argument_is_refused_naming_it(component, field_name, value):
    _, args, validate = COMPONENTS[component]
    changed = dataclasses.replace(args, **{field_name: value})
    hint = validation._hints(type(args))[field_name]
    # Values of the right type are judged by the rules, below; here only the wrong types.
    assume(validation._mismatch(value, hint, field_name) is not None)
    with pytest.raises((ValueError, TypeError)) as info:
        validate(changed)
    assert isinstance(info.value, ArgumentTypeError)
    assert str(info.value).startswith(field_name), str(info.value)


@pytest.mark.parametrize("component, field_name", FIELDS, ids=[f"{c}.{f}" for c, f in FIELDS])
@given(value=JUNK)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_value_is_accepted_or_refused_with_an_argument_error_never_a_crash(component, field_name, value):
    _, args, validate = COMPONENTS[component]
    try:
        validate(dataclasses.replace(args, **{field_name: value}))
    except ArgumentError as error:
        assert error.paths and all(error.paths), error


@pytest.mark.parametrize("component", [c for c in COMPONENTS if any(
    f.name == "environment" for f in dataclasses.fields(COMPONENTS[c][1]))])
@pytest.mark.parametrize("environment", ["production", "Prod", "", "staging"])
def test_an_unknown_environment_is_refused_naming_the_allowed_ones(component, environment):
    _, args, validate = COMPONENTS[component]
    target = dataclasses.replace(args.database, environment=environment) if component == "ShardedDatabase" else None
    changed = dataclasses.replace(args, database=target) if target else dataclasses.replace(args, environment=environment)
    with pytest.raises(ValueError, match=r"environment: .* is not allowed; expected one of 'dev', 'prod'"):
        validate(changed)


def test_database_in_production_spelled_out_declares_nothing():
    """The issue's example: DatabaseArgs(environment="production") used to leave prod unprotected, silently."""
    error, evaluation = run_refused_program(lambda: Database("db", dataclasses.replace(DB, environment="production")))
    assert "environment: 'production' is not allowed" in str(error)
    assert evaluation.resources == []


WRONG_TYPES = {
    "Network": {"az_count": "3"},
    "LoadBalancer": {"backend_port": "3000"},
    "RateLimit": {"requests": 100.0},
    "AutoScalingGroup": {"max_size": None},
    "Database": {"replica_count": "2"},
    "ShardedDatabase": {"shard_count": "16"},
    "Cache": {"num_node_groups": [3]},
    "Streaming": {"broker_count": "3"},
    "EksCluster": {"node_max_size": 12.5},
    "MetricsPipeline": {"namespace": 7},
    "Workload": {"max_replicas": "50"},
    "AppIdentity": {"service_account_name": 7},
    "DnsValidatedCertificate": {"hosted_zone_id": None},
    "AppSettings": {"parameter_name": b"/a"},
    "LoadBalancerController": {"replicas": "2"},
}


@pytest.mark.parametrize("component", COMPONENTS)
def test_a_component_with_a_wrongly_typed_argument_declares_no_resource(component):
    cls, args, _ = COMPONENTS[component]
    (name, value), = WRONG_TYPES[component].items()
    error, evaluation = run_refused_program(lambda: cls("c", dataclasses.replace(args, **{name: value})))
    assert isinstance(error, TypeError) and str(error).startswith(f"{name}: {value!r} is "), str(error)
    assert evaluation.resources == []


def test_network_az_count_as_a_string_names_the_argument():
    with pytest.raises(TypeError, match=r"^az_count: '3' is str; expected an integer$"):
        check_argument_types(NetworkArgs(az_count="3"))


def test_nested_arguments_are_checked_with_their_path():
    args = ShardedDatabaseArgs(database=dataclasses.replace(DB, replica_count="2"))
    with pytest.raises(TypeError, match=r"^database\.replica_count: '2' is str; expected an integer$"):
        validate_sharded_database_args(args, "prod-db")


def test_outputs_are_accepted_where_an_input_is_declared():
    import pulumi
    check_argument_types(dataclasses.replace(COMPONENTS["LoadBalancer"][1], vpc_id=pulumi.Output.from_input("v")))


def _protect_docstrings() -> dict[str, str]:
    found = {}
    for path in (ROOT / "components").glob("*.py"):
        for cls in (n for n in ast.parse(path.read_text()).body if isinstance(n, ast.ClassDef)):
            body = cls.body
            for node, doc in zip(body, body[1:], strict=False):  # pairs of neighbours
                if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "protect" \
                        and isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant):
                    found[cls.name] = " ".join(doc.value.value.split())
    return found


@pytest.mark.parametrize("component", STATEFUL)
def test_every_stateful_component_has_the_same_protect_argument(component):
    args_cls = type(COMPONENTS[component][1])
    protect = next((f for f in dataclasses.fields(args_cls) if f.name == "protect"), None)
    assert protect is not None and protect.default is None, f"{args_cls.__name__} has no protect: Optional[bool] = None"
    assert validation._hints(args_cls)["protect"] == (bool | None) or \
        str(validation._hints(args_cls)["protect"]) == "typing.Optional[bool]"
    assert _protect_docstrings().get(args_cls.__name__) == validation.PROTECT_DOC


def test_protect_defaults_to_the_environment():
    assert validation.resolve_protect(None, "prod") is True
    assert validation.resolve_protect(None, "dev") is False
    assert validation.resolve_protect(False, "prod") is False
    assert validation.resolve_protect(True, "dev") is True


def test_sharded_database_takes_protect_once_for_all_shards():
    shards = validate_sharded_database_args(ShardedDatabaseArgs(database=DB, shard_count=2, protect=False), "prod-db")
    assert [s.protect for s in shards] == [False, False]
    with pytest.raises(ValueError, match=r"^database\.protect: True given on the template"):
        validate_sharded_database_args(ShardedDatabaseArgs(database=dataclasses.replace(DB, protect=True)), "prod-db")


def test_argument_error_keeps_paths_and_reason():
    error = ArgumentError("min_size/desired_capacity/max_size", "5/3/4 is not allowed")
    assert error.paths == ("min_size", "desired_capacity", "max_size") and str(error).startswith("min_size/")
    nested = ArgumentError("replica_count", "16 is out of range").within("database")
    assert nested.path == "database.replica_count" and str(nested) == "database.replica_count: 16 is out of range"
    assert isinstance(ArgumentTypeError("x", "y"), TypeError) and isinstance(ArgumentTypeError("x", "y"), ValueError)

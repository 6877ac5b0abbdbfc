"""The rendered Kubernetes objects are valid against the OpenAPI schema of the targeted Kubernetes version.

The mock engine records each object's inputs in wire form (numbers as floats, secrets wrapped); they are
turned back into manifests and checked with ``kubernetes-validate`` in strict mode (unknown fields fail,
so a misspelt field cannot slip through as "additional").
"""

from __future__ import annotations

import copy
from typing import Any

import kubernetes_validate
import pulumi
import pytest
from pulumi.runtime import rpc

from components.metrics_pipeline import MetricsPipelineArgs, metrics_catalog
from components.workload import Workload, WorkloadArgs
from offline.engine import _UNKNOWN_SENTINELS
from stack.config import KubernetesSettings
from tests.conftest import run_program, stack_evaluation

VALIDATED = ("kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service",
             "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "kubernetes:policy/v1:PodDisruptionBudget",
             "kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:Secret", "kubernetes:core/v1:Namespace",
             "kubernetes:core/v1:ServiceAccount")


def target_version() -> str:
    """The Kubernetes version the stack deploys (the default of eksVersion), as MAJOR.MINOR.0."""
    import dataclasses
    default = next(f for f in dataclasses.fields(KubernetesSettings) if f.name == "version").metadata["default"]
    return f"{default}.0"


def to_manifest(inputs: dict) -> dict:
    """Engine wire form -> manifest: unwrap secrets, integral floats back to ints."""
    def convert(value: Any) -> Any:
        if isinstance(value, dict):
            if rpc.is_rpc_secret(value):
                return convert(rpc.unwrap_rpc_secret(value))
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value
    return convert(inputs)


@pytest.fixture(scope="module")
def rendered():
    catalog = metrics_catalog(MetricsPipelineArgs())
    ev = run_program(lambda: Workload("app", WorkloadArgs(
        metrics_catalog=catalog, endpoints={"DB_PORT": 5432, "DB_SHARD_MAP": {"0": "shard-0.example"}},
        secrets={"CACHE_AUTH_TOKEN": pulumi.Output.secret("token")})))
    return {r.type: to_manifest(r.inputs) for r in ev.resources if r.type in VALIDATED}


def test_targets_a_version_the_validator_knows():
    assert target_version() == "1.33.0"
    kubernetes_validate.validate({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}},
                                 target_version(), strict=True)


@pytest.mark.parametrize("type_", VALIDATED)
def test_rendered_object_is_valid(rendered, type_):
    manifest = rendered[type_]
    assert manifest["apiVersion"] and manifest["kind"]
    kubernetes_validate.validate(manifest, target_version(), strict=True)


def test_replicas_are_really_absent_and_the_hpa_targets_the_deployment(rendered):
    deployment, hpa = rendered["kubernetes:apps/v1:Deployment"], rendered["kubernetes:autoscaling/v2:HorizontalPodAutoscaler"]
    assert "replicas" not in deployment["spec"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]


@pytest.mark.parametrize("type_, break_it, field", [
    ("kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
     lambda m: m["spec"]["metrics"][0]["resource"]["target"].update(averageUtilization="70%"), "averageUtilization"),
    ("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", lambda m: m["spec"].pop("maxReplicas"), "maxReplicas"),
    ("kubernetes:apps/v1:Deployment",
     lambda m: m["spec"]["template"]["spec"]["containers"][0]["resources"].update(request={"cpu": "1"}), "request"),
    ("kubernetes:policy/v1:PodDisruptionBudget", lambda m: m["spec"].update(maxUnavailable=[1]), "maxUnavailable"),
    ("kubernetes:core/v1:Service", lambda m: m["spec"]["ports"][0].update(port="eighty"), "port"),
])
def test_schema_check_catches_a_broken_object(rendered, type_, break_it, field):
    manifest = copy.deepcopy(rendered[type_])
    break_it(manifest)
    with pytest.raises(kubernetes_validate.ValidationError) as info:
        kubernetes_validate.validate(manifest, target_version(), strict=True)
    assert field in str(info.value)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_objects_are_valid(stack):
    # In a preview, values from other tiers are unknown: an unknown string stays a string (still checked);
    # a whole field that is unknown (the Secret's stringData before the token exists) is left out.
    checked = set()
    for resource in stack_evaluation(stack).resources:
        if resource.type in VALIDATED:
            manifest = {k: v for k, v in to_manifest(resource.inputs).items()
                        if not (isinstance(v, str) and v in _UNKNOWN_SENTINELS)}
            kubernetes_validate.validate(manifest, target_version(), strict=True)
            checked.add(resource.type)
    # The Secret exists only when a tier exports a secret (the cache auth token).
    assert checked >= set(VALIDATED) - {"kubernetes:core/v1:Secret"}

"""Kubernetes workload hardening (issue 17): default-deny networking per namespace, images pinned by digest,
secrets as files.

The rules read the pod templates of every workload kind the stack may declare directly (Helm releases are
judged by their pinned chart versions, not here)."""

from __future__ import annotations

import re

from .common import (
    HIGH,
    MEDIUM,
    UnknownCollector,
    get,
    items,
    of_type,
    resource_policy,
    schema,
    stack_policy,
    string_list,
)

# kind -> path from the object's props to its pod spec.
POD_SPEC_PATHS = {
    "kubernetes:apps/v1:Deployment": ("spec", "template", "spec"),
    "kubernetes:apps/v1:StatefulSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:DaemonSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:ReplicaSet": ("spec", "template", "spec"),
    "kubernetes:batch/v1:Job": ("spec", "template", "spec"),
    "kubernetes:batch/v1:CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "kubernetes:core/v1:Pod": ("spec",),
}
WORKLOAD_TYPES = tuple(POD_SPEC_PATHS)
NETWORK_POLICY_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def containers(resource_type: str, props) -> list:
    """Init containers and containers of the workload's pod template."""
    pod = get(props, *POD_SPEC_PATHS[resource_type])
    return [*items(get(pod, "initContainers")), *items(get(pod, "containers"))]


def _image_digest(args, k, violation):
    allowed = set(k["allowedTaggedImages"] or [])
    for container in containers(args.resource_type, args.props):
        image = get(container, "image")
        if image is None:
            violation(f"container {get(container, 'name')!r} names no image")
        elif not _DIGEST.search(str(image)) and image not in allowed:
            violation(f"container {get(container, 'name')!r} runs {image!r}, a tag that can be pushed again with "
                      "other content; pin it by digest (image@sha256:<digest>)")


container_image_digest = resource_policy(
    "kubernetes-container-image-digest",
    "Containers run images pinned by digest, so the image that runs is the one that was reviewed.",
    WORKLOAD_TYPES, _image_digest, severity=HIGH, prod_only=True,
    remediation="Reference every image as <registry>/<repository>[:<tag>]@sha256:<digest> (scaling:appImage in "
                "prod); list a deliberate exception by its exact reference in allowedTaggedImages.",
    config_schema=schema(allowedTaggedImages=string_list(
        [], "Exact image references allowed without a digest (documented exceptions).")))


def _secrets_as_files(args, k, violation):
    for container in containers(args.resource_type, args.props):
        name = get(container, "name")
        for source in items(get(container, "envFrom")):
            if get(source, "secretRef") is not None:
                violation(f"container {name!r} takes Secret {get(source, 'secretRef', 'name')!r} as environment "
                          "variables (envFrom.secretRef); mount it as files instead")
        for variable in items(get(container, "env")):
            if get(variable, "valueFrom", "secretKeyRef") is not None:
                violation(f"container {name!r} takes {get(variable, 'name')!r} from a Secret (env.valueFrom."
                          "secretKeyRef); mount the Secret as files instead")


secrets_as_files = resource_policy(
    "kubernetes-secrets-mounted-as-files",
    "Containers read secrets from mounted files, never from environment variables (which leak into crash dumps, "
    "child processes and /proc/<pid>/environ, and miss rotations).",
    WORKLOAD_TYPES, _secrets_as_files, severity=MEDIUM,
    remediation="Mount the Secret as a volume (read-only) and tell the app the folder (the Workload component "
                "mounts it at /var/run/secrets/app and sets APP_SECRETS_DIR).")


def _is_default_deny(spec) -> bool:
    selector = get(spec, "podSelector")
    selects_all = selector is not None and not get(selector, "matchLabels") and not get(selector, "matchExpressions")
    return (selects_all and {"Ingress", "Egress"} <= set(items(get(spec, "policyTypes")))
            and not items(get(spec, "ingress")) and not items(get(spec, "egress")))


def _namespace(resource) -> str:
    return get(resource.props, "metadata", "namespace", default="default")


def _default_deny(args, k, report):
    unknown = UnknownCollector()
    denied: set[str] = set()
    for policy in of_type(args, NETWORK_POLICY_TYPE):
        with unknown.guard():
            if _is_default_deny(get(policy.props, "spec")):
                denied.add(_namespace(policy))
    for workload in of_type(args, *WORKLOAD_TYPES):
        with unknown.guard():
            namespace = _namespace(workload)
            if namespace not in denied:
                report(f"namespace {namespace!r} of {workload.resource_type.rsplit(':', 1)[1]} {workload.name!r} has "
                       "no default-deny NetworkPolicy: every pod in it may talk to every pod of the cluster",
                       workload.urn)
    unknown.raise_first()


namespace_default_deny = stack_policy(
    "kubernetes-namespace-default-deny",
    "Every namespace that runs a workload has a default-deny NetworkPolicy (empty podSelector, Ingress and Egress, "
    "no rules); the application's allowances are added beside it.",
    _default_deny, severity=HIGH,
    remediation="Declare a NetworkPolicy with spec {podSelector: {}, policyTypes: [Ingress, Egress]} in the namespace "
                "(components/network_policy.py: default_deny_spec), then the workload's allowances; on EKS enable the "
                "vpc-cni network policy agent (EksCluster does).")

POLICIES = [container_image_digest, secrets_as_files, namespace_default_deny]

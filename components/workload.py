"""Workload: the horizontally autoscaled ai-agent-system on any Kubernetes cluster.

Declares, with whatever Kubernetes provider ``opts`` carries: a namespace, a ServiceAccount, a
ConfigMap with the design's application settings (circuit breaker, cache-aside TTL, session prefix, DB
pool, rate limit, Kafka producer and consumer) plus the other tiers' endpoints, a Secret for secret
values, the Deployment, its Service, the ``autoscaling/v2`` HorizontalPodAutoscaler of the design, a
PodDisruptionBudget and the namespace's NetworkPolicies (deny everything, then admit what the app needs:
``components/network_policy.py``).

Secrets reach the app as files (the Secret mounted read-only at ``SECRETS_DIR``, its path in the
``APP_SECRETS_DIR`` variable), never as environment variables: the environment leaks into crash dumps,
child processes and ``/proc/<pid>/environ``, and a mounted Secret follows rotations without a restart.

The Deployment has no ``spec.replicas``: the HPA owns the count, and a replica count in the program
would fight the controller on every update (server-side apply takes ownership of the field back).

Before any resource is declared the arguments are cross-checked: every HPA metric must be served by
the cluster (``metrics_catalog``), utilization targets need requests on every container, the PDB must
let a node drain at the minimum replica count while keeping a pod serving, and min <= max.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s

from scaling_kit.limits import CACHE, CIRCUIT_BREAKER, DATABASE, HPA, LOAD_BALANCING, MESSAGING, RATE_LIMIT

from . import network_policy, request_proxy
from .metrics_pipeline import MetricsCatalog, PodDemand
from .validation import DNS_LABEL, ArgumentError, check_arguments, check_pod_identity

_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
# Names that say "secret": such values belong in the Secret, never in the ConfigMap.
_SECRET_WORDS = ("PASSWORD", "TOKEN", "SECRET", "CREDENTIAL", "PRIVATE_KEY")
SCALE_POLICY_TYPES = ("Percent", "Pods")
# Where the app reads its secrets (one file per key), and the variable that tells it so.
SECRETS_DIR = "/var/run/secrets/app"
SECRETS_DIR_VARIABLE = "APP_SECRETS_DIR"
# RDS Proxy (PostgreSQL), ElastiCache, MSK with IAM authentication over TLS.
DATA_TIER_PORTS = (5432, 6379, 9098)
SELECT_POLICIES = ("Max", "Min", "Disabled")


def design_app_settings() -> dict[str, str]:
    """The design's application settings as environment variables, from policies/documented_limits."""
    return {
        "CIRCUIT_BREAKER_FAILURE_THRESHOLD": str(CIRCUIT_BREAKER.failure_threshold),
        "CIRCUIT_BREAKER_OPEN_TIMEOUT_MS": str(CIRCUIT_BREAKER.open_timeout_seconds * 1000),
        "CACHE_TTL_SECONDS": str(CACHE.ttl_seconds),
        "CACHE_FEATURE_KEY_PREFIX": CACHE.feature_key_prefix,
        "SESSION_KEY_PREFIX": CACHE.session_key_prefix,
        "DB_NAME": DATABASE.database_name,
        "DB_SHARD_COUNT": str(DATABASE.shard_count),
        "DB_POOL_MAX": str(DATABASE.pool_max_connections),
        "DB_POOL_IDLE_TIMEOUT_MS": str(DATABASE.pool_idle_timeout_seconds * 1000),
        "DB_POOL_CONNECTION_TIMEOUT_MS": str(DATABASE.pool_connect_timeout_seconds * 1000),
        "RATE_LIMIT_MAX": str(RATE_LIMIT.max_requests),
        "RATE_LIMIT_WINDOW_MS": str(RATE_LIMIT.window_seconds * 1000),
        "KAFKA_CLIENT_ID": MESSAGING.client_id,
        "KAFKA_ACKS": MESSAGING.producer_acks,
        "KAFKA_TOPIC": MESSAGING.topic,
        "KAFKA_CONSUMER_GROUP": MESSAGING.consumer_group,
    }


@dataclass(frozen=True)
class ScalingPolicy:
    """One HPA scaling policy: change by ``value`` (percent or pods) per ``period_seconds``."""
    type: str
    value: int
    period_seconds: int


@dataclass(frozen=True)
class HpaMetric:
    """One HPA metric as plain data: ``Resource`` (cpu/memory, Utilization) or ``Pods`` (AverageValue)."""
    kind: str
    name: str
    target: str


@dataclass(frozen=True)
class WorkloadArgs:
    """Arguments of :class:`Workload`."""

    metrics_catalog: MetricsCatalog
    """Metrics the cluster serves to HPAs (``MetricsPipeline.catalog``); required, because an HPA whose
    metric nobody serves silently never scales."""
    image: str = "docker.io/hashicorp/http-echo:1.0"
    """Container image of the application. Defaults to a small echo server (a stand-in: answers 200 on every
    path; give it ``args`` such as ``-listen=:3000``)."""
    args: tuple[str, ...] = ()
    """Arguments to the image's entrypoint. Defaults to none (the image's own)."""
    name: str = HPA.name
    """Name of the Deployment, Service, HPA and PDB. Defaults to ``ai-agent-system``."""
    namespace: str = HPA.name
    """Namespace created for the workload. Defaults to ``ai-agent-system``."""
    container_port: int = LOAD_BALANCING.backend_port
    """Port the application listens on (the request-counting proxy forwards to it on localhost). Defaults to
    3000 (the design)."""
    service_port: int = 80
    """Port of the ClusterIP Service; it targets the proxy. Defaults to 80."""
    health_check_path: str = "/"
    """Path of the readiness and liveness probes. Defaults to ``/``."""
    metrics_path: str = request_proxy.METRICS_PATH
    """Path Prometheus scrapes on the proxy's metrics port. Defaults to ``/stats/prometheus`` (Envoy)."""
    request_counter: str = request_proxy.REQUEST_COUNTER
    """Counter of served requests (the proxy's); the pipeline turns it into the HPA's Pods metric.
    Defaults to ``envoy_http_downstream_rq_total``."""
    proxy_image: str = request_proxy.PROXY_IMAGE
    """Image of the request-counting Envoy sidecar. Defaults to ``docker.io/envoyproxy/envoy:distroless-v1.34.1``."""
    proxy_tls: bool = False
    """Serve TLS on the proxy port (for an HTTPS target group): an init container writes a self-signed
    certificate for the pod into a memory-backed emptyDir at start, and Envoy serves it; the load balancer does
    not validate target certificates. Defaults to False (plain HTTP on the proxy port)."""
    certificate_image: str = request_proxy.CERTIFICATE_IMAGE
    """Image of the init container that creates the certificate with ``openssl`` (with ``proxy_tls``). Defaults
    to ``docker.io/alpine/openssl:3.3.2``."""
    load_balancer_cidrs: tuple[str, ...] = ()
    """CIDRs the load balancer connects to the pods from (its public subnets), admitted on the proxy port by the
    NetworkPolicy; needed with ``target_group_arn``. Defaults to none (only the cluster reaches the pods)."""
    vpc_cidr: str = "10.0.0.0/16"
    """CIDR of the VPC: the pods reach the data tier inside it on ``data_tier_ports``. Defaults to
    ``10.0.0.0/16`` (``Network``'s default)."""
    aws_endpoint_cidrs: tuple[str, ...] = ()
    """Subnets of the VPC's interface endpoints (``Network.endpoint_subnet_cidrs``): the NetworkPolicy admits
    HTTPS to them, where the pods reach STS and Secrets Manager. Defaults to none."""
    internet_https: bool = True
    """Admit HTTPS to any address outside the VPC as well (AWS APIs without an endpoint in the VPC, third-party
    services the application calls). False needs ``aws_endpoint_cidrs``. Defaults to True."""
    data_tier_ports: tuple[int, ...] = DATA_TIER_PORTS
    """TCP ports the pods may open inside the VPC. Defaults to 5432, 6379 and 9098 (RDS Proxy, the cache, the
    brokers with IAM auth)."""
    monitoring_namespace: str = network_policy.MONITORING_NAMESPACE
    """Namespace of the Prometheus that scrapes the proxy's metrics port. Defaults to ``monitoring``."""
    request_timeout_seconds: int = LOAD_BALANCING.idle_timeout_seconds
    """Upper bound of one request and of an idle connection at the proxy. Defaults to 60 (the design)."""
    service_account_role_arn: Optional[pulumi.Input[str]] = None
    """IAM role of the pods (IRSA annotation on the ServiceAccount). Defaults to none (no AWS access)."""
    target_group_arn: Optional[pulumi.Input[str]] = None
    """Target group the pods serve as a weighted pool of the load balancer: a ``TargetGroupBinding`` (IP
    targets, the proxy port) for the AWS Load Balancer Controller. Defaults to none (in-cluster only)."""
    cpu_request_millicores: Optional[int] = 500
    """CPU request of the container (CPU utilization is relative to it). Defaults to 500."""
    cpu_limit_millicores: Optional[int] = None
    """CPU limit. Defaults to twice the request."""
    memory_request_mib: Optional[int] = 512
    """Memory request. Defaults to 512."""
    memory_limit_mib: Optional[int] = None
    """Memory limit. Defaults to the request (no overcommit: a pod is never OOM-killed for a neighbour)."""
    run_as_user: int = 10001
    """Non-root UID of the container. Defaults to 10001."""
    min_replicas: int = HPA.min_replicas
    """HPA minimum. Defaults to 2."""
    max_replicas: int = HPA.max_replicas
    """HPA maximum. Defaults to 50."""
    cpu_utilization_percent: Optional[int] = HPA.cpu_utilization_percent
    """CPU utilization target; None drops the metric. Defaults to 70."""
    memory_utilization_percent: Optional[int] = HPA.memory_utilization_percent
    """Memory utilization target; None drops the metric. Defaults to 80."""
    requests_metric: Optional[str] = HPA.requests_per_second_metric
    """Pods metric of the request rate; None drops it. Defaults to ``requests_per_second``."""
    requests_per_pod: str = HPA.requests_per_second_average_value
    """AverageValue target of the Pods metric (a Kubernetes quantity). Defaults to ``"1000"``."""
    scale_down_stabilization_seconds: int = HPA.scale_down_stabilization_seconds
    """Defaults to 300."""
    scale_down_policies: tuple[ScalingPolicy, ...] = (
        ScalingPolicy("Percent", HPA.scale_down_percent, HPA.scale_down_period_seconds),)
    """Defaults to 50 % per 60 s."""
    scale_up_stabilization_seconds: int = HPA.scale_up_stabilization_seconds
    """Defaults to 0."""
    scale_up_policies: tuple[ScalingPolicy, ...] = (
        ScalingPolicy("Percent", HPA.scale_up_percent, HPA.scale_up_percent_period_seconds),
        ScalingPolicy("Pods", HPA.scale_up_pods, HPA.scale_up_pods_period_seconds))
    """Defaults to 100 % per 30 s and 5 pods per 30 s."""
    scale_up_select_policy: str = HPA.scale_up_select_policy
    """Which scale-up policy wins. Defaults to ``Max``."""
    pdb_max_unavailable: int = 1
    """Pods a voluntary disruption (node drain) may take at once. Defaults to 1."""
    app_settings: Mapping[str, str] = field(default_factory=design_app_settings)
    """Plain application settings for the ConfigMap. Defaults to the design's (``design_app_settings``)."""
    endpoints: Mapping[str, Any] = field(default_factory=dict)
    """More ConfigMap entries that may be Outputs (other tiers' endpoints); non-strings become JSON.
    Defaults to none."""
    secrets: Mapping[str, Any] = field(default_factory=dict)
    """Secret entries (Outputs welcome), delivered through a Kubernetes Secret mounted as files: one file per key
    in ``/var/run/secrets/app``, the path in ``APP_SECRETS_DIR``. Defaults to none."""
    environment: str = "prod"
    """Environment label. Defaults to ``prod``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra labels on every object. Defaults to none."""


def cpu_limit(args: WorkloadArgs) -> Optional[int]:
    if args.cpu_limit_millicores is not None:
        return args.cpu_limit_millicores
    return None if args.cpu_request_millicores is None else 2 * args.cpu_request_millicores


def memory_limit(args: WorkloadArgs) -> Optional[int]:
    return args.memory_limit_mib if args.memory_limit_mib is not None else args.memory_request_mib


def hpa_metrics(args: WorkloadArgs) -> list[HpaMetric]:
    """The HPA's metrics in the design's order: CPU, memory, requests per second."""
    metrics = []
    if args.cpu_utilization_percent is not None:
        metrics.append(HpaMetric("Resource", "cpu", str(args.cpu_utilization_percent)))
    if args.memory_utilization_percent is not None:
        metrics.append(HpaMetric("Resource", "memory", str(args.memory_utilization_percent)))
    if args.requests_metric is not None:
        metrics.append(HpaMetric("Pods", args.requests_metric, args.requests_per_pod))
    return metrics


def hpa_spec(args: WorkloadArgs) -> dict[str, Any]:
    """The HPA's ``spec`` without ``scaleTargetRef``, as plain data in Kubernetes (camelCase) names.

    The one place the HPA's numbers are assembled: the component declares exactly this, and tools that
    reason about the HPA (the scaling simulator) read it here instead of re-typing the settings. The
    scale-down rules carry no ``selectPolicy``, as declared; the API server defaults it to ``Max``."""
    def policies(rules: tuple[ScalingPolicy, ...]) -> list[dict[str, Any]]:
        return [{"type": p.type, "value": p.value, "periodSeconds": p.period_seconds} for p in rules]

    def metric(m: HpaMetric) -> dict[str, Any]:
        if m.kind == "Resource":
            return {"type": "Resource", "resource": {
                "name": m.name, "target": {"type": "Utilization", "averageUtilization": int(m.target)}}}
        return {"type": "Pods", "pods": {"metric": {"name": m.name},
                                         "target": {"type": "AverageValue", "averageValue": m.target}}}

    return {
        "minReplicas": args.min_replicas,
        "maxReplicas": args.max_replicas,
        "metrics": [metric(m) for m in hpa_metrics(args)],
        "behavior": {
            "scaleDown": {"stabilizationWindowSeconds": args.scale_down_stabilization_seconds,
                          "policies": policies(args.scale_down_policies)},
            "scaleUp": {"stabilizationWindowSeconds": args.scale_up_stabilization_seconds,
                        "policies": policies(args.scale_up_policies),
                        "selectPolicy": args.scale_up_select_policy},
        },
    }


def disruptions_allowed(replicas: int, max_unavailable: int) -> int:
    """Pods a PDB with ``maxUnavailable`` lets a drain evict when ``replicas`` are healthy."""
    return max(0, min(max_unavailable, replicas))


def validate_metrics_served(metrics: list[HpaMetric], catalog: MetricsCatalog, request_counter: str) -> None:
    """Every HPA metric must be served by the cluster, the Pods metric from the workload's own counter."""
    for metric in metrics:
        if metric.kind == "Resource" and metric.name not in catalog.resource_metrics:
            raise ArgumentError("metrics_catalog", f"the HPA's Resource metric {metric.name!r} is not served "
                             f"(served: {sorted(catalog.resource_metrics)}); install metrics-server")
        if metric.kind == "Pods":
            if metric.name not in catalog.pods_metrics:
                raise ArgumentError("metrics_catalog", f"the HPA's Pods metric {metric.name!r} is not served "
                                 f"(served: {sorted(catalog.pods_metrics)}); add a prometheus-adapter rule for it")
            if catalog.pods_metrics[metric.name] != request_counter:
                raise ArgumentError("request_counter", f"{request_counter!r} is not the series the pipeline computes "
                                 f"{metric.name!r} from ({catalog.pods_metrics[metric.name]!r}); the HPA "
                                 "would see no data")


def validate_requests_for_utilization(metrics: list[HpaMetric], containers: Mapping[str, Mapping[str, Any]]) -> None:
    """Utilization is usage / request summed over containers: every container needs that request."""
    for metric in metrics:
        if metric.kind != "Resource":
            continue
        for container, requests in containers.items():
            if not requests.get(metric.name):
                raise ArgumentError(f"{metric.name}_request", f"container {container!r} has no {metric.name} request; "
                                 f"the HPA's {metric.name} utilization target needs one on every container")


def validate_pdb(min_replicas: int, max_unavailable: int) -> None:
    """At the minimum replica count a drain may evict a pod, and at least one pod keeps serving."""
    if max_unavailable < 1 or disruptions_allowed(min_replicas, max_unavailable) < 1:
        raise ArgumentError("pdb_max_unavailable", f"{max_unavailable} allows no disruption at min_replicas "
                         f"({min_replicas}); node drains would block forever. Expected at least 1")
    if min_replicas - disruptions_allowed(min_replicas, max_unavailable) < 1:
        raise ArgumentError("pdb_max_unavailable", f"{max_unavailable} lets a drain evict every pod at min_replicas "
                         f"({min_replicas}); expected below min_replicas (raise min_replicas to at least 2)")


def _validate_policies(name: str, policies: tuple[ScalingPolicy, ...]) -> None:
    if not policies:
        raise ArgumentError(name, "empty; expected at least one policy")
    for p in policies:
        if p.type not in SCALE_POLICY_TYPES:
            raise ArgumentError(name, f"policy type {p.type!r} is not allowed; expected one of {SCALE_POLICY_TYPES}")
        if p.value < 1:
            raise ArgumentError(name, f"policy value {p.value} is out of range; expected at least 1")
        if not 1 <= p.period_seconds <= 1800:
            raise ArgumentError(name, f"period_seconds {p.period_seconds} is out of range; expected 1 to 1800")


def validate_workload_args(args: WorkloadArgs) -> None:
    """Raise ``ValueError`` naming the argument, its value and what is allowed."""
    check_arguments(args)
    check_pod_identity(args)
    for name in ("container_port", "service_port"):
        if not 1 <= getattr(args, name) <= 65535:
            raise ArgumentError(name, f"{getattr(args, name)} is out of range; expected 1 to 65535")
    taken = {request_proxy.PROXY_PORT: "the proxy", request_proxy.METRICS_PORT: "the proxy's metrics",
             request_proxy.ADMIN_PORT: "the proxy's admin interface"}
    if args.container_port in taken:
        raise ArgumentError("container_port", f"{args.container_port} is the port of {taken[args.container_port]} in "
                         f"the same pod; expected another port")
    if not 1 <= args.request_timeout_seconds <= 4000:
        raise ArgumentError("request_timeout_seconds", f"{args.request_timeout_seconds} is out of range; expected 1 to "
                         "4000 (the load balancer's idle timeout range)")
    for name in ("health_check_path", "metrics_path"):
        if not getattr(args, name).startswith("/"):
            raise ArgumentError(name, f"{getattr(args, name)!r} must start with '/'")
    if args.run_as_user < 1:
        raise ArgumentError("run_as_user", f"{args.run_as_user} is root; expected a UID of at least 1")
    if args.min_replicas < 1:
        raise ArgumentError("min_replicas", f"{args.min_replicas} is out of range; expected at least 1")
    if args.min_replicas > args.max_replicas:
        raise ArgumentError("min_replicas", f"{args.min_replicas} is above max_replicas ({args.max_replicas}); "
                         "expected min <= max")
    metrics = hpa_metrics(args)
    validate_metrics_served(metrics, args.metrics_catalog, args.request_counter)
    validate_requests_for_utilization(metrics, {"app": {"cpu": args.cpu_request_millicores,
                                                        "memory": args.memory_request_mib},
                                                "proxy": {"cpu": request_proxy.CPU_REQUEST_MILLICORES,
                                                          "memory": request_proxy.MEMORY_MIB}})
    for name in ("cpu_request_millicores", "memory_request_mib"):
        value = getattr(args, name)
        if value is None or value < 1:
            raise ArgumentError(name, f"{value} is not allowed; every container needs requests (the scheduler "
                             "and the node sizing count them); expected at least 1")
    for name, limit, request in (("cpu_limit_millicores", cpu_limit(args), args.cpu_request_millicores),
                                 ("memory_limit_mib", memory_limit(args), args.memory_request_mib)):
        # Both are known here: the requests were checked just above, and a limit left out defaults from its request.
        if limit is not None and request is not None and limit < request:
            raise ArgumentError(name, f"{limit} is below the request ({request}); expected at least the request")
    for name in ("cpu_utilization_percent", "memory_utilization_percent"):
        value = getattr(args, name)
        if value is not None and not 1 <= value <= 100:
            raise ArgumentError(name, f"{value} is out of range; expected 1 to 100 or None")
    if not hpa_metrics(args):
        raise ArgumentError("cpu_utilization_percent/memory_utilization_percent/requests_metric", "all None; the HPA "
                         "needs at least one metric")
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?(m|k|M|G)?", args.requests_per_pod) or float(
            re.sub(r"[a-zA-Z]", "", args.requests_per_pod)) <= 0:
        raise ArgumentError("requests_per_pod", f"{args.requests_per_pod!r} is not a positive Kubernetes quantity "
                         "such as \"1000\"")
    for name in ("scale_down_stabilization_seconds", "scale_up_stabilization_seconds"):
        if not 0 <= getattr(args, name) <= 3600:
            raise ArgumentError(name, f"{getattr(args, name)} is out of range; expected 0 to 3600")
    _validate_policies("scale_down_policies", args.scale_down_policies)
    _validate_policies("scale_up_policies", args.scale_up_policies)
    if args.scale_up_select_policy not in SELECT_POLICIES:
        raise ArgumentError("scale_up_select_policy", f"{args.scale_up_select_policy!r} is not allowed; "
                         f"expected one of {SELECT_POLICIES}")
    validate_pdb(args.min_replicas, args.pdb_max_unavailable)
    plain = {**args.app_settings, **args.endpoints}
    for key in [*plain, *args.secrets]:
        if not _ENV_NAME.fullmatch(key):
            raise ArgumentError("app_settings/endpoints/secrets", f"key {key!r} is not an environment variable name "
                             "(upper-case letters, digits, '_')")
    if SECRETS_DIR_VARIABLE in plain or SECRETS_DIR_VARIABLE in args.secrets:
        raise ArgumentError("app_settings/endpoints/secrets", f"{SECRETS_DIR_VARIABLE!r} is set by the workload (the "
                            "folder of the secret files); expected another name")
    for key in plain:
        if any(word in key for word in _SECRET_WORDS):
            raise ArgumentError("app_settings/endpoints", f"{key!r} looks secret; pass it in secrets so it lands in a "
                             "Kubernetes Secret, never in the ConfigMap")
    if (both := sorted(set(plain) & set(args.secrets))):
        raise ArgumentError("secrets", f"{both} also appear in app_settings/endpoints; give each key once")
    if args.proxy_tls and (not args.certificate_image or any(c.isspace() for c in args.certificate_image)):
        raise ArgumentError("certificate_image", f"{args.certificate_image!r} is not an image reference")
    if args.target_group_arn is not None and not args.load_balancer_cidrs:
        raise ArgumentError("load_balancer_cidrs", "empty while target_group_arn is set; the NetworkPolicy would "
                            "keep the load balancer out. Expected its subnets' CIDRs")
    if not DNS_LABEL.fullmatch(args.monitoring_namespace):
        raise ArgumentError("monitoring_namespace", f"{args.monitoring_namespace!r} is not a DNS label")
    # Checked here by the workload's own argument names (network_policy.validate_app_traffic names its AppTraffic
    # fields, ".cidrs"/".ports", which lead to no setting); app_allowance_spec checks the same again when declared.
    for name, cidrs in (("load_balancer_cidrs", args.load_balancer_cidrs), ("vpc_cidr", (args.vpc_cidr,))):
        for cidr in cidrs:
            try:
                ipaddress.IPv4Network(cidr, strict=True)
            except ValueError:
                raise ArgumentError(name, f"{cidr!r} is not an IPv4 CIDR block such as 10.0.0.0/16",
                                    value=cidr) from None
    for port in args.data_tier_ports:
        if not 1 <= port <= 65535:
            raise ArgumentError("data_tier_ports", f"{port} is out of range; expected 1 to 65535", value=port)
    network_policy.check_https_egress(args.vpc_cidr, args.aws_endpoint_cidrs, args.internet_https)


def workload_demand(args: WorkloadArgs) -> PodDemand:
    """What the workload needs from the nodes at its maximum scale."""
    return PodDemand(args.name, args.max_replicas,
                     (args.cpu_request_millicores or 0) + request_proxy.CPU_REQUEST_MILLICORES,
                     (args.memory_request_mib or 0) + request_proxy.MEMORY_MIB)


def _traffic(args: WorkloadArgs, selector: Mapping[str, str]) -> network_policy.AppTraffic:
    return network_policy.AppTraffic(
        pod_labels=selector, ingress_port=request_proxy.PROXY_PORT, load_balancer_cidrs=args.load_balancer_cidrs,
        metrics_port=request_proxy.METRICS_PORT, monitoring_namespace=args.monitoring_namespace,
        vpc_cidr=args.vpc_cidr, data_ports=args.data_tier_ports, aws_endpoint_cidrs=args.aws_endpoint_cidrs,
        internet_https=args.internet_https)


def _as_text(value: Any) -> pulumi.Output[str]:
    return pulumi.Output.from_input(value).apply(lambda v: v if isinstance(v, str) else json.dumps(v))


def _checksum(data: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


class Workload(pulumi.ComponentResource):
    """The ai-agent-system Deployment with its Service, HPA, PDB, ConfigMap and Secret."""

    namespace: pulumi.Output[str]
    """Namespace of the workload."""
    deployment_name: pulumi.Output[str]
    """Name of the Deployment."""
    service_name: pulumi.Output[str]
    """Name of the ClusterIP Service (``<service>.<namespace>.svc`` inside the cluster)."""
    hpa_name: pulumi.Output[str]
    """Name of the HorizontalPodAutoscaler."""
    config_map_name: pulumi.Output[str]
    """Name of the ConfigMap with the application settings."""

    def __init__(self, name: str, args: WorkloadArgs, opts: Optional[pulumi.ResourceOptions] = None):
        validate_workload_args(args)
        super().__init__("scaling:workload:Workload", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        selector = {"app.kubernetes.io/name": args.name}
        labels = {**selector, "app.kubernetes.io/part-of": args.name, "app.kubernetes.io/managed-by": "pulumi",
                  "environment": args.environment, **dict(args.tags)}

        def meta(object_name: str, namespaced: bool = True) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(name=object_name, labels=labels,
                                              namespace=ns.metadata.name if namespaced else None)

        ns = k8s.core.v1.Namespace(f"{name}-namespace", metadata=meta(args.namespace, namespaced=False), opts=child)
        account_meta = meta(args.name)
        if args.service_account_role_arn is not None:
            account_meta = k8s.meta.v1.ObjectMetaArgs(
                name=args.name, labels=labels, namespace=ns.metadata.name,
                annotations={"eks.amazonaws.com/role-arn": args.service_account_role_arn})
        account = k8s.core.v1.ServiceAccount(
            f"{name}-service-account", metadata=account_meta,
            # The app calls no Kubernetes API: no token in the pod to steal.
            automount_service_account_token=False, opts=child)

        # Per-key inputs: a preview shows every plain setting even while the endpoints are still unknown.
        config_data: dict[str, Any] = {**args.app_settings, **{k: _as_text(v) for k, v in args.endpoints.items()}}
        config = k8s.core.v1.ConfigMap(f"{name}-config", metadata=meta(f"{args.name}-config"), data=config_data,
                                       opts=child)
        env_from = [k8s.core.v1.EnvFromSourceArgs(
            config_map_ref=k8s.core.v1.ConfigMapEnvSourceArgs(name=config.metadata.name))]
        env = [k8s.core.v1.EnvVarArgs(name="PORT", value=str(args.container_port))]
        app_mounts = [k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp")]
        secret_volumes: list[k8s.core.v1.VolumeArgs] = []
        if args.secrets:
            secret = k8s.core.v1.Secret(
                f"{name}-secret", metadata=meta(f"{args.name}-secrets"), type="Opaque",
                string_data={k: pulumi.Output.secret(_as_text(v)) for k, v in args.secrets.items()},  # type: ignore[arg-type]  # SDK typing gap: Input[U] given an Output infers U = Never
                opts=child)
            # Files, not environment variables (see the module docstring); readable by the pod's group only.
            env.append(k8s.core.v1.EnvVarArgs(name=SECRETS_DIR_VARIABLE, value=SECRETS_DIR))
            app_mounts.append(k8s.core.v1.VolumeMountArgs(name="secrets", mount_path=SECRETS_DIR, read_only=True))
            secret_volumes.append(k8s.core.v1.VolumeArgs(name="secrets", secret=k8s.core.v1.SecretVolumeSourceArgs(
                secret_name=secret.metadata.name, default_mode=0o440)))

        proxy_settings = request_proxy.proxy_config(args.container_port, args.request_timeout_seconds, args.proxy_tls)
        proxy_config = k8s.core.v1.ConfigMap(
            f"{name}-proxy-config", metadata=meta(f"{args.name}-proxy"),
            data={"envoy.json": json.dumps(proxy_settings, sort_keys=True)}, opts=child)
        annotations: dict[str, pulumi.Input[str]] = {
            # The pipeline's Prometheus scrapes pods that carry these annotations: the proxy's counters.
            "prometheus.io/scrape": "true", "prometheus.io/port": str(request_proxy.METRICS_PORT),
            "prometheus.io/path": args.metrics_path,
            # ConfigMap changes do not restart pods by themselves; a new checksum rolls the Deployment.
            "checksum/config": pulumi.Output.from_input(config_data).apply(_checksum),
            "checksum/proxy": _checksum({"envoy.json": json.dumps(proxy_settings, sort_keys=True)}),
        }
        resources = k8s.core.v1.ResourceRequirementsArgs(
            requests={"cpu": f"{args.cpu_request_millicores}m", "memory": f"{args.memory_request_mib}Mi"},
            limits={"cpu": f"{cpu_limit(args)}m", "memory": f"{memory_limit(args)}Mi"})
        proxy_port_name = "https" if args.proxy_tls else "http"

        def probe(port: str, scheme: Optional[str] = None) -> dict[str, Any]:
            # Kubelet does not verify the certificate of an HTTPS probe, so the self-signed one passes.
            return dict(http_get=k8s.core.v1.HTTPGetActionArgs(path=args.health_check_path, port=port, scheme=scheme),
                        timeout_seconds=2)
        hardened = k8s.core.v1.SecurityContextArgs(
            run_as_non_root=True, run_as_user=args.run_as_user, read_only_root_filesystem=True,
            allow_privilege_escalation=False, capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]))
        container = k8s.core.v1.ContainerArgs(
            name="app", image=args.image, args=list(args.args) or None, ports=[k8s.core.v1.ContainerPortArgs(
                name="app", container_port=args.container_port, protocol="TCP")],
            env_from=env_from, env=env,
            resources=resources,
            # Readiness goes through the proxy: a pod is ready only when both answer, as the load balancer sees it.
            readiness_probe=k8s.core.v1.ProbeArgs(**probe(proxy_port_name, "HTTPS" if args.proxy_tls else None),
                                                  period_seconds=5, failure_threshold=3),
            liveness_probe=k8s.core.v1.ProbeArgs(**probe("app"), initial_delay_seconds=15, period_seconds=20,
                                                 failure_threshold=3),
            security_context=hardened,
            # Read-only root: the only writable place is a scratch emptyDir.
            volume_mounts=app_mounts)
        tls_mounts: list[k8s.core.v1.VolumeMountArgs] = []
        tls_volumes: list[k8s.core.v1.VolumeArgs] = []
        init_containers: Optional[list[k8s.core.v1.ContainerArgs]] = None
        if args.proxy_tls:
            tls_mounts.append(k8s.core.v1.VolumeMountArgs(name="proxy-tls", mount_path=request_proxy.TLS_DIR,
                                                          read_only=True))
            # Memory-backed: the private key never touches the node's disk and goes with the pod.
            tls_volumes.append(k8s.core.v1.VolumeArgs(name="proxy-tls", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(
                medium="Memory", size_limit="1Mi")))
            init_containers = [k8s.core.v1.ContainerArgs(
                name="certificate", image=args.certificate_image,
                args=request_proxy.self_signed_certificate_args(f"{args.name}.{args.namespace}.svc"),
                resources=k8s.core.v1.ResourceRequirementsArgs(
                    requests={"cpu": f"{request_proxy.CPU_REQUEST_MILLICORES}m",
                              "memory": f"{request_proxy.MEMORY_MIB}Mi"},
                    limits={"cpu": f"{request_proxy.CPU_LIMIT_MILLICORES}m", "memory": f"{request_proxy.MEMORY_MIB}Mi"}),
                security_context=hardened,
                volume_mounts=[k8s.core.v1.VolumeMountArgs(name="proxy-tls", mount_path=request_proxy.TLS_DIR)])]
        proxy = k8s.core.v1.ContainerArgs(
            name="proxy", image=args.proxy_image,
            args=["-c", "/etc/envoy/envoy.json", "--disable-hot-restart", "--log-level", "warn"],
            ports=[k8s.core.v1.ContainerPortArgs(name=proxy_port_name, container_port=request_proxy.PROXY_PORT,
                                                 protocol="TCP"),
                   k8s.core.v1.ContainerPortArgs(name="metrics", container_port=request_proxy.METRICS_PORT,
                                                 protocol="TCP")],
            resources=k8s.core.v1.ResourceRequirementsArgs(
                requests={"cpu": f"{request_proxy.CPU_REQUEST_MILLICORES}m", "memory": f"{request_proxy.MEMORY_MIB}Mi"},
                limits={"cpu": f"{request_proxy.CPU_LIMIT_MILLICORES}m", "memory": f"{request_proxy.MEMORY_MIB}Mi"}),
            readiness_probe=k8s.core.v1.ProbeArgs(tcp_socket=k8s.core.v1.TCPSocketActionArgs(port=proxy_port_name),
                                                  period_seconds=5),
            security_context=hardened,
            volume_mounts=[k8s.core.v1.VolumeMountArgs(name="proxy-config", mount_path="/etc/envoy", read_only=True),
                           *tls_mounts])
        spread = [
            # Zones first: losing one zone must leave pods elsewhere. Per-revision (pod-template-hash) so a
            # rollout is spread too.
            k8s.core.v1.TopologySpreadConstraintArgs(
                max_skew=1, topology_key="topology.kubernetes.io/zone", when_unsatisfiable="DoNotSchedule",
                label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                match_label_keys=["pod-template-hash"]),
            k8s.core.v1.TopologySpreadConstraintArgs(
                max_skew=1, topology_key="kubernetes.io/hostname", when_unsatisfiable="ScheduleAnyway",
                label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                match_label_keys=["pod-template-hash"]),
        ]
        deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment", metadata=meta(args.name),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                # No replicas: the HPA owns the count.
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                revision_history_limit=10,
                strategy=k8s.apps.v1.DeploymentStrategyArgs(
                    type="RollingUpdate", rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(
                        max_surge="25%", max_unavailable=0)),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels, annotations=annotations),
                    spec=k8s.core.v1.PodSpecArgs(
                        service_account_name=account.metadata.name, automount_service_account_token=False,
                        security_context=k8s.core.v1.PodSecurityContextArgs(
                            run_as_non_root=True, run_as_user=args.run_as_user, run_as_group=args.run_as_user,
                            fs_group=args.run_as_user,
                            seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault")),
                        termination_grace_period_seconds=30,
                        topology_spread_constraints=spread, init_containers=init_containers,
                        containers=[container, proxy],
                        volumes=[k8s.core.v1.VolumeArgs(name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(
                            size_limit="256Mi")),
                                 k8s.core.v1.VolumeArgs(name="proxy-config", config_map=k8s.core.v1.
                                                        ConfigMapVolumeSourceArgs(name=proxy_config.metadata.name)),
                                 *secret_volumes, *tls_volumes]))),
            opts=child)
        service = k8s.core.v1.Service(
            f"{name}-service", metadata=meta(args.name),
            spec=k8s.core.v1.ServiceSpecArgs(type="ClusterIP", selector=selector, ports=[
                k8s.core.v1.ServicePortArgs(name=proxy_port_name, port=args.service_port, target_port=proxy_port_name,
                                            protocol="TCP")]),
            opts=child)
        spec = hpa_spec(args)
        down, up = spec["behavior"]["scaleDown"], spec["behavior"]["scaleUp"]
        hpa = k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{name}-hpa", metadata=meta(args.name),
            spec=k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
                scale_target_ref=k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
                    api_version="apps/v1", kind="Deployment", name=deployment.metadata.name),
                min_replicas=spec["minReplicas"], max_replicas=spec["maxReplicas"],
                metrics=[self._metric_spec(m) for m in spec["metrics"]],
                behavior=k8s.autoscaling.v2.HorizontalPodAutoscalerBehaviorArgs(
                    scale_down=k8s.autoscaling.v2.HPAScalingRulesArgs(
                        stabilization_window_seconds=down["stabilizationWindowSeconds"],
                        policies=[self._policy(p) for p in down["policies"]]),
                    scale_up=k8s.autoscaling.v2.HPAScalingRulesArgs(
                        stabilization_window_seconds=up["stabilizationWindowSeconds"],
                        policies=[self._policy(p) for p in up["policies"]],
                        select_policy=up["selectPolicy"]))),
            opts=child)
        k8s.policy.v1.PodDisruptionBudget(
            f"{name}-pdb", metadata=meta(args.name),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                max_unavailable=args.pdb_max_unavailable,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                # A crash-looping pod must not block a node drain.
                unhealthy_pod_eviction_policy="AlwaysAllow"),
            opts=child)

        # Deny all traffic in the namespace, then admit what the app needs (components/network_policy.py).
        k8s.networking.v1.NetworkPolicy(  # type: ignore[call-overload]  # a camelCase spec: accepted, but not the SDK's TypedDict
            f"{name}-default-deny", metadata=meta(network_policy.DEFAULT_DENY_NAME),
            spec=network_policy.default_deny_spec(), opts=child)
        k8s.networking.v1.NetworkPolicy(  # type: ignore[call-overload]  # a camelCase spec: accepted, but not the SDK's TypedDict
            f"{name}-network-policy", metadata=meta(args.name),
            spec=network_policy.app_allowance_spec(_traffic(args, selector)), opts=child)

        if args.target_group_arn is not None:
            # The AWS Load Balancer Controller keeps the target group's IP targets equal to the ready pods behind
            # the Service (the proxy port). No `networking`: the security group rules are declared beside the
            # controller, which is then never allowed to edit security groups.
            k8s.apiextensions.CustomResource(
                f"{name}-target-group-binding", api_version="elbv2.k8s.aws/v1beta1", kind="TargetGroupBinding",
                metadata=meta(args.name),
                spec={"serviceRef": {"name": service.metadata.name, "port": args.service_port},
                      "targetGroupARN": args.target_group_arn, "targetType": "ip"},
                # A component's depends_on does not reach its children: the binding waits for what the caller
                # named (the controller's chart, which installs the TargetGroupBinding CRD).
                opts=pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts is not None else None))

        self.namespace = ns.metadata.name
        self.deployment_name = deployment.metadata.name
        self.service_name = service.metadata.name
        self.hpa_name = hpa.metadata.name
        self.config_map_name = config.metadata.name
        self.register_outputs({"namespace": self.namespace, "deployment_name": self.deployment_name,
                               "service_name": self.service_name, "hpa_name": self.hpa_name,
                               "config_map_name": self.config_map_name})

    @staticmethod
    def _metric_spec(metric: Mapping[str, Any]) -> k8s.autoscaling.v2.MetricSpecArgs:
        if metric["type"] == "Resource":
            resource = metric["resource"]
            return k8s.autoscaling.v2.MetricSpecArgs(type="Resource", resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
                name=resource["name"], target=k8s.autoscaling.v2.MetricTargetArgs(
                    type="Utilization", average_utilization=resource["target"]["averageUtilization"])))
        pods = metric["pods"]
        return k8s.autoscaling.v2.MetricSpecArgs(type="Pods", pods=k8s.autoscaling.v2.PodsMetricSourceArgs(
            metric=k8s.autoscaling.v2.MetricIdentifierArgs(name=pods["metric"]["name"]),
            target=k8s.autoscaling.v2.MetricTargetArgs(type="AverageValue", average_value=pods["target"]["averageValue"])))

    @staticmethod
    def _policy(policy: Mapping[str, Any]) -> k8s.autoscaling.v2.HPAScalingPolicyArgs:
        return k8s.autoscaling.v2.HPAScalingPolicyArgs(type=policy["type"], value=policy["value"],
                                                       period_seconds=policy["periodSeconds"])

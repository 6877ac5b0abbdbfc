"""MetricsPipeline: the metrics an autoscaled workload needs, installed into the cluster by Helm.

* metrics-server (kubernetes-sigs chart) serves the Resource Metrics API (``metrics.k8s.io``): the
  HPA's CPU and memory utilization targets read it. EKS does not install it.
* Prometheus (prometheus-community ``prometheus`` chart, server only) scrapes every pod annotated
  ``prometheus.io/scrape: "true"`` with the chart's built-in ``kubernetes-pods`` job, which labels the
  series with ``namespace`` and ``pod`` - exactly what the adapter needs to map a series to a pod.
  The plain chart rather than kube-prometheus-stack: the HPA needs one scrape job and a few minutes of
  samples, not the operator, its CRDs, Alertmanager and Grafana (monitoring is another document).
  Samples live on an emptyDir: ``rate(...[2m])`` needs minutes of history, and a PersistentVolume
  would need the EBS CSI driver add-on and an IRSA role for nothing the HPA uses.
* prometheus-adapter serves the Custom Metrics API (``custom.metrics.k8s.io``) with one rule that
  turns the workload's request counter into a per-pod rate named after the HPA metric: the counter of
  the workload's Envoy sidecar (``components/request_proxy.py``), which exists for any application image,
  ``rate(envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix="ingress"}[2m])`` ->
  ``requests_per_second``. Without it the design's Pods metric
  never resolves and the HPA never scales on requests.

* kube-state-metrics (the ``prometheus`` chart's subchart, locked by that chart's version: 5.33.2, app
  v2.15.0), limited to the HorizontalPodAutoscaler collector and the replica series, feeds one alerting rule:
  every HPA whose current replicas reach its maximum for ``hpa_at_max_for`` (``hpa_at_max_rule``). CloudWatch
  has no replica count, so this alarm lives in Prometheus; with ``alertmanager_address`` Prometheus sends it to
  the Alertmanager of ``components/alertmanager.py``, which publishes it to the stack's SNS alarm topic.

``metrics_catalog(args)`` tells, without the engine, which metrics a pipeline with these arguments
serves, so a workload's HPA can be checked against it before any resource is declared.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s

from scaling_kit.limits import HPA

from . import request_proxy
from .validation import DNS_LABEL, ArgumentError, check_arguments

METRICS_SERVER_REPO = "https://kubernetes-sigs.github.io/metrics-server/"
PROMETHEUS_COMMUNITY_REPO = "https://prometheus-community.github.io/helm-charts"
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_PROM_DURATION = re.compile(r"[1-9][0-9]*[smh]")
# Fixed Helm release names: the adapter reaches Prometheus through the Service "<release>-server".
PROMETHEUS_RELEASE = "prometheus"
# kube-state-metrics series of every HPA, labelled ``namespace`` and ``horizontalpodautoscaler``.
HPA_CURRENT_REPLICAS = "kube_horizontalpodautoscaler_status_current_replicas"
HPA_MAX_REPLICAS = "kube_horizontalpodautoscaler_spec_max_replicas"
HPA_SERIES = (HPA_CURRENT_REPLICAS, HPA_MAX_REPLICAS, "kube_horizontalpodautoscaler_status_desired_replicas",
              "kube_horizontalpodautoscaler_spec_min_replicas")
"""The only series kube-state-metrics exposes (``metricAllowlist``): the rule's two, and desired and minimum
replicas for whoever answers the alert (desired above max: demand beyond the ceiling)."""
HPA_AT_MAX_ALERT = "HpaAtMaxReplicas"
_HOST_PORT = re.compile(r"([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*:([1-9][0-9]{0,4})")


@dataclass(frozen=True)
class MetricsCatalog:
    """Which metrics a cluster serves to HPAs."""

    resource_metrics: frozenset[str] = frozenset()
    """Resource metrics of ``metrics.k8s.io`` (``cpu``, ``memory``), served by metrics-server."""
    pods_metrics: Mapping[str, str] = field(default_factory=dict)
    """Custom per-pod metrics of ``custom.metrics.k8s.io``: metric name -> the series it is computed from."""


@dataclass(frozen=True)
class PodDemand:
    """Requests of a group of pods, used to size a node group."""

    name: str
    pods: int
    cpu_millicores: int
    memory_mib: int


@dataclass(frozen=True)
class MetricsPipelineArgs:
    """Arguments of :class:`MetricsPipeline`."""

    namespace: str = "monitoring"
    """Namespace created for Prometheus and the adapter (metrics-server goes to kube-system, where
    the aggregated API expects it). Defaults to ``monitoring``."""
    metrics_server_chart_version: str = "3.12.2"
    """metrics-server chart version (app v0.7.2). Defaults to ``3.12.2``."""
    prometheus_chart_version: str = "27.19.0"
    """prometheus chart version (Prometheus v3.4.1). Defaults to ``27.19.0``."""
    prometheus_adapter_chart_version: str = "4.11.0"
    """prometheus-adapter chart version (app v0.12.0). Defaults to ``4.11.0``."""
    request_counter: str = request_proxy.REQUEST_COUNTER
    """Counter of served requests the workload's pods expose. Defaults to the request-counting proxy's
    ``envoy_http_downstream_rq_total``."""
    request_counter_selector: str = request_proxy.REQUEST_COUNTER_SELECTOR
    """Label matchers that pick the served requests from the counter's series (Envoy counts its metrics
    listener too). Defaults to ``envoy_http_conn_manager_prefix="ingress"``; empty for none."""
    metric_name: str = HPA.requests_per_second_metric
    """Custom metric the rule serves. Defaults to ``requests_per_second`` (the design's HPA)."""
    rate_window: str = "2m"
    """Range of ``rate()``; at least four scrape intervals so one missed scrape does not zero it.
    Defaults to ``2m``."""
    scrape_interval: str = "30s"
    """Prometheus scrape interval. Defaults to ``30s``."""
    retention: str = "1d"
    """How long Prometheus keeps samples (only the last minutes matter for the HPA). Defaults to ``1d``."""
    highly_available: bool = True
    """Two replicas and a PodDisruptionBudget for metrics-server and the adapter: when either API is
    down, every HPA of the cluster stops scaling. Defaults to True."""
    hpa_at_max_alert: bool = True
    """Run kube-state-metrics (HPA series only) and evaluate the alerting rule that fires when an HPA has been at
    its maximum replicas for ``hpa_at_max_for``. Defaults to True."""
    hpa_at_max_for: str = "15m"
    """How long an HPA must stay at its maximum before the alert fires: the same 15 minutes as the Auto Scaling
    groups' at-maximum alarm (a scale-out takes minutes; 15 at the ceiling is demand above the bounds, not a
    spike). Defaults to ``15m``."""
    alertmanager_address: str = ""
    """``host:port`` of the Alertmanagers Prometheus sends alerts to, resolved as DNS A records (every replica
    behind a headless Service), such as ``alertmanager.discovery_address("monitoring")``. Defaults to none: the
    rule is evaluated (Prometheus's /alerts page shows it) and notifies nobody."""
    environment: str = "prod"
    """Environment label. Defaults to ``prod``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra labels for the namespace. Defaults to none."""


def validate_metrics_pipeline_args(args: MetricsPipelineArgs) -> None:
    """Raise ``ValueError`` naming the argument, its value and what is allowed."""
    check_arguments(args)
    if not DNS_LABEL.fullmatch(args.namespace):
        raise ArgumentError("namespace", f"{args.namespace!r} is not a DNS label (lower-case letters, digits, '-', "
                         "at most 63 characters)")
    for name in ("metrics_server_chart_version", "prometheus_chart_version", "prometheus_adapter_chart_version"):
        value = getattr(args, name)
        if not re.fullmatch(r"\d+\.\d+\.\d+", value):
            raise ArgumentError(name, f"{value!r} is not a pinned chart version; expected MAJOR.MINOR.PATCH "
                             "(ranges would let a preview and an update install different charts)")
    if args.request_counter_selector and not re.fullmatch(
            r'[a-zA-Z_][a-zA-Z0-9_]*(=|!=|=~|!~)"[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*(=|!=|=~|!~)"[^"]*")*',
            args.request_counter_selector):
        raise ArgumentError("request_counter_selector", f"{args.request_counter_selector!r} is not a list of PromQL label "
                         'matchers such as envoy_http_conn_manager_prefix="ingress"')
    for name in ("request_counter", "metric_name"):
        value = getattr(args, name)
        if not _METRIC_NAME.fullmatch(value):
            raise ArgumentError(name, f"{value!r} is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)")
    for name in ("rate_window", "scrape_interval", "retention"):
        value = getattr(args, name)
        if not _PROM_DURATION.fullmatch(value) and not (name == "retention" and re.fullmatch(r"[1-9]\d*d", value)):
            raise ArgumentError(name, f"{value!r} is not a duration such as 30s, 2m or 1h")
    if _seconds(args.rate_window) < 4 * _seconds(args.scrape_interval):
        raise ArgumentError("rate_window", f"{args.rate_window!r} is shorter than four scrape intervals "
                         f"(scrape_interval {args.scrape_interval!r}); rate() would drop to nothing after one "
                         "missed scrape")
    if not _PROM_DURATION.fullmatch(args.hpa_at_max_for):
        raise ArgumentError("hpa_at_max_for", f"{args.hpa_at_max_for!r} is not a duration such as 15m")
    if _seconds(args.hpa_at_max_for) < 2 * _seconds(args.scrape_interval):
        raise ArgumentError("hpa_at_max_for", f"{args.hpa_at_max_for!r} is shorter than two scrape intervals "
                            f"(scrape_interval {args.scrape_interval!r}); one sample at the maximum would fire it")
    if args.alertmanager_address and not _HOST_PORT.fullmatch(args.alertmanager_address):
        raise ArgumentError("alertmanager_address", f"{args.alertmanager_address!r} is not host:port (a DNS name "
                            "in lower case and a port, such as alertmanager-headless.monitoring.svc.cluster.local:9093)")
    if args.alertmanager_address and int(args.alertmanager_address.rpartition(":")[2]) > 65535:
        raise ArgumentError("alertmanager_address", f"{args.alertmanager_address!r} has a port above 65535")
    if args.alertmanager_address and not args.hpa_at_max_alert:
        raise ArgumentError("alertmanager_address/hpa_at_max_alert", f"{args.alertmanager_address!r} is set while "
                            "hpa_at_max_alert is False; there would be no rule to send (enable the alert or drop "
                            "the address)")


def _seconds(duration: str) -> int:
    # Only durations that matched _PROM_DURATION come here (retention, the one that may be in days, is not compared).
    return int(duration[:-1]) * {"s": 1, "m": 60, "h": 3600}[duration[-1]]


def metrics_catalog(args: MetricsPipelineArgs) -> MetricsCatalog:
    """What a pipeline with ``args`` serves: cpu and memory, and the one custom per-pod metric."""
    return MetricsCatalog(resource_metrics=frozenset({"cpu", "memory"}),
                          pods_metrics={args.metric_name: args.request_counter})


def _matchers(base: str, args: MetricsPipelineArgs) -> str:
    return f"{base},{args.request_counter_selector}" if args.request_counter_selector else base


def adapter_rule(args: MetricsPipelineArgs) -> dict[str, Any]:
    """The prometheus-adapter rule: the counter's per-pod rate under the HPA's metric name."""
    return {
        # Only series that carry the pod's namespace and name can be attached to a pod.
        "seriesQuery": args.request_counter + "{" + _matchers('namespace!="",pod!=""', args) + "}",
        "resources": {"overrides": {"namespace": {"resource": "namespace"}, "pod": {"resource": "pod"}}},
        "name": {"matches": f"^{args.request_counter}$", "as": args.metric_name},
        "metricsQuery": (f"sum(rate({args.request_counter}{{{_matchers('<<.LabelMatchers>>', args)}}}"
                         f"[{args.rate_window}])) "
                         "by (<<.GroupBy>>)"),
    }


def hpa_at_max_rule(args: MetricsPipelineArgs) -> dict[str, Any]:
    """The alerting rule: an HPA's current replicas at (or above) its maximum for ``hpa_at_max_for``.

    Both sides are reduced to the HPA's identity (``namespace``, ``horizontalpodautoscaler``), so the
    comparison does not depend on the scrape's own labels (instance, pod of kube-state-metrics) and the alert
    carries only the labels its notification names."""
    by = "max by (namespace, horizontalpodautoscaler)"
    return {
        "alert": HPA_AT_MAX_ALERT,
        "expr": f"{by} ({HPA_CURRENT_REPLICAS}) >= {by} ({HPA_MAX_REPLICAS})",
        "for": args.hpa_at_max_for,
        "labels": {"severity": "warning"},
        "annotations": {
            "summary": "HPA {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} has been at its maximum "
                       f"replicas for {args.hpa_at_max_for}",
            "description": "Demand is above what the HPA's bounds allow: raise its max replicas (and the node "
                           "group's maximum to hold them), or make each pod serve more. See docs/alarms.md.",
        },
    }


def alerting_rules(args: MetricsPipelineArgs) -> dict[str, Any]:
    """Prometheus's ``alerting_rules.yml``: the HPA group, or no group without ``hpa_at_max_alert``."""
    return {"groups": [{"name": "hpa", "rules": [hpa_at_max_rule(args)]}]} if args.hpa_at_max_alert else {}


def alertmanagers(args: MetricsPipelineArgs) -> list[dict[str, Any]]:
    """Prometheus's ``alerting.alertmanagers``: every A record of the address's name (each replica)."""
    if not args.alertmanager_address:
        return []
    host, _, port = args.alertmanager_address.rpartition(":")
    return [{"dns_sd_configs": [{"names": [host], "type": "A", "port": int(port)}]}]


# Requests of the pipeline's own pods, which the node group must hold beside the workload.
_METRICS_SERVER = dict(cpu_millicores=100, memory_mib=200)
_PROMETHEUS = dict(cpu_millicores=500, memory_mib=2048)
_ADAPTER = dict(cpu_millicores=100, memory_mib=256)
_KUBE_STATE_METRICS = dict(cpu_millicores=20, memory_mib=64)   # one collector, four series per HPA


def pipeline_demand(args: MetricsPipelineArgs) -> list[PodDemand]:
    """Pods the pipeline runs and what each requests."""
    replicas = 2 if args.highly_available else 1
    return [PodDemand("metrics-server", replicas, **_METRICS_SERVER),
            PodDemand("prometheus", 1, **_PROMETHEUS),
            PodDemand("prometheus-adapter", replicas, **_ADAPTER),
            *([PodDemand("kube-state-metrics", 1, **_KUBE_STATE_METRICS)] if args.hpa_at_max_alert else [])]


def _resources(spec: Mapping[str, int]) -> dict:
    requests = {"cpu": f"{spec['cpu_millicores']}m", "memory": f"{spec['memory_mib']}Mi"}
    # Memory limit = request: no overcommit, so the pipeline is never the OOM victim of its neighbours.
    return {"requests": requests, "limits": {"memory": requests["memory"]}}


def metrics_server_values(args: MetricsPipelineArgs) -> dict[str, Any]:
    replicas = 2 if args.highly_available else 1
    return {
        "replicas": replicas,
        "resources": _resources(_METRICS_SERVER),
        "podDisruptionBudget": {"enabled": args.highly_available, "maxUnavailable": 1},
    }


def prometheus_values(args: MetricsPipelineArgs) -> dict[str, Any]:
    # kube-state-metrics only for the HPA alert, and only what it needs: the HPA collector (its ClusterRole then
    # reads HPAs only) and the replica series. Its Service is annotated prometheus.io/scrape (the subchart's
    # prometheusScrape), so the chart's kubernetes-service-endpoints job scrapes it with honor_labels, keeping
    # the HPA's own namespace label.
    kube_state_metrics: dict[str, Any] = {"enabled": False}
    if args.hpa_at_max_alert:
        kube_state_metrics = {"enabled": True, "collectors": ["horizontalpodautoscalers"],
                              "metricAllowlist": list(HPA_SERIES), "resources": _resources(_KUBE_STATE_METRICS)}
    server: dict[str, Any] = {}
    if args.alertmanager_address:
        # Prometheus's own alerting section; the chart writes it only from this list (its Alertmanager is off).
        server["alertmanagers"] = alertmanagers(args)
    return {
        # No bundled Alertmanager (components/alertmanager.py is declared once the SNS topic exists), and no node
        # exporter or pushgateway: nothing here reads them.
        "alertmanager": {"enabled": False},
        "kube-state-metrics": kube_state_metrics,
        "prometheus-node-exporter": {"enabled": False},
        "prometheus-pushgateway": {"enabled": False},
        "serverFiles": {"alerting_rules.yml": alerting_rules(args)},
        "server": {
            **server,
            "global": {"scrape_interval": args.scrape_interval, "evaluation_interval": args.scrape_interval},
            "retention": args.retention,
            "persistentVolume": {"enabled": False},
            "resources": _resources(_PROMETHEUS),
            "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534, "fsGroup": 65534},
        },
    }


def prometheus_adapter_values(args: MetricsPipelineArgs) -> dict[str, Any]:
    replicas = 2 if args.highly_available else 1
    return {
        "replicas": replicas,
        "prometheus": {"url": f"http://{PROMETHEUS_RELEASE}-server.{args.namespace}.svc", "port": 80, "path": ""},
        "metricsRelistInterval": "1m",
        # Only our rule: the chart's default rules publish every series as a custom metric.
        "rules": {"default": False, "custom": [adapter_rule(args)]},
        "resources": _resources(_ADAPTER),
        "podDisruptionBudget": {"enabled": args.highly_available, "maxUnavailable": 1},
    }


class MetricsPipeline(pulumi.ComponentResource):
    """metrics-server, Prometheus and prometheus-adapter as pinned Helm releases."""

    namespace: pulumi.Output[str]
    """Namespace of Prometheus and the adapter."""
    catalog: MetricsCatalog
    """The metrics this pipeline serves (give it to :class:`Workload`)."""
    prometheus_url: str
    """In-cluster URL of the Prometheus server."""
    metrics_server: k8s.helm.v3.Release
    """The metrics-server release (depend on it for Resource metrics)."""
    prometheus: k8s.helm.v3.Release
    """The Prometheus release (what runs in the pipeline's namespace waits for it)."""
    prometheus_adapter: k8s.helm.v3.Release
    """The prometheus-adapter release (depend on it for custom metrics)."""

    def __init__(self, name: str, args: MetricsPipelineArgs, opts: Optional[pulumi.ResourceOptions] = None):
        validate_metrics_pipeline_args(args)
        super().__init__("scaling:metrics_pipeline:MetricsPipeline", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        labels = {"app.kubernetes.io/managed-by": "pulumi", "environment": args.environment, **dict(args.tags)}

        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace", metadata=k8s.meta.v1.ObjectMetaArgs(name=args.namespace, labels=labels),
            opts=child)

        def release(role: str, release_name: str, chart: str, repo: str, version: str, ns: Any,
                    values: dict, depends_on: list) -> k8s.helm.v3.Release:
            return k8s.helm.v3.Release(
                f"{name}-{role}", name=release_name, chart=chart, version=version,
                repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=repo), namespace=ns, values=values,
                # Roll back a failed upgrade instead of leaving the API half installed.
                atomic=True, cleanup_on_fail=True, timeout=600, max_history=10,
                opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on))

        self.metrics_server = release("metrics-server", "metrics-server", "metrics-server", METRICS_SERVER_REPO,
                                      args.metrics_server_chart_version, "kube-system",
                                      metrics_server_values(args), [])
        self.prometheus = release("prometheus", PROMETHEUS_RELEASE, "prometheus", PROMETHEUS_COMMUNITY_REPO,
                                  args.prometheus_chart_version, namespace.metadata.name, prometheus_values(args), [])
        self.prometheus_adapter = release("prometheus-adapter", "prometheus-adapter", "prometheus-adapter",
                                          PROMETHEUS_COMMUNITY_REPO, args.prometheus_adapter_chart_version,
                                          namespace.metadata.name, prometheus_adapter_values(args),
                                          [self.prometheus])

        self.namespace = namespace.metadata.name
        self.catalog = metrics_catalog(args)
        self.prometheus_url = f"http://{PROMETHEUS_RELEASE}-server.{args.namespace}.svc"
        self.register_outputs({"namespace": self.namespace, "prometheus_url": self.prometheus_url})

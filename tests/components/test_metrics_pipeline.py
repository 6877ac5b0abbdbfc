"""MetricsPipeline: validation, the adapter rule and the three pinned Helm releases under the mock engine."""

from __future__ import annotations

import dataclasses

import pytest

from components.alarms import SUSTAINED_MINUTES
from components.metrics_pipeline import (
    HPA_SERIES,
    METRICS_SERVER_REPO,
    PROMETHEUS_COMMUNITY_REPO,
    MetricsPipeline,
    MetricsPipelineArgs,
    adapter_rule,
    alerting_rules,
    hpa_at_max_rule,
    metrics_catalog,
    pipeline_demand,
    prometheus_values,
    validate_metrics_pipeline_args,
)
from tests.conftest import run_program

RELEASE = "kubernetes:helm.sh/v3:Release"


def test_catalog_serves_cpu_memory_and_the_request_rate():
    catalog = metrics_catalog(MetricsPipelineArgs())
    assert catalog.resource_metrics == {"cpu", "memory"}
    # The request-counting sidecar's counter: it exists for any application image.
    assert dict(catalog.pods_metrics) == {"requests_per_second": "envoy_http_downstream_rq_total"}
    renamed = metrics_catalog(MetricsPipelineArgs(metric_name="rps", request_counter="app_requests_total"))
    assert dict(renamed.pods_metrics) == {"rps": "app_requests_total"}


def test_adapter_rule_maps_the_counter_rate_to_requests_per_second():
    rule = adapter_rule(MetricsPipelineArgs())
    served = 'envoy_http_conn_manager_prefix="ingress"'  # not the proxy's own metrics listener
    assert rule["seriesQuery"] == 'envoy_http_downstream_rq_total{namespace!="",pod!="",' + served + "}"
    assert rule["name"] == {"matches": "^envoy_http_downstream_rq_total$", "as": "requests_per_second"}
    assert ("rate(envoy_http_downstream_rq_total{<<.LabelMatchers>>," + served + "}[2m])") in rule["metricsQuery"]
    assert rule["metricsQuery"].endswith("by (<<.GroupBy>>)")
    assert rule["resources"]["overrides"] == {"namespace": {"resource": "namespace"}, "pod": {"resource": "pod"}}
    plain = adapter_rule(MetricsPipelineArgs(request_counter="http_requests_total", request_counter_selector=""))
    assert plain["seriesQuery"] == 'http_requests_total{namespace!="",pod!=""}'
    assert "rate(http_requests_total{<<.LabelMatchers>>}[2m])" in plain["metricsQuery"]


def test_a_malformed_counter_selector_is_refused():
    from components.metrics_pipeline import validate_metrics_pipeline_args
    with pytest.raises(ValueError, match="request_counter_selector: 'prefix=ingress' is not a list of PromQL"):
        validate_metrics_pipeline_args(MetricsPipelineArgs(request_counter_selector="prefix=ingress"))


@pytest.mark.parametrize("changes, message", [
    (dict(namespace="Monitoring"), "namespace: 'Monitoring' is not a DNS label"),
    (dict(prometheus_chart_version="27.x"), "prometheus_chart_version: '27.x' is not a pinned chart version"),
    (dict(metrics_server_chart_version="latest"), "metrics_server_chart_version: 'latest' is not a pinned"),
    (dict(request_counter="http-requests"), "request_counter: 'http-requests' is not a Prometheus metric name"),
    (dict(rate_window="two minutes"), "rate_window: 'two minutes' is not a duration"),
    (dict(rate_window="1m"), "rate_window: '1m' is shorter than four scrape intervals"),
    (dict(hpa_at_max_for="15 minutes"), "hpa_at_max_for: '15 minutes' is not a duration"),
    (dict(hpa_at_max_for="30s"), "hpa_at_max_for: '30s' is shorter than two scrape intervals"),
    (dict(alertmanager_address="http://alertmanager:9093"), "alertmanager_address: 'http://alertmanager:9093' is "
                                                            "not host:port"),
    (dict(alertmanager_address="alertmanager"), "alertmanager_address: 'alertmanager' is not host:port"),
    (dict(alertmanager_address="alertmanager:70000"), "alertmanager_address: 'alertmanager:70000' has a port above"),
    (dict(alertmanager_address="alertmanager:9093", hpa_at_max_alert=False),
     "alertmanager_address/hpa_at_max_alert: 'alertmanager:9093' is set while hpa_at_max_alert is False"),
])
def test_validation_names_argument_value_and_allowed(changes, message):
    with pytest.raises(ValueError) as info:
        validate_metrics_pipeline_args(dataclasses.replace(MetricsPipelineArgs(), **changes))
    assert message in str(info.value)


def test_demand_counts_replicas_of_every_pipeline_pod():
    ha = {d.name: d.pods for d in pipeline_demand(MetricsPipelineArgs())}
    single = {d.name: d.pods for d in pipeline_demand(MetricsPipelineArgs(highly_available=False))}
    assert ha == {"metrics-server": 2, "prometheus": 1, "prometheus-adapter": 2, "kube-state-metrics": 1}
    assert single == {"metrics-server": 1, "prometheus": 1, "prometheus-adapter": 1, "kube-state-metrics": 1}
    without_alert = {d.name for d in pipeline_demand(MetricsPipelineArgs(hpa_at_max_alert=False))}
    assert without_alert == {"metrics-server", "prometheus", "prometheus-adapter"}


@pytest.fixture(scope="module")
def pipeline():
    return run_program(lambda: MetricsPipeline("metrics", MetricsPipelineArgs()))


def test_three_pinned_releases_from_their_repositories(pipeline):
    releases = {r.name: r.inputs for r in pipeline.by_type(RELEASE)}
    assert set(releases) == {"metrics-metrics-server", "metrics-prometheus", "metrics-prometheus-adapter"}
    expected = {"metrics-metrics-server": ("metrics-server", "3.12.2", METRICS_SERVER_REPO, "kube-system"),
                "metrics-prometheus": ("prometheus", "27.19.0", PROMETHEUS_COMMUNITY_REPO, "monitoring"),
                "metrics-prometheus-adapter": ("prometheus-adapter", "4.11.0", PROMETHEUS_COMMUNITY_REPO, "monitoring")}
    for name, (chart, version, repo, namespace) in expected.items():
        inputs = releases[name]
        assert (inputs["chart"], inputs["version"], inputs["repositoryOpts"]["repo"], inputs["namespace"]) == (
            chart, version, repo, namespace)
        assert inputs["atomic"] is True
    assert METRICS_SERVER_REPO == "https://kubernetes-sigs.github.io/metrics-server/"


def test_adapter_release_carries_only_our_rule_and_reads_the_prometheus_release(pipeline):
    values = pipeline.one(RELEASE, "metrics-prometheus-adapter").inputs["values"]
    assert values["rules"]["default"] is False
    assert values["rules"]["custom"] == [adapter_rule(MetricsPipelineArgs())]
    assert values["prometheus"]["url"] == "http://prometheus-server.monitoring.svc" and values["prometheus"]["port"] == 80
    assert pipeline.one(RELEASE, "metrics-prometheus").inputs["name"] == "prometheus"
    adapter = pipeline.one(RELEASE, "metrics-prometheus-adapter")
    prometheus = pipeline.one(RELEASE, "metrics-prometheus")
    assert prometheus.urn in adapter.depends_on


def test_prometheus_is_the_server_and_hpa_only_kube_state_metrics_with_requests(pipeline):
    values = pipeline.one(RELEASE, "metrics-prometheus").inputs["values"]
    for component in ("alertmanager", "prometheus-node-exporter", "prometheus-pushgateway"):
        assert values[component] == {"enabled": False}
    assert values["kube-state-metrics"] == {
        "enabled": True, "collectors": ["horizontalpodautoscalers"], "metricAllowlist": list(HPA_SERIES),
        "resources": {"requests": {"cpu": "20m", "memory": "64Mi"}, "limits": {"memory": "64Mi"}}}
    assert values["server"]["resources"]["requests"] == {"cpu": "500m", "memory": "2048Mi"}
    assert values["server"]["global"]["scrape_interval"] == "30s"


def test_metrics_server_is_highly_available_with_a_budget(pipeline):
    values = pipeline.one(RELEASE, "metrics-metrics-server").inputs["values"]
    assert values["replicas"] == 2 and values["podDisruptionBudget"] == {"enabled": True, "maxUnavailable": 1}
    assert values["resources"]["requests"] == {"cpu": "100m", "memory": "200Mi"}


def test_namespace_is_created_for_prometheus_and_the_adapter(pipeline):
    namespace = pipeline.one("kubernetes:core/v1:Namespace", "metrics-namespace")
    assert namespace.inputs["metadata"]["name"] == "monitoring"


# --- the HPA-at-maximum alert ------------------------------------------------------------------------------

def test_hpa_at_max_rule_compares_current_with_max_per_hpa_for_the_asg_alarms_15_minutes():
    rule = hpa_at_max_rule(MetricsPipelineArgs())
    by = "max by (namespace, horizontalpodautoscaler)"
    assert rule["alert"] == "HpaAtMaxReplicas"
    assert rule["expr"] == (f"{by} (kube_horizontalpodautoscaler_status_current_replicas) >= "
                            f"{by} (kube_horizontalpodautoscaler_spec_max_replicas)")
    assert rule["for"] == "15m" == f"{SUSTAINED_MINUTES}m"
    assert "{{ $labels.horizontalpodautoscaler }}" in rule["annotations"]["summary"]
    assert hpa_at_max_rule(MetricsPipelineArgs(hpa_at_max_for="30m"))["for"] == "30m"
    # Both series the expression reads are the ones kube-state-metrics is allowed to expose.
    assert {"kube_horizontalpodautoscaler_status_current_replicas",
            "kube_horizontalpodautoscaler_spec_max_replicas"} <= set(HPA_SERIES)


def test_the_rule_file_holds_the_hpa_group_unless_the_alert_is_off():
    assert alerting_rules(MetricsPipelineArgs()) == {"groups": [{"name": "hpa", "rules": [
        hpa_at_max_rule(MetricsPipelineArgs())]}]}
    off = MetricsPipelineArgs(hpa_at_max_alert=False)
    assert alerting_rules(off) == {}
    assert prometheus_values(off)["kube-state-metrics"] == {"enabled": False}


def test_prometheus_sends_to_every_alertmanager_behind_the_address_only_when_given(pipeline):
    values = pipeline.one(RELEASE, "metrics-prometheus").inputs["values"]
    assert values["serverFiles"]["alerting_rules.yml"] == alerting_rules(MetricsPipelineArgs())
    assert "alertmanagers" not in values["server"]
    with_address = prometheus_values(MetricsPipelineArgs(
        alertmanager_address="alertmanager-headless.monitoring.svc.cluster.local:9093"))
    assert with_address["server"]["alertmanagers"] == [{"dns_sd_configs": [{
        "names": ["alertmanager-headless.monitoring.svc.cluster.local"], "type": "A", "port": 9093}]}]

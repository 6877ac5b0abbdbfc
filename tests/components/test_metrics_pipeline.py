"""MetricsPipeline: validation, the adapter rule and the three pinned Helm releases under the mock engine."""

from __future__ import annotations

import dataclasses

import pytest

from components.metrics_pipeline import (METRICS_SERVER_REPO, PROMETHEUS_COMMUNITY_REPO, MetricsPipeline,
                                         MetricsPipelineArgs, adapter_rule, metrics_catalog, pipeline_demand,
                                         validate_metrics_pipeline_args)
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
])
def test_validation_names_argument_value_and_allowed(changes, message):
    with pytest.raises(ValueError) as info:
        validate_metrics_pipeline_args(dataclasses.replace(MetricsPipelineArgs(), **changes))
    assert message in str(info.value)


def test_demand_counts_replicas_of_every_pipeline_pod():
    ha = {d.name: d.pods for d in pipeline_demand(MetricsPipelineArgs())}
    single = {d.name: d.pods for d in pipeline_demand(MetricsPipelineArgs(highly_available=False))}
    assert ha == {"metrics-server": 2, "prometheus": 1, "prometheus-adapter": 2}
    assert single == {"metrics-server": 1, "prometheus": 1, "prometheus-adapter": 1}


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


def test_prometheus_is_the_server_only_with_requests(pipeline):
    values = pipeline.one(RELEASE, "metrics-prometheus").inputs["values"]
    for component in ("alertmanager", "kube-state-metrics", "prometheus-node-exporter", "prometheus-pushgateway"):
        assert values[component] == {"enabled": False}
    assert values["server"]["resources"]["requests"] == {"cpu": "500m", "memory": "2048Mi"}
    assert values["server"]["global"]["scrape_interval"] == "30s"


def test_metrics_server_is_highly_available_with_a_budget(pipeline):
    values = pipeline.one(RELEASE, "metrics-metrics-server").inputs["values"]
    assert values["replicas"] == 2 and values["podDisruptionBudget"] == {"enabled": True, "maxUnavailable": 1}
    assert values["resources"]["requests"] == {"cpu": "100m", "memory": "200Mi"}


def test_namespace_is_created_for_prometheus_and_the_adapter(pipeline):
    namespace = pipeline.one("kubernetes:core/v1:Namespace", "metrics-namespace")
    assert namespace.inputs["metadata"]["name"] == "monitoring"

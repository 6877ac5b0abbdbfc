"""The request-counting proxy in every pod of the workload: an Envoy sidecar, as plain data.

Why a sidecar: the HPA's ``requests_per_second`` must exist for any application image. An HPA skips
scale-down while one of its metrics is missing, so an image that exposes no request counter would pin
the workload at its peak forever. Envoy sits in front of the application (the Service and the load
balancer send traffic to it; it forwards to the app on localhost), counts every request it proxies and
serves the counter to Prometheus on a listener of its own. The counter exists from the pod's first
second, at zero when idle, so the rate is always defined.

The series: ``envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix="ingress"}``; the metrics
pipeline's adapter turns its per-pod rate into ``requests_per_second`` (``components/metrics_pipeline.py``).
The admin interface stays on localhost; the metrics listener exposes only ``/stats/prometheus``.
"""

from __future__ import annotations

from typing import Any

PROXY_IMAGE = "docker.io/envoyproxy/envoy:distroless-v1.34.1"
PROXY_PORT = 8080
METRICS_PORT = 9902
ADMIN_PORT = 9901
METRICS_PATH = "/stats/prometheus"
STAT_PREFIX = "ingress"
REQUEST_COUNTER = "envoy_http_downstream_rq_total"
REQUEST_COUNTER_SELECTOR = f'envoy_http_conn_manager_prefix="{STAT_PREFIX}"'
CPU_REQUEST_MILLICORES = 50
CPU_LIMIT_MILLICORES = 250
MEMORY_MIB = 64

_HCM = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
_ROUTER = {"name": "envoy.filters.http.router",
           "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}


def _cluster(name: str, port: int, connect_timeout_seconds: int) -> dict[str, Any]:
    return {"name": name, "type": "STATIC", "connect_timeout": f"{connect_timeout_seconds}s",
            "load_assignment": {"cluster_name": name, "endpoints": [{"lb_endpoints": [{"endpoint": {
                "address": {"socket_address": {"address": "127.0.0.1", "port_value": port}}}}]}]}}


def _listener(name: str, port: int, stat_prefix: str, routes: list[dict[str, Any]],
              idle_timeout_seconds: int) -> dict[str, Any]:
    return {"name": name, "address": {"socket_address": {"address": "0.0.0.0", "port_value": port}},
            "filter_chains": [{"filters": [{"name": "envoy.filters.network.http_connection_manager",
                                            "typed_config": {
                                                "@type": _HCM, "stat_prefix": stat_prefix,
                                                "common_http_protocol_options": {
                                                    "idle_timeout": f"{idle_timeout_seconds}s"},
                                                # The ALB adds X-Forwarded-For; keep the client address.
                                                "use_remote_address": False, "xff_num_trusted_hops": 1,
                                                "route_config": {"virtual_hosts": [{
                                                    "name": name, "domains": ["*"], "routes": routes}]},
                                                "http_filters": [_ROUTER]}}]}]}


def proxy_config(app_port: int, timeout_seconds: int) -> dict[str, Any]:
    """Envoy's bootstrap: ``PROXY_PORT`` -> the app on ``app_port``; ``METRICS_PORT`` serves the counters.
    ``timeout_seconds`` bounds each request and idle connection (the design's 60 s proxy timeouts)."""
    return {
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ADMIN_PORT}}},
        "static_resources": {
            "listeners": [
                _listener(STAT_PREFIX, PROXY_PORT, STAT_PREFIX, [{
                    "match": {"prefix": "/"}, "route": {"cluster": "app", "timeout": f"{timeout_seconds}s"}}],
                    timeout_seconds),
                _listener("metrics", METRICS_PORT, "metrics", [{
                    "match": {"path": METRICS_PATH}, "route": {"cluster": "admin"}}], timeout_seconds),
            ],
            "clusters": [_cluster("app", app_port, 2), _cluster("admin", ADMIN_PORT, 1)],
        },
    }

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

With backend TLS on (``proxy_config(..., tls=True)``), the ingress listener serves TLS with a self-signed
certificate that the pod (an init container) or the instance (cloud-init) creates at start in ``TLS_DIR``:
the load balancer does not validate target certificates, so a per-pod self-signed one encrypts the hop
without any certificate authority (docs/application.md, "End-to-end TLS"). The metrics listener stays
plain HTTP: only Prometheus inside the cluster reaches it (the NetworkPolicy admits nothing else).
"""

from __future__ import annotations

from typing import Any

# Tags, not digests: no registry is reachable from where this is written, and an invented digest would fail
# every pull. A known gap, listed in docs/application.md; policies/config/prod.json names these exact references.
PROXY_IMAGE = "docker.io/envoyproxy/envoy:distroless-v1.34.1"
# Creates the self-signed certificate at pod start (its entrypoint is openssl).
CERTIFICATE_IMAGE = "docker.io/alpine/openssl:3.3.2"
TLS_DIR = "/etc/envoy-tls"
TLS_CERTIFICATE_FILE = "tls.crt"
TLS_KEY_FILE = "tls.key"
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


def downstream_tls(certificate_dir: str = TLS_DIR) -> dict[str, Any]:
    """The transport socket that makes a listener serve TLS 1.2+ with the certificate and key in
    ``certificate_dir`` (read once at start: each pod or instance has its own, for its lifetime)."""
    return {"name": "envoy.transport_sockets.tls", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
        "common_tls_context": {
            "tls_params": {"tls_minimum_protocol_version": "TLSv1_2"},
            "tls_certificates": [{
                "certificate_chain": {"filename": f"{certificate_dir}/{TLS_CERTIFICATE_FILE}"},
                "private_key": {"filename": f"{certificate_dir}/{TLS_KEY_FILE}"}}]}}}


def self_signed_certificate_args(common_name: str, certificate_dir: str = TLS_DIR) -> list[str]:
    """``openssl`` arguments that write a fresh key and a self-signed certificate for ``common_name`` into
    ``certificate_dir``. RSA 2048 because every TLS client (the load balancer included) accepts it; the key
    never leaves the pod or instance. 397 days like public certificates: the load balancer ignores validity,
    and a pod or instance lives far shorter."""
    return ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "397", "-subj", f"/CN={common_name}",
            "-keyout", f"{certificate_dir}/{TLS_KEY_FILE}", "-out", f"{certificate_dir}/{TLS_CERTIFICATE_FILE}"]


def _listener(name: str, port: int, stat_prefix: str, routes: list[dict[str, Any]],
              idle_timeout_seconds: int, tls: bool = False) -> dict[str, Any]:
    chain = {"transport_socket": downstream_tls()} if tls else {}
    return {"name": name, "address": {"socket_address": {"address": "0.0.0.0", "port_value": port}},
            "filter_chains": [{**chain, "filters": [{"name": "envoy.filters.network.http_connection_manager",
                                            "typed_config": {
                                                "@type": _HCM, "stat_prefix": stat_prefix,
                                                "common_http_protocol_options": {
                                                    "idle_timeout": f"{idle_timeout_seconds}s"},
                                                # The ALB adds X-Forwarded-For; keep the client address.
                                                "use_remote_address": False, "xff_num_trusted_hops": 1,
                                                "route_config": {"virtual_hosts": [{
                                                    "name": name, "domains": ["*"], "routes": routes}]},
                                                "http_filters": [_ROUTER]}}]}]}


def proxy_config(app_port: int, timeout_seconds: int, tls: bool = False) -> dict[str, Any]:
    """Envoy's bootstrap: ``PROXY_PORT`` -> the app on ``app_port``; ``METRICS_PORT`` serves the counters.
    ``timeout_seconds`` bounds each request and idle connection (the design's 60 s proxy timeouts).
    ``tls`` makes ``PROXY_PORT`` serve TLS with the certificate in ``TLS_DIR`` (``downstream_tls``)."""
    return {
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ADMIN_PORT}}},
        "static_resources": {
            "listeners": [
                _listener(STAT_PREFIX, PROXY_PORT, STAT_PREFIX, [{
                    "match": {"prefix": "/"}, "route": {"cluster": "app", "timeout": f"{timeout_seconds}s"}}],
                    timeout_seconds, tls),
                _listener("metrics", METRICS_PORT, "metrics", [{
                    "match": {"path": METRICS_PATH}, "route": {"cluster": "admin"}}], timeout_seconds),
            ],
            "clusters": [_cluster("app", app_port, 2), _cluster("admin", ADMIN_PORT, 1)],
        },
    }

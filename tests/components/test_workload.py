"""Workload component: cross-validation without the engine, then every Kubernetes object under the mock engine."""

from __future__ import annotations

import dataclasses

import pulumi
import pytest

from components.metrics_pipeline import MetricsCatalog, MetricsPipelineArgs, metrics_catalog
from components.workload import (
    HpaMetric,
    ScalingPolicy,
    Workload,
    WorkloadArgs,
    design_app_settings,
    disruptions_allowed,
    hpa_metrics,
    hpa_spec,
    validate_metrics_served,
    validate_pdb,
    validate_requests_for_utilization,
    validate_workload_args,
    workload_demand,
)
from offline.engine import UNKNOWN
from scaling_kit.limits import CACHE, CIRCUIT_BREAKER, DATABASE, HPA, MESSAGING, RATE_LIMIT
from tests.conftest import run_program, run_refused_program, stack_evaluation

CATALOG = metrics_catalog(MetricsPipelineArgs())


def args(**changes) -> WorkloadArgs:
    return dataclasses.replace(WorkloadArgs(metrics_catalog=CATALOG), **changes)


# ---------------------------------------------------------------- pure validators

def test_defaults_are_the_design_and_valid():
    validate_workload_args(args())
    assert hpa_metrics(args()) == [HpaMetric("Resource", "cpu", "70"), HpaMetric("Resource", "memory", "80"),
                                   HpaMetric("Pods", "requests_per_second", "1000")]


@pytest.mark.parametrize("replicas, max_unavailable, allowed", [(2, 1, 1), (5, 1, 1), (3, 2, 2), (1, 3, 1), (2, 0, 0)])
def test_disruptions_allowed(replicas, max_unavailable, allowed):
    assert disruptions_allowed(replicas, max_unavailable) == allowed


def test_pdb_must_allow_a_drain_at_min_replicas_and_keep_one_pod():
    validate_pdb(2, 1)
    with pytest.raises(ValueError, match=r"pdb_max_unavailable: 0 allows no disruption at min_replicas \(2\)"):
        validate_pdb(2, 0)
    with pytest.raises(ValueError, match=r"pdb_max_unavailable: 2 lets a drain evict every pod at min_replicas \(2\)"):
        validate_pdb(2, 2)
    with pytest.raises(ValueError, match="pdb_max_unavailable: 1 lets a drain evict every pod at min_replicas"):
        validate_pdb(1, 1)


def test_every_hpa_metric_must_be_served():
    metrics = hpa_metrics(args())
    counter = "envoy_http_downstream_rq_total"
    validate_metrics_served(metrics, CATALOG, counter)
    with pytest.raises(ValueError, match="Resource metric 'cpu' is not served.*install metrics-server"):
        validate_metrics_served(metrics, MetricsCatalog(pods_metrics=dict(CATALOG.pods_metrics)), counter)
    with pytest.raises(ValueError, match="Pods metric 'requests_per_second' is not served.*prometheus-adapter"):
        validate_metrics_served(metrics, MetricsCatalog(resource_metrics=CATALOG.resource_metrics), counter)
    with pytest.raises(ValueError, match="request_counter: 'app_requests' is not the series"):
        validate_metrics_served(metrics, CATALOG, "app_requests")


def test_utilization_needs_a_request_on_every_container():
    metrics = [HpaMetric("Resource", "memory", "80"), HpaMetric("Pods", "requests_per_second", "1000")]
    validate_requests_for_utilization(metrics, {"app": {"memory": 512}, "sidecar": {"memory": 64}})
    with pytest.raises(ValueError, match="memory_request: container 'sidecar' has no memory request"):
        validate_requests_for_utilization(metrics, {"app": {"memory": 512}, "sidecar": {"cpu": 10}})
    # A Pods metric alone needs no requests.
    validate_requests_for_utilization(metrics[1:], {"app": {}})


@pytest.mark.parametrize("changes, message", [
    (dict(min_replicas=10, max_replicas=5), "min_replicas: 10 is above max_replicas (5); expected min <= max"),
    (dict(cpu_request_millicores=None), "cpu_request: container 'app' has no cpu request"),
    (dict(memory_request_mib=None, memory_limit_mib=512), "memory_request: container 'app' has no memory request"),
    (dict(memory_limit_mib=100), "memory_limit_mib: 100 is below the request (512)"),
    (dict(pdb_max_unavailable=2), "pdb_max_unavailable: 2 lets a drain evict every pod at min_replicas (2)"),
    (dict(metrics_catalog=MetricsCatalog()), "metrics_catalog: the HPA's Resource metric 'cpu' is not served"),
    (dict(requests_metric="queue_depth"), "metrics_catalog: the HPA's Pods metric 'queue_depth' is not served"),
    (dict(cpu_utilization_percent=None, memory_utilization_percent=None, requests_metric=None), "all None"),
    (dict(name="AI_Agent"), "name: 'AI_Agent' is not a DNS label"),
    (dict(requests_per_pod="lots"), "requests_per_pod: 'lots' is not a positive Kubernetes quantity"),
    (dict(scale_up_select_policy="Sum"), "scale_up_select_policy: 'Sum' is not allowed"),
    (dict(scale_down_policies=(ScalingPolicy("Nodes", 1, 60),)), "scale_down_policies: policy type 'Nodes'"),
    (dict(run_as_user=0), "run_as_user: 0 is root"),
    (dict(endpoints={"CACHE_AUTH_TOKEN": "x"}), "app_settings/endpoints: 'CACHE_AUTH_TOKEN' looks secret"),
    (dict(endpoints={"db-port": "1"}), "key 'db-port' is not an environment variable name"),
    (dict(secrets={"DB_PORT": "x"}, endpoints={"DB_PORT": "1"}), "secrets: ['DB_PORT'] also appear"),
])
def test_validation_names_argument_value_and_allowed(changes, message):
    with pytest.raises(ValueError) as info:
        validate_workload_args(args(**changes))
    assert message in str(info.value)


def test_design_settings_come_from_the_documented_limits():
    settings = design_app_settings()
    assert settings["CIRCUIT_BREAKER_FAILURE_THRESHOLD"] == str(CIRCUIT_BREAKER.failure_threshold) == "5"
    assert settings["CIRCUIT_BREAKER_OPEN_TIMEOUT_MS"] == "60000"
    assert settings["CACHE_TTL_SECONDS"] == str(CACHE.ttl_seconds) == "3600"
    assert settings["SESSION_KEY_PREFIX"] == CACHE.session_key_prefix == "session:"
    assert (settings["DB_POOL_MAX"], settings["DB_POOL_IDLE_TIMEOUT_MS"], settings["DB_POOL_CONNECTION_TIMEOUT_MS"]) == (
        str(DATABASE.pool_max_connections), "30000", "2000")
    assert (settings["RATE_LIMIT_MAX"], settings["RATE_LIMIT_WINDOW_MS"]) == (str(RATE_LIMIT.max_requests), "900000")
    assert (settings["KAFKA_ACKS"], settings["KAFKA_TOPIC"], settings["KAFKA_CONSUMER_GROUP"]) == (
        MESSAGING.producer_acks, MESSAGING.topic, MESSAGING.consumer_group) == ("all", "features", "feature-processors")


def test_demand_is_max_replicas_times_requests():
    demand = workload_demand(args(max_replicas=7, cpu_request_millicores=250, memory_request_mib=300))
    # Each pod is the app and its request-counting proxy (50m, 64 MiB).
    assert (demand.pods, demand.cpu_millicores, demand.memory_mib) == (7, 300, 364)


# ---------------------------------------------------------------- mock engine

def build(workload_args: WorkloadArgs):
    return run_program(lambda: Workload("app", workload_args))


@pytest.fixture(scope="module")
def default_workload():
    return build(args(endpoints={"DB_PROXY_ENDPOINT": "proxy.example", "DB_PORT": 5432,
                                 "DB_SHARD_MAP": {"0": "shard-0"}},
                      secrets={"CACHE_AUTH_TOKEN": pulumi.Output.secret("hunter2")}))


def test_hpa_is_exactly_the_design(default_workload):
    hpa = default_workload.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "app-hpa")
    spec = hpa.inputs["spec"]
    assert hpa.inputs["metadata"]["name"] == HPA.name == "ai-agent-system"
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "ai-agent-system"}
    assert (spec["minReplicas"], spec["maxReplicas"]) == (2, 50)
    assert spec["metrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}},
        {"type": "Resource", "resource": {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 80}}},
        {"type": "Pods", "pods": {"metric": {"name": "requests_per_second"},
                                  "target": {"type": "AverageValue", "averageValue": "1000"}}},
    ]
    assert spec["behavior"] == {
        "scaleDown": {"stabilizationWindowSeconds": 300, "policies": [{"type": "Percent", "value": 50, "periodSeconds": 60}]},
        "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
            {"type": "Percent", "value": 100, "periodSeconds": 30}, {"type": "Pods", "value": 5, "periodSeconds": 30}]},
    }


def test_hpa_spec_is_what_the_component_declares(default_workload):
    # The simulator reads hpa_spec; it must be the declared spec to the byte, scaleTargetRef aside.
    declared = dict(default_workload.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "app-hpa").inputs["spec"])
    declared.pop("scaleTargetRef")
    assert hpa_spec(args()) == declared


def test_hpa_spec_follows_the_arguments():
    spec = hpa_spec(args(min_replicas=3, memory_utilization_percent=None, scale_up_select_policy="Min",
                         scale_down_policies=(ScalingPolicy("Pods", 2, 120),)))
    assert (spec["minReplicas"], [m.get("resource", m.get("pods"))["target"]["type"] for m in spec["metrics"]]) == (
        3, ["Utilization", "AverageValue"])
    assert spec["behavior"]["scaleUp"]["selectPolicy"] == "Min"
    assert spec["behavior"]["scaleDown"] == {"stabilizationWindowSeconds": 300,
                                             "policies": [{"type": "Pods", "value": 2, "periodSeconds": 120}]}


def test_deployment_leaves_replicas_to_the_hpa_and_is_hardened(default_workload):
    deployment = default_workload.one("kubernetes:apps/v1:Deployment", "app-deployment")
    spec = deployment.inputs["spec"]
    assert "replicas" not in spec
    pod = spec["template"]["spec"]
    container, proxy = pod["containers"]
    assert (container["name"], proxy["name"]) == ("app", "proxy")
    assert container["resources"] == {"requests": {"cpu": "500m", "memory": "512Mi"},
                                      "limits": {"cpu": "1000m", "memory": "512Mi"}}
    assert proxy["resources"] == {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "250m", "memory": "64Mi"}}
    # Ready only when the proxy forwards to a healthy app; alive as long as the app answers itself.
    assert container["readinessProbe"]["httpGet"] == {"path": "/", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/", "port": "app"}
    assert [p["name"] for p in container["ports"]] == ["app"] and container["ports"][0]["containerPort"] == 3000
    assert {p["name"]: p["containerPort"] for p in proxy["ports"]} == {"http": 8080, "metrics": 9902}
    assert proxy["securityContext"] == container["securityContext"]
    context = container["securityContext"]
    assert context["runAsNonRoot"] and context["readOnlyRootFilesystem"] and context["capabilities"] == {"drop": ["ALL"]}
    assert context["allowPrivilegeEscalation"] is False and pod["securityContext"]["runAsNonRoot"] is True
    zone = next(c for c in pod["topologySpreadConstraints"] if c["topologyKey"] == "topology.kubernetes.io/zone")
    assert zone["maxSkew"] == 1 and zone["whenUnsatisfiable"] == "DoNotSchedule"
    assert zone["labelSelector"]["matchLabels"] == spec["selector"]["matchLabels"]
    # Settings in the environment; secrets as files only (test_secrets_are_mounted_files_never_environment).
    assert container["envFrom"] == [{"configMapRef": {"name": "ai-agent-system-config"}}]
    annotations = spec["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true" and annotations["prometheus.io/port"] == "9902"
    assert annotations["prometheus.io/path"] == "/stats/prometheus" and len(annotations["checksum/config"]) == 64
    assert pod["automountServiceAccountToken"] is False


def test_config_map_carries_the_design_and_endpoints_but_never_secrets(default_workload):
    config = default_workload.one("kubernetes:core/v1:ConfigMap", "app-config").inputs["data"]
    assert {k: config[k] for k in design_app_settings()} == design_app_settings()
    assert config["DB_PROXY_ENDPOINT"] == "proxy.example" and config["DB_PORT"] == "5432"
    assert config["DB_SHARD_MAP"] == '{"0": "shard-0"}'
    assert "CACHE_AUTH_TOKEN" not in config and "hunter2" not in str(config)
    secret = default_workload.one("kubernetes:core/v1:Secret", "app-secret").inputs["stringData"]
    assert secret["4dabf18193072939515e22adb298388d"] and secret["value"] == {"CACHE_AUTH_TOKEN": "hunter2"}


def test_config_change_changes_the_pod_template_checksum():
    def checksum(ev):
        return ev.one("kubernetes:apps/v1:Deployment", "app-deployment").inputs["spec"]["template"]["metadata"][
            "annotations"]["checksum/config"]
    a = checksum(build(args(endpoints={"DB_PORT": 5432})))
    b = checksum(build(args(endpoints={"DB_PORT": 6432})))
    assert a != b


def test_without_secrets_there_is_no_secret_and_no_secret_ref():
    ev = build(args())
    assert ev.by_type("kubernetes:core/v1:Secret") == []
    container = ev.one("kubernetes:apps/v1:Deployment", "app-deployment").inputs["spec"]["template"]["spec"]["containers"][0]
    assert container["envFrom"] == [{"configMapRef": {"name": "ai-agent-system-config"}}]


def test_service_and_pdb(default_workload):
    service = default_workload.one("kubernetes:core/v1:Service", "app-service").inputs["spec"]
    assert service["type"] == "ClusterIP" and service["selector"] == {"app.kubernetes.io/name": "ai-agent-system"}
    assert service["ports"] == [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]
    pdb = default_workload.one("kubernetes:policy/v1:PodDisruptionBudget", "app-pdb").inputs["spec"]
    assert pdb["maxUnavailable"] == 1 and "minAvailable" not in pdb
    assert pdb["selector"]["matchLabels"] == {"app.kubernetes.io/name": "ai-agent-system"}
    assert pdb["unhealthyPodEvictionPolicy"] == "AlwaysAllow"


def test_objects_live_in_the_workload_namespace(default_workload):
    namespace = default_workload.one("kubernetes:core/v1:Namespace", "app-namespace")
    assert namespace.inputs["metadata"]["name"] == "ai-agent-system"
    namespaced = [r for r in default_workload.resources if r.custom and r.type.startswith("kubernetes:")
                  and r.type != "kubernetes:core/v1:Namespace"]
    assert len(namespaced) == 10  # with the proxy's ConfigMap and the two NetworkPolicies
    assert {r.inputs["metadata"]["namespace"] for r in namespaced} == {"ai-agent-system"}


def test_invalid_args_declare_nothing():
    error, ev = run_refused_program(lambda: Workload("app", args(min_replicas=3, max_replicas=2)))
    assert str(error).startswith("min_replicas: 3 is above max_replicas (2)") and ev.resources == []


def test_stack_feeds_other_tiers_endpoints_and_secret_into_the_workload():
    ev = stack_evaluation("prod")
    config = ev.one("kubernetes:core/v1:ConfigMap", "app-config").inputs["data"]
    assert config["KAFKA_ACKS"] == "all" and config["CACHE_TTL_SECONDS"] == "3600"
    assert "CACHE_AUTH_TOKEN" not in config
    # prod has every tier, so the app gets every endpoint: the exact set, not an intersection that would pass
    # with none of them (unknown during a preview until the tier exists, never empty).
    endpoints = {"DB_SHARD_MAP", "DB_PROXY_ENDPOINT", "DB_PORT", "CACHE_CONFIGURATION_ENDPOINT", "CACHE_PORT",
                 "KAFKA_BOOTSTRAP_BROKERS"}
    assert set(config) == set(design_app_settings()) | endpoints | {"PORT"}
    assert config["PORT"] == "3000"
    assert all(config[k] == UNKNOWN or config[k] for k in endpoints)
    assert ev.outputs["workloadNamespace"] == "ai-agent-system" and ev.outputs["hpaName"] == "ai-agent-system"


# ---------------------------------------------------------------- secrets, TLS, NetworkPolicies (issue 17)

def test_secrets_are_mounted_files_never_environment(default_workload):
    pod = default_workload.one("kubernetes:apps/v1:Deployment", "app-deployment").inputs["spec"]["template"]["spec"]
    container, proxy = pod["containers"]
    assert "secretRef" not in str(container.get("envFrom")) and "secretKeyRef" not in str(container.get("env"))
    assert {"name": "APP_SECRETS_DIR", "value": "/var/run/secrets/app"} in container["env"]
    assert {"name": "secrets", "mountPath": "/var/run/secrets/app", "readOnly": True} in container["volumeMounts"]
    assert "secrets" not in [m["name"] for m in proxy["volumeMounts"]]
    [volume] = [v for v in pod["volumes"] if v["name"] == "secrets"]
    assert volume["secret"] == {"secretName": "ai-agent-system-secrets", "defaultMode": 0o440}


def test_without_secrets_there_is_no_secret_volume_nor_its_variable():
    pod = build(args()).one("kubernetes:apps/v1:Deployment", "app-deployment").inputs["spec"]["template"]["spec"]
    assert [v["name"] for v in pod["volumes"]] == ["tmp", "proxy-config"]
    assert [e["name"] for e in pod["containers"][0]["env"]] == ["PORT"]


def test_the_secrets_folder_variable_is_reserved():
    with pytest.raises(ValueError, match="'APP_SECRETS_DIR' is set by the workload"):
        validate_workload_args(args(app_settings={"APP_SECRETS_DIR": "/tmp"}))


def test_plain_proxy_has_no_init_container_and_serves_http(default_workload):
    pod = default_workload.one("kubernetes:apps/v1:Deployment", "app-deployment").inputs["spec"]["template"]["spec"]
    assert "initContainers" not in pod
    proxy_config = default_workload.one("kubernetes:core/v1:ConfigMap", "app-proxy-config").inputs["data"]["envoy.json"]
    assert "transport_socket" not in proxy_config


def test_proxy_tls_creates_a_certificate_at_start_and_serves_https():
    workload = build(args(proxy_tls=True))
    pod = workload.one("kubernetes:apps/v1:Deployment", "app-deployment").inputs["spec"]["template"]["spec"]
    [init] = pod["initContainers"]
    assert init["image"] == "docker.io/alpine/openssl:3.3.2" and init["args"][:2] == ["req", "-x509"]
    assert init["args"][init["args"].index("-subj") + 1] == "/CN=ai-agent-system.ai-agent-system.svc"
    assert init["args"][init["args"].index("-keyout") + 1] == "/etc/envoy-tls/tls.key"
    assert init["securityContext"]["readOnlyRootFilesystem"] is True and init["resources"]["limits"]
    assert init["volumeMounts"] == [{"name": "proxy-tls", "mountPath": "/etc/envoy-tls"}]
    [tls_volume] = [v for v in pod["volumes"] if v["name"] == "proxy-tls"]
    assert tls_volume["emptyDir"] == {"medium": "Memory", "sizeLimit": "1Mi"}
    container, proxy = pod["containers"]
    assert {"name": "proxy-tls", "mountPath": "/etc/envoy-tls", "readOnly": True} in proxy["volumeMounts"]
    assert "proxy-tls" not in [m["name"] for m in container["volumeMounts"]]
    assert {p["name"]: p["containerPort"] for p in proxy["ports"]} == {"https": 8080, "metrics": 9902}
    assert container["readinessProbe"]["httpGet"] == {"path": "/", "port": "https", "scheme": "HTTPS"}
    service = workload.one("kubernetes:core/v1:Service", "app-service").inputs["spec"]
    assert service["ports"] == [{"name": "https", "port": 80, "targetPort": "https", "protocol": "TCP"}]
    import json
    envoy = json.loads(workload.one("kubernetes:core/v1:ConfigMap", "app-proxy-config").inputs["data"]["envoy.json"])
    ingress, metrics = envoy["static_resources"]["listeners"]
    tls = ingress["filter_chains"][0]["transport_socket"]["typed_config"]["common_tls_context"]
    assert tls["tls_certificates"] == [{"certificate_chain": {"filename": "/etc/envoy-tls/tls.crt"},
                                        "private_key": {"filename": "/etc/envoy-tls/tls.key"}}]
    assert tls["tls_params"]["tls_minimum_protocol_version"] == "TLSv1_2"
    # Prometheus inside the cluster keeps scraping plain HTTP.
    assert "transport_socket" not in metrics["filter_chains"][0]


def test_namespace_denies_everything_then_admits_what_the_app_needs():
    workload = build(args(load_balancer_cidrs=("10.0.0.0/21", "10.0.8.0/21"), vpc_cidr="10.0.0.0/16",
                          target_group_arn="arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/1"))
    deny = workload.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "app-default-deny").inputs
    assert deny["metadata"]["name"] == "default-deny" and deny["metadata"]["namespace"] == "ai-agent-system"
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    allow = workload.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "app-network-policy").inputs["spec"]
    assert allow["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "ai-agent-system"}}
    from_lb, from_prometheus = allow["ingress"]
    assert from_lb == {"from": [{"ipBlock": {"cidr": "10.0.0.0/21"}}, {"ipBlock": {"cidr": "10.0.8.0/21"}}],
                       "ports": [{"protocol": "TCP", "port": 8080}]}
    assert from_prometheus == {
        "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
        "ports": [{"protocol": "TCP", "port": 9902}]}
    dns, data, https = allow["egress"]
    assert dns["to"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                          "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}]
    assert dns["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    assert data == {"to": [{"ipBlock": {"cidr": "10.0.0.0/16"}}],
                    "ports": [{"protocol": "TCP", "port": p} for p in (5432, 6379, 9098)]}
    assert https == {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/16"]}}],
                     "ports": [{"protocol": "TCP", "port": 443}]}


@pytest.mark.parametrize("internet", [False, True])
def test_https_egress_goes_to_the_interface_endpoints_and_outside_the_vpc_only_when_asked(internet):
    workload = build(args(vpc_cidr="10.0.0.0/16", aws_endpoint_cidrs=("10.0.192.0/21", "10.0.200.0/21"),
                          internet_https=internet))
    https = workload.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "app-network-policy").inputs["spec"]["egress"][-1]
    assert https == {"to": [{"ipBlock": {"cidr": "10.0.192.0/21"}}, {"ipBlock": {"cidr": "10.0.200.0/21"}}] + (
        [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/16"]}}] if internet else []),
        "ports": [{"protocol": "TCP", "port": 443}]}


def test_without_load_balancer_cidrs_nothing_outside_the_cluster_reaches_the_proxy():
    allow = build(args()).one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "app-network-policy").inputs["spec"]
    assert [rule["ports"] for rule in allow["ingress"]] == [[{"protocol": "TCP", "port": 9902}]]


@pytest.mark.parametrize("change, message", [
    (dict(target_group_arn="arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/x/1"),
     "load_balancer_cidrs: empty while target_group_arn is set"),
    (dict(load_balancer_cidrs=("10.0.0.1/21",)), "'10.0.0.1/21' is not an IPv4 CIDR"),
    (dict(vpc_cidr="10.0.0.0/33"), None),
    (dict(data_tier_ports=(0,)), "0 is out of range; expected 1 to 65535"),
    (dict(monitoring_namespace="Monitoring"), "monitoring_namespace: 'Monitoring' is not a DNS label"),
    (dict(proxy_tls=True, certificate_image="bad image"), "certificate_image: 'bad image' is not an image"),
    (dict(internet_https=False), "internet_https: False with no aws_endpoint_cidrs: the pods could reach no AWS API"),
    (dict(aws_endpoint_cidrs=("192.168.0.0/24",)), "aws_endpoint_cidrs: '192.168.0.0/24' is outside the VPC "
                                                   "10.0.0.0/16"),
    (dict(aws_endpoint_cidrs=("10.0.192.1/21",)), "aws_endpoint_cidrs: '10.0.192.1/21' is not an IPv4 CIDR block"),
])
def test_network_policy_and_tls_arguments_are_checked(change, message):
    with pytest.raises(ValueError, match=message or "is not an IPv4 CIDR"):
        validate_workload_args(args(**change))

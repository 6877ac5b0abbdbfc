"""kubernetes-container-image-digest, kubernetes-secrets-mounted-as-files, kubernetes-namespace-default-deny:
compliant, violating and missing-property cases, in prod and dev, for every workload kind's pod template path."""

from __future__ import annotations

import pytest

from policies import kubernetes_security
from tests.policies import UNKNOWN, resource, run, run_stack

DEPLOYMENT, CRONJOB, POD = "kubernetes:apps/v1:Deployment", "kubernetes:batch/v1:CronJob", "kubernetes:core/v1:Pod"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
PROD, DEV = {"environment": "prod"}, {"environment": "dev"}
DIGEST = "sha256:" + "ab" * 32


def deployment(*containers, init=(), namespace="app"):
    pod = {"containers": list(containers)}
    if init:
        pod["initContainers"] = list(init)
    return {"metadata": {"namespace": namespace}, "spec": {"template": {"spec": pod}}}


def container(name="app", image=f"registry.example/app:1.0@{DIGEST}", **more):
    return {"name": name, "image": image, **more}


# ---------------------------------------------------------------- images by digest

def test_images_pinned_by_digest_pass_in_every_container_and_init_container():
    props = deployment(container(), container("proxy", f"docker.io/envoyproxy/envoy@{DIGEST}"),
                       init=[container("certificate", f"docker.io/alpine/openssl:3.3.2@{DIGEST}")])
    assert run(kubernetes_security.container_image_digest, DEPLOYMENT, props, PROD) == []


def test_a_tag_only_image_is_reported_per_container_in_prod_and_not_in_dev():
    props = deployment(container(), container("proxy", "docker.io/envoyproxy/envoy:v1.34.1"),
                       init=[container("certificate", "docker.io/alpine/openssl:3.3.2")])
    messages = run(kubernetes_security.container_image_digest, DEPLOYMENT, props, PROD)
    assert len(messages) == 2
    assert "'proxy' runs 'docker.io/envoyproxy/envoy:v1.34.1'" in messages[1] and "pin it by digest" in messages[1]
    assert "'certificate'" in messages[0]
    assert run(kubernetes_security.container_image_digest, DEPLOYMENT, props, DEV) == []
    assert run(kubernetes_security.container_image_digest, DEPLOYMENT, props) != []  # no config: prod, the secure choice


def test_exceptions_are_exact_references():
    props = deployment(container("proxy", "docker.io/envoyproxy/envoy:v1.34.1"))
    allowed = {**PROD, "allowedTaggedImages": ["docker.io/envoyproxy/envoy:v1.34.1"]}
    assert run(kubernetes_security.container_image_digest, DEPLOYMENT, props, allowed) == []
    other_tag = deployment(container("proxy", "docker.io/envoyproxy/envoy:v1.35.0"))
    assert run(kubernetes_security.container_image_digest, DEPLOYMENT, other_tag, allowed) != []


def test_a_short_or_misplaced_digest_is_not_a_pin_and_a_missing_image_is_reported():
    for image in (f"registry.example/app@sha256:{'ab' * 8}", f"registry.example/app:sha256-{'ab' * 32}"):
        assert run(kubernetes_security.container_image_digest, DEPLOYMENT, deployment(container(image=image)), PROD) != []
    assert "names no image" in run(kubernetes_security.container_image_digest, DEPLOYMENT, deployment({"name": "x"}), PROD)[0]


def test_cronjob_and_pod_templates_are_read_and_other_types_ignored():
    tagged = container(image="registry.example/app:1.0")
    cronjob = {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [tagged]}}}}}}
    assert run(kubernetes_security.container_image_digest, CRONJOB, cronjob, PROD) != []
    assert run(kubernetes_security.container_image_digest, POD, {"spec": {"containers": [tagged]}}, PROD) != []
    assert run(kubernetes_security.container_image_digest, "kubernetes:core/v1:ConfigMap", deployment(tagged), PROD) == []


# ---------------------------------------------------------------- secrets as files

def test_mounted_secrets_pass():
    props = deployment(container(env=[{"name": "APP_SECRETS_DIR", "value": "/var/run/secrets/app"}],
                                 envFrom=[{"configMapRef": {"name": "settings"}}],
                                 volumeMounts=[{"name": "secrets", "mountPath": "/var/run/secrets/app"}]))
    assert run(kubernetes_security.secrets_as_files, DEPLOYMENT, props) == []
    assert run(kubernetes_security.secrets_as_files, DEPLOYMENT, deployment(container())) == []  # no env at all


def test_secret_environment_variables_are_reported_in_containers_and_init_containers():
    props = deployment(container(envFrom=[{"secretRef": {"name": "app-secrets"}}]),
                       init=[container("migrate", env=[{"name": "DB_PASSWORD", "valueFrom": {
                           "secretKeyRef": {"name": "db", "key": "password"}}}])])
    messages = run(kubernetes_security.secrets_as_files, DEPLOYMENT, props)
    assert len(messages) == 2
    assert "'migrate' takes 'DB_PASSWORD' from a Secret (env.valueFrom.secretKeyRef)" in messages[0]
    assert "'app' takes Secret 'app-secrets' as environment variables (envFrom.secretRef)" in messages[1]
    # A ConfigMap reference is not a secret.
    assert run(kubernetes_security.secrets_as_files, DEPLOYMENT, deployment(container(env=[{"name": "X", "valueFrom": {
        "configMapKeyRef": {"name": "c", "key": "k"}}}]))) == []


# ---------------------------------------------------------------- default-deny per namespace

DENY = {"metadata": {"namespace": "app"}, "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}


def test_a_namespace_with_a_default_deny_policy_passes():
    assert run_stack(kubernetes_security.namespace_default_deny, [resource(DEPLOYMENT, "app", deployment(container())),
                                                 resource(NETWORK_POLICY, "deny", DENY)]) == []


@pytest.mark.parametrize("policy_spec", [
    None,                                                                       # no policy at all
    {"podSelector": {"matchLabels": {"app": "x"}}, "policyTypes": ["Ingress", "Egress"]},  # selects some pods
    {"podSelector": {}, "policyTypes": ["Ingress"]},                             # egress stays open
    {"podSelector": {}},                                                         # only Ingress is implied
    {"podSelector": {}, "policyTypes": ["Ingress", "Egress"], "egress": [{}]},   # an allow-all egress rule
])
def test_a_namespace_without_a_deny_all_policy_is_reported(policy_spec):
    workload = resource(DEPLOYMENT, "app", deployment(container()))
    resources = [workload]
    if policy_spec is not None:
        resources.append(resource(NETWORK_POLICY, "p", {"metadata": {"namespace": "app"}, "spec": policy_spec}))
    found = run_stack(kubernetes_security.namespace_default_deny, resources)
    assert [urn for _, urn in found] == [workload.urn]
    assert "namespace 'app' of Deployment 'app' has no default-deny NetworkPolicy" in found[0][0]


def test_the_deny_policy_must_be_in_the_workloads_namespace():
    other = resource(DEPLOYMENT, "consumer", deployment(container(), namespace="consumers"))
    unnamed = resource(DEPLOYMENT, "legacy", {"spec": {"template": {"spec": {"containers": [container()]}}}})
    found = run_stack(kubernetes_security.namespace_default_deny, [resource(DEPLOYMENT, "app", deployment(container())), other,
                                                  unnamed, resource(NETWORK_POLICY, "deny", DENY)])
    assert [urn for _, urn in found] == [other.urn, unnamed.urn]
    assert "namespace 'default'" in found[1][0]  # no namespace: Kubernetes puts it in default


def test_an_unknown_namespace_is_left_for_the_update_and_others_still_judged():
    from pulumi_policy.proxy import UnknownValueError
    known = resource(DEPLOYMENT, "known", deployment(container(), namespace="bare"))
    unknown = resource(DEPLOYMENT, "later", deployment(container(), namespace=UNKNOWN))
    found = []
    with pytest.raises(UnknownValueError):
        from pulumi_policy import StackValidationArgs
        kubernetes_security.namespace_default_deny.validate(StackValidationArgs([unknown, known], {}),
                                           lambda message, urn=None: found.append(urn))
    assert found == [known.urn]


def test_prod_exceptions_are_exactly_the_sidecar_images_the_docs_list_as_a_known_gap():
    import json
    from pathlib import Path

    from components import request_proxy
    root = Path(__file__).resolve().parents[2]
    config = json.loads((root / "policies" / "config" / "prod.json").read_text())["kubernetes-container-image-digest"]
    assert config["environment"] == "prod"
    assert sorted(config["allowedTaggedImages"]) == sorted([request_proxy.PROXY_IMAGE, request_proxy.CERTIFICATE_IMAGE])
    docs = (root / "docs" / "application.md").read_text()
    assert all(f"`{image}`" in docs for image in config["allowedTaggedImages"])
    assert json.loads((root / "policies" / "config" / "dev.json").read_text())[
        "kubernetes-container-image-digest"] == {"environment": "dev"}


# ---------------------------------------------------------------- whole messages and edges (mutation testing, issue 19)

def test_image_messages_whole_and_in_container_order():
    props = deployment({"name": "bare"}, container("proxy", "docker.io/envoyproxy/envoy:v1.34.1"),
                       init=[container("certificate", "alpine:3")])
    assert run(kubernetes_security.container_image_digest, DEPLOYMENT, props, PROD) == [
        "container 'certificate' runs 'alpine:3', a tag that can be pushed again with other content; pin it by digest "
        "(image@sha256:<digest>)",
        "container 'bare' names no image",
        "container 'proxy' runs 'docker.io/envoyproxy/envoy:v1.34.1', a tag that can be pushed again with other "
        "content; pin it by digest (image@sha256:<digest>)"]
    # A null exception list is no exception.
    assert run(kubernetes_security.container_image_digest, DEPLOYMENT, deployment(container(image="alpine:3")),
               {**PROD, "allowedTaggedImages": None}) == [
        "container 'app' runs 'alpine:3', a tag that can be pushed again with other content; pin it by digest "
        "(image@sha256:<digest>)"]


def test_every_workload_kind_reads_its_pod_template():
    tagged = {"containers": [container(image="alpine:3")]}
    expected = ["container 'app' runs 'alpine:3', a tag that can be pushed again with other content; pin it by digest "
                "(image@sha256:<digest>)"]
    for kind in ("kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet", "kubernetes:apps/v1:ReplicaSet",
                 "kubernetes:batch/v1:Job"):
        assert run(kubernetes_security.container_image_digest, kind, {"spec": {"template": {"spec": tagged}}},
                   PROD) == expected, kind
    assert run(kubernetes_security.container_image_digest, POD, {"spec": {"template": {"spec": tagged}}}, PROD) == []


def test_secret_messages_whole():
    props = deployment(container(envFrom=[{"configMapRef": {"name": "settings"}}, {"secretRef": {"name": "s1"}}],
                                 env=[{"name": "PLAIN", "value": "x"},
                                      {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "t", "key": "k"}}}]))
    assert run(kubernetes_security.secrets_as_files, DEPLOYMENT, props) == [
        "container 'app' takes Secret 's1' as environment variables (envFrom.secretRef); mount it as files instead",
        "container 'app' takes 'TOKEN' from a Secret (env.valueFrom.secretKeyRef); mount the Secret as files instead"]


DENY_SPEC = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


@pytest.mark.parametrize("policy_spec, denies", [
    (DENY_SPEC, True),
    ({**DENY_SPEC, "policyTypes": ["Egress", "Ingress"]}, True),
    ({**DENY_SPEC, "podSelector": {"matchLabels": {}, "matchExpressions": []}}, True),   # empty is still "all pods"
    ({"policyTypes": ["Ingress", "Egress"]}, False),                                    # no podSelector at all
    ({**DENY_SPEC, "podSelector": {"matchExpressions": [{"key": "app", "operator": "Exists"}]}}, False),
    ({**DENY_SPEC, "policyTypes": ["Egress"]}, False),
    ({**DENY_SPEC, "ingress": [{}]}, False),                                             # an allow-all ingress rule
    ({**DENY_SPEC, "ingress": [], "egress": []}, True),                                  # empty rule lists allow nothing
])
def test_what_counts_as_default_deny(policy_spec, denies):
    workload = resource(DEPLOYMENT, "app", deployment(container()))
    found = run_stack(kubernetes_security.namespace_default_deny, [
        workload, resource(NETWORK_POLICY, "p", {"metadata": {"namespace": "app"}, "spec": policy_spec})])
    assert found == ([] if denies else [(
        "namespace 'app' of Deployment 'app' has no default-deny NetworkPolicy: every pod in it may talk to every pod "
        "of the cluster", workload.urn)])


def test_default_deny_message_names_the_kind_and_the_default_namespace():
    job = resource("kubernetes:batch/v1:CronJob", "nightly", {"spec": {}})
    found = run_stack(kubernetes_security.namespace_default_deny, [
        job, resource(NETWORK_POLICY, "deny", {"spec": DENY_SPEC})])   # a policy without namespace is in default
    assert found == []
    found = run_stack(kubernetes_security.namespace_default_deny, [job])
    assert found == [("namespace 'default' of CronJob 'nightly' has no default-deny NetworkPolicy: every pod in it "
                      "may talk to every pod of the cluster", job.urn)]


def test_an_unknown_network_policy_namespace_is_raised_after_the_other_judgements():
    from pulumi_policy import StackValidationArgs
    from pulumi_policy.proxy import UnknownValueError
    known = resource(DEPLOYMENT, "known", deployment(container(), namespace="bare"))
    unknown_policy = resource(NETWORK_POLICY, "later", {"metadata": {"namespace": UNKNOWN}, "spec": DENY_SPEC})
    found = []
    with pytest.raises(UnknownValueError):
        kubernetes_security.namespace_default_deny.validate(StackValidationArgs([unknown_policy, known], {}),
                                                            lambda message, urn=None: found.append(urn))
    assert found == [known.urn]

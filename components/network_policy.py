"""The Kubernetes NetworkPolicies of an application namespace, as plain data: deny everything, then admit what
the application needs.

Shared by every component that runs application pods (``Workload``, and any other Deployment of the stack),
so each namespace gets the same two objects: ``default-deny`` (no pod of the namespace sends or receives
anything) and one allowance per application, selected by its pod labels:

* ingress from the load balancer to the proxy port. The ALB reaches pod IPs directly (IP targets) from its
  nodes in the public subnets, so the rule admits the public subnets' CIDRs, not a pod or namespace;
* ingress from the monitoring namespace (Prometheus) to the metrics port;
* egress to the cluster DNS (CoreDNS pods in kube-system, 53 UDP and TCP);
* egress to the data tier inside the VPC on its ports only (RDS Proxy 5432, the cache 6379, the brokers
  9098 with IAM auth);
* egress on 443 to addresses outside the VPC: the AWS APIs the pods call (STS for IRSA, Secrets Manager)
  are public endpoints whose addresses AWS does not fix, and a NetworkPolicy can only name addresses, not
  host names. Outside the VPC, so nothing inside it (the private EKS API endpoint included) is reachable
  on 443; with VPC interface endpoints for STS and Secrets Manager, this rule would become the VPC CIDR.

Kubelet probes need no rule: the VPC CNI's network policy agent always admits the node's own address.
EKS enforces these objects only when the vpc-cni add-on runs its network policy agent
(``enableNetworkPolicy``, which ``EksCluster`` turns on); without it they are accepted and ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .validation import ArgumentError

DEFAULT_DENY_NAME = "default-deny"
DNS_NAMESPACE = "kube-system"
# The label EKS's CoreDNS pods carry (the kube-dns Service selects them by it).
DNS_POD_LABELS = {"k8s-app": "kube-dns"}
DNS_PORT = 53
HTTPS_PORT = 443
# Set by the API server on every namespace (Kubernetes 1.21+): selects a namespace by name.
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
MONITORING_NAMESPACE = "monitoring"


@dataclass(frozen=True)
class AppTraffic:
    """What one application's pods may receive and send; everything else is denied."""

    pod_labels: Mapping[str, str]
    """Labels that select the application's pods."""
    ingress_port: int
    """Port the load balancer sends requests to (the request proxy's)."""
    load_balancer_cidrs: Sequence[str]
    """CIDRs the load balancer's nodes connect from (the public subnets); empty admits no one."""
    metrics_port: int
    """Port Prometheus scrapes."""
    monitoring_namespace: str
    """Namespace of Prometheus."""
    vpc_cidr: str
    """CIDR of the VPC: the data tier lives in it, and HTTPS egress leaves it out."""
    data_ports: Sequence[int]
    """TCP ports of the data tier the pods connect to inside the VPC."""


def validate_app_traffic(traffic: AppTraffic, path: str = "network_policy") -> None:
    """Raise ``ArgumentError`` naming the field, its value and what is allowed."""
    for cidr in [*traffic.load_balancer_cidrs, traffic.vpc_cidr]:
        try:
            ipaddress.IPv4Network(cidr, strict=True)
        except (ValueError, TypeError):
            raise ArgumentError(f"{path}.cidrs", f"{cidr!r} is not an IPv4 CIDR block such as 10.0.0.0/16",
                                value=cidr) from None
    for port in [traffic.ingress_port, traffic.metrics_port, *traffic.data_ports]:
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise ArgumentError(f"{path}.ports", f"{port!r} is out of range; expected 1 to 65535", value=port)
    if not traffic.pod_labels:
        raise ArgumentError(f"{path}.pod_labels", "empty; an allowance must select the application's pods only")


def default_deny_spec() -> dict[str, Any]:
    """Selects every pod of the namespace for both directions and admits nothing."""
    return {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def _tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def app_allowance_spec(traffic: AppTraffic) -> dict[str, Any]:
    """The application's allowances, in Kubernetes (camelCase) names (see the module docstring)."""
    validate_app_traffic(traffic)
    ingress = [{"from": [{"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: traffic.monitoring_namespace}}}],
                "ports": _tcp(traffic.metrics_port)}]
    if traffic.load_balancer_cidrs:
        ingress.insert(0, {"from": [{"ipBlock": {"cidr": cidr}} for cidr in traffic.load_balancer_cidrs],
                           "ports": _tcp(traffic.ingress_port)})
    egress = [
        {"to": [{"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: DNS_NAMESPACE}},
                 "podSelector": {"matchLabels": dict(DNS_POD_LABELS)}}],
         "ports": [{"protocol": "UDP", "port": DNS_PORT}, {"protocol": "TCP", "port": DNS_PORT}]},
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": [traffic.vpc_cidr]}}], "ports": _tcp(HTTPS_PORT)},
    ]
    if traffic.data_ports:
        egress.insert(1, {"to": [{"ipBlock": {"cidr": traffic.vpc_cidr}}], "ports": _tcp(*traffic.data_ports)})
    return {"podSelector": {"matchLabels": dict(traffic.pod_labels)}, "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress, "egress": egress}

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
* egress on 443 to the AWS APIs the pods call (STS for IRSA, Secrets Manager): to the subnets of the VPC's
  interface endpoints (``aws_endpoint_cidrs``, ``Network.endpoint_subnet_cidrs``), and, with ``internet_https``,
  to any address outside the VPC. A NetworkPolicy can only name addresses, and the public endpoints'
  addresses are not fixed; with the interface endpoints the rule names the endpoints' own subnets, so nothing
  else inside the VPC (the private EKS API endpoint included) is reachable on 443, and with ``internet_https``
  off nothing outside it either.

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
    aws_endpoint_cidrs: Sequence[str] = ()
    """CIDRs of the VPC's interface endpoint subnets: HTTPS to the AWS APIs goes there."""
    internet_https: bool = True
    """HTTPS to any address outside the VPC too (AWS APIs without an endpoint here, third-party services)."""


def check_https_egress(vpc_cidr: str, aws_endpoint_cidrs: Sequence[str], internet_https: bool,
                       names: tuple[str, str] = ("aws_endpoint_cidrs", "internet_https")) -> None:
    """Raise ``ArgumentError`` (named by ``names``) unless the pods have a way to the AWS APIs on 443 and every
    endpoint CIDR is an IPv4 block inside the VPC."""
    vpc = ipaddress.IPv4Network(vpc_cidr, strict=True)
    for cidr in aws_endpoint_cidrs:
        try:
            block = ipaddress.IPv4Network(cidr, strict=True)
        except (ValueError, TypeError):
            raise ArgumentError(names[0], f"{cidr!r} is not an IPv4 CIDR block such as 10.0.192.0/21",
                                value=cidr) from None
        if not block.subnet_of(vpc):
            raise ArgumentError(names[0], f"{cidr!r} is outside the VPC {vpc_cidr}; expected the subnets of its "
                                "interface endpoints", value=cidr)
    if not internet_https and not aws_endpoint_cidrs:
        raise ArgumentError(names[1], f"False with no {names[0]}: the pods could reach no AWS API (STS for their "
                            f"IAM role); expected True, or the VPC's interface endpoint subnets in {names[0]}",
                            value=internet_https)


def https_egress_peers(vpc_cidr: str, aws_endpoint_cidrs: Sequence[str], internet_https: bool) -> list[dict[str, Any]]:
    """The ``to`` of the 443 egress rule: the endpoint subnets, then (``internet_https``) outside the VPC."""
    peers: list[dict[str, Any]] = [{"ipBlock": {"cidr": cidr}} for cidr in aws_endpoint_cidrs]
    if internet_https:
        peers.append({"ipBlock": {"cidr": "0.0.0.0/0", "except": [vpc_cidr]}})
    return peers


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
    check_https_egress(traffic.vpc_cidr, traffic.aws_endpoint_cidrs, traffic.internet_https,
                       (f"{path}.aws_endpoint_cidrs", f"{path}.internet_https"))


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
        {"to": https_egress_peers(traffic.vpc_cidr, traffic.aws_endpoint_cidrs, traffic.internet_https),
         "ports": _tcp(HTTPS_PORT)},
    ]
    if traffic.data_ports:
        egress.insert(1, {"to": [{"ipBlock": {"cidr": traffic.vpc_cidr}}], "ports": _tcp(*traffic.data_ports)})
    return {"podSelector": {"matchLabels": dict(traffic.pod_labels)}, "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress, "egress": egress}

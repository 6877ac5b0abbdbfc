"""The stack program: builds every tier from typed settings and returns the stack exports.

``__main__.py`` calls ``build`` once; the benchmark calls it N times with a name prefix to measure how
the cost of a preview grows with the number of service sets.
"""

from __future__ import annotations

from typing import Any

from components.network import Network, NetworkArgs

from .cache_and_streaming import build_cache_and_streaming
from .config import StackSettings
from .database import build_database
from .edge import build_edge
from .kubernetes import build_cluster, build_workload


def network_args(settings: StackSettings) -> NetworkArgs:
    net = settings.network
    return NetworkArgs(
        cidr_block=net.vpc_cidr, availability_zones=tuple(net.availability_zones), az_count=net.az_count,
        nat_gateways=net.nat_gateways, flow_log_retention_days=net.flow_log_retention_days,
        environment=settings.environment)


def build(settings: StackSettings, prefix: str = "") -> dict[str, Any]:
    """Declare all resources of one service set; return the outputs consumers need.

    ``settings`` come from ``stack.preflight.load_checked_settings``, which already ran every component's
    validation."""
    network = Network(f"{prefix}network", network_args(settings))
    exports: dict[str, Any] = {
        "vpcId": network.vpc_id,
        "availabilityZones": network.availability_zones,
        "publicSubnetIds": network.public_subnet_ids,
        "privateSubnetIds": network.private_subnet_ids,
        "isolatedSubnetIds": network.isolated_subnet_ids,
    }
    # Security groups of the application tier (instances, Kubernetes nodes): the data tier admits only these.
    app_security_group_ids: list[Any] = []

    edge = build_edge(settings, network, prefix)  # issue 3
    exports.update(edge.exports)
    app_security_group_ids.append(edge.app_security_group_id)

    cluster_tier = build_cluster(settings, network, prefix)  # kubernetes cluster (issue 9)
    app_security_group_ids.append(cluster_tier.node_security_group_id)
    exports.update(cluster_tier.exports)

    exports.update(build_database(settings, network, app_security_group_ids, prefix))  # issue 4

    exports.update(build_cache_and_streaming(settings, network, app_security_group_ids, prefix))  # issue 5

    exports.update(build_workload(settings, cluster_tier, exports, prefix))  # kubernetes workload (issue 9)

    return exports

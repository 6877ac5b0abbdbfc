"""The stack program: builds every tier from typed settings and returns the stack exports.

``__main__.py`` calls ``build`` once; the benchmark calls it N times with a name prefix to measure how
the cost of a preview grows with the number of service sets.
"""

from __future__ import annotations

from typing import Any

from components.network import Network, NetworkArgs

from .application import build_app_settings
from .cache_and_streaming import build_cache_and_streaming
from .config import StackSettings
from .consumer import build_consumer
from .database import build_database
from .edge import build_edge, build_pools
from .identity import build_identity
from .kubernetes import build_cluster, build_workload
from .observability import build_observability


def network_args(settings: StackSettings) -> NetworkArgs:
    net = settings.network
    return NetworkArgs(
        cidr_block=net.vpc_cidr, availability_zones=tuple(net.availability_zones), az_count=net.az_count,
        nat_gateways=net.nat_gateways, flow_log_retention_days=net.flow_log_retention_days,
        interface_endpoints=tuple(net.interface_endpoints), environment=settings.environment)


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
    # The data tier admits the application tier: the EC2 pools' membership group and the Kubernetes nodes'.
    app_security_group_ids: list[Any] = [network.app_security_group_id]

    edge = build_edge(settings, network, prefix)
    exports.update(edge.exports)

    cluster_tier = build_cluster(settings, network, prefix)
    app_security_group_ids.append(cluster_tier.node_security_group_id)
    exports.update(cluster_tier.exports)

    database = build_database(settings, network, app_security_group_ids, prefix)
    exports.update(database.exports)
    cache_and_streaming = build_cache_and_streaming(settings, network, app_security_group_ids, prefix)
    exports.update(cache_and_streaming.exports)

    # Settings with the data tier's endpoints, then the pools that read them when they boot.
    app = build_app_settings(settings, exports, prefix)
    exports["appSettingsParameter"] = app.settings.parameter_name
    pools = build_pools(settings, network, edge, [app.settings.parameter], prefix)
    exports.update(pools.exports)

    # The data tiers' grants, held by every EC2 pool's instance role and by the workload's service account.
    identity = build_identity(settings, cluster_tier, database, cache_and_streaming,
                              [group.role_name for group in pools.auto_scaling_groups.values()], prefix)
    exports.update(identity.exports)

    exports.update(build_workload(settings, network, cluster_tier, edge, app, exports.get("appWorkloadRoleArn"),
                                  prefix))
    # The feature-processors consumer (KEDA on its lag) runs on the cluster and reads the Kafka cluster.
    exports.update(build_consumer(settings, cluster_tier, cache_and_streaming, prefix))
    # Last: the alarms name every tier's resources, and the Alertmanager (in the cluster) publishes to their topic.
    exports.update(build_observability(settings, edge, pools, database, cache_and_streaming, cluster_tier, prefix,
                                       network))
    return exports

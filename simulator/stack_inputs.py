"""What the simulator reads from a stack: the same checked settings and argument builders the program uses.

Nothing here re-types a number: the HPA is ``components.workload.hpa_spec`` of the arguments
``stack.kubernetes.workload_args`` builds, the node group and its system pods are what
``stack.kubernetes.cluster_args`` checks capacity with, and the Auto Scaling group is
``stack.edge.planned_auto_scaling_group_args`` (the preflight's arguments, with placeholder IDs).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from components.auto_scaling_group import request_count_targets
from components.eks_cluster import INSTANCE_CAPACITY, SYSTEM_DEMAND, allocatable
from components.metrics_pipeline import PodDemand, metrics_catalog, pipeline_demand
from components.workload import hpa_spec, workload_demand
from scaling_kit.stackfiles import StackFileError, parse_overrides, read_project, read_stack_config
from stack.edge import planned_auto_scaling_group_args
from stack.kubernetes import pipeline_args, workload_args
from stack.preflight import load_checked_settings, planned_network

from .hpa import HpaSpec


@dataclass(frozen=True)
class NodeGroup:
    """The EKS managed node group and what one node offers to pods after reservations."""
    instance_type: str
    min_size: int
    max_size: int
    allocatable_pods: int
    allocatable_cpu_millicores: int
    allocatable_memory_mib: int
    fixed_demand: tuple[PodDemand, ...]
    """Pods that run whatever the load: the metrics pipeline and the cluster's system pods."""


@dataclass(frozen=True)
class AsgPolicy:
    """One target tracking policy of the Auto Scaling group."""
    name: str
    metric: str
    """``ASGAverageCPUUtilization`` or ``ALBRequestCountPerTarget``."""
    target: float
    share: float
    """Share of the load the target group carries (request-count policies); 1 for CPU."""


@dataclass(frozen=True)
class AutoScalingGroupModel:
    instance_type: str
    min_size: int
    max_size: int
    desired_capacity: int
    warmup_seconds: int
    policies: tuple[AsgPolicy, ...]


@dataclass(frozen=True)
class FixedTiers:
    """Tiers that do not scale with the load, for the cost table."""
    db_shards: int
    db_instance_class: str
    db_replica_instance_class: str
    db_replicas_per_shard: int
    db_multi_az: bool
    cache_engine: str
    cache_node_type: str
    cache_nodes: int
    broker_instance_type: str
    brokers: int


@dataclass(frozen=True)
class StackInputs:
    stack: str
    region: str
    hpa: HpaSpec
    pod_cpu_request_millicores: int
    pod_memory_request_mib: int
    nodes: NodeGroup
    asg: AutoScalingGroupModel
    tiers: FixedTiers


def from_settings(settings: Any, region: str) -> StackInputs:
    """Everything the simulation needs, from checked ``StackSettings``."""
    pipeline = pipeline_args(settings)
    workload = workload_args(settings, metrics_catalog(pipeline))
    k = settings.kubernetes
    pods, cpu, memory = allocatable(INSTANCE_CAPACITY[k.node_instance_type])
    nodes = NodeGroup(k.node_instance_type, k.node_min_size, k.node_max_size, pods, cpu, memory,
                      (*pipeline_demand(pipeline), *SYSTEM_DEMAND))
    group = planned_auto_scaling_group_args(settings, planned_network(settings))
    policies = [AsgPolicy("cpu", "ASGAverageCPUUtilization", float(group.cpu_target_percent), 1.0)]
    total_weight = sum(s.weight for s in group.traffic_sources)
    for name, target in request_count_targets(group.traffic_sources, group.requests_per_target).items():
        weight = next(s.weight for s in group.traffic_sources if s.name == name)
        policies.append(AsgPolicy(f"requests-{name}", "ALBRequestCountPerTarget", float(target), weight / total_weight))
    asg = AutoScalingGroupModel(group.instance_type, group.min_size, group.max_size, group.desired_capacity,
                                group.default_instance_warmup_seconds, tuple(policies))
    db, cache, kafka = settings.database, settings.cache, settings.streaming
    tiers = FixedTiers(db.shard_count, db.instance_class, db.replica_instance_class or db.instance_class,
                       db.replica_count, db.multi_az, cache.engine, cache.node_type,
                       cache.shards * (1 + cache.replicas_per_shard), kafka.broker_instance_type, kafka.broker_count)
    # Requests of one whole pod (every container), as the node capacity check counts them; utilization is
    # relative to the same sum.
    pod = workload_demand(workload)
    return StackInputs(settings.stack, region, HpaSpec.from_spec(hpa_spec(workload)),
                       pod.cpu_millicores, pod.memory_mib, nodes, asg, tiers)


def load_stack(stack: str, root: Path, overrides: Sequence[str] = ()) -> StackInputs:
    """Read ``Pulumi.<stack>.yaml`` as the program would, apply ``--set KEY=VALUE`` overrides, and check it
    with the preflight."""
    raw, _ = read_stack_config(stack, root)
    try:
        raw.update(parse_overrides(list(overrides), read_project(root)["name"]))
    except ValueError as error:
        raise StackFileError(str(error)) from None
    settings = load_checked_settings(raw, stack)
    return from_settings(settings, raw.get("aws:region", ""))

"""What the simulator reads from a stack: the same checked settings and argument builders the program uses.

Nothing here re-types a number: the HPA is ``components.workload.hpa_spec`` of the arguments
``stack.kubernetes.workload_args`` builds, the node group and its system pods are what
``stack.kubernetes.cluster_args`` checks capacity with, the weighted backends are ``stack.edge.backends``,
and the EC2 pools are ``stack.edge.planned_auto_scaling_group_args`` (the preflight's arguments, with
placeholder IDs): one Auto Scaling group per ``ec2`` backend, each scaling on its own share of the requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from components.auto_scaling_group import request_count_targets
from components.eks_cluster import INSTANCE_CAPACITY, SYSTEM_DEMAND, allocatable
from components.metrics_pipeline import PodDemand, metrics_catalog, pipeline_demand
from components.workload import hpa_spec, workload_demand
from scaling_kit.stackfiles import StackFileError, parse_overrides, read_overrides_file, read_project, read_stack_config
from stack.edge import backends, planned_auto_scaling_group_args
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
class Backend:
    """One weighted backend of the load balancer and the share of the requests its target group receives."""
    name: str
    weight: int
    platform: str
    """``ec2`` (an Auto Scaling group of its own) or ``eks`` (the Kubernetes workload's pods)."""
    share: float
    """weight / sum of all weights: the ALB splits requests between target groups by weight alone."""


@dataclass(frozen=True)
class AsgPolicy:
    """One target tracking policy of an Auto Scaling group."""
    name: str
    metric: str
    """``ASGAverageCPUUtilization`` or ``ALBRequestCountPerTarget`` (of the pool's own target group)."""
    target: float


@dataclass(frozen=True)
class AutoScalingGroupModel:
    """One EC2 pool: the Auto Scaling group behind one ``ec2`` backend."""
    backend: str
    """Name of the backend (target group) whose requests the pool serves."""
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
    backends: tuple[Backend, ...]
    pools: tuple[AutoScalingGroupModel, ...]
    """One per ``ec2`` backend, in the backends' order; empty when every backend is ``eks``."""
    tiers: FixedTiers

    def __post_init__(self) -> None:
        # The shares decide every pool's load: a pool without its backend would silently serve nothing.
        ec2 = [b.name for b in self.backends if b.platform == "ec2"]
        if [p.backend for p in self.pools] != ec2:
            raise ValueError(f"pools {[p.backend for p in self.pools]!r} do not match the ec2 backends {ec2!r}; "
                             "expected one pool per ec2 backend, in order")
        if sum(1 for b in self.backends if b.platform == "eks") > 1:
            raise ValueError("backends: more than one eks backend; the one workload serves one target group")

    @property
    def pod_share(self) -> float:
        """Share of the requests the workload's pods receive (0 without an ``eks`` backend)."""
        return next((b.share for b in self.backends if b.platform == "eks"), 0.0)

    @property
    def eks_backend(self) -> Optional[Backend]:
        return next((b for b in self.backends if b.platform == "eks"), None)

    def share_of(self, pool: AutoScalingGroupModel) -> float:
        return next(b.share for b in self.backends if b.name == pool.backend)


def shares(named_weights: Sequence[tuple[str, int, str]]) -> tuple[Backend, ...]:
    """Backends with their share of the requests; with every weight 0 nothing is routed anywhere."""
    total = sum(weight for _, weight, _ in named_weights)
    return tuple(Backend(name, weight, platform, weight / total if total else 0.0)
                 for name, weight, platform in named_weights)


def from_settings(settings: Any, region: str) -> StackInputs:
    """Everything the simulation needs, from checked ``StackSettings``."""
    pipeline = pipeline_args(settings)
    workload = workload_args(settings, metrics_catalog(pipeline))
    k = settings.kubernetes
    pods, cpu, memory = allocatable(INSTANCE_CAPACITY[k.node_instance_type])
    nodes = NodeGroup(k.node_instance_type, k.node_min_size, k.node_max_size, pods, cpu, memory,
                      (*pipeline_demand(pipeline), *SYSTEM_DEMAND))
    weighted = shares([(b.name, b.weight, b.platform) for b in backends(settings)])
    pools = []
    for group in planned_auto_scaling_group_args(settings, planned_network(settings)):
        (source,) = group.traffic_sources  # each pool registers in its own target group only
        policies = [AsgPolicy("cpu", "ASGAverageCPUUtilization", float(group.cpu_target_percent))]
        # The component's own rule: a target group of weight 0 gets no request-count policy.
        targets = request_count_targets(group.traffic_sources, group.requests_per_target)
        policies += [AsgPolicy(f"requests-{name}", "ALBRequestCountPerTarget", float(target))
                     for name, target in targets.items()]
        pools.append(AutoScalingGroupModel(source.name, group.instance_type, group.min_size, group.max_size,
                                           group.desired_capacity, group.default_instance_warmup_seconds,
                                           tuple(policies)))
    db, cache, kafka = settings.database, settings.cache, settings.streaming
    tiers = FixedTiers(db.shard_count, db.instance_class, db.replica_instance_class or db.instance_class,
                       db.replica_count, db.multi_az, cache.engine, cache.node_type,
                       cache.shards * (1 + cache.replicas_per_shard), kafka.broker_instance_type, kafka.broker_count)
    # Requests of one whole pod (the application and its Envoy sidecar), as the node capacity check counts
    # them; the HPA's CPU and memory utilization is relative to the same sum.
    pod = workload_demand(workload)
    return StackInputs(settings.stack, region, HpaSpec.from_spec(hpa_spec(workload)),
                       pod.cpu_millicores, pod.memory_mib, nodes, weighted, tuple(pools), tiers)


def load_stack(stack: str, root: Path, overrides: Sequence[str] = (), set_files: Sequence[Path] = ()) -> StackInputs:
    """Read ``Pulumi.<stack>.yaml`` as the program would, apply ``--set-file FILE`` mappings in order, then
    ``--set KEY=VALUE`` overrides (as the offline preview does), and check it with the preflight."""
    raw, _ = read_stack_config(stack, root)
    project = read_project(root)["name"]
    for path in set_files:
        raw.update(read_overrides_file(path, project))
    try:
        raw.update(parse_overrides(list(overrides), project))
    except ValueError as error:
        raise StackFileError(str(error)) from None
    settings = load_checked_settings(raw, stack)
    return from_settings(settings, raw.get("aws:region", ""))

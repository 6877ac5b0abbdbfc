"""The simulation: the load balancer splits the load over its weighted backends; the ``eks`` backend's share
-> per-pod metrics -> HPA -> pods on nodes (Cluster Autoscaler); each ``ec2`` backend's share -> that pool's
own Auto Scaling target tracking. One step per HPA sync (15 s).

Every modelling choice that is not the Kubernetes controller's own code is listed in ``assumptions`` and
printed with the result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from .hpa import SYNC_PERIOD_SECONDS, HorizontalController, HpaSpec, PodGroups, pods_metric_replicas, resource_replicas
from .load import LoadCurve
from .stack_inputs import AutoScalingGroupModel, NodeGroup, StackInputs

MIB = 1024 * 1024
MINUTE = 60
ASG_SCALE_OUT_DATAPOINTS = 3     # target tracking's high alarm: 3 of 3 one-minute datapoints
ASG_SCALE_IN_DATAPOINTS = 15     # its low alarm: 15 of 15


@dataclass(frozen=True)
class Options:
    """The model's parameters (command-line flags); defaults are documented in docs/simulator.md."""
    pod_ready_seconds: int = 30
    """From a pod's scheduling until it is Ready and serves (image present, start, readiness probe)."""
    cpu_base_millicores: float = 25.0
    """CPU a pod uses with no traffic."""
    cpu_millicores_per_rps: float = 0.25
    """CPU per request per second (0.25 m per rps = 0.25 ms of CPU per request), of the whole pod (application
    and Envoy sidecar); instances alike."""
    memory_base_mib: float = 200.0
    memory_mib_per_rps: float = 0.05
    node_ready_seconds: int = 120
    """From the Cluster Autoscaler's scale-up until the node is Ready for pods."""
    node_scale_down_unneeded_seconds: int = 600
    """Cluster Autoscaler --scale-down-unneeded-time default (10 min)."""
    node_scale_down_delay_after_add_seconds: int = 600
    """Cluster Autoscaler --scale-down-delay-after-add default (10 min)."""
    instance_ready_seconds: int = 90
    """From an Auto Scaling launch until the instance is InService and healthy in its target groups."""
    asg_scale_in_ratio: float = 0.9
    """The low alarm fires below this share of the target."""
    metrics: Optional[tuple[str, ...]] = None
    """HPA metrics that drive the run; None means all of them."""

    def problems(self) -> list[str]:
        out = []
        for name in ("pod_ready_seconds", "node_ready_seconds", "node_scale_down_unneeded_seconds",
                     "node_scale_down_delay_after_add_seconds", "instance_ready_seconds"):
            if getattr(self, name) < 0:
                out.append(f"--{name.replace('_', '-')}: {getattr(self, name)} is negative; expected 0 or more")
        for name in ("cpu_base_millicores", "cpu_millicores_per_rps", "memory_base_mib", "memory_mib_per_rps"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                out.append(f"--{name.replace('_', '-')}: {value} is not allowed; expected a number of 0 or more")
        if not 0 < self.asg_scale_in_ratio <= 1:
            out.append(f"--asg-scale-in-ratio: {self.asg_scale_in_ratio} is out of range; expected above 0, at most 1")
        return out


def _percent(share: float) -> str:
    return f"{share * 100:.1f} %"


def layout_assumptions(inputs: StackInputs) -> list[str]:
    """How the load balancer's weights split the load, and what that leaves the pods."""
    split = ", ".join(f"{b.name} ({b.platform}) weight {b.weight} = {_percent(b.share)}" for b in inputs.backends)
    lines = [f"The load balancer splits every request by target group weight alone: {split}. Each backend's pool "
             "serves its share whatever its capacity (the ALB does not move traffic from a full pool to another), "
             "and no pool serves another backend's requests."]
    eks = inputs.eks_backend
    if eks is None:
        lines.append("No backend is 'eks' (scaling:lbBackendPlatforms): the workload's pods receive no requests, so "
                     "no pods scale on requests; the HPA sees only the idle CPU and memory of the cost model and "
                     "stays at minReplicas unless those exceed their targets.")
    elif eks.share == 0:
        lines.append(f"The eks backend {eks.name} has weight 0: the workload's pods receive no requests, so no pods "
                     "scale on requests.")
    return lines


def assumptions(inputs: StackInputs, options: Options) -> list[str]:
    """Every choice of the model that the controllers' code does not make for us."""
    o = options
    pods = [
        "HPA: kube-controller-manager defaults (15 s sync, tolerance 0.1); the run starts with minReplicas pods, "
        "all Ready, and the controller's first sync at t=0.",
        "Metrics are instantaneous: the value at a sync is computed from the load at that sync (no metrics-server "
        "scrape interval, no Prometheus rate window).",
        f"Per-pod cost model: CPU = {o.cpu_base_millicores:g}m + {o.cpu_millicores_per_rps:g}m per request/s, "
        f"memory = {o.memory_base_mib:g} MiB + {o.memory_mib_per_rps:g} MiB per request/s, for the whole pod (the "
        "application and its Envoy sidecar, whose requests the utilization is relative to); the eks backend's share "
        "is spread evenly over Ready pods (its target group routes only to Ready pod IPs), and requests_per_second "
        "is what each pod's Envoy counts.",
        f"A new pod waits for room on a Ready node, then serves {o.pod_ready_seconds} s later; until then it is "
        "'unready' to the HPA for every metric (as Pending pods and CPU pods still initialising are). The "
        "controller's extra CPU rule for the first metric window after readiness is not modelled.",
        "Scale-down removes unscheduled pods first, then starting ones (newest first), then Ready ones, as the "
        "ReplicaSet controller ranks them; a deleted pod stops serving at once.",
        "Nodes: pods pack perfectly by requests (pods, CPU, memory summed over nodes, as the component's "
        "validate_node_capacity counts them) beside the metrics pipeline and system pods; "
        f"the Cluster Autoscaler adds the nodes pending pods need (up to the group's maximum), Ready "
        f"{o.node_ready_seconds} s later, and removes nodes unneeded for {o.node_scale_down_unneeded_seconds} s "
        f"but not within {o.node_scale_down_delay_after_add_seconds} s of a scale-up.",
    ]
    costs = ("Costs: on-demand Linux prices of the table, per second of the run and 730 h per month; no storage, "
             "data transfer, load balancer capacity units, NAT gateways or savings plans.")
    if not inputs.pools:
        return [*layout_assumptions(inputs), *pods, "No backend is 'ec2': there is no Auto Scaling group.", costs]
    warmup = "/".join(str(w) for w in sorted({pool.warmup_seconds for pool in inputs.pools}))
    return [*layout_assumptions(inputs), *pods,
        "Each EC2 pool (one Auto Scaling group per ec2 backend) serves its backend's share, spread evenly over its "
        "serving instances; instance CPU follows the same per-request cost over the instance's vCPUs, and "
        "ALBRequestCountPerTarget is the pool's own target group's requests per minute per serving instance.",
        "Auto Scaling target tracking, per pool: one-minute datapoints (mean of the syncs in the minute), "
        "scale-out when "
        f"{ASG_SCALE_OUT_DATAPOINTS} consecutive datapoints of any policy are above its target, scale-in when "
        f"{ASG_SCALE_IN_DATAPOINTS} consecutive datapoints of every policy are below {o.asg_scale_in_ratio:g} x its "
        "target (AWS does not publish the low alarm's threshold), re-evaluated every minute while the alarm holds.",
        "New capacity = ceil(serving instances x metric / target), the most any breaching policy asks for (scale-out) "
        "or the most any policy keeps (scale-in), within min/max; instances already launching count toward "
        "capacity; scale-in waits until no instance is launching or warming up "
        f"({warmup} s default instance warm-up after InService); a launched instance serves "
        f"{o.instance_ready_seconds} s after launch; terminated instances stop at once.",
        costs,
    ]


@dataclass
class _PodCohort:
    count: int
    created: int
    ready_at: Optional[int]   # None: not scheduled yet


@dataclass
class _Instance:
    serves_at: int
    warm_at: int


@dataclass
class Result:
    ticks: list[dict[str, Any]]
    summary: dict[str, Any]
    assumptions: list[str]
    stack: str
    hpa: HpaSpec
    node_capacity_pods: int
    """Workload pods the node group holds at its maximum size."""


def _fixed(nodes: NodeGroup) -> tuple[int, int, int]:
    demand = nodes.fixed_demand
    return (sum(d.pods for d in demand), sum(d.pods * d.cpu_millicores for d in demand),
            sum(d.pods * d.memory_mib for d in demand))


def pods_that_fit(nodes: NodeGroup, node_count: int, cpu: int, memory: int) -> int:
    """Workload pods ``node_count`` nodes hold beside the fixed pods (aggregate packing)."""
    fixed_pods, fixed_cpu, fixed_memory = _fixed(nodes)
    room = [node_count * nodes.allocatable_pods - fixed_pods,
            (node_count * nodes.allocatable_cpu_millicores - fixed_cpu) // cpu if cpu else 10 ** 9,
            (node_count * nodes.allocatable_memory_mib - fixed_memory) // memory if memory else 10 ** 9]
    return max(0, min(room))


def nodes_needed(nodes: NodeGroup, pods: int, cpu: int, memory: int) -> int:
    """The fewest nodes (at least the group's minimum, at most its maximum) that hold ``pods`` workload pods."""
    for count in range(nodes.min_size, nodes.max_size + 1):
        if pods_that_fit(nodes, count, cpu, memory) >= pods:
            return count
    return nodes.max_size


class AutoScalingGroupSim:
    """The Auto Scaling group's capacity and its target tracking alarms."""

    def __init__(self, model: AutoScalingGroupModel, vcpus: int, options: Options):
        self.model, self.vcpus, self.options = model, vcpus, options
        self.instances = [_Instance(0, 0) for _ in range(model.desired_capacity)]
        self.samples: list[list[float]] = [[] for _ in model.policies]
        self.datapoints: list[list[float]] = [[] for _ in model.policies]

    def serving(self, t: int) -> int:
        return sum(1 for i in self.instances if i.serves_at <= t)

    def sample(self, t: int, load: float, options: Options) -> None:
        """Record the metrics at ``t`` of ``load``, the requests per second of this pool's target group."""
        serving = self.serving(t)
        for k, policy in enumerate(self.model.policies):
            if serving == 0:
                continue  # no instance reports: the datapoint is missing
            per_instance = load / serving
            if policy.metric == "ASGAverageCPUUtilization":
                value = (options.cpu_base_millicores + options.cpu_millicores_per_rps * per_instance) / (
                    self.vcpus * 10)
            else:  # ALBRequestCountPerTarget: requests per minute per target of the pool's target group
                value = load * MINUTE / serving
            self.samples[k].append(value)

    def minute(self, t: int) -> None:
        """Close the minute ending at ``t`` and let the alarms act."""
        for k in range(len(self.model.policies)):
            if self.samples[k]:
                self.datapoints[k].append(sum(self.samples[k]) / len(self.samples[k]))
            self.samples[k] = []
        serving = self.serving(t)
        if serving == 0:
            return
        model, desired = self.model, len(self.instances)
        needed = []
        high = low_everywhere = False
        low_everywhere = True
        for k, policy in enumerate(model.policies):
            points = self.datapoints[k]
            latest = points[-1] if points else None
            if latest is None:
                low_everywhere = False
                continue
            needed.append(math.ceil(serving * latest / policy.target - 1e-9))
            if len(points) >= ASG_SCALE_OUT_DATAPOINTS and all(
                    p > policy.target for p in points[-ASG_SCALE_OUT_DATAPOINTS:]):
                high = True
            if not (len(points) >= ASG_SCALE_IN_DATAPOINTS and all(
                    p < self.options.asg_scale_in_ratio * policy.target for p in points[-ASG_SCALE_IN_DATAPOINTS:])):
                low_everywhere = False
        if high:
            target = min(model.max_size, max(desired, max(needed)))
            for _ in range(target - desired):
                serves = t + self.options.instance_ready_seconds
                self.instances.append(_Instance(serves, serves + model.warmup_seconds))
        elif low_everywhere and all(i.warm_at <= t for i in self.instances):
            target = max(model.min_size, max(needed))
            if target < desired:
                self.instances.sort(key=lambda i: i.serves_at)
                del self.instances[target:]


def simulate(inputs: StackInputs, load: LoadCurve, options: Options, vcpus: Mapping[str, int]) -> Result:
    """Run the load through the stack; ``vcpus`` maps each pool's instance type to its vCPUs."""
    missing = sorted({p.instance_type for p in inputs.pools} - set(vcpus))
    if missing:
        raise ValueError(f"no vCPU count for the EC2 pools' instance type(s) {', '.join(missing)}")
    o = options
    hpa = inputs.hpa.only(list(o.metrics)) if o.metrics else inputs.hpa
    controller = HorizontalController(hpa)
    nodes = inputs.nodes
    cpu_request, memory_request = inputs.pod_cpu_request_millicores, inputs.pod_memory_request_mib
    step = SYNC_PERIOD_SECONDS
    times = list(range(0, load.end, step))
    rates = load.sampled(step)

    current = hpa.min_replicas
    cohorts = [_PodCohort(current, 0, 0)]
    node_count = nodes_needed(nodes, current, cpu_request, memory_request)
    booting: list[int] = []            # ready times of nodes the autoscaler launched
    last_node_scale_up: Optional[int] = None
    unneeded_since: Optional[int] = None
    pools = [AutoScalingGroupSim(pool, vcpus[pool.instance_type], o) for pool in inputs.pools]
    pool_shares = [inputs.share_of(pool) for pool in inputs.pools]
    pod_share = inputs.pod_share
    rps_metric = next((m for m in hpa.metrics if m.kind == "Pods"), None)

    ticks: list[dict[str, Any]] = []
    # rates has one more sample (at load.end) than times: the run stops before it.
    for t, rate in zip(times, rates, strict=False):
        pod_rate = rate * pod_share
        # Nodes that finished booting take pods from this sync on.
        if booting and booting[0] <= t:
            node_count += sum(1 for b in booting if b <= t)
            booting = [b for b in booting if b > t]

        ready = sum(c.count for c in cohorts if c.ready_at is not None and c.ready_at <= t)
        unready = current - ready
        proposals: dict[str, Optional[int]] = {}
        per_pod = pod_rate / ready if ready else 0.0
        for metric in hpa.metrics:
            if metric.kind == "Pods":
                groups = PodGroups(ready, unready, 0, round(per_pod * 1000))
                proposals[metric.name] = pods_metric_replicas(current, metric.target, groups)
            elif metric.name == "cpu":
                groups = PodGroups(ready, unready, 0, round(o.cpu_base_millicores + o.cpu_millicores_per_rps * per_pod),
                                   cpu_request)
                proposals[metric.name] = resource_replicas(current, metric.target, groups)
            else:
                groups = PodGroups(ready, unready, 0, round((o.memory_base_mib + o.memory_mib_per_rps * per_pod) * MIB),
                                   memory_request * MIB)
                proposals[metric.name] = resource_replicas(current, metric.target, groups)
        decision = controller.reconcile(t, current, proposals)
        desired = decision.desired

        if desired > current:
            cohorts.append(_PodCohort(desired - current, t, None))
        elif desired < current:
            # ReplicaSet deletion order: unscheduled, then not Ready (newest first), then Ready (newest first).
            remove = current - desired
            order = sorted(cohorts, key=lambda c: (c.ready_at is not None, c.ready_at is not None and c.ready_at <= t,
                                                   -c.created))
            for cohort in order:
                taken = min(remove, cohort.count)
                cohort.count -= taken
                remove -= taken
                if not remove:
                    break
            cohorts = [c for c in cohorts if c.count]
        current = desired

        # Scheduling onto Ready nodes.
        scheduled = sum(c.count for c in cohorts if c.ready_at is not None)
        room = pods_that_fit(nodes, node_count, cpu_request, memory_request) - scheduled
        for cohort in cohorts:
            if cohort.ready_at is None and room > 0:
                if cohort.count > room:
                    cohorts.append(_PodCohort(cohort.count - room, cohort.created, None))
                    cohort.count = room
                cohort.ready_at = t + o.pod_ready_seconds
                room -= cohort.count
        pending = sum(c.count for c in cohorts if c.ready_at is None)

        # Cluster Autoscaler.
        wanted = nodes_needed(nodes, current, cpu_request, memory_request)
        if pending and wanted > node_count + len(booting):
            booting.extend([t + o.node_ready_seconds] * (wanted - node_count - len(booting)))
            booting.sort()
            last_node_scale_up = t
        if not booting and node_count > wanted:
            unneeded_since = t if unneeded_since is None else unneeded_since
            if (t - unneeded_since >= o.node_scale_down_unneeded_seconds and
                    (last_node_scale_up is None or t - last_node_scale_up >= o.node_scale_down_delay_after_add_seconds)):
                node_count = wanted
                unneeded_since = None
        else:
            unneeded_since = None

        # Each pool: sample its share every sync, act at each minute's end.
        for pool, share in zip(pools, pool_shares, strict=True):
            if t and t % MINUTE == 0:
                pool.minute(t)
            pool.sample(t, rate * share, o)
        per_pool = {pool.model.backend: {"instances": len(pool.instances), "serving_instances": pool.serving(t)}
                    for pool in pools}

        ready_now = sum(c.count for c in cohorts if c.ready_at is not None and c.ready_at <= t)
        ticks.append({
            "t": t, "load": rate, "pod_load": pod_rate, "pods": current, "ready_pods": ready_now,
            "pending_pods": pending, "nodes": node_count + len(booting), "ready_nodes": node_count,
            "instances": sum(p["instances"] for p in per_pool.values()),
            "serving_instances": sum(p["serving_instances"] for p in per_pool.values()),
            "pools": per_pool, "hpa_reason": decision.reason,
            "proposals": decision.proposals,
            # Above what the HPA accepts per Ready pod (target x (1 + tolerance)): more pods were needed.
            "short_of_capacity": bool(rps_metric and pod_rate * 1000 > ready_now * rps_metric.target *
                                      (1 + controller.tolerance)),
        })

    summary = summarize(ticks, hpa, load.end)
    summary["backends"] = [{"name": b.name, "weight": b.weight, "platform": b.platform, "share": b.share}
                           for b in inputs.backends]
    summary["pods_scale_on_requests"] = pod_share > 0
    summary["pools"] = {pool.backend: summarize_pool(ticks, pool.backend, load.end) | {
        "share": share, "instance_type": pool.instance_type, "min_size": pool.min_size, "max_size": pool.max_size,
        "desired_capacity": pool.desired_capacity} for pool, share in zip(inputs.pools, pool_shares, strict=True)}
    capacity = pods_that_fit(nodes, nodes.max_size, cpu_request, memory_request)
    summary["node_group"] = {
        "instance_type": nodes.instance_type, "min_size": nodes.min_size, "max_size": nodes.max_size,
        "workload_pods_at_max_size": capacity, "max_replicas_fit": capacity >= hpa.max_replicas,
    }
    return Result(ticks, summary, assumptions(inputs, o), inputs.stack, hpa, capacity)


def _durations(ticks: list[dict[str, Any]], end: int) -> list[int]:
    """How long each tick's state holds: until the next sync, the last one until the end of the run."""
    return [(ticks[i + 1]["t"] if i + 1 < len(ticks) else end) - tick["t"] for i, tick in enumerate(ticks)]


def summarize_pool(ticks: list[dict[str, Any]], backend: str, end: int) -> dict[str, Any]:
    """Peak instances and instance-hours of one EC2 pool."""
    counts = [tick["pools"][backend]["instances"] for tick in ticks]
    return {"peak_instances": max(counts),
            "instance_hours": sum(n * d for n, d in zip(counts, _durations(ticks, end), strict=True)) / 3600}


def summarize(ticks: list[dict[str, Any]], hpa: HpaSpec, end: int) -> dict[str, Any]:
    """Times, peaks and totals of a run (instances summed over the EC2 pools)."""
    durations = _durations(ticks, end)

    def duration(i: int) -> int:
        return durations[i]

    peak = {k: max(tick[k] for tick in ticks) for k in ("pods", "ready_pods", "pending_pods", "nodes", "instances")}
    first_peak = next(tick["t"] for tick in ticks if tick["pods"] == peak["pods"])
    at_max = [i for i, tick in enumerate(ticks) if tick["pods"] >= hpa.max_replicas]
    first_down = next((ticks[i]["t"] for i in range(1, len(ticks)) if ticks[i]["pods"] < ticks[i - 1]["pods"]), None)
    return {
        "duration_seconds": end,
        "syncs": len(ticks),
        "hpa": {"min_replicas": hpa.min_replicas, "max_replicas": hpa.max_replicas,
                "metrics": [m.name for m in hpa.metrics]},
        "seconds_to_peak_pods": first_peak,
        "first_time_at_max_replicas": ticks[at_max[0]]["t"] if at_max else None,
        "seconds_at_max_replicas": sum(duration(i) for i in at_max),
        "first_scale_down_at": first_down,
        "seconds_short_of_capacity": sum(duration(i) for i, tick in enumerate(ticks) if tick["short_of_capacity"]),
        "peak": peak,
        "pod_seconds": sum(tick["pods"] * duration(i) for i, tick in enumerate(ticks)),
        "node_hours": sum(tick["nodes"] * duration(i) for i, tick in enumerate(ticks)) / 3600,
        "instance_hours": sum(tick["instances"] * duration(i) for i, tick in enumerate(ticks)) / 3600,
    }

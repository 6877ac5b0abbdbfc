"""Costs of a run and per month, from an on-demand price table kept beside this module."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from .stack_inputs import StackInputs

DEFAULT_PRICES = Path(__file__).with_name("prices_us_east_1.json")
_REQUIRED = ("region", "currency", "recorded", "source", "hours_per_month", "ec2_per_hour",
             "rds_postgresql_single_az_per_hour", "rds_proxy_per_vcpu_hour", "rds_proxy_minimum_vcpus",
             "elasticache_per_node_hour", "msk_broker_per_hour", "eks_cluster_per_hour")


class PriceTableError(ValueError):
    """The price table is unreadable or lacks a section."""


@dataclass(frozen=True)
class PriceTable:
    data: dict[str, Any]
    path: Path

    def ec2(self, instance_type: str) -> Optional[float]:
        entry = self.data["ec2_per_hour"].get(instance_type)
        return None if entry is None else float(entry["usd"])

    def ec2_vcpus(self, instance_type: str) -> Optional[int]:
        entry = self.data["ec2_per_hour"].get(instance_type)
        return None if entry is None else int(entry["vcpus"])


def load_prices(path: Path = DEFAULT_PRICES) -> PriceTable:
    try:
        data = json.loads(Path(path).read_text())
    except OSError as error:
        raise PriceTableError(f"{path}: cannot read: {error.strerror or error}") from None
    except json.JSONDecodeError as error:
        raise PriceTableError(f"{path}: not valid JSON at line {error.lineno}: {error.msg}") from None
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise PriceTableError(f"{path}: missing {', '.join(missing)}")
    return PriceTable(data, Path(path))


def _line(tier: str, what: str, count_min: float, count_max: float, unit_price: Optional[float],
          hours: float, run_units_hours: Optional[float]) -> dict[str, Any]:
    """One tier: monthly cost at its minimum and maximum count, and the run's cost."""
    if unit_price is None:
        return {"tier": tier, "what": what, "min_count": count_min, "max_count": count_max, "unit_usd_per_hour": None,
                "monthly_usd_at_min": None, "monthly_usd_at_max": None, "run_usd": None,
                "note": f"no price for {what} in the table"}
    return {"tier": tier, "what": what, "min_count": count_min, "max_count": count_max, "unit_usd_per_hour": unit_price,
            "monthly_usd_at_min": round(count_min * unit_price * hours, 2),
            "monthly_usd_at_max": round(count_max * unit_price * hours, 2),
            "run_usd": round(unit_price * run_units_hours, 4) if run_units_hours is not None else None}


def cost_table(inputs: StackInputs, prices: PriceTable, run_seconds: int, instance_hours: Mapping[str, float],
               node_hours: float) -> dict[str, Any]:
    """Cost per tier: each EC2 pool from its instance-hours (``instance_hours`` by backend name) and the node
    group from the run's node-hours, the others constant."""
    p, hours, run_hours = prices.data, float(prices.data["hours_per_month"]), run_seconds / 3600
    t, nodes = inputs.tiers, inputs.nodes
    # One line per pool: each has its own bounds, so the minimum and maximum add up per pool.
    lines = [_line(f"instances (pool {pool.backend})", pool.instance_type, pool.min_size, pool.max_size,
                   prices.ec2(pool.instance_type), hours, instance_hours[pool.backend]) for pool in inputs.pools]
    lines += [
        _line("node group (EKS)", nodes.instance_type, nodes.min_size, nodes.max_size,
              prices.ec2(nodes.instance_type), hours, node_hours),
        _line("EKS control plane", "cluster", 1, 1, float(p["eks_cluster_per_hour"]), hours, run_hours),
    ]
    rds = p["rds_postgresql_single_az_per_hour"]
    primary, replica = rds.get(t.db_instance_class), rds.get(t.db_replica_instance_class)
    # A Multi-AZ instance deployment bills the standby too: twice the Single-AZ price.
    primaries = t.db_shards * (2 if t.db_multi_az else 1)
    lines.append(_line("RDS primaries" + (" (Multi-AZ)" if t.db_multi_az else ""), t.db_instance_class, primaries,
                       primaries, primary and float(primary["usd"]), hours, primaries * run_hours))
    replicas = t.db_shards * t.db_replicas_per_shard
    lines.append(_line("RDS read replicas", t.db_replica_instance_class, replicas, replicas,
                       replica and float(replica["usd"]), hours, replicas * run_hours))
    proxy_price = None
    if primary is not None:
        # RDS Proxy bills the vCPUs of the instance it fronts (the primary), at least the minimum.
        proxy_price = float(p["rds_proxy_per_vcpu_hour"]) * max(int(primary["vcpus"]), int(p["rds_proxy_minimum_vcpus"]))
    lines.append(_line("RDS proxies", f"proxy for {t.db_instance_class}", t.db_shards, t.db_shards, proxy_price, hours,
                       t.db_shards * run_hours))
    cache_price = p["elasticache_per_node_hour"].get(t.cache_engine, {}).get(t.cache_node_type)
    lines.append(_line("cache nodes", f"{t.cache_node_type} ({t.cache_engine})", t.cache_nodes, t.cache_nodes,
                       cache_price, hours, t.cache_nodes * run_hours))
    broker_price = p["msk_broker_per_hour"].get(t.broker_instance_type)
    lines.append(_line("Kafka brokers", t.broker_instance_type, t.brokers, t.brokers, broker_price, hours,
                       t.brokers * run_hours))

    def total(key: str) -> Optional[float]:
        values = [line[key] for line in lines]
        return None if any(v is None for v in values) else round(sum(values), 2)

    return {"region": p["region"], "currency": p["currency"], "prices_recorded": p["recorded"],
            "price_table": prices.path.name, "stack_region": inputs.region,
            "tiers": lines, "run_usd": total("run_usd"), "monthly_usd_at_min": total("monthly_usd_at_min"),
            "monthly_usd_at_max": total("monthly_usd_at_max")}

"""Live audit: check a deployed stack against its configuration and the documented limits.

    python -m audit --stack prod [--json]

Resources are found by the house tags ``Project`` and ``Stack``; each service module checks what it
finds and reports missing and surplus resources. See the README section "Live audit".
"""

from __future__ import annotations

from typing import Callable, Iterable, Optional

from . import autoscaling, elasticache, elbv2, msk, rds
from .context import AuditContext
from .expectations import Expectations, load_expectations
from .findings import ERROR, WARNING, Finding, Report, render_table, to_json
from .session import Clients, SessionOptions, resolve_options

# Service name (as in --only) -> the module's audit function, in the order of the table.
SERVICES: dict[str, Callable[[AuditContext], None]] = {
    "autoscaling": autoscaling.audit,
    "elbv2": elbv2.audit,
    "rds": rds.audit,
    "elasticache": elasticache.audit,
    "msk": msk.audit,
}

__all__ = ["SERVICES", "AuditContext", "Clients", "ERROR", "WARNING", "Expectations", "Finding", "Report",
           "SessionOptions", "load_expectations", "render_table", "resolve_options", "run_audit", "to_json"]


def run_audit(expectations: Expectations, clients: Clients, services: Optional[Iterable[str]] = None) -> Report:
    """Run the checks of ``services`` (all by default) and return the report."""
    names = list(services) if services is not None else list(SERVICES)
    unknown = [n for n in names if n not in SERVICES]
    if unknown:
        raise ValueError(f"unknown service(s) {unknown}; expected some of {', '.join(SERVICES)}")
    report = Report(stack=expectations.stack, region=clients.region or "(no region)")
    ctx = AuditContext(expectations=expectations, clients=clients, report=report)
    for name in names:
        SERVICES[name](ctx)
    return report

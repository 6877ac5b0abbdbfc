"""Live audit: check a deployed stack against its configuration and the documented limits.

    python -m audit --stack prod [--json]

Resources are found by the house tags ``Project`` and ``Stack``; each service module checks what it
finds and reports missing and surplus resources. See the README section "Live audit".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Optional

from . import autoscaling, cloudwatch, eks, elasticache, elbv2, msk, rds, vpc
from .context import AuditContext
from .expectations import Expectations, load_expectations
from .findings import ERROR, NOTHING_FOUND_CHECK, WARNING, Finding, Report, render_table, to_json
from .session import Clients, SessionOptions, resolve_options

# Service name (as in --only) -> the module's audit function, in the order of the table.
SERVICES: dict[str, Callable[[AuditContext], None]] = {
    "vpc": vpc.audit,
    "autoscaling": autoscaling.audit,
    "elbv2": elbv2.audit,
    "rds": rds.audit,
    "elasticache": elasticache.audit,
    "msk": msk.audit,
    "eks": eks.audit,
    "cloudwatch": cloudwatch.audit,
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
    if ctx.count_checks and not report.found:
        report.add(nothing_found(expectations, clients, report))
    return report


def nothing_found(expectations: Expectations, clients: Clients, report: Report) -> Finding:
    """One finding that says what an empty result most likely means, instead of a row of zero counts."""
    tags = expectations.tag_text
    account = _account_id(clients)
    where = f"account {account}, region {report.region}" if account else f"region {report.region}"
    unreadable = [f for f in report.findings if str(f.expected).startswith("readable")]
    hint = (f"the credentials point at {where}. If the stack is deployed elsewhere, pass --region or --profile "
            f"(the region comes from --region, else AWS_REGION, else the stack's aws:region); check that the stack "
            f"is deployed (pulumi stack ls) and that its resources carry the tags {tags}.")
    if unreadable:
        hint += f" {len(unreadable)} call(s) were refused or failed (see the 'readable' findings): the caller may " \
                "lack tag:GetResources and the Describe permissions."
    return Finding(f"stack {expectations.stack}", NOTHING_FOUND_CHECK, f"resources tagged {tags}",
                   f"nothing tagged {tags} found in {report.region}", ERROR, hint=hint)


def _account_id(clients: Clients) -> Optional[str]:
    """The caller's account, for the hint only: any failure just leaves it out."""
    try:
        return clients("sts").get_caller_identity()["Account"]
    except Exception:
        return None

"""CloudWatch alarms and the dashboard of the stack (issue 14): every tier watched, every alarm with somewhere
to go when it fires and when it clears, a deliberate missing-data choice, and the dashboard present."""

from __future__ import annotations

import json

from components.naming import physical_name
from scaling_kit.limits import MESSAGING

from .context import AuditContext

SERVICE = "cloudwatch"
# stack/observability.py names the Alarms component "observability"; its dashboard is named after it
# (components/alarms.py: physical_name(name, 255, disallowed=[^a-z0-9_-]+)).
OBSERVABILITY_NAME = "observability"
DASHBOARD_NAME_MAX_LENGTH = 255
# The tiers the stack always alarms on (the Auto Scaling groups only exist with EC2 pools).
WATCHED_NAMESPACES = ("AWS/ApplicationELB", "AWS/RDS", "AWS/ElastiCache", "AWS/Kafka", "AWS/NATGateway")
MISSING_DATA_CHOICES = ("breaching", "notBreaching", "ignore", "missing")


def dashboard_name(project: str, stack: str) -> str:
    return physical_name(OBSERVABILITY_NAME, DASHBOARD_NAME_MAX_LENGTH, project=project, stack=stack,
                         disallowed=r"[^a-z0-9_-]+")


def audit(ctx: AuditContext) -> None:
    exp = ctx.expectations
    with ctx.guard(f"stack {exp.stack}", "CloudWatch alarms", "tag:GetResources, cloudwatch:DescribeAlarms"):
        names = sorted(arn.split(":alarm:", 1)[1] for arn in ctx.tagged_arns(SERVICE, lambda arn: ":alarm:" in arn))
        alarms = []
        for start in range(0, len(names), 100):   # DescribeAlarms takes at most 100 names
            alarms += ctx.paginate(SERVICE, "describe_alarms", "MetricAlarms", AlarmNames=names[start:start + 100])
        _check_coverage(ctx, alarms)
        for alarm in alarms:
            _check_alarm(ctx, alarm)
    _check_dashboard(ctx)


def _metric(alarm: dict) -> tuple[str, str]:
    """(namespace, metric) of an alarm; a metric-math alarm counts by the namespace of its first metric."""
    if alarm.get("Namespace"):
        return alarm["Namespace"], alarm.get("MetricName", "")
    for query in alarm.get("Metrics", []):
        stat = query.get("MetricStat", {}).get("Metric", {})
        if stat.get("Namespace"):
            return stat["Namespace"], stat.get("MetricName", "")
    return "", ""


def _dimension(alarm: dict, name: str) -> str:
    return next((d["Value"] for d in alarm.get("Dimensions", []) if d["Name"] == name), "")


def _check_coverage(ctx: AuditContext, alarms: list[dict]) -> None:
    scope = f"stack {ctx.expectations.stack}"
    ctx.report.found += len(alarms)
    ctx.count_checks += 1
    namespaces = {_metric(a)[0] for a in alarms}
    for namespace in WATCHED_NAMESPACES:
        ctx.check(scope, f"alarms on {namespace}", "at least one", "present" if namespace in namespaces else "none",
                  ok=namespace in namespaces)
    shards = ctx.settings.database.shard_count
    cpu = [a for a in alarms if _metric(a) == ("AWS/RDS", "CPUUtilization")]
    ctx.check(scope, "database CPU alarms (one per shard primary)", shards, len(cpu), ok=len(cpu) >= shards)
    group = MESSAGING.consumer_group
    lag = [a for a in alarms if _metric(a) == ("AWS/Kafka", "SumOffsetLag") and
           _dimension(a, "Consumer Group") == group]
    ctx.check(scope, f"consumer lag alarm ({group} on {MESSAGING.topic})", 1, len(lag), ok=len(lag) >= 1)


def _check_alarm(ctx: AuditContext, alarm: dict) -> None:
    resource = f"alarm/{alarm['AlarmName']}"
    ctx.check(resource, "actions enabled", True, alarm.get("ActionsEnabled"))
    # Notified when it fires and when it clears, both at the same place.
    ctx.check(resource, "alarm action", "at least one", alarm.get("AlarmActions") or "none",
              ok=bool(alarm.get("AlarmActions")))
    ctx.check(resource, "OK action", "the alarm's actions", alarm.get("OKActions") or "none",
              ok=bool(alarm.get("OKActions")) and set(alarm.get("OKActions", [])) == set(alarm.get("AlarmActions", [])))
    ctx.check(resource, "missing data treated deliberately", f"one of {', '.join(MISSING_DATA_CHOICES)}",
              alarm.get("TreatMissingData") or "unset", ok=alarm.get("TreatMissingData") in MISSING_DATA_CHOICES)


def _check_dashboard(ctx: AuditContext) -> None:
    exp = ctx.expectations
    name = dashboard_name(exp.project, exp.stack)
    resource = f"dashboard/{name}"
    with ctx.guard(resource, "dashboard", "cloudwatch:GetDashboard"):
        try:
            body = ctx.client(SERVICE).get_dashboard(DashboardName=name)["DashboardBody"]
        except ctx.client(SERVICE).exceptions.ResourceNotFound:
            ctx.check(resource, "dashboard", "present", "missing")
            return
        ctx.report.found += 1
        text = json.dumps(json.loads(body).get("widgets", []))
        missing = [n for n in WATCHED_NAMESPACES if f'"{n}"' not in text]
        ctx.check(resource, "dashboard tiers", "a widget for each of " + ", ".join(WATCHED_NAMESPACES),
                  "missing " + ", ".join(missing) if missing else "all present", ok=not missing)

"""EC2 Auto Scaling groups: bounds, health check, and IMDSv2 in the launch template.

The Resource Groups Tagging API does not list Auto Scaling groups (AWS documents GetResources as
unsupported for them), so groups are found with ``DescribeAutoScalingGroups`` tag filters instead.
"""

from __future__ import annotations

from typing import Any

from .context import AuditContext

SERVICE = "autoscaling"
# Groups that EKS creates for managed node groups belong to the Kubernetes tier, not to this check.
_EKS_NODEGROUP_TAG = "eks:nodegroup-name"


def _launch_template_specs(group: dict) -> list[dict]:
    if group.get("LaunchTemplate"):
        return [group["LaunchTemplate"]]
    mixed = (group.get("MixedInstancesPolicy") or {}).get("LaunchTemplate") or {}
    specs = [mixed["LaunchTemplateSpecification"]] if mixed.get("LaunchTemplateSpecification") else []
    specs += [o["LaunchTemplateSpecification"] for o in mixed.get("Overrides", [])
              if o.get("LaunchTemplateSpecification")]
    return specs


def _http_tokens(ctx: AuditContext, spec: dict) -> str:
    """HttpTokens of the template version the group launches from."""
    ident = {"LaunchTemplateId": spec["LaunchTemplateId"]} if spec.get("LaunchTemplateId") else \
        {"LaunchTemplateName": spec["LaunchTemplateName"]}
    # A group without a Version launches $Default.
    version = str(spec.get("Version") or "$Default")
    versions = ctx.paginate("ec2", "describe_launch_template_versions", "LaunchTemplateVersions",
                            Versions=[version], **ident)
    if not versions:
        return f"template version {version} not found"
    # Without MetadataOptions.HttpTokens, EC2 allows IMDSv1 (unless the AMI demands v2): treat as optional.
    return versions[0].get("LaunchTemplateData", {}).get("MetadataOptions", {}).get("HttpTokens", "optional")


def _check_imdsv2(ctx: AuditContext, resource: str, group: dict) -> None:
    specs = _launch_template_specs(group)
    if not specs:
        ctx.check(resource, "launch template", "a launch template",
                  f"launch configuration {group.get('LaunchConfigurationName')}" if
                  group.get("LaunchConfigurationName") else "none", ok=False)
        return
    for spec in specs:
        with ctx.guard(resource, "launch template IMDSv2 (HttpTokens)", "ec2:DescribeLaunchTemplateVersions"):
            ctx.check(resource, "launch template IMDSv2 (HttpTokens)", "required", _http_tokens(ctx, spec))


def audit(ctx: AuditContext) -> None:
    exp, cfg = ctx.expectations, ctx.settings.autoscaling
    with ctx.guard(f"stack {exp.stack}", "auto scaling groups", "autoscaling:DescribeAutoScalingGroups"):
        groups = [g for g in ctx.paginate(
            SERVICE, "describe_auto_scaling_groups", "AutoScalingGroups",
            Filters=[{"Name": f"tag:{f['Key']}", "Values": f["Values"]} for f in exp.tag_filters])
            if not any(t["Key"] == _EKS_NODEGROUP_TAG for t in g.get("Tags", []))]
        ctx.expect_count("auto scaling groups", 1,
                         [(f"asg/{g['AutoScalingGroupName']}", g["CreatedTime"]) for g in groups])
        for group in groups:
            _check_group(ctx, group, cfg)


def _check_group(ctx: AuditContext, group: dict, cfg: Any) -> None:
    resource = f"asg/{group['AutoScalingGroupName']}"
    ctx.check(resource, "min size", cfg.min_size, group["MinSize"])
    ctx.check(resource, "max size", cfg.max_size, group["MaxSize"])
    # Scaling owns the desired capacity after creation: only its bounds are the stack's business.
    ctx.check(resource, "desired capacity within configured bounds", f"{cfg.min_size}..{cfg.max_size}",
              group["DesiredCapacity"], ok=cfg.min_size <= group["DesiredCapacity"] <= cfg.max_size)
    types = [t.strip() for t in group.get("HealthCheckType", "").split(",")]
    ctx.check(resource, "health check type", ctx.expectations.health_check_type, group.get("HealthCheckType"),
              ok=ctx.expectations.health_check_type in types)
    ctx.check(resource, "health check grace period", cfg.health_check_grace_period_seconds,
              group.get("HealthCheckGracePeriod"))
    _check_imdsv2(ctx, resource, group)

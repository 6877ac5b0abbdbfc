"""VPC: the interface endpoints the workloads reach AWS through, the S3 gateway endpoint, and the flow log.

An interface endpoint deleted by hand (or one whose private DNS was turned off) does not fail loudly: the
pods' NetworkPolicy admits HTTPS only to the endpoints' subnets, so STS and Secrets Manager calls simply time
out. This check names the missing endpoint instead.
"""

from __future__ import annotations

from typing import Optional

from scaling_kit.aws_limits import endpoint_service

from .context import AuditContext

SERVICE = "ec2"
# States of an endpoint that no longer serves (or never will).
_GONE = frozenset({"deleting", "deleted", "rejected", "failed", "expired"})


def audit(ctx: AuditContext) -> None:
    exp = ctx.expectations
    with ctx.guard(f"stack {exp.stack}", "VPCs", "ec2:DescribeVpcs, ec2:DescribeVpcEndpoints, ec2:DescribeFlowLogs"):
        filters = [{"Name": f"tag:{f['Key']}", "Values": f["Values"]} for f in exp.tag_filters]
        vpcs = ctx.paginate(SERVICE, "describe_vpcs", "Vpcs", Filters=filters)
        # A VPC has no creation time to rank a surplus one by; its ID stands in.
        ctx.expect_count("VPCs", 1, [(f"vpc/{v['VpcId']}", v["VpcId"]) for v in vpcs])
        for vpc in vpcs:
            _check_vpc(ctx, vpc["VpcId"])


def _state(endpoint: Optional[dict]) -> str:
    if endpoint is None:
        return "none"
    state = str(endpoint.get("State", "?")).lower()
    if endpoint.get("VpcEndpointType") == "Interface" and not endpoint.get("PrivateDnsEnabled"):
        return f"{state}, private DNS off"
    return state


def _check_vpc(ctx: AuditContext, vpc_id: str) -> None:
    resource = f"vpc/{vpc_id}"
    region = ctx.client(SERVICE).meta.region_name
    endpoints: dict[str, dict] = {}
    for endpoint in ctx.paginate(SERVICE, "describe_vpc_endpoints", "VpcEndpoints",
                                 Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]):
        if str(endpoint.get("State", "")).lower() not in _GONE:
            endpoints[endpoint_service(endpoint.get("ServiceName", ""), region)] = endpoint
    for service in ctx.settings.network.interface_endpoints:
        found = endpoints.get(service)
        ok = (found is not None and found.get("VpcEndpointType") == "Interface"
              and bool(found.get("PrivateDnsEnabled")) and str(found.get("State", "")).lower() == "available")
        ctx.check(resource, f"interface endpoint {service}", "available, private DNS on", _state(found), ok=ok)
    s3 = endpoints.get("s3")
    ctx.check(resource, "S3 gateway endpoint", "Gateway", s3.get("VpcEndpointType") if s3 else "none")
    flow_logs = ctx.paginate(SERVICE, "describe_flow_logs", "FlowLogs",
                             Filters=[{"Name": "resource-id", "Values": [vpc_id]}])
    active = [f for f in flow_logs if f.get("FlowLogStatus") == "ACTIVE"]
    ctx.check(resource, "flow log", "ALL traffic, active",
              ", ".join(sorted(f"{f.get('TrafficType')} {f.get('FlowLogStatus', '').lower()}" for f in flow_logs))
              or "none",
              ok=any(f.get("TrafficType") == "ALL" for f in active))

"""Weighted backends are distinct pools: the design's nginx weights (5/5/3) split requests between
servers, so the target groups of one weighted forward action must never share a target."""

from __future__ import annotations

from typing import Any, Optional

from pulumi_policy.proxy import UnknownValueError

from .common import CRITICAL, UnknownCollector, depends_on, get, items, known_equal, label, of_type, stack_policy

LISTENER_TYPES = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
TARGET_GROUP_TYPES = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")
ASG = "aws:autoscaling/group:Group"
TARGET_GROUP_BINDING = "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"
ATTACHMENT_TYPES = ("aws:lb/targetGroupAttachment:TargetGroupAttachment",
                    "aws:alb/targetGroupAttachment:TargetGroupAttachment")


def _known(read) -> list:
    """Values ``read()`` returns, or none while they are unknown (a preview: links go by dependency then)."""
    try:
        return [v for v in read() if v not in (None, "")]
    except UnknownValueError:
        return []


def _weighted_groups(listener, groups) -> list:
    """Target groups of the listener's weighted forward action(s), linked by dependency or by known ARN."""
    actions = [a for a in items(get(listener.props, "defaultActions")) if get(a, "type") == "forward"]
    if sum(len(items(get(a, "forward", "targetGroups"))) for a in actions) < 2:
        return []
    arns = _known(lambda: [get(tg, "arn") for a in actions for tg in items(get(a, "forward", "targetGroups"))])
    # mypy cannot type a lambda whose default binds the loop value (known_equal calls it at once).
    return [g for g in groups if depends_on(listener, g, "defaultActions") or
            any(known_equal(lambda arn=arn: arn, g, "arn") for arn in arns)]  # type: ignore[misc]


def _registered_in(member, prop: str, weighted: list, read) -> set[str]:
    """URNs of the weighted groups a pool member registers in (by dependency or known ARN)."""
    found = {g.urn for g in weighted if depends_on(member, g, prop)}
    for value in _known(read):
        # mypy cannot type a lambda whose default binds the loop value (known_equal calls it at once).
        found |= {g.urn for g in weighted if known_equal(lambda v=value: v, g, "arn")}  # type: ignore[misc]
    return found


def _service(binding) -> Optional[str]:
    """The Service a TargetGroupBinding registers, as namespace/name; None without a service name (the CRD
    requires one; a binding without it is judged as a pool of its own instead of failing the policy)."""
    namespace = get(binding.props, "metadata", "namespace", default="")
    name = get(binding.props, "spec", "serviceRef", "name")
    return None if name is None else f"{namespace}/{name}"


def _pools(args) -> dict[str, tuple[Any, set[str]]]:
    """Pool identity -> (a resource to report, target groups it registers in)."""
    groups = of_type(args, *TARGET_GROUP_TYPES)
    weighted = [g for listener in of_type(args, *LISTENER_TYPES) for g in _weighted_groups(listener, groups)]
    pools: dict[str, tuple[object, set[str]]] = {}

    def add(key: str, member, registered: set[str]) -> None:
        first, known = pools.get(key, (member, set()))
        pools[key] = (first, known | registered)

    for asg in of_type(args, ASG):
        add(asg.urn, asg, _registered_in(asg, "targetGroupArns", weighted,
                                         lambda a=asg: items(get(a.props, "targetGroupArns"))))
    for binding in of_type(args, TARGET_GROUP_BINDING):
        # The pool is the Service's pods: two bindings of one Service are one pool.
        service = _known(lambda b=binding: [_service(b)])
        add(f"service:{service[0]}" if service else binding.urn, binding,
            _registered_in(binding, "spec", weighted, lambda b=binding: [get(b.props, "spec", "targetGroupARN")]))
    for attachment in of_type(args, *ATTACHMENT_TYPES):
        target = _known(lambda a=attachment: [get(a.props, "targetId")])
        add(f"target:{target[0]}" if target else attachment.urn, attachment,
            _registered_in(attachment, "targetGroupArn", weighted,
                           lambda a=attachment: [get(a.props, "targetGroupArn")]))
    return pools


def _distinct_pools(args, k, report):
    unknown = UnknownCollector()
    with unknown.guard():
        for _key, (member, registered) in sorted(_pools(args).items()):
            if len(registered) > 1:
                report(f"{label(member)} is registered in {len(registered)} target groups of one weighted forward "
                       "action: they share a pool, so their weights split nothing. Give each weighted target group "
                       "a pool of its own", member.urn)
    unknown.raise_first()


weighted_target_groups_distinct_pools = stack_policy(
    "aws-lb-weighted-target-groups-distinct-pools",
    "The target groups of a weighted forward action never share a pool (an Auto Scaling group, a Kubernetes "
    "Service or an instance), so the weights split requests between distinct pools as nginx's weights do.",
    _distinct_pools, severity=CRITICAL,
    remediation="Register each Auto Scaling group (target_group_arns) or TargetGroupBinding in one weighted "
                "target group only (scaling:lbBackendPlatforms names one pool per backend).")

POLICIES = [weighted_target_groups_distinct_pools]

"""aws-lb-weighted-target-groups-distinct-pools: compliant and violating layouts, in preview (linked by
dependencies, ARNs unknown) and with known ARNs."""

from policies import pools
from tests.policies import UNKNOWN, link, resource, run_stack

LISTENER, TG, ASG = "aws:lb/listener:Listener", "aws:lb/targetGroup:TargetGroup", "aws:autoscaling/group:Group"
TGB = "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"
ATTACHMENT = "aws:lb/targetGroupAttachment:TargetGroupAttachment"


def weighted_listener(*groups, arns=None):
    targets = [{"arn": arn, "weight": 5} for arn in (arns or [UNKNOWN] * len(groups))]
    listener = resource(LISTENER, "https", {"defaultActions": [{"type": "forward", "forward": {"targetGroups": targets}}]})
    return link(listener, "defaultActions", *groups)


def groups(n=3):
    return [resource(TG, f"tg-api{i + 1}", {"targetType": "instance"}) for i in range(n)]


def binding(name, service="ai-agent-system", arn=UNKNOWN):
    return resource(TGB, name, {"metadata": {"namespace": "ai-agent-system"},
                                "spec": {"serviceRef": {"name": service, "port": 80}, "targetGroupARN": arn}})


def test_one_pool_per_weighted_group_passes():
    tg1, tg2, tg3 = groups()
    asg1 = link(resource(ASG, "pool-api1", {"targetGroupArns": [UNKNOWN]}), "targetGroupArns", tg1)
    asg2 = link(resource(ASG, "pool-api2", {"targetGroupArns": [UNKNOWN]}), "targetGroupArns", tg2)
    eks = link(binding("api3"), "spec", tg3)
    assert run_stack(pools.weighted_target_groups_distinct_pools,
                     [weighted_listener(tg1, tg2, tg3), tg1, tg2, tg3, asg1, asg2, eks]) == []


def test_a_group_in_every_weighted_target_group_is_reported():
    tg1, tg2, tg3 = groups()
    shared = link(resource(ASG, "shared", {"targetGroupArns": [UNKNOWN] * 3}), "targetGroupArns", tg1, tg2, tg3)
    found = run_stack(pools.weighted_target_groups_distinct_pools, [weighted_listener(tg1, tg2, tg3), tg1, tg2, tg3,
                                                                    shared])
    assert [urn for _, urn in found] == [shared.urn]
    assert "registered in 3 target groups of one weighted forward action" in found[0][0]


def test_two_bindings_of_one_service_share_a_pool():
    tg1, tg2 = groups(2)
    a = link(binding("a"), "spec", tg1)
    b = link(binding("b"), "spec", tg2)
    found = run_stack(pools.weighted_target_groups_distinct_pools, [weighted_listener(tg1, tg2), tg1, tg2, a, b])
    assert [urn for _, urn in found] == [a.urn]
    # Bindings of two different Services are two pools.
    c = link(binding("c", service="other"), "spec", tg2)
    assert run_stack(pools.weighted_target_groups_distinct_pools, [weighted_listener(tg1, tg2), tg1, tg2, a, c]) == []


def test_known_arns_and_instance_attachments():
    tg1 = resource(TG, "tg1", {"arn": "arn:tg1"})
    tg2 = resource(TG, "tg2", {"arn": "arn:tg2"})
    listener = weighted_listener(arns=["arn:tg1", "arn:tg2"])
    in_both = [resource(ATTACHMENT, f"i-1-{n}", {"targetGroupArn": arn, "targetId": "i-1"})
               for n, arn in (("a", "arn:tg1"), ("b", "arn:tg2"))]
    found = run_stack(pools.weighted_target_groups_distinct_pools, [listener, tg1, tg2, *in_both])
    assert [urn for _, urn in found] == [in_both[0].urn]
    separate = [resource(ATTACHMENT, "i-1", {"targetGroupArn": "arn:tg1", "targetId": "i-1"}),
                resource(ATTACHMENT, "i-2", {"targetGroupArn": "arn:tg2", "targetId": "i-2"})]
    assert run_stack(pools.weighted_target_groups_distinct_pools, [listener, tg1, tg2, *separate]) == []


def test_a_single_target_group_forward_is_not_weighted():
    (tg1,) = groups(1)
    asg = link(resource(ASG, "asg", {"targetGroupArns": [UNKNOWN]}), "targetGroupArns", tg1)
    other = resource(TG, "unrelated", {})
    both = link(resource(ASG, "both", {"targetGroupArns": [UNKNOWN] * 2}), "targetGroupArns", tg1, other)
    assert run_stack(pools.weighted_target_groups_distinct_pools, [weighted_listener(tg1), tg1, other, asg, both]) == []

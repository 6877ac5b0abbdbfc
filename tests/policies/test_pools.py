"""aws-lb-weighted-target-groups-distinct-pools: compliant and violating layouts, in preview (linked by
dependencies, ARNs unknown) and with known ARNs."""

import pytest

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


# ---------------------------------------------------------------- whole messages and branches (issue 19, mutation)

def shared_message(resource_type, name, count):
    return (f"{resource_type} {name} is registered in {count} target groups of one weighted forward action: they "
            "share a pool, so their weights split nothing. Give each weighted target group a pool of its own")


def known_groups():
    return [resource(TG, f"tg{i}", {"arn": f"arn:tg{i}"}) for i in (1, 2)]


def known_listener(*actions):
    return resource(LISTENER, "https", {"defaultActions": list(actions)})


def forward(*arns, kind="forward"):
    return {"type": kind, "forward": {"targetGroups": [{"arn": arn, "weight": 5} for arn in arns]}}


def test_every_kind_of_pool_is_reported_whole_in_key_order():
    tg1, tg2 = known_groups()
    listener = known_listener(forward("arn:tg1", "arn:tg2"))
    asg = resource(ASG, "asg", {"targetGroupArns": ["arn:tg1", "arn:tg2"]})
    bindings = [binding("b1", arn="arn:tg1"), binding("b2", arn="arn:tg2")]
    attachments = [resource(ATTACHMENT, f"i-{n}", {"targetGroupArn": f"arn:tg{n}", "targetId": "i-1"}) for n in (1, 2)]
    # reported per pool, sorted by the pool's key: the Service, then the instance, then the group (by URN)
    found = run_stack(pools.weighted_target_groups_distinct_pools, [listener, tg1, tg2, asg, *bindings, *attachments])
    assert found == [(shared_message(TGB, "b1", 2), bindings[0].urn), (shared_message(ATTACHMENT, "i-1", 2),
                                                                        attachments[0].urn),
                     (shared_message(ASG, "asg", 2), asg.urn)]


def test_weighted_means_two_target_groups_across_the_forward_actions():
    tg1, tg2 = known_groups()
    asg = resource(ASG, "asg", {"targetGroupArns": ["arn:tg1", "arn:tg2"]})
    expected = [(shared_message(ASG, "asg", 2), asg.urn)]
    split = known_listener(forward("arn:tg1"), forward("arn:tg2"))
    assert run_stack(pools.weighted_target_groups_distinct_pools, [split, tg1, tg2, asg]) == expected
    # only forward actions count
    not_forward = known_listener(forward("arn:tg1"), forward("arn:tg2", kind="redirect"))
    assert run_stack(pools.weighted_target_groups_distinct_pools, [not_forward, tg1, tg2, asg]) == []
    single = known_listener(forward("arn:tg1"))
    assert run_stack(pools.weighted_target_groups_distinct_pools, [single, tg1, tg2, asg]) == []


def test_weighted_groups_are_linked_through_the_default_actions_only():
    tg1, tg2 = known_groups()
    tg3 = resource(TG, "tg3", {})
    # the listener takes something else from tg3 (not one of its weighted groups)
    listener = link(known_listener(forward("arn:tg1", "arn:tg2")), "certificateArn", tg3)
    asg = link(resource(ASG, "asg", {"targetGroupArns": [UNKNOWN, UNKNOWN]}), "targetGroupArns", tg1, tg3)
    assert run_stack(pools.weighted_target_groups_distinct_pools, [listener, tg1, tg2, tg3, asg]) == []


def test_registration_goes_through_the_registering_input_only():
    tg1, tg2 = known_groups()
    listener = known_listener(forward("arn:tg1", "arn:tg2"))
    # the group takes another input from tg2 (say a tag): it is registered in tg1 only
    asg = link(resource(ASG, "asg", {"targetGroupArns": ["arn:tg1"], "tags": UNKNOWN}), "tags", tg2)
    attachment = link(resource(ATTACHMENT, "att", {"targetGroupArn": "arn:tg1", "targetId": "i-1", "port": UNKNOWN}),
                      "port", tg2)
    other = link(resource(ATTACHMENT, "other", {"targetGroupArn": "arn:tg1", "targetId": "i-2",
                                                "availabilityZone": UNKNOWN}), "availabilityZone", tg2)
    assert run_stack(pools.weighted_target_groups_distinct_pools, [listener, tg1, tg2, asg, attachment, other]) == []


def test_members_without_a_known_identity_are_pools_of_their_own():
    tg1, tg2 = known_groups()
    listener = known_listener(forward("arn:tg1", "arn:tg2"))
    no_target = [resource(ATTACHMENT, f"a{n}", {"targetGroupArn": f"arn:tg{n}"}) for n in (1, 2)]
    unknown_target = [resource(ATTACHMENT, f"u{n}", {"targetGroupArn": f"arn:tg{n}", "targetId": UNKNOWN})
                      for n in (1, 2)]
    empty_target = [resource(ATTACHMENT, f"e{n}", {"targetGroupArn": f"arn:tg{n}", "targetId": ""}) for n in (1, 2)]
    unknown_service = [resource(TGB, f"s{n}", {"metadata": {"namespace": "ns"}, "spec": {
        "serviceRef": {"name": UNKNOWN}, "targetGroupARN": f"arn:tg{n}"}}) for n in (1, 2)]
    assert run_stack(pools.weighted_target_groups_distinct_pools,
                     [listener, tg1, tg2, *no_target, *unknown_target, *empty_target, *unknown_service]) == []


def test_bindings_of_one_service_in_another_namespace_are_another_pool():
    tg1, tg2 = known_groups()
    listener = known_listener(forward("arn:tg1", "arn:tg2"))
    here = binding("here", arn="arn:tg1")
    there = resource(TGB, "there", {"metadata": {"namespace": "other"}, "spec": {
        "serviceRef": {"name": "ai-agent-system"}, "targetGroupARN": "arn:tg2"}})
    assert run_stack(pools.weighted_target_groups_distinct_pools, [listener, tg1, tg2, here, there]) == []
    # no namespace is the same pool as another binding without one
    bare = [resource(TGB, f"bare{n}", {"spec": {"serviceRef": {"name": "web"}, "targetGroupARN": f"arn:tg{n}"}})
            for n in (1, 2)]
    assert run_stack(pools.weighted_target_groups_distinct_pools, [listener, tg1, tg2, *bare]) == [
        (shared_message(TGB, "bare1", 2), bare[0].urn)]


def test_unknown_default_actions_raise_for_the_preview_note():
    from pulumi_policy import StackValidationArgs
    from pulumi_policy.proxy import UnknownValueError
    tg1, tg2 = known_groups()
    found = []
    with pytest.raises(UnknownValueError):
        pools.weighted_target_groups_distinct_pools.validate(
            StackValidationArgs([resource(LISTENER, "l", {"defaultActions": UNKNOWN}), tg1, tg2], {}),
            lambda message, urn=None: found.append(message))
    assert found == []


def test_a_binding_without_a_service_name_is_a_pool_of_its_own():
    # the CRD requires spec.serviceRef.name; without it the policy used to fail with a TypeError
    tg1, tg2 = known_groups()
    listener = known_listener(forward("arn:tg1", "arn:tg2"))
    nameless = [resource(TGB, f"n{n}", {"metadata": {"namespace": "ns"}, "spec": {"targetGroupARN": f"arn:tg{n}"}})
                for n in (1, 2)]
    assert run_stack(pools.weighted_target_groups_distinct_pools, [listener, tg1, tg2, *nameless]) == []
    both = resource(TGB, "both", {"spec": {"targetGroupARN": "arn:tg1"}})
    twice = link(both, "spec", tg2)
    assert run_stack(pools.weighted_target_groups_distinct_pools, [listener, tg1, tg2, twice]) == [
        (shared_message(TGB, "both", 2), twice.urn)]


def test_preview_links_register_through_the_registering_input_only():
    tg1, tg2 = known_groups()
    listener = known_listener(forward("arn:tg1", "arn:tg2"))
    # ARNs unknown in a preview: each member registers by its dependency on the group
    attachments = [link(resource(ATTACHMENT, f"i-{n}", {"targetGroupArn": UNKNOWN, "targetId": "i-1"}),
                        "targetGroupArn", group) for n, group in ((1, tg1), (2, tg2))]
    assert run_stack(pools.weighted_target_groups_distinct_pools, [listener, tg1, tg2, *attachments]) == [
        (shared_message(ATTACHMENT, "i-1", 2), attachments[0].urn)]
    # a binding that takes its metadata (say a label) from tg2 is registered in tg1 only
    labelled = link(binding("b", arn="arn:tg1"), "metadata", tg2)
    assert run_stack(pools.weighted_target_groups_distinct_pools, [listener, tg1, tg2, labelled]) == []


def test_an_empty_namespace_is_the_same_pool_as_none():
    # Kubernetes reads metadata.namespace "" as unset: both bindings are in the provider's namespace
    tg1, tg2 = known_groups()
    listener = known_listener(forward("arn:tg1", "arn:tg2"))
    unset = resource(TGB, "unset", {"spec": {"serviceRef": {"name": "web"}, "targetGroupARN": "arn:tg1"}})
    empty = resource(TGB, "empty", {"metadata": {"namespace": ""},
                                    "spec": {"serviceRef": {"name": "web"}, "targetGroupARN": "arn:tg2"}})
    assert run_stack(pools.weighted_target_groups_distinct_pools, [listener, tg1, tg2, unset, empty]) == [
        (shared_message(TGB, "unset", 2), unset.urn)]

import pytest
from pulumi_policy import StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from policies import stack_rules
from tests.policies import UNKNOWN, link, resource, run_stack

LB, ASSOC = "aws:lb/loadBalancer:LoadBalancer", "aws:wafv2/webAclAssociation:WebAclAssociation"
ASG, ATTACH = "aws:autoscaling/group:Group", "aws:autoscaling/attachment:Attachment"
DB, HPA, DEP = ("aws:rds/instance:Instance", "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
                "kubernetes:apps/v1:Deployment")


def urns(found):
    return [urn for _, urn in found]


# --- WAF association ---
def test_internet_facing_alb_with_association_passes():
    lb = resource(LB, "alb", {"internal": False, "loadBalancerType": "application"})
    assoc = link(resource(ASSOC, "waf", {"resourceArn": UNKNOWN, "webAclArn": UNKNOWN}), "resourceArn", lb)
    assert run_stack(stack_rules.alb_waf_association, [lb, assoc]) == []


def test_internet_facing_alb_without_association_is_reported():
    lb = resource(LB, "alb", {"internal": False})
    other = resource(LB, "other", {"internal": False})
    assoc = link(resource(ASSOC, "waf", {"resourceArn": UNKNOWN}), "resourceArn", other)
    assert urns(run_stack(stack_rules.alb_waf_association, [lb, other, assoc])) == [lb.urn]


def test_internal_alb_and_known_arn_match():
    internal = resource(LB, "int", {"internal": True})
    known = resource(LB, "alb", {"arn": "arn:aws:elasticloadbalancing:alb"})  # internal missing: internet-facing
    assoc = resource(ASSOC, "waf", {"resourceArn": "arn:aws:elasticloadbalancing:alb"})
    assert run_stack(stack_rules.alb_waf_association, [internal, known, assoc]) == []


# --- ASG attached to target groups ---
def test_attached_group_with_elb_health_check_passes():
    asg = resource(ASG, "asg", {"targetGroupArns": [UNKNOWN], "healthCheckType": "ELB"})
    assert run_stack(stack_rules.asg_elb_health_check, [asg]) == []


def test_attached_group_with_ec2_health_check_is_reported():
    inline = resource(ASG, "inline", {"targetGroupArns": [UNKNOWN], "healthCheckType": "EC2"})
    separate = resource(ASG, "separate", {})  # healthCheckType missing: EC2
    attachment = link(resource(ATTACH, "att", {"autoscalingGroupName": UNKNOWN, "lbTargetGroupArn": UNKNOWN}),
                      "autoscalingGroupName", separate)
    lonely = resource(ASG, "lonely", {"healthCheckType": "EC2"})
    assert urns(run_stack(stack_rules.asg_elb_health_check, [inline, separate, attachment, lonely])) == \
        [inline.urn, separate.urn]


# --- read replicas and shard count ---
def shards(count, replicas):
    resources = []
    for i in range(count):
        primary = resource(DB, f"p{i}", {"identifier": f"p{i}"})
        resources.append(primary)
        for j in range(replicas):
            resources.append(link(resource(DB, f"p{i}-r{j}", {"replicateSourceDb": UNKNOWN}),
                                  "replicateSourceDb", primary))
    return resources


def test_primaries_with_their_replicas_pass():
    assert run_stack(stack_rules.rds_read_replicas, shards(2, 2)) == []


def test_primary_short_of_replicas_is_reported():
    resources = shards(2, 2)
    lonely = resource(DB, "lonely", {"identifier": "lonely"})
    known = resource(DB, "lonely-r0", {"replicateSourceDb": "lonely"})  # linked by known identifier
    found = run_stack(stack_rules.rds_read_replicas, resources + [lonely, known])
    assert urns(found) == [lonely.urn] and "has 1 read replica" in found[0][0]


def test_missing_replicas_with_dev_knob():
    assert run_stack(stack_rules.rds_read_replicas, shards(1, 1), {"minReplicas": 1}) == []
    assert run_stack(stack_rules.rds_read_replicas, shards(1, 0), {"minReplicas": 1})


def test_shard_count():
    assert run_stack(stack_rules.rds_shard_count, shards(16, 2)) == []
    found = run_stack(stack_rules.rds_shard_count, shards(2, 1))
    assert len(found) == 1 and "2 primary" in found[0][0] and found[0][1] is None
    assert run_stack(stack_rules.rds_shard_count, shards(2, 1), {"shardCount": 2}) == []
    assert run_stack(stack_rules.rds_shard_count, []) == []  # no database tier in this stack


# --- HPA target ---
def hpa(name="ai-agent-system", kind="Deployment"):
    return resource(HPA, "hpa", {"metadata": {"name": name}, "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": name}, "minReplicas": 2.0,
        "maxReplicas": 50.0}})


def deployment(replicas=None, name="ai-agent-system"):
    spec = {"selector": {"matchLabels": {"app": "a"}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return resource(DEP, "dep", {"metadata": {"name": name}, "spec": spec})


def test_hpa_with_its_deployment_passes():
    assert run_stack(stack_rules.hpa_target_deployment, [hpa(), deployment()]) == []


def test_deployment_that_sets_replicas_is_reported():
    dep = deployment(replicas=3.0)
    assert urns(run_stack(stack_rules.hpa_target_deployment, [hpa(), dep])) == [dep.urn]


def test_missing_deployment_is_reported():
    autoscaler = hpa()
    found = run_stack(stack_rules.hpa_target_deployment, [autoscaler, deployment(name="other")])
    assert urns(found) == [autoscaler.urn] and "does not declare" in found[0][0]


def test_deployment_linked_by_dependency_when_its_name_is_unknown():
    dep = resource(DEP, "dep", {"metadata": {"name": UNKNOWN}, "spec": {}})
    autoscaler = link(resource(HPA, "hpa", {"spec": {"scaleTargetRef": {"kind": "Deployment", "name": UNKNOWN}}}),
                      "spec", dep)
    assert run_stack(stack_rules.hpa_target_deployment, [autoscaler, dep]) == []


def test_hpa_on_another_kind_is_reported():
    assert run_stack(stack_rules.hpa_target_deployment, [hpa(kind="StatefulSet"), deployment()])


# ---------------------------------------------------------------- whole messages and branches (issue 19, mutation)

WAF_TAIL = " is internet-facing and has no WAF web ACL association, so the rate limit and managed rules do not apply to it"


def test_waf_message_is_whole_and_names_the_load_balancer():
    lb = resource(LB, "alb", {})
    assert run_stack(stack_rules.alb_waf_association, [lb]) == [(f"{LB} alb{WAF_TAIL}", lb.urn)]


def test_waf_skips_internal_and_non_application_load_balancers_only():
    internal = resource(LB, "int", {"internal": "true"})  # pulumi-aws sends some booleans as strings
    network = resource(LB, "nlb", {"loadBalancerType": "network"})
    public = resource(LB, "pub", {"internal": False, "loadBalancerType": "application"})
    classic_alb = resource("aws:alb/loadBalancer:LoadBalancer", "old", {"internal": "false"})
    found = run_stack(stack_rules.alb_waf_association, [internal, network, public, classic_alb])
    assert found == [(f"{LB} pub{WAF_TAIL}", public.urn),
                     (f"aws:alb/loadBalancer:LoadBalancer old{WAF_TAIL}", classic_alb.urn)]


def test_waf_association_counts_only_through_its_resource_arn():
    lb = resource(LB, "alb", {"arn": "arn:lb", "id": "lb-id"})
    # linked through another input, or naming the load balancer's id instead of its ARN: not an association of it
    by_acl = link(resource(ASSOC, "waf", {"webAclArn": UNKNOWN}), "webAclArn", lb)
    by_id = resource(ASSOC, "waf2", {"resourceArn": "lb-id"})
    assert run_stack(stack_rules.alb_waf_association, [lb, by_acl, by_id]) == [(f"{LB} alb{WAF_TAIL}", lb.urn)]


def test_waf_judges_every_load_balancer_then_raises_the_first_unknown():
    undecided = resource(LB, "undecided", {"internal": UNKNOWN})
    lb = resource(LB, "alb", {})
    found = []
    with pytest.raises(UnknownValueError):
        stack_rules.alb_waf_association.validate(StackValidationArgs([undecided, lb], {}),
                                                 lambda message, urn=None: found.append((message, urn)))
    assert found == [(f"{LB} alb{WAF_TAIL}", lb.urn)]


def ec2_checks(name, check="EC2"):
    return (f"{ASG} {name} receives load balancer traffic but uses {check} health checks: instances the load "
            "balancer marks unhealthy would never be replaced")


def test_asg_attached_by_any_inline_list_or_attachment_is_judged():
    groups = [resource(ASG, "tg", {"targetGroupArns": ["arn:tg"]}),
              resource(ASG, "ts", {"trafficSources": [{"identifier": "arn:tg"}], "healthCheckType": "EC2"}),
              resource(ASG, "clb", {"loadBalancers": ["classic"]}),
              resource(ASG, "unknown-list", {"targetGroupArns": UNKNOWN}),
              resource(ASG, "by-name", {"name": "web"}),
              resource(ASG, "by-id", {"id": "web-id"}),
              resource(ASG, "empty", {"targetGroupArns": [], "trafficSources": None, "loadBalancers": []}),
              resource(ASG, "other-input", {}),
              resource(ASG, "elb", {"targetGroupArns": ["arn:tg"], "healthCheckType": "ELB"})]
    by_name = resource(ATTACH, "a1", {"autoscalingGroupName": "web"})
    by_id = resource("aws:autoscaling/trafficSourceAttachment:TrafficSourceAttachment", "a2",
                     {"autoscalingGroupName": "web-id"})
    # an attachment that only takes another input from the group does not attach it
    other = link(resource(ATTACH, "a3", {"lbTargetGroupArn": UNKNOWN}), "lbTargetGroupArn", groups[7])
    found = run_stack(stack_rules.asg_elb_health_check, [*groups, by_name, by_id, other])
    assert found == [(ec2_checks(g.name), g.urn) for g in groups[:6]]


def test_asg_message_names_the_configured_health_check():
    asg = resource(ASG, "asg", {"targetGroupArns": ["arn:tg"], "healthCheckType": "NONE"})
    assert run_stack(stack_rules.asg_elb_health_check, [asg]) == [(ec2_checks("asg", "NONE"), asg.urn)]


def test_asg_judges_every_group_then_raises_the_first_unknown():
    undecided = resource(ASG, "undecided", {"targetGroupArns": ["arn:tg"], "healthCheckType": UNKNOWN})
    asg = resource(ASG, "asg", {"targetGroupArns": ["arn:tg"]})
    found = []
    with pytest.raises(UnknownValueError):
        stack_rules.asg_elb_health_check.validate(StackValidationArgs([undecided, asg], {}),
                                                  lambda message, urn=None: found.append((message, urn)))
    assert found == [(ec2_checks("asg"), asg.urn)]


def replica_message(name, count, minimum=2):
    return f"{DB} {name} has {count} read replica(s); every primary has at least {minimum}"


def test_replicas_link_by_identifier_arn_or_id():
    by_arn = resource(DB, "a", {"identifier": "a", "arn": "arn:a"})
    by_id = resource(DB, "b", {"identifier": "b", "id": "db-b"})
    replicas = [resource(DB, "a-r0", {"replicateSourceDb": "arn:a"}), resource(DB, "a-r1", {"replicateSourceDb": "a"}),
                resource(DB, "b-r0", {"replicateSourceDb": "db-b"})]
    found = run_stack(stack_rules.rds_read_replicas, [by_arn, by_id, *replicas])
    assert found == [(replica_message("b", 1), by_id.urn)]


CLUSTER, MEMBER = "aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance"


def test_aurora_cluster_members_but_the_writer_are_its_replicas():
    full = resource(CLUSTER, "full", {"clusterIdentifier": "full"})
    short = resource(CLUSTER, "short", {"clusterIdentifier": "short", "id": "short-id"})
    secondary = resource(CLUSTER, "secondary", {"clusterIdentifier": "sec", "replicationSourceIdentifier": "arn:x"})
    members = [resource(MEMBER, f"full-{i}", {"clusterIdentifier": "full"}) for i in range(3)]
    members += [resource(MEMBER, "short-0", {"clusterIdentifier": "short-id"}),
                link(resource(MEMBER, "short-1", {"clusterIdentifier": UNKNOWN}), "clusterIdentifier", short)]
    found = run_stack(stack_rules.rds_read_replicas, [full, short, secondary, *members])
    assert found == [(f"{CLUSTER} short has 1 read replica(s); every primary has at least 2", short.urn)]
    # the secondary (a replica of another region's cluster) is not a shard
    assert [p.name for p, _ in stack_rules.primaries_and_replicas(StackValidationArgs(
        [full, short, secondary, *members], {}))] == ["full", "short"]


def test_shard_count_message_is_whole_and_has_no_urn():
    assert run_stack(stack_rules.rds_shard_count, shards(3, 0), {"shardCount": 4}) == [
        ("the stack declares 3 primary database(s); the sharding strategy routes userId % 4, so it needs exactly 4 "
         "shards", None)]
    assert run_stack(stack_rules.rds_shard_count, shards(1, 0), {"shardCount": 1}) == []


def missing_message(name, namespace="default"):
    return (f"{HPA} hpa targets Deployment {name!r} in {namespace!r}, which this stack does not declare")


REPLICAS_TAIL = " owns its replica count: every deployment would reset the scale"


def test_hpa_messages_are_whole():
    dep = deployment(replicas=3.0)
    assert run_stack(stack_rules.hpa_target_deployment, [hpa(), dep]) == [
        (f"{DEP} dep sets spec.replicas although {HPA} hpa{REPLICAS_TAIL}", dep.urn)]
    autoscaler = hpa()
    assert run_stack(stack_rules.hpa_target_deployment, [autoscaler, deployment(name="other")]) == [
        (missing_message("ai-agent-system"), autoscaler.urn)]
    on_set = hpa(kind="StatefulSet")
    assert run_stack(stack_rules.hpa_target_deployment, [on_set, deployment()]) == [
        (f"{HPA} hpa scales a 'StatefulSet'; the design's HPA scales a Deployment", on_set.urn)]
    bare = resource(HPA, "hpa", {"spec": {}})
    assert run_stack(stack_rules.hpa_target_deployment, [bare]) == [
        (f"{HPA} hpa scales a None; the design's HPA scales a Deployment", bare.urn)]


def test_hpa_of_another_kind_does_not_stop_the_next_one():
    on_set = resource(HPA, "set", {"spec": {"scaleTargetRef": {"kind": "StatefulSet", "name": "s"}}})
    lost = resource("kubernetes:autoscaling/v2beta2:HorizontalPodAutoscaler", "hpa",
                    {"spec": {"scaleTargetRef": {"kind": "Deployment", "name": "gone"}}})
    found = run_stack(stack_rules.hpa_target_deployment, [on_set, lost])
    assert found == [(f"{HPA} set scales a 'StatefulSet'; the design's HPA scales a Deployment", on_set.urn),
                     ("kubernetes:autoscaling/v2beta2:HorizontalPodAutoscaler hpa targets Deployment 'gone' in "
                      "'default', which this stack does not declare", lost.urn)]


def namespaced_hpa(namespace=None):
    metadata = {"name": "web"} if namespace is None else {"name": "web", "namespace": namespace}
    return resource(HPA, "hpa", {"metadata": metadata, "spec": {"scaleTargetRef": {"kind": "Deployment",
                                                                                   "name": "web"}}})


def namespaced_deployment(namespace=None, name="web", replicas=None, resource_name="dep"):
    metadata = {"name": name} if namespace is None else {"name": name, "namespace": namespace}
    spec = {} if replicas is None else {"replicas": replicas}
    return resource(DEP, resource_name, {"metadata": metadata, "spec": spec})


@pytest.mark.parametrize("hpa_namespace, deployment_namespace, matched", [
    (None, None, True), (None, "default", True), ("default", None, True), ("prod", "prod", True),
    ("prod", None, False), (None, "prod", False),
])
def test_hpa_and_deployment_match_in_the_same_namespace(hpa_namespace, deployment_namespace, matched):
    autoscaler = namespaced_hpa(hpa_namespace)
    found = run_stack(stack_rules.hpa_target_deployment, [autoscaler, namespaced_deployment(deployment_namespace)])
    assert found == ([] if matched else [(missing_message("web", hpa_namespace or "default"), autoscaler.urn)])


def test_hpa_takes_the_first_matching_deployment():
    # the first match (by dependency or by name) is the target; a later one with replicas is not judged
    first = namespaced_deployment(resource_name="first")
    second = namespaced_deployment(replicas=2.0, resource_name="second")
    assert run_stack(stack_rules.hpa_target_deployment, [namespaced_hpa(), first, second]) == []
    linked_first = resource(DEP, "linked", {"metadata": {"name": UNKNOWN}, "spec": {}})
    autoscaler = link(namespaced_hpa(), "spec", linked_first)
    assert run_stack(stack_rules.hpa_target_deployment, [autoscaler, linked_first, second]) == []


def test_deployment_with_unknown_name_is_skipped_not_fatal():
    undecided = namespaced_deployment(name=UNKNOWN, resource_name="undecided")
    target = namespaced_deployment(replicas=1.0, resource_name="target")
    assert run_stack(stack_rules.hpa_target_deployment, [namespaced_hpa(), undecided, target]) == [
        (f"{DEP} target sets spec.replicas although {HPA} hpa{REPLICAS_TAIL}", target.urn)]


def test_deployment_without_spec_leaves_the_replicas_to_the_hpa():
    bare = resource(DEP, "dep", {"metadata": {"name": "web"}})
    assert run_stack(stack_rules.hpa_target_deployment, [namespaced_hpa(), bare]) == []


def test_hpa_judges_every_autoscaler_then_raises_the_first_unknown():
    undecided = resource(HPA, "undecided", {"spec": {"scaleTargetRef": UNKNOWN}})
    autoscaler = namespaced_hpa()
    found = []
    with pytest.raises(UnknownValueError):
        stack_rules.hpa_target_deployment.validate(StackValidationArgs([undecided, autoscaler], {}),
                                                   lambda message, urn=None: found.append((message, urn)))
    assert found == [(missing_message("web"), autoscaler.urn)]


def test_deployment_linked_by_dependency_is_judged_for_its_replicas():
    dep = resource(DEP, "dep", {"metadata": {"name": UNKNOWN}, "spec": {"replicas": 3.0}})
    autoscaler = link(resource(HPA, "hpa", {"spec": {"scaleTargetRef": {"kind": "Deployment", "name": UNKNOWN}}}),
                      "spec", dep)
    assert run_stack(stack_rules.hpa_target_deployment, [autoscaler, dep]) == [
        (f"{DEP} dep sets spec.replicas although {HPA} hpa{REPLICAS_TAIL}", dep.urn)]

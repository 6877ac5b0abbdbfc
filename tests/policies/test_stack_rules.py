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

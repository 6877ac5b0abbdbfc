"""Rules across resources: WAF on every internet-facing ALB, ELB health checks on attached groups,
replicas for every primary database, the documented shard count, and HPA targets that exist."""

from __future__ import annotations

import functools

from pulumi_policy.proxy import UnknownValueError

from scaling_kit.limits import AUTO_SCALING, DATABASE

from .common import (
    CRITICAL,
    HIGH,
    MEDIUM,
    UnknownCollector,
    as_bool,
    depends_on,
    get,
    has,
    integer,
    known_equal,
    label,
    linked_sources,
    of_type,
    schema,
    stack_policy,
)

LOAD_BALANCER_TYPES = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
WAF_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
ASG = "aws:autoscaling/group:Group"
ASG_ATTACHMENTS = ("aws:autoscaling/attachment:Attachment",
                   "aws:autoscaling/trafficSourceAttachment:TrafficSourceAttachment")
RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
HPA_TYPES = ("kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
             "kubernetes:autoscaling/v2beta2:HorizontalPodAutoscaler")
DEPLOYMENT = "kubernetes:apps/v1:Deployment"


def _nonempty(props, key) -> bool:
    """Whether a list input is set and not known to be empty (an unknown list counts as set)."""
    if not has(props, key):
        return False
    try:
        value = props[key]
    except UnknownValueError:
        return True
    return value is not None and len(value) > 0


def _waf_association(args, k, report):
    unknown = UnknownCollector()
    associations = of_type(args, WAF_ASSOCIATION)
    for lb in of_type(args, *LOAD_BALANCER_TYPES):
        with unknown.guard():
            if as_bool(get(lb.props, "internal")) is True or \
                    get(lb.props, "loadBalancerType", default="application") != "application":
                continue
            if not any(depends_on(a, lb, "resourceArn") or
                       known_equal(functools.partial(get, a.props, "resourceArn"), lb, "arn") for a in associations):
                report(f"{label(lb)} is internet-facing and has no WAF web ACL association, so the rate limit "
                       "and managed rules do not apply to it", lb.urn)
    unknown.raise_first()


alb_waf_association = stack_policy(
    "aws-alb-load-balancer-waf-association",
    "Every internet-facing application load balancer is protected by a WAF web ACL.",
    _waf_association, severity=CRITICAL,
    remediation="Declare aws.wafv2.WebAclAssociation(resource_arn=alb.arn, web_acl_arn=web_acl.arn).")


def _attached(asg, attachments) -> bool:
    if _nonempty(asg.props, "targetGroupArns") or _nonempty(asg.props, "trafficSources") or \
            _nonempty(asg.props, "loadBalancers"):
        return True
    return any(depends_on(a, asg, "autoscalingGroupName") or
               known_equal(functools.partial(get, a.props, "autoscalingGroupName"), asg, "name", "id")
               for a in attachments)


def _asg_elb_health_check(args, k, report):
    unknown = UnknownCollector()
    attachments = of_type(args, *ASG_ATTACHMENTS)
    for asg in of_type(args, ASG):
        with unknown.guard():
            if _attached(asg, attachments):
                check = get(asg.props, "healthCheckType", default="EC2")
                if check != "ELB":
                    report(f"{label(asg)} receives load balancer traffic but uses {check} health checks: instances "
                           "the load balancer marks unhealthy would never be replaced", asg.urn)
    unknown.raise_first()


asg_elb_health_check = stack_policy(
    "aws-autoscaling-group-attached-elb-health-check",
    "Every Auto Scaling group attached to a load balancer uses ELB health checks.",
    _asg_elb_health_check, severity=HIGH,
    remediation=f"Set health_check_type='{AUTO_SCALING.health_check_type}' on groups with target_group_arns "
                "or an aws.autoscaling.Attachment.")


def primaries_and_replicas(args):
    """[(primary, replicas)] for RDS instances (replicateSourceDb) and Aurora clusters (members - 1)."""
    instances = of_type(args, RDS_INSTANCE)
    primaries = [i for i in instances if not has(i.props, "replicateSourceDb")]
    replicas = [i for i in instances if has(i.props, "replicateSourceDb")]
    # Indexed links (common.linked_sources), not every replica against every primary: linear in the stack.
    result = list(zip(primaries, linked_sources(replicas, primaries, "replicateSourceDb", "identifier", "arn", "id"),
                      strict=True))
    members = of_type(args, RDS_CLUSTER_INSTANCE)
    clusters = [c for c in of_type(args, RDS_CLUSTER) if not has(c.props, "replicationSourceIdentifier")]
    for cluster, mine in zip(clusters, linked_sources(members, clusters, "clusterIdentifier", "clusterIdentifier",
                                                      "id"), strict=True):
        result.append((cluster, mine[1:]))  # one member is the writer
    return result


def _read_replicas(args, k, report):
    for primary, replicas in primaries_and_replicas(args):
        if len(replicas) < k["minReplicas"]:
            report(f"{label(primary)} has {len(replicas)} read replica(s); every primary has at least "
                   f"{k['minReplicas']}", primary.urn)


rds_read_replicas = stack_policy(
    "aws-rds-instance-read-replicas",
    "Every primary database has its read replicas (master-replica setup).",
    _read_replicas, severity=HIGH,
    remediation="Declare aws.rds.Instance(replicate_source_db=primary.identifier, ...) per replica "
                "(scaling:dbReplicaCount).",
    config_schema=schema(minReplicas=integer(DATABASE.min_read_replicas_prod, "Fewest replicas per primary.")))


def _shard_count(args, k, report):
    primaries = [p for p, _ in primaries_and_replicas(args)]
    if primaries and len(primaries) != k["shardCount"]:
        report(f"the stack declares {len(primaries)} primary database(s); the sharding strategy routes "
               f"userId % {k['shardCount']}, so it needs exactly {k['shardCount']} shards")


rds_shard_count = stack_policy(
    "aws-rds-instance-shard-count",
    f"The database tier has exactly the documented number of shards (shardCount {DATABASE.shard_count}).",
    _shard_count, severity=HIGH,
    remediation=f"Set scaling:dbShardCount to {DATABASE.shard_count}; changing it re-maps keys and needs a data migration.",
    config_schema=schema(shardCount=integer(DATABASE.shard_count, "Number of primary databases (shards).", 1)))


def _name_and_namespace(props):
    return get(props, "metadata", "name"), get(props, "metadata", "namespace", default="default")


def _hpa_target(args, k, report):
    unknown = UnknownCollector()
    deployments = of_type(args, DEPLOYMENT)
    for hpa in of_type(args, *HPA_TYPES):
        with unknown.guard():
            ref = get(hpa.props, "spec", "scaleTargetRef")
            kind = get(ref, "kind")
            if kind != "Deployment":
                report(f"{label(hpa)} scales a {kind!r}; the design's HPA scales a Deployment", hpa.urn)
                continue
            namespace = get(hpa.props, "metadata", "namespace", default="default")
            target = None
            for deployment in deployments:
                if depends_on(hpa, deployment):
                    target = deployment
                    break
                try:
                    if _name_and_namespace(deployment.props) == (get(ref, "name"), namespace):
                        target = deployment
                        break
                except UnknownValueError:
                    continue
            if target is None:
                report(f"{label(hpa)} targets Deployment {get(ref, 'name')!r} in {namespace!r}, which this stack "
                       "does not declare", hpa.urn)
            elif has(get(target.props, "spec") or {}, "replicas"):
                report(f"{label(target)} sets spec.replicas although {label(hpa)} owns its replica count: every "
                       "deployment would reset the scale", target.urn)
    unknown.raise_first()


hpa_target_deployment = stack_policy(
    "kubernetes-hpa-target-deployment",
    "Every HPA targets a Deployment of the stack, and that Deployment leaves spec.replicas to the HPA.",
    _hpa_target, severity=MEDIUM,
    remediation="Point scaleTargetRef at the Deployment (metadata.name = deployment.metadata.name) and remove "
                "spec.replicas from the Deployment.")

POLICIES = [alb_waf_association, asg_elb_health_check, rds_read_replicas, rds_shard_count, hpa_target_deployment]

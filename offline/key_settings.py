"""The settings a reviewer checks first, per resource type, for the text preview.

``KEY_SETTINGS`` maps a type token to an ordered list of ``(label, getter)`` pairs. A getter is a path
into the resource's inputs (engine, camelCase names) or a function of the inputs:

* ``"brokerNodeGroupInfo.instanceType"`` - dotted path; ``containers[*].image`` maps over a list;
* ``("metadata", "annotations", "eks.amazonaws.com/role-arn")`` - a tuple when a key holds dots;
* ``lambda inputs: ...`` - for what needs combining (a WAF rule, HPA metrics, a security group rule).

A setting whose value is absent is left out, so one table serves dev and prod.

Types whose inputs are only references to other resources (ids and ARNs known after apply) are listed in
``IDENTITY_ONLY``: the preview deliberately shows no setting for them. A type in neither table (a
program other than this project's) falls back to ``FALLBACK_COUNT`` scalar inputs in alphabetical order,
which is what ``tests/tools/test_preview_text.py`` keeps from happening to this project's own types.

Values are made one line and short by ``summarize``: the tree never breaks on a multi-line value and no
line of the preview exceeds ``LINE_WIDTH`` columns.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, Union

LINE_WIDTH = 120
UNKNOWN_TEXT = "(known after apply)"
"""How ``offline.engine.display_value`` spells a value the provider computes."""
SHOWN_UNKNOWN = "(after apply)"
SECRET_TEXT = "[secret]"
FALLBACK_COUNT = 6
MAX_VALUE_WIDTH = 100
_HIDDEN_IN_FALLBACK = {"tags", "tagsAll", "name", "assumeRolePolicy", "policy"}
_ABSENT = object()

Getter = Union[str, tuple, Callable[[dict], Any]]


def display_type(type_: str) -> str:
    """The type as the Pulumi CLI shows it: ``aws:rds/instance:Instance`` -> ``aws:rds:Instance``."""
    parts = type_.split(":")
    if len(parts) == 3 and "/" in parts[1]:
        module, _, leaf = parts[1].rpartition("/")
        if leaf.lower() == parts[2].lower() and not module.count("/") and "." not in leaf:
            return f"{parts[0]}:{module}:{parts[2]}"
    return type_


# --------------------------------------------------------------------------------------------
# Reading values
# --------------------------------------------------------------------------------------------

def _segments(path: Union[str, tuple]) -> list[str]:
    if isinstance(path, tuple):
        return list(path)
    out = []
    for part in path.split("."):
        if part.endswith("[*]"):
            out += [part[:-3], "[*]"]
        else:
            out.append(part)
    return out


def pick(value: Any, path: Union[str, tuple]) -> Any:
    """The value at ``path`` (see the module docstring), or ``_ABSENT``. ``[*]`` gives a list."""
    def walk(current: Any, segments: list[str]) -> Any:
        if not segments:
            return current
        head, rest = segments[0], segments[1:]
        if head == "[*]":
            if not isinstance(current, list):
                return _ABSENT
            items = [walk(item, rest) for item in current]
            items = [i for i in items if i is not _ABSENT]
            return items if items else _ABSENT
        if isinstance(current, dict) and head in current:
            return walk(current[head], rest)
        return _ABSENT
    return walk(value, _segments(path))


def read(inputs: dict, getter: Getter) -> Any:
    if callable(getter):
        try:
            result = getter(inputs)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            return _ABSENT  # an input of an unexpected shape: show nothing rather than fail the preview
        return _ABSENT if result is None else result
    return pick(inputs, getter)


def summarize(value: Any, width: int = MAX_VALUE_WIDTH) -> str:
    """One line of at most ``width`` characters for any input value."""
    text = _one_line(value)
    return text if len(text) <= width else text[:max(width - 3, 1)] + "..."


def _one_line(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        if value == UNKNOWN_TEXT:
            return SHOWN_UNKNOWN
        lines = [line.strip() for line in value.splitlines() if line.strip()]
        return "; ".join(lines) if len(lines) > 1 else (lines[0] if lines else '""')
    if isinstance(value, list):
        if not value:
            return "[]"
        shown = [_one_line(v) for v in value]
        if len(set(shown)) == 1 and len(shown) > 1:
            return f"{len(shown)}x {shown[0]}"
        return ",".join(shown)
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{" + ",".join(f"{k}={_one_line(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --------------------------------------------------------------------------------------------
# Helpers for the combined settings
# --------------------------------------------------------------------------------------------

def _count(path: str) -> Callable[[dict], Any]:
    def count(inputs: dict) -> Any:
        value = pick(inputs, path)
        return len(value) if isinstance(value, list) else None
    return count


def _range(low: str, high: str, unit: str = "") -> Callable[[dict], Any]:
    """``20..1000 GB`` from two inputs; one value alone when the other is absent."""
    def both(inputs: dict) -> Any:
        a, b = pick(inputs, low), pick(inputs, high)
        if a is _ABSENT and b is _ABSENT:
            return None
        if b is _ABSENT or a == b:
            return f"{_one_line(a)}{unit}"
        if a is _ABSENT:
            return f"..{_one_line(b)}{unit}"
        return f"{_one_line(a)}..{_one_line(b)}{unit}"
    return both


def _principals(inputs: dict) -> Any:
    document = json.loads(inputs["assumeRolePolicy"])
    found = []
    for statement in document.get("Statement", []):
        for kind, who in (statement.get("Principal") or {}).items():
            for one in (who if isinstance(who, list) else [who]):
                found.append(f"{kind}:{one}")
    return found


def _statements(inputs: dict) -> Any:
    document = json.loads(inputs["policy"])
    return [f"{s.get('Sid') or '?'}({s.get('Effect')})" for s in document.get("Statement", [])]


def _rule(direction: str) -> Callable[[dict], Any]:
    def rule(inputs: dict) -> Any:
        peer = next((inputs[k] for k in ("cidrIpv4", "cidrIpv6", "referencedSecurityGroupId", "prefixListId")
                     if k in inputs), "?")
        low, high = inputs.get("fromPort"), inputs.get("toPort")
        ports = "all" if low is None else (_one_line(low) if low == high else f"{_one_line(low)}-{_one_line(high)}")
        return f"{inputs.get('ipProtocol', '?')}/{ports} {direction} {_one_line(peer)}"
    return rule


def _parameters(inputs: dict) -> Any:
    return [f"{p['name']}={p['value']}" for p in inputs["parameters"]]


def _lifecycle(inputs: dict) -> Any:
    out = []
    for rule in inputs["rules"]:
        parts = [rule.get("id", "?"), rule.get("status", "")]
        if "expiration" in rule:
            parts.append(f"expire {_one_line(rule['expiration'].get('days'))}d")
        if "noncurrentVersionExpiration" in rule:
            parts.append(f"noncurrent {_one_line(rule['noncurrentVersionExpiration'].get('noncurrentDays'))}d")
        out.append(" ".join(p for p in parts if p))
    return out


def _waf_rate_rules(inputs: dict) -> Any:
    """``rate-limit-by-ip: 67/600s per IP -> block 429``."""
    out = []
    for rule in inputs["rules"]:
        rate = pick(rule, "statement.rateBasedStatement")
        if rate is _ABSENT:
            continue
        action = next(iter(rule.get("action") or {"?": {}}))
        code = pick(rule, "action.block.customResponse.responseCode")
        out.append(f"{rule.get('name')}: {_one_line(rate.get('limit'))}/{_one_line(rate.get('evaluationWindowSec', 300))}s"
                   f" per {rate.get('aggregateKeyType', '?')} -> {action}"
                   + (f" {_one_line(code)}" if code is not _ABSENT else ""))
    return out or None


def _waf_other_rules(inputs: dict) -> Any:
    """Managed rule groups by name, other rules by their own name, each with its action."""
    out = []
    for rule in inputs["rules"]:
        statement = rule.get("statement", {})
        if "rateBasedStatement" in statement:
            continue
        action = next(iter(rule.get("action") or rule.get("overrideAction") or {"?": {}}))
        name = pick(statement, "managedRuleGroupStatement.name")
        out.append(f"{rule.get('name') if name is _ABSENT else name}({action})")
    return out or None


def _hpa_metrics(inputs: dict) -> Any:
    out = []
    for metric in pick(inputs, "spec.metrics") or []:
        kind = metric.get("type", "")
        body = metric.get(kind[:1].lower() + kind[1:], {})
        target = body.get("target", {})
        name = body.get("name") or pick(body, "metric.name")
        if "averageUtilization" in target:
            out.append(f"{name} {_one_line(target['averageUtilization'])}%")
        else:
            out.append(f"{name} {_one_line(target.get('averageValue', target.get('value', '?')))}/pod")
    return out


def _containers(field: str) -> Callable[[dict], Any]:
    def values(inputs: dict) -> Any:
        found = pick(inputs, f"spec.template.spec.containers[*].{field}")
        return None if found is _ABSENT else found
    return values


def _service_ports(inputs: dict) -> Any:
    return [f"{_one_line(p.get('port'))}->{_one_line(p.get('targetPort', p.get('port')))}/{p.get('protocol', 'TCP')}"
            for p in pick(inputs, "spec.ports")]


def _k8s_name(inputs: dict) -> Any:
    namespace, name = pick(inputs, "metadata.namespace"), pick(inputs, "metadata.name")
    if name is _ABSENT:
        return None
    return f"{namespace}/{name}" if namespace is not _ABSENT else name


def _after(text: str) -> Callable[[dict], Any]:
    """The tail of an ARN input after ``text`` (``policy/AmazonSSMManagedInstanceCore``)."""
    def tail(inputs: dict) -> Any:
        value = inputs["policyArn"]
        return value.split(text, 1)[-1] if isinstance(value, str) else value
    return tail


def _alarm_period(inputs: dict) -> Any:
    """The alarm's period; a metric-math alarm has none of its own, its metrics' period is the one evaluated."""
    if "period" in inputs:
        return inputs["period"]
    periods = {q["metric"].get("period") for q in inputs.get("metricQueries") or () if isinstance(q.get("metric"), dict)}
    return periods.pop() if len(periods) == 1 else "?"


# --------------------------------------------------------------------------------------------
# The tables
# --------------------------------------------------------------------------------------------

KEY_SETTINGS: dict[str, list[tuple[str, Getter]]] = {
    # network
    "aws:ec2/vpc:Vpc": [("cidr", "cidrBlock"), ("dnsHostnames", "enableDnsHostnames"),
                        ("dnsSupport", "enableDnsSupport")],
    "aws:ec2/subnet:Subnet": [("tier", "tags.Tier"), ("cidr", "cidrBlock"), ("az", "availabilityZone"),
                              ("publicIpOnLaunch", "mapPublicIpOnLaunch")],
    "aws:ec2/eip:Eip": [("domain", "domain"), ("for", "tags.Name")],
    "aws:ec2/natGateway:NatGateway": [("name", "tags.Name"), ("connectivity", "connectivityType")],
    "aws:ec2/internetGateway:InternetGateway": [("name", "tags.Name")],
    "aws:ec2/routeTable:RouteTable": [("name", "tags.Name"), ("routes", "routes[*].cidrBlock")],
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": [("ingressRules", _count("ingress")),
                                                          ("egressRules", _count("egress"))],
    "aws:ec2/securityGroup:SecurityGroup": [("description", "description")],
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": [("allow", _rule("from")),
                                                                  ("description", "description")],
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": [("allow", _rule("to")),
                                                                ("description", "description")],
    "aws:ec2/vpcEndpoint:VpcEndpoint": [("service", "serviceName"), ("type", "vpcEndpointType"),
                                        ("privateDns", "privateDnsEnabled")],
    "aws:ec2/flowLog:FlowLog": [("traffic", "trafficType"), ("destination", "logDestinationType")],
    "aws:cloudwatch/logGroup:LogGroup": [("retentionDays", "retentionInDays"), ("kmsKey", "kmsKeyId")],
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": [("policyName", "policyName")],
    "aws:cloudwatch/metricAlarm:MetricAlarm": [
        ("metric", lambda i: f"{i.get('namespace', '?')}/{i['metricName']}" if "metricName" in i else
         ("metric math" if "metricQueries" in i else None)),
        ("statistic", "statistic"), ("comparison", "comparisonOperator"), ("threshold", "threshold"),
        ("periods", lambda i: f"{_one_line(i['evaluationPeriods'])}x{_one_line(_alarm_period(i))}s"),
        ("missingData", "treatMissingData")],
    "aws:cloudwatch/dashboard:Dashboard": [("name", "dashboardName"),
                                           ("widgets", lambda i: len(json.loads(i["dashboardBody"])["widgets"]))],
    "aws:sns/topic:Topic": [("name", "name"), ("kmsKey", "kmsMasterKeyId"), ("fifo", "fifoTopic")],
    # IAM and keys
    "aws:iam/role:Role": [("assumedBy", _principals), ("maxSession", "maxSessionDuration")],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": [("policy", _after(":policy/"))],
    "aws:iam/policy:Policy": [("description", "description")],
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": [("clientIds", "clientIdLists"), ("url", "url")],
    "aws:kms/key:Key": [("rotation", "enableKeyRotation"), ("deletionWindowDays", "deletionWindowInDays"),
                        ("usage", "keyUsage"), ("description", "description")],
    "aws:kms/alias:Alias": [("name", "name")],
    "aws:secretsmanager/secret:Secret": [("name", "name"), ("description", "description"), ("kmsKey", "kmsKeyId"),
                                         ("recoveryWindowDays", "recoveryWindowInDays")],
    "aws:ssm/parameter:Parameter": [("name", "name"), ("type", "type"), ("tier", "tier"), ("value", "value")],
    # S3
    "aws:s3/bucket:Bucket": [("bucket", "bucket"), ("forceDestroy", "forceDestroy"),
                             ("objectLock", "objectLockEnabled")],
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": [
        ("blockPublicAcls", "blockPublicAcls"), ("blockPublicPolicy", "blockPublicPolicy"),
        ("ignorePublicAcls", "ignorePublicAcls"), ("restrictPublicBuckets", "restrictPublicBuckets")],
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": [("ownership", "rule.objectOwnership")],
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": [
        ("algorithm", "rules[*].applyServerSideEncryptionByDefault.sseAlgorithm"),
        ("kmsKey", "rules[*].applyServerSideEncryptionByDefault.kmsMasterKeyId"),
        ("bucketKey", "rules[*].bucketKeyEnabled")],
    "aws:s3/bucketVersioning:BucketVersioning": [("status", "versioningConfiguration.status")],
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": [("rules", _lifecycle)],
    "aws:s3/bucketPolicy:BucketPolicy": [("statements", _statements)],
    # edge
    "aws:lb/loadBalancer:LoadBalancer": [
        ("type", "loadBalancerType"), ("internal", "internal"), ("deletionProtection", "enableDeletionProtection"),
        ("accessLogs", "accessLogs.enabled"), ("dropInvalidHeaders", "dropInvalidHeaderFields"),
        ("idleTimeout", "idleTimeout"), ("subnets", _count("subnets"))],
    "aws:lb/targetGroup:TargetGroup": [
        ("port", "port"), ("protocol", "protocol"), ("target", "targetType"),
        ("algorithm", "loadBalancingAlgorithmType"), ("health", "healthCheck.path"),
        ("deregistrationDelay", "deregistrationDelay")],
    "aws:lb/listener:Listener": [("port", "port"), ("protocol", "protocol"), ("sslPolicy", "sslPolicy"),
                                 ("certificate", "certificateArn"), ("action", "defaultActions[*].type")],
    "aws:acm/certificate:Certificate": [("domain", "domainName"), ("alsoFor", "subjectAlternativeNames"),
                                        ("validation", "validationMethod"), ("keyAlgorithm", "keyAlgorithm")],
    "aws:acm/certificateValidation:CertificateValidation": [("records", _count("validationRecordFqdns"))],
    "aws:route53/record:Record": [("name", "name"), ("type", "type"), ("ttl", "ttl"), ("records", "records"),
                                  ("alias", "aliases[*].name")],
    "aws:wafv2/webAcl:WebAcl": [("scope", "scope"), ("default", lambda i: next(iter(i["defaultAction"]))),
                                ("rateRules", _waf_rate_rules),
                                ("otherRules", _waf_other_rules)],
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": [
        ("redacted", "redactedFields[*].singleHeader.name")],
    "aws:ec2/launchTemplate:LaunchTemplate": [
        ("instanceType", "instanceType"), ("imdsTokens", "metadataOptions.httpTokens"),
        ("hopLimit", "metadataOptions.httpPutResponseHopLimit"),
        ("publicIp", "networkInterfaces[*].associatePublicIpAddress"),
        ("volume", lambda i: [f"{_one_line(b['ebs'].get('volumeType'))} {_one_line(b['ebs'].get('volumeSize'))}GB "
                              f"encrypted={_one_line(b['ebs'].get('encrypted'))}"
                              for b in i["blockDeviceMappings"] if "ebs" in b]),
        ("monitoring", "monitoring.enabled")],
    "aws:autoscaling/group:Group": [
        ("min", "minSize"), ("max", "maxSize"), ("desired", "desiredCapacity"), ("health", "healthCheckType"),
        ("grace", "healthCheckGracePeriod"), ("warmup", "defaultInstanceWarmup"),
        ("refresh", "instanceRefresh.strategy"), ("minHealthy%", "instanceRefresh.preferences.minHealthyPercentage"),
        ("subnets", _count("vpcZoneIdentifiers")), ("warmPool", "warmPool.poolState"),
        ("warmMin", "warmPool.minSize"),
        ("types", "mixedInstancesPolicy.launchTemplate.overrides[*].instanceType"),
        ("onDemandBase", "mixedInstancesPolicy.instancesDistribution.onDemandBaseCapacity"),
        ("onDemand%", "mixedInstancesPolicy.instancesDistribution.onDemandPercentageAboveBaseCapacity"),
        ("spot", "mixedInstancesPolicy.instancesDistribution.spotAllocationStrategy")],
    "aws:autoscaling/policy:Policy": [
        ("type", "policyType"),
        ("metric", "targetTrackingConfiguration.predefinedMetricSpecification.predefinedMetricType"),
        ("target", "targetTrackingConfiguration.targetValue"),
        ("mode", "predictiveScalingConfiguration.mode"),
        ("forecast", "predictiveScalingConfiguration.metricSpecification.predefinedMetricPairSpecification."
                     "predefinedMetricType"),
        ("forecastTarget", "predictiveScalingConfiguration.metricSpecification.targetValue"),
        ("aheadSeconds", "predictiveScalingConfiguration.schedulingBufferTime"),
        ("atMax", "predictiveScalingConfiguration.maxCapacityBreachBehavior"),
        ("buffer%", "predictiveScalingConfiguration.maxCapacityBuffer")],
    "aws:autoscaling/schedule:Schedule": [
        ("name", "scheduledActionName"), ("cron", "recurrence"), ("timeZone", "timeZone"),
        ("capacity", lambda i: f"{_one_line(i['minSize'])}/{_one_line(i['desiredCapacity'])}/"
                               f"{_one_line(i['maxSize'])} (min/desired/max)")],
    # database
    "aws:rds/instance:Instance": [
        ("class", "instanceClass"), ("engine", "engine"), ("version", "engineVersion"),
        ("replicaOf", "replicateSourceDb"), ("multiAz", "multiAz"), ("az", "availabilityZone"),
        ("storage", _range("allocatedStorage", "maxAllocatedStorage", "GB")), ("type", "storageType"),
        ("encrypted", "storageEncrypted"), ("backupDays", "backupRetentionPeriod"),
        ("deletionProtection", "deletionProtection"), ("public", "publiclyAccessible"),
        ("iamAuth", "iamDatabaseAuthenticationEnabled")],
    "aws:rds/subnetGroup:SubnetGroup": [("subnets", _count("subnetIds"))],
    "aws:rds/parameterGroup:ParameterGroup": [("family", "family"), ("parameters", _parameters)],
    "aws:rds/proxy:Proxy": [("engine", "engineFamily"), ("requireTls", "requireTls"),
                            ("iamAuth", "auths[*].iamAuth"), ("idleTimeout", "idleClientTimeout")],
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup": [
        ("maxConnections%", "connectionPoolConfig.maxConnectionsPercent"),
        ("maxIdle%", "connectionPoolConfig.maxIdleConnectionsPercent"),
        ("borrowTimeout", "connectionPoolConfig.connectionBorrowTimeout")],
    "aws:rds/proxyTarget:ProxyTarget": [("instance", "dbInstanceIdentifier")],
    # cache and streaming
    "aws:elasticache/subnetGroup:SubnetGroup": [("subnets", _count("subnetIds"))],
    "aws:elasticache/parameterGroup:ParameterGroup": [("family", "family"), ("parameters", _parameters)],
    "aws:elasticache/replicationGroup:ReplicationGroup": [
        ("engine", "engine"), ("version", "engineVersion"), ("nodeType", "nodeType"), ("shards", "numNodeGroups"),
        ("replicasPerShard", "replicasPerNodeGroup"), ("clusterMode", "clusterMode"), ("multiAz", "multiAzEnabled"),
        ("failover", "automaticFailoverEnabled"), ("atRest", "atRestEncryptionEnabled"),
        ("transit", "transitEncryptionMode"), ("snapshotDays", "snapshotRetentionLimit")],
    "random:index/randomPassword:RandomPassword": [("length", "length"), ("special", "special")],
    "aws:msk/configuration:Configuration": [("kafka", "kafkaVersions"), ("properties", "serverProperties")],
    "aws:msk/cluster:Cluster": [
        ("kafka", "kafkaVersion"), ("brokers", "numberOfBrokerNodes"),
        ("instanceType", "brokerNodeGroupInfo.instanceType"),
        ("volumeGb", "brokerNodeGroupInfo.storageInfo.ebsStorageInfo.volumeSize"),
        ("clientBroker", "encryptionInfo.encryptionInTransit.clientBroker"),
        ("inCluster", "encryptionInfo.encryptionInTransit.inCluster"),
        ("iamAuth", "clientAuthentication.sasl.iam"), ("unauthenticated", "clientAuthentication.unauthenticated"),
        ("monitoring", "enhancedMonitoring")],
    "aws:msk/topic:Topic": [("name", "name"), ("partitions", "partitionCount"),
                            ("replication", "replicationFactor")],
    "aws:appautoscaling/target:Target": [("dimension", "scalableDimension"),
                                         ("capacity", _range("minCapacity", "maxCapacity"))],
    "aws:appautoscaling/policy:Policy": [
        ("type", "policyType"),
        ("metric", "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType"),
        ("target", "targetTrackingScalingPolicyConfiguration.targetValue"),
        ("scaleInDisabled", "targetTrackingScalingPolicyConfiguration.disableScaleIn")],
    # EKS
    "aws:eks/cluster:Cluster": [
        ("version", "version"), ("publicEndpoint", "vpcConfig.endpointPublicAccess"),
        ("privateEndpoint", "vpcConfig.endpointPrivateAccess"), ("auth", "accessConfig.authenticationMode"),
        ("secretsEncryption", "encryptionConfig.resources"), ("deletionProtection", "deletionProtection"),
        ("logs", "enabledClusterLogTypes")],
    "aws:eks/nodeGroup:NodeGroup": [
        ("instanceTypes", "instanceTypes"), ("min", "scalingConfig.minSize"), ("max", "scalingConfig.maxSize"),
        ("desired", "scalingConfig.desiredSize"), ("capacity", "capacityType"), ("ami", "amiType"),
        ("diskGb", "diskSize"), ("version", "version")],
    "aws:eks/addon:Addon": [("addon", "addonName"), ("version", "addonVersion")],
    "pulumi:providers:kubernetes": [("serverSideApply", "enableServerSideApply")],
    # Kubernetes
    "kubernetes:helm.sh/v3:Release": [("chart", "chart"), ("version", "version"), ("namespace", "namespace"),
                                      ("repo", "repositoryOpts.repo"), ("atomic", "atomic")],
    "kubernetes:core/v1:Namespace": [("name", "metadata.name")],
    "kubernetes:core/v1:ServiceAccount": [
        ("name", _k8s_name), ("automountToken", "automountServiceAccountToken"),
        ("roleArn", ("metadata", "annotations", "eks.amazonaws.com/role-arn"))],
    "kubernetes:core/v1:ConfigMap": [("name", _k8s_name), ("keys", lambda i: len(i["data"]))],
    "kubernetes:core/v1:Secret": [("name", _k8s_name), ("type", "type")],
    "kubernetes:core/v1:Service": [("name", _k8s_name), ("type", "spec.type"), ("ports", _service_ports)],
    "kubernetes:policy/v1:PodDisruptionBudget": [
        ("name", _k8s_name), ("maxUnavailable", "spec.maxUnavailable"), ("minAvailable", "spec.minAvailable"),
        ("unhealthyEviction", "spec.unhealthyPodEvictionPolicy")],
    "kubernetes:apps/v1:Deployment": [
        ("name", _k8s_name), ("replicas", "spec.replicas"), ("image", _containers("image")),
        ("requests", _containers("resources.requests")), ("limits", _containers("resources.limits")),
        ("strategy", "spec.strategy.type"), ("maxUnavailable", "spec.strategy.rollingUpdate.maxUnavailable")],
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": [
        ("name", _k8s_name), ("target", "spec.scaleTargetRef.name"), ("min", "spec.minReplicas"),
        ("max", "spec.maxReplicas"), ("metrics", _hpa_metrics)],
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": [
        ("name", _k8s_name), ("pods", lambda i: i["spec"]["podSelector"].get("matchLabels") or "all"),
        ("types", "spec.policyTypes"), ("ingressRules", _count("spec.ingress")),
        ("egressRules", _count("spec.egress"))],
    "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding": [
        ("name", _k8s_name), ("service", lambda i: f"{i['spec']['serviceRef']['name']}:"
                                                   f"{_one_line(i['spec']['serviceRef']['port'])}"),
        ("targetType", "spec.targetType"), ("targetGroup", "spec.targetGroupARN")],
    "kubernetes:keda.sh/v1alpha1:ScaledObject": [
        ("name", _k8s_name), ("target", "spec.scaleTargetRef.name"), ("min", "spec.minReplicaCount"),
        ("max", "spec.maxReplicaCount"), ("trigger", lambda i: i["spec"]["triggers"][0]["type"]),
        ("topic", lambda i: i["spec"]["triggers"][0]["metadata"]["topic"]),
        ("group", lambda i: i["spec"]["triggers"][0]["metadata"]["consumerGroup"]),
        ("lagThreshold", lambda i: i["spec"]["triggers"][0]["metadata"]["lagThreshold"]),
        ("sasl", lambda i: i["spec"]["triggers"][0]["metadata"]["sasl"])],
    "kubernetes:keda.sh/v1alpha1:TriggerAuthentication": [
        ("name", _k8s_name), ("podIdentity", "spec.podIdentity.provider"),
        ("identityOwner", "spec.podIdentity.identityOwner")],
}

IDENTITY_ONLY: dict[str, str] = {
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "a subnet id and a route table id",
    "aws:iam/rolePolicy:RolePolicy": "a role and a policy document built from other resources' ARNs",
    "aws:iam/instanceProfile:InstanceProfile": "the role it wraps",
    "aws:wafv2/webAclAssociation:WebAclAssociation": "the web ACL and load balancer ARNs",
    "aws:secretsmanager/secretVersion:SecretVersion": "the secret it belongs to and a masked value",
}
"""Types whose inputs are references only: deliberately no key setting (the reason is documentation)."""


def fallback_settings(inputs: dict, width: int = 48) -> list[tuple[str, str]]:
    """For a type in neither table: the first scalar inputs in alphabetical order."""
    out = []
    for key, value in sorted(inputs.items()):
        if key in _HIDDEN_IN_FALLBACK or isinstance(value, (dict, list)):
            continue
        out.append((key, summarize(value, width)))
    return out[:FALLBACK_COUNT]


def key_settings(type_: str, inputs: dict, width: int = MAX_VALUE_WIDTH) -> list[tuple[str, str]]:
    """``(label, one-line value)`` pairs a reviewer checks first for one resource."""
    if type_ in IDENTITY_ONLY:
        return []
    if type_ not in KEY_SETTINGS:
        return fallback_settings(inputs, min(width, 48))
    out = []
    for label, getter in KEY_SETTINGS[type_]:
        value = read(inputs, getter)
        if value is not _ABSENT:
            out.append((label, summarize(value, width)))
    return out


def curated(types: Iterable[str]) -> dict[str, str]:
    """How each type is summarized: ``"curated"``, ``"identity only"`` or ``"fallback"``."""
    return {t: "curated" if t in KEY_SETTINGS else "identity only" if t in IDENTITY_ONLY else "fallback"
            for t in types}

"""Which input changes replace a resource instead of updating it in place, for the types this project declares.

Where the facts come from, honestly: the provider schemas do not say it in a form we can read offline.
The Python packages of pulumi-aws and pulumi-kubernetes ship no ``schema.json``; pulumi-aws is bridged
from the Terraform AWS provider, whose ``ForceNew`` flags live in its Go source and are applied at diff time
by the running provider, and Kubernetes immutability is decided by the API server and by pulumi-kubernetes'
own diff. So this is a curated table, written from the argument references of the Terraform AWS
provider and Pulumi registry ("Changing this forces a new resource", "(Forces new resource)"), the
Kubernetes API reference (immutable fields) and the random provider (every input replaces). It covers the
inputs this project sets; it is not a complete list of each type's replacing properties.

The diff uses it in three ways: a changed input under a listed path is marked ``replaces``; any other
change of a listed type is an in-place update; a change of a type not listed here is ``unknown`` (run a
real ``pulumi preview`` to know). The ``replaceOnChanges`` resource option recorded in the preview JSON is
honoured too, since the engine itself replaces on those paths.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Optional

_K8S_IDENTITY = ("metadata.name", "metadata.namespace")
_ALL = ("*",)

REPLACE_ON_CHANGE: dict[str, tuple[str, ...]] = {
    # network
    "aws:ec2/vpc:Vpc": ("cidrBlock", "instanceTenancy"),
    "aws:ec2/subnet:Subnet": ("vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId"),
    "aws:ec2/eip:Eip": ("domain", "address", "publicIpv4Pool"),
    "aws:ec2/natGateway:NatGateway": ("subnetId", "allocationId", "connectivityType", "privateIp"),
    "aws:ec2/internetGateway:InternetGateway": (),
    "aws:ec2/routeTable:RouteTable": ("vpcId",),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": ("subnetId", "gatewayId"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ("vpcId",),
    "aws:ec2/securityGroup:SecurityGroup": ("name", "namePrefix", "description", "vpcId"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ("securityGroupId",),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ("securityGroupId",),
    # Subnets, security groups, route tables, the policy and private DNS change in place.
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("vpcId", "serviceName", "vpcEndpointType", "serviceRegion",
                                        "resourceConfigurationArn", "serviceNetworkArn"),
    "aws:ec2/flowLog:FlowLog": ("vpcId", "subnetId", "trafficType", "logDestination", "logDestinationType",
                                "iamRoleArn", "logFormat", "maxAggregationInterval", "destinationOptions"),
    "aws:ec2/launchTemplate:LaunchTemplate": ("name", "namePrefix"),  # other changes add a template version
    "aws:cloudwatch/logGroup:LogGroup": ("name", "namePrefix", "logGroupClass"),
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": ("policyName",),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("alarmName",),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName",),
    "aws:sns/topic:Topic": ("name", "namePrefix", "fifoTopic"),
    # IAM and keys
    "aws:iam/role:Role": ("name", "namePrefix", "path"),
    "aws:iam/rolePolicy:RolePolicy": ("name", "namePrefix", "role"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ("role", "policyArn"),
    "aws:iam/instanceProfile:InstanceProfile": ("name", "namePrefix", "path"),
    "aws:iam/policy:Policy": ("name", "namePrefix", "path", "description"),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": ("url",),
    "aws:kms/key:Key": ("keyUsage", "customerMasterKeySpec", "multiRegion", "customKeyStoreId", "xksKeyId"),
    "aws:kms/alias:Alias": ("name", "namePrefix"),
    "aws:secretsmanager/secret:Secret": ("name", "namePrefix"),
    # A secret version is immutable: a new value is a new version resource.
    "aws:secretsmanager/secretVersion:SecretVersion": ("secretId", "secretString", "secretBinary"),
    "aws:ssm/parameter:Parameter": ("name",),
    # S3: the bucket-level configuration resources are keyed by their bucket
    "aws:s3/bucket:Bucket": ("bucket", "bucketPrefix", "objectLockEnabled"),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ("bucket",),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ("bucket",),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        "bucket", "expectedBucketOwner"),
    "aws:s3/bucketVersioning:BucketVersioning": ("bucket", "expectedBucketOwner"),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ("bucket", "expectedBucketOwner"),
    "aws:s3/bucketPolicy:BucketPolicy": ("bucket",),
    # edge
    "aws:lb/loadBalancer:LoadBalancer": ("name", "namePrefix", "internal", "loadBalancerType"),
    "aws:lb/targetGroup:TargetGroup": ("name", "namePrefix", "port", "protocol", "protocolVersion", "targetType",
                                       "vpcId", "ipAddressType"),
    "aws:lb/listener:Listener": ("loadBalancerArn",),
    "aws:acm/certificate:Certificate": ("domainName", "subjectAlternativeNames", "keyAlgorithm",
                                        "certificateAuthorityArn", "privateKey", "certificateBody"),
    "aws:acm/certificateValidation:CertificateValidation": ("certificateArn", "validationRecordFqdns"),
    "aws:route53/record:Record": ("name", "type", "zoneId", "setIdentifier"),
    "aws:wafv2/webAcl:WebAcl": ("name", "namePrefix", "scope"),
    "aws:wafv2/webAclAssociation:WebAclAssociation": ("resourceArn", "webAclArn"),
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": ("resourceArn",),
    "aws:autoscaling/group:Group": ("name", "namePrefix"),
    "aws:autoscaling/policy:Policy": ("name", "autoscalingGroupName"),
    "aws:autoscaling/schedule:Schedule": ("scheduledActionName", "autoscalingGroupName"),
    # database
    "aws:rds/instance:Instance": ("identifier", "identifierPrefix", "engine", "dbName", "username",
                                  "storageEncrypted", "kmsKeyId", "availabilityZone", "characterSetName",
                                  "ncharCharacterSetName", "timezone", "snapshotIdentifier", "restoreToPointInTime",
                                  "s3Import", "customIamInstanceProfile"),
    "aws:rds/subnetGroup:SubnetGroup": ("name", "namePrefix"),
    "aws:rds/parameterGroup:ParameterGroup": ("name", "namePrefix", "family", "description"),
    "aws:rds/proxy:Proxy": ("name", "engineFamily", "vpcSubnetIds"),
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup": ("dbProxyName",),
    "aws:rds/proxyTarget:ProxyTarget": ("dbProxyName", "targetGroupName", "dbInstanceIdentifier",
                                        "dbClusterIdentifier"),
    # cache and streaming
    "aws:elasticache/subnetGroup:SubnetGroup": ("name",),
    "aws:elasticache/parameterGroup:ParameterGroup": ("name", "family", "description"),
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        "replicationGroupId", "atRestEncryptionEnabled", "kmsKeyId", "port", "subnetGroupName", "snapshotArns",
        "snapshotName", "preferredCacheClusterAzs", "networkType"),
    "aws:msk/configuration:Configuration": ("name", "kafkaVersions"),
    "aws:msk/cluster:Cluster": ("clusterName", "brokerNodeGroupInfo.clientSubnets",
                                "brokerNodeGroupInfo.securityGroups", "brokerNodeGroupInfo.azDistribution",
                                "encryptionInfo.encryptionAtRestKmsKeyArn",
                                "encryptionInfo.encryptionInTransit.inCluster"),
    "aws:msk/topic:Topic": ("name", "clusterArn"),
    "aws:appautoscaling/target:Target": ("resourceId", "scalableDimension", "serviceNamespace"),
    "aws:appautoscaling/policy:Policy": ("name", "resourceId", "scalableDimension", "serviceNamespace"),
    "random:index/randomPassword:RandomPassword": _ALL,
    # EKS
    "aws:eks/cluster:Cluster": ("name", "roleArn", "bootstrapSelfManagedAddons",
                                "accessConfig.bootstrapClusterCreatorAdminPermissions", "kubernetesNetworkConfig",
                                "encryptionConfig.provider.keyArn", "outpostConfig"),
    "aws:eks/nodeGroup:NodeGroup": ("clusterName", "nodeGroupName", "nodeGroupNamePrefix", "nodeRoleArn", "subnetIds",
                                    "amiType", "capacityType", "diskSize", "instanceTypes", "remoteAccess"),
    "aws:eks/addon:Addon": ("clusterName", "addonName"),
    # Kubernetes: the name and namespace identify an object; some specs are immutable once created
    "kubernetes:core/v1:Namespace": _K8S_IDENTITY,
    "kubernetes:core/v1:ServiceAccount": _K8S_IDENTITY,
    "kubernetes:core/v1:ConfigMap": _K8S_IDENTITY,
    "kubernetes:core/v1:Secret": _K8S_IDENTITY + ("type",),
    "kubernetes:core/v1:Service": _K8S_IDENTITY + ("spec.clusterIP",),
    "kubernetes:policy/v1:PodDisruptionBudget": _K8S_IDENTITY,
    "kubernetes:apps/v1:Deployment": _K8S_IDENTITY + ("spec.selector",),
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": _K8S_IDENTITY,
    "kubernetes:helm.sh/v3:Release": ("name", "namespace"),
    "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding": _K8S_IDENTITY,
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": _K8S_IDENTITY,
    "kubernetes:keda.sh/v1alpha1:ScaledObject": _K8S_IDENTITY,
    "kubernetes:keda.sh/v1alpha1:TriggerAuthentication": _K8S_IDENTITY,
}
"""Type token -> input paths whose change replaces the resource (``*``: any input). ``()`` means the type
was reviewed and none of the inputs this project sets replaces it."""


def _under(path: str, prefix: str) -> bool:
    return prefix == "*" or path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "[")


def forces_replacement(type_: str, path: str, replace_on_changes: Iterable[str] = ()) -> Optional[bool]:
    """Whether changing the input at ``path`` (``spec.selector.matchLabels.app``) replaces a resource of
    ``type_``: True or False, or None when the type is not in the table and no option says so."""
    option_paths = [p.replace("[*]", "") for p in replace_on_changes]
    if any(_under(path, p) for p in option_paths):
        return True
    if type_ not in REPLACE_ON_CHANGE:
        return None
    return any(_under(path, p) for p in REPLACE_ON_CHANGE[type_])

"""moto fixtures for the live audit: a fake account with one or more conforming stacks built with boto3.

Every test module runs inside one ``mock_aws`` account (module scope, so moto starts once per module)
with a shared VPC and ACM certificate. Tests that inject drift build their own copy of a tier under
their own ``Stack`` tag value, so the audit of that stack sees only that copy: no drift leaks from one
test into another and nothing has to be restored. That also exercises the tag filters: the account
always holds several stacks at once.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Iterable
from typing import Any, Optional

import boto3
import pytest
from moto import mock_aws

from audit import Report, run_audit
from audit.expectations import Expectations, load_expectations
from audit.session import Clients, SessionOptions
from components.network import DEFAULT_INTERFACE_ENDPOINTS
from tests.conftest import operator_values

REGION = "us-east-1"
PROJECT = "scaling"
# Small but prod-shaped: the prod stack file with fewer shards, so a full environment builds fast.
# The audit tests take their certificate from moto (lbCertificateArn), so of the operator values only the image.
SMALL_PROD = {"scaling:dbShardCount": 2, "scaling:dbReplicaCount": 2,
              "scaling:appImage": operator_values("prod")["scaling:appImage"],
              "scaling:consumerImage": operator_values("prod")["scaling:consumerImage"]}
_FAKE_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SECURITY_TOKEN": "testing",
             "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}
# Anything that could send a call elsewhere than moto, or pick up a developer's real profile.
_CLEARED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_ENDPOINT_URL", "AWS_RETRY_MODE",
            "AWS_MAX_ATTEMPTS", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")


@pytest.fixture(scope="module", autouse=True)
def fake_aws_environment():
    """Fake credentials and region for each audit test module, so no real AWS account is ever reachable."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in _FAKE_ENV.items():
            mp.setenv(key, value)
        for key in list(os.environ):
            if key in _CLEARED or key.startswith("AWS_ENDPOINT_URL_"):
                mp.delenv(key)
        mp.setenv("AWS_CONFIG_FILE", "/dev/null")
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        yield


def tags(stack: str, **extra: str) -> list[dict[str, str]]:
    house = {"Project": PROJECT, "Stack": stack, "Environment": "prod", "ManagedBy": "pulumi", **extra}
    return [{"Key": k, "Value": v} for k, v in house.items()]


def short(stack: str) -> str:
    """A name fragment AWS accepts everywhere (ALB names: 32 characters, letters, digits, '-')."""
    return re.sub(r"[^a-z0-9-]", "-", stack.lower())[-20:].strip("-")


_BUILDER_CLIENTS: dict[str, Any] = {}


@dataclasses.dataclass
class Account:
    """One moto account with a VPC, three subnets and an ACM certificate, and builders for each tier."""
    vpc_id: str
    subnet_ids: list[str]
    certificate_arn: str
    audit_clients: Clients = dataclasses.field(default_factory=lambda: make_clients())
    """Shared by the audits of one module: creating botocore clients is the slowest part of a test."""

    @staticmethod
    def client(service: str) -> Any:
        if service not in _BUILDER_CLIENTS:
            _BUILDER_CLIENTS[service] = boto3.client(service, region_name=REGION)
        return _BUILDER_CLIENTS[service]

    # -- edge: launch template, ASG, ALB, target groups, listeners, WAF -----------------------------------
    def build_edge(self, stack: str, *, with_waf: bool = True) -> dict[str, Any]:
        ec2, elb, asg, waf = (self.client(s) for s in ("ec2", "elbv2", "autoscaling", "wafv2"))
        name = short(stack)
        template = ec2.create_launch_template(
            LaunchTemplateName=f"{name}-lt",
            LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "m6i.large",
                                "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 1,
                                                    "HttpEndpoint": "enabled"}},
        )["LaunchTemplate"]
        lb = elb.create_load_balancer(Name=f"{name}-alb", Subnets=self.subnet_ids, Scheme="internet-facing",
                                      Type="application", Tags=tags(stack))["LoadBalancers"][0]
        elb.modify_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"], Attributes=[
            {"Key": "idle_timeout.timeout_seconds", "Value": "60"},
            {"Key": "deletion_protection.enabled", "Value": "true"}])
        groups = []
        for backend in ("api1", "api2", "api3"):
            tg = elb.create_target_group(Name=f"{name}-{backend}"[-32:].strip("-"), Protocol="HTTP", Port=3000,
                                         VpcId=self.vpc_id, HealthCheckPath="/health",
                                         Tags=tags(stack))["TargetGroups"][0]
            elb.modify_target_group_attributes(TargetGroupArn=tg["TargetGroupArn"], Attributes=[
                {"Key": "load_balancing.algorithm.type", "Value": "least_outstanding_requests"}])
            groups.append(tg["TargetGroupArn"])
        https = elb.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTPS", Port=443,
            SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06", Certificates=[{"CertificateArn": self.certificate_arn}],
            DefaultActions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": [
                {"TargetGroupArn": arn, "Weight": w} for arn, w in zip(groups, (5, 5, 3), strict=True)]}}])["Listeners"][0]
        http = elb.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
            DefaultActions=[{"Type": "redirect", "RedirectConfig": {
                "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}])["Listeners"][0]
        asg.create_auto_scaling_group(
            AutoScalingGroupName=f"{name}-asg", LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"],
                                                                "Version": "$Default"},
            MinSize=2, MaxSize=20, DesiredCapacity=5, HealthCheckType="ELB", HealthCheckGracePeriod=300,
            VPCZoneIdentifier=",".join(self.subnet_ids), TargetGroupARNs=groups,
            Tags=[dict(t, PropagateAtLaunch=True) for t in tags(stack)])
        edge = {"template_id": template["LaunchTemplateId"], "asg": f"{name}-asg", "lb_arn": lb["LoadBalancerArn"],
                "lb_name": lb["LoadBalancerName"], "target_groups": groups, "https_listener": https["ListenerArn"],
                "http_listener": http["ListenerArn"]}
        if with_waf:
            edge.update(self.build_web_acl(stack, lb["LoadBalancerArn"]))
        return edge

    def build_web_acl(self, stack: str, lb_arn: str, *, limit: int = 67, window: int = 600) -> dict[str, Any]:
        waf = self.client("wafv2")
        visibility = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "m"}
        acl = waf.create_web_acl(
            Name=f"{short(stack)}-acl", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=visibility,
            Rules=[rate_rule(limit, window)], Tags=tags(stack))["Summary"]
        waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=lb_arn)
        return {"acl_arn": acl["ARN"], "acl_id": acl["Id"], "acl_name": acl["Name"]}

    # -- data: RDS shards -----------------------------------------------------------------------------
    def build_database(self, stack: str, *, shards: int = 2, replicas: int = 2, encrypted: bool = True,
                       first_shard: int = 0) -> list[str]:
        rds = self.client("rds")
        name = short(stack)
        subnet_group = f"{name}-db"
        if not rds.describe_db_subnet_groups()["DBSubnetGroups"] or subnet_group not in {
                g["DBSubnetGroupName"] for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]}:
            rds.create_db_subnet_group(DBSubnetGroupName=subnet_group, DBSubnetGroupDescription="isolated",
                                       SubnetIds=self.subnet_ids)
        primaries = []
        for shard in range(first_shard, first_shard + shards):
            primary = f"{name}-shard{shard:02d}"
            rds.create_db_instance(
                DBInstanceIdentifier=primary, Engine="postgres", EngineVersion="16.4", DBInstanceClass="db.r6g.large",
                AllocatedStorage=100, MasterUsername="app", ManageMasterUserPassword=True,
                StorageEncrypted=encrypted, MultiAZ=True, BackupRetentionPeriod=7, DeletionProtection=True,
                PubliclyAccessible=False, DBSubnetGroupName=subnet_group, Tags=tags(stack))
            for replica in range(replicas):
                rds.create_db_instance_read_replica(
                    DBInstanceIdentifier=f"{primary}-r{replica}", SourceDBInstanceIdentifier=primary,
                    DBInstanceClass="db.r6g.large", PubliclyAccessible=False, Tags=tags(stack))
            primaries.append(primary)
        return primaries

    # -- data: ElastiCache and MSK --------------------------------------------------------------------
    def build_cache(self, stack: str, *, shards: int = 3, replicas: int = 1, cluster_mode: bool = True,
                    at_rest: bool = True, in_transit: bool = True) -> str:
        group_id = f"{short(stack)}-cache"[-40:].strip("-")
        kwargs: dict[str, Any] = dict(
            ReplicationGroupId=group_id, ReplicationGroupDescription="cache", Engine="valkey",
            CacheNodeType="cache.r7g.large", AutomaticFailoverEnabled=True, MultiAZEnabled=True,
            AtRestEncryptionEnabled=at_rest, TransitEncryptionEnabled=in_transit, Tags=tags(stack))
        if cluster_mode:
            kwargs.update(ClusterMode="enabled", NumNodeGroups=shards, ReplicasPerNodeGroup=replicas)
        else:
            kwargs.update(ClusterMode="disabled", NumCacheClusters=1 + replicas)
        self.client("elasticache").create_replication_group(**kwargs)
        return group_id

    def build_streaming(self, stack: str, *, brokers: int = 3, unauthenticated: bool = False,
                        client_broker: str = "TLS", iam: bool = True) -> str:
        return self.client("kafka").create_cluster(
            ClusterName=f"{short(stack)}-msk", KafkaVersion="3.8.x", NumberOfBrokerNodes=brokers,
            BrokerNodeGroupInfo={"InstanceType": "kafka.m7g.large", "ClientSubnets": self.subnet_ids,
                                 "StorageInfo": {"EbsStorageInfo": {"VolumeSize": 100}}},
            EncryptionInfo={"EncryptionAtRest": {"DataVolumeKMSKeyId": f"arn:aws:kms:{REGION}:123456789012:key/k"},
                            "EncryptionInTransit": {"ClientBroker": client_broker, "InCluster": True}},
            ClientAuthentication={"Sasl": {"Iam": {"Enabled": iam}}, "Unauthenticated": {"Enabled": unauthenticated}},
            Tags={t["Key"]: t["Value"] for t in tags(stack)})["ClusterArn"]

    # -- observability: alarms and the dashboard; the EKS cluster ------------------------------------------
    def build_alarms(self, stack: str, *, shards: int = 2, ok_actions: bool = True, missing_data: str = "breaching",
                     namespaces: tuple[str, ...] = ("AWS/ApplicationELB", "AWS/RDS", "AWS/ElastiCache", "AWS/Kafka",
                                                     "AWS/NATGateway"),
                     dashboard: bool = True) -> list[str]:
        """One alarm per watched namespace, a CPU alarm per shard and the consumer lag alarm, named and tagged as
        the Alarms component names them, all notifying one topic; and the dashboard."""
        cloudwatch = self.client("cloudwatch")
        prefix = f"scaling-{stack}-observability".lower()
        topic = f"arn:aws:sns:{REGION}:123456789012:{prefix}-alarms"
        specs = [(f"{n.split('/')[1].lower()}", n, "Metric", [{"Name": "Name", "Value": "v"}]) for n in namespaces]
        specs += [(f"shard-{i:02d}-cpu", "AWS/RDS", "CPUUtilization",
                   [{"Name": "DBInstanceIdentifier", "Value": f"{short(stack)}-shard{i:02d}"}]) for i in range(shards)]
        if "AWS/Kafka" in namespaces:
            specs.append(("kafka-lag-feature-processors", "AWS/Kafka", "SumOffsetLag", [
                {"Name": "Cluster Name", "Value": "msk"}, {"Name": "Consumer Group", "Value": "feature-processors"},
                {"Name": "Topic", "Value": "features"}]))
        names = []
        for key, namespace, metric, dimensions in specs:
            extra: dict[str, Any] = {"TreatMissingData": missing_data} if missing_data else {}
            cloudwatch.put_metric_alarm(
                AlarmName=f"{prefix}-{key}", Namespace=namespace, MetricName=metric, Dimensions=dimensions,
                Statistic="Average", Period=60, EvaluationPeriods=5, Threshold=1.0,
                ComparisonOperator="GreaterThanThreshold", AlarmActions=[topic],
                OKActions=[topic] if ok_actions else [], Tags=tags(stack), **extra)
            names.append(f"{prefix}-{key}")
        if dashboard:
            widgets = [{"type": "metric", "properties": {"title": n, "metrics": [[n, "Metric"]]}} for n in namespaces]
            cloudwatch.put_dashboard(DashboardName=prefix, DashboardBody=json.dumps({"widgets": widgets}))
        return names

    def build_eks(self, stack: str, *, version: str = "1.33", public: bool = False, secrets_key: bool = True,
                  log_types: tuple[str, ...] = ("api", "audit", "authenticator", "controllerManager",
                                                "scheduler")) -> str:
        name = f"{short(stack)}-eks"
        kwargs: dict[str, Any] = dict(
            name=name, version=version, roleArn="arn:aws:iam::123456789012:role/eks",
            resourcesVpcConfig={"subnetIds": self.subnet_ids, "endpointPrivateAccess": True,
                                "endpointPublicAccess": public},
            logging={"clusterLogging": [{"types": list(log_types), "enabled": True}]},
            tags={t["Key"]: t["Value"] for t in tags(stack)})
        if secrets_key:
            kwargs["encryptionConfig"] = [{"resources": ["secrets"],
                                           "provider": {"keyArn": f"arn:aws:kms:{REGION}:123456789012:key/eks"}}]
        self.client("eks").create_cluster(**kwargs)
        return name

    # -- network: a VPC of the stack's own with its endpoints and flow log ----------------------------------
    def build_network(self, stack: str, *, services: Iterable[str] = DEFAULT_INTERFACE_ENDPOINTS,
                      private_dns: bool = True, s3: bool = True, flow_log: bool = True) -> str:
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16", TagSpecifications=[
            {"ResourceType": "vpc", "Tags": tags(stack)}])["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.192.0/21")["Subnet"]["SubnetId"]
        for service in services:
            ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.{service}",
                                    VpcEndpointType="Interface", SubnetIds=[subnet], PrivateDnsEnabled=private_dns)
        if s3:
            table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
            ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway",
                                    RouteTableIds=[table])
        if flow_log:
            ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL",
                                 LogDestinationType="cloud-watch-logs", LogGroupName=f"{short(stack)}-flow-logs",
                                 DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/flow-logs")
        return vpc

    def build_all(self, stack: str) -> dict[str, Any]:
        built = self.build_edge(stack)
        built["vpc"] = self.build_network(stack)
        built["primaries"] = self.build_database(stack)
        built["cache"] = self.build_cache(stack)
        built["msk"] = self.build_streaming(stack)
        built["eks"] = self.build_eks(stack)
        built["alarms"] = self.build_alarms(stack)
        return built


def rate_rule(limit: int, window: int, *, action: str = "Block") -> dict[str, Any]:
    return {"Name": "rate-limit", "Priority": 1, "Action": {action: {}},
            "Statement": {"RateBasedStatement": {"Limit": limit, "EvaluationWindowSec": window,
                                                 "AggregateKeyType": "IP"}},
            "VisibilityConfig": {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True,
                                 "MetricName": "rate-limit"}}


@pytest.fixture(scope="module")
def account(fake_aws_environment):
    with mock_aws():
        ec2 = Account.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i * 8}.0/21",
                                     AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]
                   for i, zone in enumerate("abc")]
        certificate = Account.client("acm").request_certificate(DomainName="example.com")["CertificateArn"]
        yield Account(vpc, subnets, certificate)


def expectations(account: Account, stack: str, **overrides: Any) -> Expectations:
    """The prod stack's expectations (small shard count, moto's certificate) for the tag ``Stack=stack``."""
    config = {**SMALL_PROD, "scaling:lbCertificateArn": account.certificate_arn, **overrides}
    return dataclasses.replace(load_expectations("prod", config), stack=stack)


def make_clients(**options: Any) -> Clients:
    return Clients(SessionOptions(region=REGION, **{"max_attempts": 2, **options}))


def audit(account: Account, stack: str, services: Optional[Iterable[str]] = None,
          clients: Optional[Clients] = None, **overrides: Any) -> Report:
    return run_audit(expectations(account, stack, **overrides), clients or account.audit_clients, services)


def only(report: Report, check: str, resource_prefix: str = "") -> Any:
    """The single finding for ``check`` (on resources starting with ``resource_prefix``)."""
    matches = report.find(resource_prefix, check)
    assert len(matches) == 1, f"expected one {check!r} finding, got {matches} among {report.findings}"
    return matches[0]

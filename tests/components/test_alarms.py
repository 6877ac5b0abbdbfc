"""Alarms component: validators without the engine, then every alarm's metric, dimensions, threshold, actions
and missing-data choice, the topic's key policy and the dashboard, under the mock engine."""

from __future__ import annotations

import dataclasses
import json

import pytest

from components.alarms import (
    Alarms,
    AlarmsArgs,
    CacheWatch,
    DatabaseWatch,
    EdgeWatch,
    NetworkWatch,
    PoolWatch,
    ShardWatch,
    StreamingWatch,
    TargetGroupWatch,
    cache_node_ids,
    subscription_protocol,
    validate_alarms_args,
)
from tests.conftest import run_program, run_refused_program

ALARM, TOPIC, KEY = "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:sns/topic:Topic", "aws:kms/key:Key"
LB, TG1, TG2 = "app/alb/0123", "targetgroup/api1/aaaa", "targetgroup/api2/bbbb"
ARGS = AlarmsArgs(
    subscriptions=("ops@example.com", "https://hooks.example.com/alarms"),
    edge=EdgeWatch(LB, (TargetGroupWatch("api1", TG1), TargetGroupWatch("api2", TG2)), "acl-name",
                   ("edge-rate-limit-by-ip",)),
    pools=(PoolWatch("api1", "asg-api1", 20), PoolWatch("api2", "asg-api2", 20)),
    database=DatabaseWatch(shards=tuple(ShardWatch(f"db-{i}", (f"db-{i}-replica-0", f"db-{i}-replica-1"),
                                                   f"db-{i}-proxy") for i in range(3)),
                           allocated_storage_gb=100, max_client_processes=90),
    cache=CacheWatch("rg", node_groups=2, replicas_per_node_group=1),
    streaming=StreamingWatch("kafka", broker_count=3),
    environment="dev")


def declare(args: AlarmsArgs = ARGS):
    return run_program(lambda: Alarms("obs", args))


@pytest.fixture(scope="module")
def evaluation():
    return declare()


def alarms_by_key(evaluation) -> dict:
    return {r.name.removeprefix("obs-"): r.inputs for r in evaluation.by_type(ALARM)}


# ---- validators -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("endpoint, protocol", [("ops@example.com", "email"), ("https://h.example.com/x", "https"),
                                                ("https://h.example.com", "https")])
def test_subscription_protocol(endpoint, protocol):
    assert subscription_protocol(endpoint) == protocol


@pytest.mark.parametrize("changes, message", [
    (dict(subscriptions=("http://h.example.com/x",)), "subscriptions: 'http://h.example.com/x' is not allowed"),
    (dict(subscriptions=("ops",)), "subscriptions: 'ops' is not allowed; expected an email address"),
    (dict(subscriptions=("a@b.io", "a@b.io")), "subscriptions: ['a@b.io', 'a@b.io'] has duplicates"),
    (dict(pools=(PoolWatch("p", "g", 0),)), "pools[0].max_size: 0 is out of range; expected at least 1"),
    (dict(pools=(PoolWatch("p", "g", 2), PoolWatch("p", "h", 2))), "pools: names ['p', 'p'] have duplicates"),
    (dict(database=dataclasses.replace(ARGS.database, shards=())), "database.shards: empty"),
    (dict(database=dataclasses.replace(ARGS.database, max_client_processes=0)),
     "database.max_client_processes: 0 is out of range"),
    (dict(cache=CacheWatch("rg", 0, 1)), "cache.node_groups: 0 is out of range"),
    (dict(streaming=StreamingWatch("k", 0)), "streaming.broker_count: 0 is out of range"),
    (dict(edge=EdgeWatch(LB, rate_rule_metric_names=("r",))), "edge.web_acl_name: None while rate_rule_metric_names"),
    (dict(network=NetworkWatch(())), "network.nat_gateway_ids: empty; expected at least one NAT gateway"),
])
def test_validation_names_argument_value_and_allowed(changes, message):
    with pytest.raises(ValueError) as error:
        validate_alarms_args(dataclasses.replace(ARGS, **changes))
    assert str(error.value).startswith(message), str(error.value)


def test_invalid_arguments_declare_nothing():
    error, evaluation = run_refused_program(lambda: Alarms("obs", dataclasses.replace(ARGS, subscriptions=("x",))))
    assert "subscriptions" in str(error) and evaluation.resources == []


def test_cache_node_ids_follow_elasticache_naming():
    assert cache_node_ids("rg", 2, 1) == ["rg-0001-001", "rg-0001-002", "rg-0002-001", "rg-0002-002"]


# ---- each alarm -------------------------------------------------------------------------------------------

def single(namespace, metric, dimensions, threshold, comparison, treat, statistic=None, extended=None):
    expected = {"namespace": namespace, "metricName": metric, "dimensions": dimensions, "threshold": threshold,
                "comparisonOperator": comparison, "treatMissingData": treat}
    if statistic:
        expected["statistic"] = statistic
    if extended:
        expected["extendedStatistic"] = extended
    return expected


GB = 1024 ** 3
EXPECTED = {
    "edge-p99-latency": single("AWS/ApplicationELB", "TargetResponseTime", {"LoadBalancer": LB}, 2.0,
                               "GreaterThanThreshold", "notBreaching", extended="p99"),
    "edge-unhealthy-api1": single("AWS/ApplicationELB", "UnHealthyHostCount", {"TargetGroup": TG1, "LoadBalancer": LB},
                                  1.0, "GreaterThanOrEqualToThreshold", "notBreaching", "Maximum"),
    "edge-unhealthy-api2": single("AWS/ApplicationELB", "UnHealthyHostCount", {"TargetGroup": TG2, "LoadBalancer": LB},
                                  1.0, "GreaterThanOrEqualToThreshold", "notBreaching", "Maximum"),
    "edge-waf-edge-rate-limit-by-ip": single(
        "AWS/WAFV2", "BlockedRequests", {"WebACL": "acl-name", "Rule": "edge-rate-limit-by-ip", "Region": "us-east-1"},
        1000.0, "GreaterThanThreshold", "notBreaching", "Sum"),
    "asg-at-max-api1": single("AWS/AutoScaling", "GroupInServiceInstances", {"AutoScalingGroupName": "asg-api1"}, 20.0,
                              "GreaterThanOrEqualToThreshold", "missing", "Minimum"),
    "kafka-offline-partitions": single("AWS/Kafka", "OfflinePartitionsCount", {"Cluster Name": "kafka"}, 0.0,
                                       "GreaterThanThreshold", "missing", "Maximum"),
    "kafka-no-active-controller": single("AWS/Kafka", "ActiveControllerCount", {"Cluster Name": "kafka"}, 1.0,
                                         "LessThanThreshold", "breaching", "Maximum"),
    # 1000 messages per partition x the design's 10 partitions.
    "kafka-lag-feature-processors": single(
        "AWS/Kafka", "SumOffsetLag", {"Cluster Name": "kafka", "Consumer Group": "feature-processors",
                                      "Topic": "features"}, 10000.0, "GreaterThanThreshold", "notBreaching", "Maximum"),
}
for i in range(3):
    shard, primary, proxy = f"db-shard-{i:02d}", {"DBInstanceIdentifier": f"db-{i}"}, {"ProxyName": f"db-{i}-proxy"}
    EXPECTED.update({
        f"{shard}-cpu": single("AWS/RDS", "CPUUtilization", primary, 80.0, "GreaterThanThreshold", "missing",
                               "Average"),
        # 5 % of 100 GiB.
        f"{shard}-free-storage": single("AWS/RDS", "FreeStorageSpace", primary, float(5 * GB), "LessThanThreshold",
                                        "missing", "Minimum"),
        # 80 % of the design's pool of 20 per process x 90 processes.
        f"{shard}-proxy-connections": single("AWS/RDS", "ClientConnections", proxy, 1440.0, "GreaterThanThreshold",
                                             "notBreaching", "Maximum"),
        # A tenth of the design's 2 s connect timeout, in microseconds.
        f"{shard}-proxy-borrow-latency": single("AWS/RDS", "DatabaseConnectionsBorrowLatency", proxy, 200000.0,
                                                "GreaterThanThreshold", "notBreaching", "Average"),
        **{f"{shard}-replica-{r}-lag": single("AWS/RDS", "ReplicaLag", {"DBInstanceIdentifier": f"db-{i}-replica-{r}"},
                                              30.0, "GreaterThanThreshold", "breaching", "Maximum") for r in range(2)},
    })
for node in ("0001-001", "0001-002", "0002-001", "0002-002"):
    dims = {"CacheClusterId": f"rg-{node}"}
    EXPECTED.update({
        f"cache-{node}-memory": single("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", dims, 80.0,
                                       "GreaterThanThreshold", "missing", "Maximum"),
        f"cache-{node}-evictions": single("AWS/ElastiCache", "Evictions", dims, 100.0, "GreaterThanThreshold",
                                          "missing", "Sum"),
        f"cache-{node}-engine-cpu": single("AWS/ElastiCache", "EngineCPUUtilization", dims, 90.0,
                                           "GreaterThanThreshold", "missing", "Average"),
        f"cache-{node}-replication-lag": single("AWS/ElastiCache", "ReplicationLag", dims, 10.0,
                                                "GreaterThanThreshold", "notBreaching", "Maximum"),
    })
for broker in ("1", "2", "3"):
    dims = {"Cluster Name": "kafka", "Broker ID": broker}
    EXPECTED.update({
        f"kafka-broker-{broker}-disk": single("AWS/Kafka", "KafkaDataLogsDiskUsed", dims, 85.0, "GreaterThanThreshold",
                                              "missing", "Maximum"),
        f"kafka-broker-{broker}-under-replicated": single("AWS/Kafka", "UnderReplicatedPartitions", dims, 0.0,
                                                          "GreaterThanThreshold", "missing", "Maximum"),
    })
EXPECTED["asg-at-max-api2"] = {**EXPECTED["asg-at-max-api1"], "dimensions": {"AutoScalingGroupName": "asg-api2"}}


def test_the_alarm_set_is_exactly_the_expected_one(evaluation):
    assert sorted(alarms_by_key(evaluation)) == sorted([*EXPECTED, "edge-5xx-rate"])


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_alarm_metric_dimensions_threshold_and_missing_data(evaluation, key):
    inputs = alarms_by_key(evaluation)[key]
    assert {k: inputs.get(k) for k in EXPECTED[key]} == EXPECTED[key]


def test_5xx_rate_is_metric_math_over_the_load_balancer_counts(evaluation):
    inputs = alarms_by_key(evaluation)["edge-5xx-rate"]
    assert inputs["threshold"] == 5.0 and inputs["treatMissingData"] == "notBreaching"
    assert "metricName" not in inputs and "namespace" not in inputs
    queries = {q["id"]: q for q in inputs["metricQueries"]}
    for query_id, metric in (("elb5xx", "HTTPCode_ELB_5XX_Count"), ("target5xx", "HTTPCode_Target_5XX_Count"),
                             ("requests", "RequestCount")):
        assert queries[query_id]["metric"] == {"namespace": "AWS/ApplicationELB", "metricName": metric,
                                               "dimensions": {"LoadBalancer": LB}, "period": 60, "stat": "Sum"}
        assert queries[query_id]["returnData"] is False
    assert queries["rate"]["returnData"] is True
    assert queries["rate"]["expression"] == ("IF(requests >= 50, 100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / "
                                             "requests, 0)")


def test_count_mode_watches_counted_requests():
    evaluation = declare(dataclasses.replace(ARGS, edge=dataclasses.replace(ARGS.edge, rate_rules_count_only=True)))
    assert alarms_by_key(evaluation)["edge-waf-edge-rate-limit-by-ip"]["metricName"] == "CountedRequests"


def test_every_alarm_notifies_the_topic_when_it_fires_and_when_it_clears(evaluation):
    # The mock engine answers an ARN built from the topic's logical name.
    topic_arn = "arn:aws:sns:us-east-1:123456789012:obs-topic"
    for key, inputs in alarms_by_key(evaluation).items():
        assert inputs["alarmActions"] == [topic_arn] and inputs["okActions"] == [topic_arn], key


def test_topic_is_encrypted_with_a_key_cloudwatch_may_use_for_this_topic_only(evaluation):
    [topic], [key] = evaluation.by_type(TOPIC), evaluation.by_type(KEY)
    assert topic.inputs["kmsMasterKeyId"] and key.inputs["enableKeyRotation"] is True
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    cloudwatch = statements["CloudWatchAlarmsPublishToTheTopic"]
    assert cloudwatch["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert cloudwatch["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert cloudwatch["Condition"]["StringEquals"] == {
        "aws:SourceAccount": "123456789012",
        "kms:EncryptionContext:aws:sns:topicArn": f"arn:aws:sns:us-east-1:123456789012:{topic.inputs['name']}"}


def test_subscriptions_by_protocol(evaluation):
    subscriptions = {s.inputs["endpoint"]: s.inputs["protocol"]
                     for s in evaluation.by_type("aws:sns/topicSubscription:TopicSubscription")}
    assert subscriptions == {"ops@example.com": "email", "https://hooks.example.com/alarms": "https"}


def test_no_subscriptions_still_declares_the_topic():
    evaluation = declare(dataclasses.replace(ARGS, subscriptions=()))
    assert len(evaluation.by_type(TOPIC)) == 1
    assert evaluation.by_type("aws:sns/topicSubscription:TopicSubscription") == []


# ---- dashboard --------------------------------------------------------------------------------------------

def dashboard(evaluation) -> dict:
    [board] = evaluation.by_type("aws:cloudwatch/dashboard:Dashboard")
    return json.loads(board.inputs["dashboardBody"])


def test_dashboard_groups_tiers_and_has_a_widget_per_shard(evaluation):
    widgets = dashboard(evaluation)["widgets"]
    headers = [w["properties"]["markdown"] for w in widgets if w["type"] == "text"]
    assert headers == ["## Edge", "## Compute", "## Database (3 shards)", "## Cache", "## Streaming"]
    shards = {w["properties"]["title"]: w["properties"]["metrics"] for w in widgets
              if w["properties"].get("title", "").startswith("Shard ")}
    assert sorted(shards) == ["Shard 00", "Shard 01", "Shard 02"]
    assert shards["Shard 01"] == [
        ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", "db-1", {"stat": "Average", "label": "primary CPU %"}],
        *(["AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", f"db-1-replica-{r}",
           {"stat": "Maximum", "label": f"replica {r} lag (s)"}] for r in range(2)),
        ["AWS/RDS", "ClientConnections", "ProxyName", "db-1-proxy",
         {"stat": "Maximum", "label": "proxy client connections"}]]


def test_dashboard_widgets_name_real_dimensions(evaluation):
    widgets = {w["properties"]["title"]: w["properties"] for w in dashboard(evaluation)["widgets"]
               if w["type"] == "metric"}
    assert widgets["Broker data disk used %"]["metrics"][2][:6] == ["AWS/Kafka", "KafkaDataLogsDiskUsed",
                                                                   "Cluster Name", "kafka", "Broker ID", "3"]
    assert [m[3] for m in widgets["Memory used %"]["metrics"]] == ["rg-0001-001", "rg-0001-002", "rg-0002-001",
                                                                  "rg-0002-002"]
    assert all(w["region"] == "us-east-1" for w in widgets.values())


def test_dashboard_can_be_left_out():
    evaluation = declare(dataclasses.replace(ARGS, dashboard=False))
    assert evaluation.by_type("aws:cloudwatch/dashboard:Dashboard") == []


# ---- network ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def with_nat_gateways():
    return declare(AlarmsArgs(network=NetworkWatch(("nat-a", "nat-b")), environment="dev"))


def test_each_nat_gateway_has_a_port_allocation_and_a_dropped_packets_alarm(with_nat_gateways):
    alarms = alarms_by_key(with_nat_gateways)
    assert sorted(alarms) == ["nat-0-packets-dropped", "nat-0-port-allocation", "nat-1-packets-dropped",
                              "nat-1-port-allocation"]
    ports = alarms["nat-1-port-allocation"]
    assert {k: ports[k] for k in ("namespace", "metricName", "dimensions", "statistic", "threshold",
                                  "comparisonOperator", "evaluationPeriods", "datapointsToAlarm",
                                  "treatMissingData")} == {
        "namespace": "AWS/NATGateway", "metricName": "ErrorPortAllocation", "dimensions": {"NatGatewayId": "nat-b"},
        "statistic": "Sum", "threshold": 0.0, "comparisonOperator": "GreaterThanThreshold",
        "evaluationPeriods": 15, "datapointsToAlarm": 15, "treatMissingData": "notBreaching"}
    dropped = alarms["nat-0-packets-dropped"]
    assert dropped["threshold"] == 0.01 and (dropped["evaluationPeriods"], dropped["datapointsToAlarm"]) == (5, 5)
    queries = {q["id"]: q for q in dropped["metricQueries"]}
    for query_id, metric in (("dropped", "PacketsDropCount"), ("fromSource", "PacketsInFromSource"),
                             ("fromDestination", "PacketsInFromDestination")):
        assert queries[query_id]["metric"] == {"namespace": "AWS/NATGateway", "metricName": metric,
                                               "dimensions": {"NatGatewayId": "nat-a"}, "period": 60, "stat": "Sum"}
    assert queries["rate"]["expression"] == (
        "IF(FILL(fromSource, 0) + FILL(fromDestination, 0) > 0, 100 * FILL(dropped, 0) / "
        "(FILL(fromSource, 0) + FILL(fromDestination, 0)), 0)")


def test_the_dashboard_draws_every_nat_gateway(with_nat_gateways):
    widgets = dashboard(with_nat_gateways)["widgets"]
    assert [w["properties"]["markdown"] for w in widgets if w["type"] == "text"] == ["## Network"]
    ports = next(w["properties"]["metrics"] for w in widgets if w["properties"].get("title", "").endswith("allocation errors"))
    assert ports == [["AWS/NATGateway", "ErrorPortAllocation", "NatGatewayId", nat, {"stat": "Sum", "label": f"NAT {i}"}]
                     for i, nat in enumerate(("nat-a", "nat-b"))]

"""The policy pack run by the offline preview: same policies, same config files, engine-like unknowns."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pytest
from pulumi_policy import EnforcementLevel

from offline import preview
from offline.policy_check import reconcile, run_policies
from policies.registry import ALL_POLICIES, BY_NAME
from tests.conftest import OPERATOR_VALUES_FILE, run_program, stack_evaluation


def names(report, level):
    return sorted({(v.policy, v.resource_name) for v in report.violations if v.enforcement == level})


def test_config_files_set_the_level_per_stack():
    prod = reconcile(ALL_POLICIES, preview_config("prod"))
    dev = reconcile(ALL_POLICIES, preview_config("dev"))
    assert {s.enforcement for s in prod.values()} == {EnforcementLevel.MANDATORY}
    assert {s.enforcement for s in dev.values()} == {EnforcementLevel.ADVISORY}
    assert prod["aws-rds-instance-read-replicas"].config["minReplicas"] == 2
    assert dev["aws-rds-instance-read-replicas"].config["minReplicas"] == 1
    assert prod["aws-autoscaling-group-max-size"].config == {"maxSize": 20}  # the schema default


def preview_config(stack):
    from offline.policy_check import config_path_for
    return config_path_for(stack)


def test_all_then_per_policy_override_as_the_cli_does(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"all": "advisory", "aws-autoscaling-group-max-size":
                                {"enforcementLevel": "mandatory", "maxSize": 40},
                                "kubernetes-hpa-max-replicas": "disabled"}))
    settings = reconcile(ALL_POLICIES, path)
    assert settings["aws-autoscaling-group-max-size"].enforcement == EnforcementLevel.MANDATORY
    assert settings["aws-autoscaling-group-max-size"].config == {"maxSize": 40}
    assert settings["kubernetes-hpa-max-replicas"].enforcement == EnforcementLevel.DISABLED
    assert settings["aws-autoscaling-group-min-size"].enforcement == EnforcementLevel.ADVISORY


@pytest.mark.parametrize("content,error", [
    ({"all": "strict"}, "not a valid enforcement level"),
    ({"aws-autoscaling-group-max-size": {"maxSize": "twenty"}}, "'twenty' is not of type 'integer'"),
    ({"no-such-policy": "advisory"}, "no policy named 'no-such-policy'"),
])
def test_invalid_config_is_rejected(tmp_path, content, error):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(content))
    with pytest.raises(ValueError, match=error):
        reconcile(ALL_POLICIES, path)


def asg_program(max_size, health="ELB"):
    def program():
        aws.autoscaling.Group("asg", min_size=2, max_size=max_size, health_check_type=health,
                              health_check_grace_period=300)
    return program


def test_enforcement_and_knobs_come_from_the_config_file(tmp_path):
    evaluation = run_program(asg_program(40), preview=True)
    mandatory = run_policies(evaluation, "prod")
    assert [(v.policy, v.enforcement, v.severity) for v in mandatory.violations] == \
        [("aws-autoscaling-group-max-size", "mandatory", "high")]
    assert mandatory.violations[0].resource_name == "asg" and "maxSize is 40" in mandatory.violations[0].message
    advisory = run_policies(evaluation, "dev")
    assert [v.enforcement for v in advisory.violations] == ["advisory"] and not advisory.mandatory
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"all": "mandatory", "aws-autoscaling-group-max-size": {"maxSize": 40}}))
    assert run_policies(evaluation, "prod", config_path=path).violations == []


def test_unknown_values_skip_the_policy_with_a_note_not_a_violation():
    def program():
        lt = aws.ec2.LaunchTemplate("lt", metadata_options={"http_tokens": "required"})
        # httpTokens unknown during preview: derived from another resource's output.
        aws.ec2.LaunchTemplate("lt2", metadata_options={"http_tokens": lt.id.apply(lambda _: "required")})
    report = run_policies(run_program(program, preview=True), "prod")
    skipped = [s for s in report.skipped if s.policy == "aws-ec2-launch-template-imdsv2"]
    assert [s.resource_name for s in skipped] == ["lt2"]
    assert "can't be known during preview" in skipped[0].message
    assert not [v for v in report.violations if v.policy == "aws-ec2-launch-template-imdsv2"]


def test_stack_links_resolve_through_property_dependencies_in_preview():
    def program():
        lb = aws.lb.LoadBalancer("alb", internal=False, load_balancer_type="application", idle_timeout=60,
                                 enable_deletion_protection=True)
        acl = aws.wafv2.WebAcl("acl", scope="REGIONAL", default_action={"allow": {}}, visibility_config={
            "cloudwatch_metrics_enabled": True, "metric_name": "m", "sampled_requests_enabled": True})
        aws.wafv2.WebAclAssociation("assoc", resource_arn=lb.arn, web_acl_arn=acl.arn)
        aws.lb.LoadBalancer("naked", internal=False, idle_timeout=60, enable_deletion_protection=True)
    report = run_policies(run_program(program, preview=True), "prod")
    waf = [v.resource_name for v in report.violations if v.policy == "aws-alb-load-balancer-waf-association"]
    assert waf == ["naked"]


def test_protect_option_reaches_the_policy():
    def program():
        aws.ebs.Volume("kept", availability_zone="us-east-1a", size=10, encrypted=True,
                       opts=pulumi.ResourceOptions(protect=True))
        aws.ebs.Volume("loose", availability_zone="us-east-1a", size=10, encrypted=True)
    report = run_policies(run_program(program, preview=True), "prod")
    assert [v.resource_name for v in report.violations if v.policy == "pulumi-stateful-resource-protect"] == ["loose"]


def test_prod_stack_has_no_violation():
    report = run_policies(stack_evaluation("prod"), "prod")
    assert report.violations == []


def test_dev_stack_advisory_violations_are_what_dev_relaxes():
    report = run_policies(stack_evaluation("dev"), "dev")
    assert report.mandatory == []
    # Exactly these (policy, resource) pairs: each is a setting dev relaxes on purpose.
    assert names(report, "advisory") == sorted([
        ("aws-alb-listener-http-redirect-to-https", "edge-lb-http"),   # no certificate in dev: HTTP forwards
        ("aws-alb-load-balancer-deletion-protection", "edge-lb-alb"),  # scaling:lbDeletionProtection false
        ("aws-autoscaling-group-min-size", "edge-asg-api1-asg"),       # scaling:asgMinSize 1, in both EC2 pools
        ("aws-autoscaling-group-min-size", "edge-asg-api2-asg"),
        ("aws-cloudwatch-log-group-retention", "edge-rate-limit-logs"),  # scaling:rateLimitLogRetentionDays 14
        ("aws-cloudwatch-log-group-retention", "network-flow-logs"),     # scaling:networkFlowLogRetentionDays 30
        ("aws-elasticache-replication-group-cluster-mode", "cache-rg"),  # scaling:cacheShards 1
        ("aws-elasticache-replication-group-snapshot-retention", "cache-rg"),  # 1 day
        ("aws-rds-instance-backup-retention", "db-shard-00-primary"),  # 3 days
        ("aws-rds-instance-backup-retention", "db-shard-01-primary"),
        ("aws-rds-instance-deletion-protection", "db-shard-00-primary"),  # scaling:dbDeletionProtection false
        ("aws-rds-instance-deletion-protection", "db-shard-00-replica-0"),
        ("aws-rds-instance-deletion-protection", "db-shard-01-primary"),
        ("aws-rds-instance-deletion-protection", "db-shard-01-replica-0"),
        ("aws-rds-instance-final-snapshot", "db-shard-00-primary"),    # follows deletion protection
        ("aws-rds-instance-final-snapshot", "db-shard-01-primary"),
        ("aws-rds-instance-shard-count", ""),                          # scaling:dbShardCount 2 (a stack rule)
        ("aws-vpc-interface-endpoints", "network-vpc"),                # scaling:networkInterfaceEndpoints []
    ])


@pytest.mark.parametrize("settings,policy,resource_type", [
    (["asgMaxSize=40"], "aws-autoscaling-group-max-size", "aws:autoscaling/group:Group"),
    (["eksHpaMaxReplicas=100", "eksNodeMaxSize=20"], "kubernetes-hpa-max-replicas",
     "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"),
    (["kafkaTopicReplicationFactor=2"], "aws-msk-topic-replication-factor", "aws:msk/topic:Topic"),
    (["cacheShards=2"], "aws-elasticache-replication-group-cluster-mode",
     "aws:elasticache/replicationGroup:ReplicationGroup"),
    (["rateLimitRequests=1000"], "aws-wafv2-web-acl-rate-limit", "aws:wafv2/webAcl:WebAcl"),
])
def test_breaking_a_documented_limit_fails_the_prod_preview(capsys, settings, policy, resource_type):
    assert stack_evaluation("prod").by_type(resource_type), f"{resource_type} is absent from prod"
    argv = ["--stack", "prod", "--set-file", str(OPERATOR_VALUES_FILE)] + [a for s in settings for a in ("--set", s)]
    assert preview.main(argv) == preview.EXIT_POLICY
    out = capsys.readouterr().out
    assert f"[mandatory] {policy}" in out


def test_preview_json_carries_the_policy_report(capsys):
    preview.main(["--stack", "dev", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["policies"]["mandatory"] == 0 and data["policies"]["advisory"] == len(data["policies"]["violations"])
    assert {"policy", "enforcement", "severity", "resource_type", "resource_name", "urn", "message"} <= \
        set(data["policies"]["violations"][0])


def test_no_policies_flag(capsys):
    assert preview.main(["--stack", "dev", "--no-policies"]) == preview.EXIT_OK
    assert "Policy pack" not in capsys.readouterr().out


def test_every_registered_policy_ran():
    assert run_policies(stack_evaluation("dev"), "dev").policies_run == len(BY_NAME)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_skipping_the_types_a_policy_declares_it_ignores_changes_no_verdict(stack, monkeypatch):
    """The runner calls a resource policy only for its ``applies_to`` types; called for every resource, as
    the Pulumi CLI calls it, the pack says exactly the same (the policies' own guards agree)."""
    from offline import policy_check
    evaluation = stack_evaluation(stack)
    config = preview_config(stack)
    declared = [p for p in ALL_POLICIES if getattr(p, "applies_to", None)]
    assert len(declared) > 30
    skipping = run_policies(evaluation, stack, config_path=config)
    monkeypatch.setattr(policy_check, "_resources_for", lambda policy, resources, *_: resources)
    calling_all = run_policies(evaluation, stack, config_path=config)
    assert skipping.violations == calling_all.violations
    assert skipping.skipped == calling_all.skipped
    assert skipping.not_applicable == calling_all.not_applicable
    assert skipping.policies_run == calling_all.policies_run
    if stack == "dev":
        assert skipping.violations  # dev relaxes settings on purpose: the comparison is not of two empty lists


def test_a_valid_config_is_remembered_and_an_invalid_one_never_is(tmp_path, monkeypatch):
    monkeypatch.setenv("SCALING_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"aws-autoscaling-group-max-size": {"maxSize": 30}}))
    reconcile(ALL_POLICIES, path)
    remembered = list((tmp_path / "cache" / "policy-config").iterdir())
    assert len(remembered) == 1
    reconcile(ALL_POLICIES, path)  # the same values: judged valid from the marker
    path.write_text(json.dumps({"aws-autoscaling-group-max-size": {"maxSize": "thirty"}}))
    for _ in range(2):
        with pytest.raises(ValueError, match="'thirty' is not of type 'integer'"):
            reconcile(ALL_POLICIES, path)
    assert list((tmp_path / "cache" / "policy-config").iterdir()) == remembered


def test_the_policy_run_collects_cycles_less_often_and_restores_the_collector(tmp_path):
    """Like ``evaluate``: right after an evaluation, a full collection would walk all of its objects."""
    import gc

    from pulumi_policy import StackValidationPolicy

    from offline.engine import EVALUATION_GC_THRESHOLD
    seen = []
    probe = StackValidationPolicy(name="probe", description="records the collector's threshold",
                                  validate=lambda args, report_violation: seen.append(gc.get_threshold()[0]))
    before = gc.get_threshold()
    (tmp_path / "config.json").write_text("{}")
    report = run_policies(stack_evaluation("dev"), "dev", config_path=tmp_path / "config.json", policies=[probe])
    assert report.policies_run == 1
    assert seen == [max(before[0], EVALUATION_GC_THRESHOLD)]
    assert gc.get_threshold() == before

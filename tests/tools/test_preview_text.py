"""The readable text preview: curated key settings per type, 120 columns, outputs, summary, colour rules."""

from __future__ import annotations

import io
import re

import pytest

from offline.engine import Evaluation, RecordedResource, display_value
from offline.key_settings import IDENTITY_ONLY, KEY_SETTINGS, LINE_WIDTH, curated, display_type, key_settings, summarize
from offline.preview import pack, render_rich, render_text, render_tree, use_rich
from tests.conftest import stack_evaluation


def _settings(evaluation: Evaluation, type_: str, name: str) -> dict[str, str]:
    resource = evaluation.one(type_, name)
    return dict(key_settings(resource.type, display_value(resource.inputs)))


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_declared_type_has_a_curated_entry_or_an_explicit_identity_only_decision(stack):
    types = {r.type for r in stack_evaluation(stack).resources if r.custom}
    verdicts = curated(types)
    assert {t for t, v in verdicts.items() if v == "fallback"} == set()
    # The two tables do not overlap: one decision per type.
    assert not set(KEY_SETTINGS) & set(IDENTITY_ONLY)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_line_of_the_text_preview_exceeds_120_columns(stack):
    text = render_text(stack_evaluation(stack))
    too_long = [line for line in text.splitlines() if len(line) > LINE_WIDTH]
    assert too_long == []


def test_a_narrow_width_is_kept_too():
    """The packing works at any width, not just because prod happens to fit."""
    assert max(len(line) for line in render_tree(stack_evaluation("prod"), width=72).splitlines()) <= 72


def test_curated_settings_show_what_a_reviewer_checks_first():
    prod = stack_evaluation("prod")
    asg = _settings(prod, "aws:autoscaling/group:Group", "edge-asg-api1-asg")
    assert (asg["min"], asg["max"], asg["desired"]) == ("2", "20", "5")
    primary = _settings(prod, "aws:rds/instance:Instance", "db-shard-00-primary")
    assert primary["class"].startswith("db.") and primary["engine"] == "postgres"
    assert {"version", "multiAz", "storage", "encrypted"} <= set(primary)
    assert primary["multiAz"] == "true" and primary["encrypted"] == "true"
    cache = _settings(prod, "aws:elasticache/replicationGroup:ReplicationGroup", "cache-rg")
    assert cache["nodeType"].startswith("cache.") and cache["shards"] == "3" and cache["replicasPerShard"] == "1"
    deployment = _settings(prod, "kubernetes:apps/v1:Deployment", "app-deployment")
    assert ":" in deployment["image"] and "cpu=" in deployment["requests"] and "memory=" in deployment["limits"]
    hpa = _settings(prod, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "app-hpa")
    assert (hpa["min"], hpa["max"]) == ("2", "50") and "cpu 70%" in hpa["metrics"]
    waf = _settings(prod, "aws:wafv2/webAcl:WebAcl", "edge-rate-limit-acl")
    assert re.search(r"\b67/600s per IP -> block 429\b", waf["rateRules"])


def test_an_alarm_shows_its_period_and_a_metric_math_alarm_the_period_of_its_metrics():
    prod = stack_evaluation("prod")
    assert _settings(prod, "aws:cloudwatch/metricAlarm:MetricAlarm", "observability-db-shard-00-cpu")["periods"] == "15x60s"
    rate = _settings(prod, "aws:cloudwatch/metricAlarm:MetricAlarm", "observability-edge-5xx-rate")
    assert (rate["metric"], rate["periods"]) == ("metric math", "5x60s")
    dropped = _settings(prod, "aws:cloudwatch/metricAlarm:MetricAlarm", "observability-nat-0-packets-dropped")
    assert (dropped["metric"], dropped["threshold"], dropped["periods"]) == ("metric math", "0.01", "5x60s")


def test_a_multi_line_value_stays_on_one_line_of_the_tree():
    prod = stack_evaluation("prod")
    properties = _settings(prod, "aws:msk/configuration:Configuration", "streaming-config")["properties"]
    assert "\n" not in properties and "auto.create.topics.enable=false; " in properties
    tree = render_tree(prod)
    line = next(line for line in tree.splitlines() if "properties=" in line)
    assert line.strip().startswith("properties=auto.create.topics.enable=false;")


def test_text_preview_has_outputs_and_ends_with_the_summary_line():
    text = render_text(stack_evaluation("dev"))
    outputs = text.split("\nOutputs: ", 1)[1].split("\n\n", 1)[0].splitlines()
    assert int(outputs[0]) == len(stack_evaluation("dev").outputs)
    assert any(line.split() == ["cacheAuthToken", "[secret]"] for line in outputs[1:])
    assert text.splitlines()[-1] == f"scaling-dev: {len(stack_evaluation('dev').resources)} resources to create, " \
                                    "policies not evaluated"


def test_an_undeclared_type_falls_back_to_its_first_scalar_inputs():
    inputs = {"zeta": 1, "alpha": "a" * 200, "nested": {"x": 1}, "tags": {"a": "b"}, "beta": True}
    settings = key_settings("acme:thing/widget:Widget", inputs)
    assert [k for k, _ in settings] == ["alpha", "beta", "zeta"]
    assert len(settings[0][1]) <= 48 and settings[0][1].endswith("...")


def test_identity_only_types_show_no_setting_but_keep_their_options():
    resource = RecordedResource("urn:x", "aws:iam/rolePolicy:RolePolicy", "p", "", True,
                                {"role": "r", "policy": "{}"}, protect=True)
    evaluation = Evaluation("proj", "s", [resource], {}, {}, [])
    assert render_tree(evaluation).splitlines()[1] == "  + aws:iam:RolePolicy  p  [protect]"


@pytest.mark.parametrize("value, expected", [
    ("(known after apply)", "(after apply)"),
    ("a=1\nb=2\n", "a=1; b=2"),
    (["x", "x", "x"], "3x x"),
    ({"cpu": "1", "memory": "2Gi"}, "{cpu=1,memory=2Gi}"),
    (3.0, "3"),
    (False, "false"),
    ("", '""'),
])
def test_summarize_makes_any_value_one_short_line(value, expected):
    assert summarize(value) == expected


def test_summarize_cuts_at_the_width():
    assert summarize("x" * 500, 20) == "x" * 17 + "..."


def test_pack_never_splits_a_setting_and_cuts_one_that_cannot_fit():
    lines = pack(["a=1 2", "b=" + "y" * 50, "c=3"], 30, "  ")
    assert lines[0] == "  a=1 2" and lines[-1].endswith("c=3")
    assert all(len(line) <= 30 for line in lines)


@pytest.mark.parametrize("token, shown", [
    ("aws:rds/instance:Instance", "aws:rds:Instance"),
    ("aws:s3/bucketPolicy:BucketPolicy", "aws:s3:BucketPolicy"),
    ("kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:Deployment"),
    ("pulumi:providers:kubernetes", "pulumi:providers:kubernetes"),
    ("scaling:database:Database", "scaling:database:Database"),
])
def test_display_type_shortens_like_the_pulumi_cli(token, shown):
    assert display_type(token) == shown


class _Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize("choice, tty, environ, expected", [
    ("auto", True, {}, True),
    ("auto", False, {}, False),
    ("auto", True, {"NO_COLOR": "1"}, False),
    ("auto", True, {"NO_COLOR": ""}, True),  # no-color.org: only a non-empty value counts
    ("always", False, {"NO_COLOR": "1"}, True),
    ("never", True, {}, False),
])
def test_colour_only_on_a_terminal_without_no_color(choice, tty, environ, expected):
    assert use_rich(choice, _Stream(tty), environ) is expected


def test_rich_output_has_colour_and_the_same_sections():
    out = _Stream(False)
    render_rich(stack_evaluation("dev"), None, file=out, force=True)
    text = out.getvalue()
    assert "\x1b[" in text
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert "aws:autoscaling:Group  edge-asg-api1-asg" in plain and "Outputs" in plain
    assert plain.rstrip().splitlines()[-1].startswith("scaling-dev: ")

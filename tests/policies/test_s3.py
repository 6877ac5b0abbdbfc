import json

from pulumi_policy.proxy import UnknownValueError

from policies import s3
from tests.policies import UNKNOWN, link, proxy, resource, run, run_stack
from tests.policies.cases import Case, case_tests

SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
BUCKET, POLICY = "aws:s3/bucket:Bucket", "aws:s3/bucketPolicy:BucketPolicy"


def rules(algorithm):
    return {"bucket": "logs", "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": algorithm}}]}


CASES = [
    Case(s3.bucket_sse_algorithm, SSE, rules("aws:kms"), rules("none"), {"bucket": "logs"}, True, "'none'"),
]
test_compliant, test_violating, test_missing_property, test_other_resource_types_are_ignored = case_tests(CASES)

TLS_ONLY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::127311923021:root"}, "Action": "s3:PutObject",
     "Resource": "arn:aws:s3:::logs/*"},
    {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})


def test_bucket_with_linked_encryption_configuration_passes():
    bucket = resource(BUCKET, "logs", {"bucket": "logs"})
    config = link(resource(SSE, "logs-sse", {"bucket": UNKNOWN, "rules": []}), "bucket", bucket)
    assert run_stack(s3.bucket_encryption_configured, [bucket, config]) == []


def test_bucket_without_encryption_configuration_is_reported():
    bucket = resource(BUCKET, "logs", {"bucket": "logs"})
    other = resource(SSE, "other-sse", {"bucket": "other", "rules": []})
    found = run_stack(s3.bucket_encryption_configured, [bucket, other])
    assert [urn for _, urn in found] == [bucket.urn]


def test_bucket_matched_by_known_name_and_missing_bucket_prop():
    bucket = resource(BUCKET, "logs", {"bucket": "logs"})
    assert run_stack(s3.bucket_encryption_configured, [bucket, resource(SSE, "sse", {"bucket": "logs"})]) == []
    assert run_stack(s3.bucket_encryption_configured, [bucket, resource(SSE, "sse", {})])


def test_secure_transport_policy():
    bucket = resource(BUCKET, "logs", {"bucket": "logs"})
    good = link(resource(POLICY, "p", {"bucket": UNKNOWN, "policy": TLS_ONLY}), "bucket", bucket)
    assert run_stack(s3.bucket_secure_transport, [bucket, good]) == []
    allow_only = json.dumps({"Statement": [json.loads(TLS_ONLY)["Statement"][0]]})
    weak = link(resource(POLICY, "p", {"bucket": UNKNOWN, "policy": allow_only}), "bucket", bucket)
    assert "does not deny" in run_stack(s3.bucket_secure_transport, [bucket, weak])[0][0]
    assert "no bucket policy" in run_stack(s3.bucket_secure_transport, [bucket])[0][0]


def test_unknown_policy_document_raises_after_reporting_what_is_known():
    known = resource(BUCKET, "a", {"bucket": "a"})
    pending = resource(BUCKET, "b", {"bucket": "b"})
    unknown_policy = link(resource(POLICY, "p", {"bucket": UNKNOWN, "policy": UNKNOWN}), "bucket", pending)
    found = []
    try:
        s3.bucket_secure_transport.validate(
            __import__("pulumi_policy").StackValidationArgs([known, pending, unknown_policy], {}),
            lambda m, urn=None: found.append(urn))
        raised = False
    except UnknownValueError:
        raised = True
    assert raised and found == [known.urn]


VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"


def versioned_bucket(status="Enabled", rule=None):
    """A bucket with a linked versioning configuration and a linked lifecycle configuration holding ``rule``."""
    bucket = resource(BUCKET, "logs", {"bucket": "logs"})
    versioning = link(resource(VERSIONING, "logs-versioning", {
        "bucket": UNKNOWN, "versioningConfiguration": {"status": status}}), "bucket", bucket)
    rule = rule if rule is not None else {"id": "expire", "status": "Enabled", "expiration": {"days": 90.0},
                                          "noncurrentVersionExpiration": {"noncurrentDays": 7.0}}
    lifecycle = link(resource(LIFECYCLE, "logs-lifecycle", {"bucket": UNKNOWN, "rules": [rule]}), "bucket", bucket)
    return [bucket, versioning, lifecycle]


def test_versioned_bucket_expiring_noncurrent_versions_passes():
    assert run_stack(s3.bucket_versioning_lifecycle, versioned_bucket()) == []


def test_unversioned_bucket_is_reported():
    resources = versioned_bucket(status="Suspended")
    assert run_stack(s3.bucket_versioning_lifecycle, resources) == [
        (f"{BUCKET} logs is not versioned: an overwrite or delete loses the object for good", resources[0].urn)]
    bare = resource(BUCKET, "bare", {"bucket": "bare"})
    assert [urn for _, urn in run_stack(s3.bucket_versioning_lifecycle, [bare])] == [bare.urn]


def test_versioned_bucket_without_an_enabled_noncurrent_expiration_is_reported():
    for rule in ({"id": "expire", "status": "Enabled", "expiration": {"days": 90.0}},
                 {"id": "off", "status": "Disabled", "noncurrentVersionExpiration": {"noncurrentDays": 7.0}}):
        [(message, _)] = run_stack(s3.bucket_versioning_lifecycle, versioned_bucket(rule=rule))
        assert "no enabled lifecycle rule expires noncurrent versions" in message


def test_configurations_of_another_bucket_do_not_count_and_inline_versioning_does():
    other = versioned_bucket()
    lonely = resource(BUCKET, "lonely", {"bucket": "lonely"})
    assert [urn for _, urn in run_stack(s3.bucket_versioning_lifecycle, [*other, lonely])] == [lonely.urn]
    inline = resource(BUCKET, "inline", {"bucket": "inline", "versioning": {"enabled": True}, "lifecycleRules": [
        {"enabled": True, "noncurrentVersionExpiration": {"days": 30.0}}]})
    assert run_stack(s3.bucket_versioning_lifecycle, [inline]) == []


# --- Whole messages and the branches mutation testing found untested (issue 19) ------------------------------------

VERSIONING = "aws:s3/bucketVersioningV2:BucketVersioningV2"
LIFECYCLE = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"


def test_sse_algorithm_messages_are_whole():
    assert run(s3.bucket_sse_algorithm, SSE, rules("none")) == [
        "sseAlgorithm 'none' is not one of ['aws:kms', 'aws:kms:dsse', 'AES256']"]
    assert run(s3.bucket_sse_algorithm, SSE, {"bucket": "logs", "rules": []}) == [
        "no rule sets applyServerSideEncryptionByDefault.sseAlgorithm"]
    two = {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}, {"bucketKeyEnabled": True}]}
    assert run(s3.bucket_sse_algorithm, SSE, two) == ["no rule sets applyServerSideEncryptionByDefault.sseAlgorithm"]
    assert run(s3.bucket_sse_algorithm, SSE, rules("AES256"), {"allowedAlgorithms": ["aws:kms"]}) == [
        "sseAlgorithm 'AES256' is not one of ['aws:kms']"]


def test_encryption_configured_inline_or_by_id_and_the_whole_message():
    assert run_stack(s3.bucket_encryption_configured, [resource(BUCKET, "a", {"serverSideEncryptionConfiguration": {
        "rule": {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}}})]) == []
    assert run_stack(s3.bucket_encryption_configured, [resource(BUCKET, "b", {"serverSideEncryptionConfigurations": [
        {"rules": []}]})]) == []
    by_id = resource(BUCKET, "c", {"id": "c-123"})
    assert run_stack(s3.bucket_encryption_configured, [by_id, resource(SSE, "sse", {"bucket": "c-123"})]) == []
    bare = resource("aws:s3/bucketV2:BucketV2", "d", {"bucket": "d"})
    assert run_stack(s3.bucket_encryption_configured, [bare, resource(SSE, "sse", {"bucket": "other"})]) == [
        ("aws:s3/bucketV2:BucketV2 d has no server-side encryption configuration", bare.urn)]


def test_secure_transport_messages_are_whole_and_a_policy_matches_by_name():
    bucket = resource(BUCKET, "logs", {"bucket": "logs"})
    assert run_stack(s3.bucket_secure_transport, [bucket]) == [
        (f"{BUCKET} logs has no bucket policy denying requests without TLS", bucket.urn)]
    allow_only = json.dumps({"Statement": [json.loads(TLS_ONLY)["Statement"][0]]})
    assert run_stack(s3.bucket_secure_transport, [bucket, resource(POLICY, "p", {"bucket": "logs",
                                                                                 "policy": allow_only})]) == [
        (f"{BUCKET} logs: its bucket policy does not deny aws:SecureTransport=false", bucket.urn)]
    assert run_stack(s3.bucket_secure_transport, [bucket, resource(POLICY, "p", {"bucket": "logs",
                                                                                 "policy": TLS_ONLY})]) == []
    other = resource(POLICY, "q", {"bucket": "other", "policy": TLS_ONLY})
    assert [urn for _, urn in run_stack(s3.bucket_secure_transport, [bucket, other])] == [bucket.urn]


def deny(secure, effect="Deny"):
    return {"Statement": [{"Effect": effect, "Principal": "*", "Action": "s3:*", "Resource": "*",
                           "Condition": {"Bool": {"aws:SecureTransport": secure}}}]}


def test_denies_insecure_transport_reads_each_spelling_of_false():
    for secure in ("false", "False", False, ["false"], [False]):
        assert s3.denies_insecure_transport(deny(secure)) is True, secure
        assert s3.denies_insecure_transport(json.dumps(deny(secure))) is True, secure
    for secure in ("true", True, ["false", "true"], [], None):
        assert s3.denies_insecure_transport(deny(secure)) is False, secure
    assert s3.denies_insecure_transport(deny("false", effect="Allow")) is False
    assert s3.denies_insecure_transport({"Statement": [{"Effect": "Deny", "Action": "s3:*"}]}) is False
    assert s3.denies_insecure_transport({"Statement": [{"Effect": "Deny", "Condition": {"StringEquals": {}}}]}) is False
    assert s3.denies_insecure_transport(None) is False
    assert s3.denies_insecure_transport({"Statement": [deny("true")["Statement"][0], deny("false")["Statement"][0]]})


def lifecycle_rule(**fields):
    return {"id": "old", "status": "Enabled", "noncurrentVersionExpiration": {"noncurrentDays": 30.0}, **fields}


def test_versioning_lifecycle_messages_are_whole():
    bucket = resource(BUCKET, "logs", {"bucket": "logs"})
    assert run_stack(s3.bucket_versioning_lifecycle, [bucket]) == [
        (f"{BUCKET} logs is not versioned: an overwrite or delete loses the object for good", bucket.urn)]
    versioned = resource(BUCKET, "logs", {"bucket": "logs", "versioning": {"enabled": True}})
    assert run_stack(s3.bucket_versioning_lifecycle, [versioned]) == [
        (f"{BUCKET} logs is versioned but no enabled lifecycle rule expires noncurrent versions: every overwritten or "
         "deleted object is kept and billed forever", versioned.urn)]


def test_versioning_comes_inline_or_from_an_enabled_configuration_of_that_bucket():
    lifecycle = {"lifecycleRules": [lifecycle_rule()]}
    for inline in (True, "true", "True"):
        assert run_stack(s3.bucket_versioning_lifecycle, [resource(BUCKET, "a", {
            "bucket": "a", "versioning": {"enabled": inline}, **lifecycle})]) == [], inline
    bucket = resource(BUCKET, "a", {"bucket": "a", **lifecycle})
    enabled = resource(VERSIONING, "v", {"bucket": "a", "versioningConfiguration": {"status": "Enabled"}})
    suspended = resource(VERSIONING, "v", {"bucket": "a", "versioningConfiguration": {"status": "Suspended"}})
    elsewhere = resource(VERSIONING, "v", {"bucket": "b", "versioningConfiguration": {"status": "Enabled"}})
    assert run_stack(s3.bucket_versioning_lifecycle, [bucket, enabled]) == []
    for config in (suspended, elsewhere):
        assert [m for m, _ in run_stack(s3.bucket_versioning_lifecycle, [bucket, config])] == [
            f"{BUCKET} a is not versioned: an overwrite or delete loses the object for good"]


def test_only_an_enabled_rule_with_a_noncurrent_expiration_counts():
    versioned = {"bucket": "a", "versioning": {"enabled": True}}
    counts = [lifecycle_rule(), lifecycle_rule(noncurrentVersionExpiration={"days": 7.0}),
              {"enabled": True, "noncurrentVersionExpiration": {"days": 7.0}}]
    for rule in counts:
        assert run_stack(s3.bucket_versioning_lifecycle, [resource(BUCKET, "a", {**versioned,
                                                                                 "lifecycleRules": [rule]})]) == [], rule
    ignored = [lifecycle_rule(status="Disabled"), lifecycle_rule(enabled=False),
               lifecycle_rule(noncurrentVersionExpiration={}), {"id": "x", "expiration": {"days": 30.0}}]
    for rule in ignored:
        assert len(run_stack(s3.bucket_versioning_lifecycle, [resource(BUCKET, "a", {
            **versioned, "lifecycleRules": [rule]})])) == 1, rule


def test_a_lifecycle_configuration_counts_only_for_its_own_bucket():
    bucket = resource(BUCKET, "a", {"bucket": "a", "versioning": {"enabled": True}})
    mine = resource(LIFECYCLE, "l", {"bucket": "a", "rules": [lifecycle_rule()]})
    linked = link(resource(LIFECYCLE, "l", {"bucket": UNKNOWN, "rules": [lifecycle_rule()]}), "bucket", bucket)
    other = resource(LIFECYCLE, "l", {"bucket": "b", "rules": [lifecycle_rule()]})
    assert run_stack(s3.bucket_versioning_lifecycle, [bucket, mine]) == []
    assert run_stack(s3.bucket_versioning_lifecycle, [bucket, linked]) == []
    assert [urn for _, urn in run_stack(s3.bucket_versioning_lifecycle, [bucket, other])] == [bucket.urn]


def test_only_the_bucket_input_links_a_configuration_or_policy_to_a_bucket():
    """A dependency through another input or an explicit depends_on is not 'this bucket's configuration'."""
    bucket = resource(BUCKET, "a", {"bucket": "a"})
    sse = resource(SSE, "sse", {"bucket": "other", "rules": []})
    sse.dependencies.append(bucket)
    assert [urn for _, urn in run_stack(s3.bucket_encryption_configured, [bucket, sse])] == [bucket.urn]
    policy = resource(POLICY, "p", {"bucket": "other", "policy": TLS_ONLY})
    policy.dependencies.append(bucket)
    assert run_stack(s3.bucket_secure_transport, [bucket, policy]) == [
        (f"{BUCKET} a has no bucket policy denying requests without TLS", bucket.urn)]


def test_a_bucket_policy_matches_a_bucket_by_its_id():
    bucket = resource(BUCKET, "a", {"bucket": "a-name", "id": "a-123"})
    assert run_stack(s3.bucket_secure_transport, [bucket, resource(POLICY, "p", {"bucket": "a-123",
                                                                                 "policy": TLS_ONLY})]) == []


def test_versioning_enabled_false_is_not_versioned_and_every_bucket_is_judged():
    off = resource(BUCKET, "off", {"bucket": "off", "versioning": {"enabled": False}})
    no_rule = resource(BUCKET, "no-rule", {"bucket": "no-rule", "versioning": {"enabled": True}})
    assert run_stack(s3.bucket_versioning_lifecycle, [off, no_rule]) == [
        (f"{BUCKET} off is not versioned: an overwrite or delete loses the object for good", off.urn),
        (f"{BUCKET} no-rule is versioned but no enabled lifecycle rule expires noncurrent versions: every overwritten "
         "or deleted object is kept and billed forever", no_rule.urn)]


def test_a_policy_given_as_an_object_is_read_through_the_analyzer_proxies():
    """pulumi-aws takes the policy as a document object too; the analyzer hands it over as map and list proxies,
    which are not a dict and a list (a list-valued condition was missed)."""
    for secure in ("false", False, ["false"], [False]):
        assert s3.denies_insecure_transport(proxy({"policy": deny(secure)})["policy"]) is True, secure
    for secure in ("true", ["false", "true"], []):
        assert s3.denies_insecure_transport(proxy({"policy": deny(secure)})["policy"]) is False, secure
    bucket = resource(BUCKET, "logs", {"bucket": "logs"})
    policy = resource(POLICY, "p", {"bucket": "logs", "policy": deny(["false"])})
    assert run_stack(s3.bucket_secure_transport, [bucket, policy]) == []


def test_a_single_statement_object_is_read():
    assert s3.denies_insecure_transport({"Statement": deny("false")["Statement"][0]}) is True
    assert s3.denies_insecure_transport(json.dumps({"Statement": deny(["false"])["Statement"][0]})) is True
    assert s3.denies_insecure_transport({"Statement": deny("true")["Statement"][0]}) is False


def test_the_string_of_a_list_is_not_false():
    """IAM compares the condition value as written: the string "['false']" never equals false, so it denies nothing."""
    assert s3.denies_insecure_transport(deny("['false']")) is False

import json

from policies import s3
from pulumi_policy.proxy import UnknownValueError
from tests.policies import UNKNOWN, link, resource, run, run_stack
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

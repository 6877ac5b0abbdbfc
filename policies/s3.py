"""S3: default encryption at rest and TLS-only access for every bucket."""

from __future__ import annotations

import json

from .common import (CRITICAL, HIGH, UnknownCollector, depends_on, get, items, known_equal, label, of_type,
                     resource_policy, schema, stack_policy, string_list)

BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
SSE_TYPES = ("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
             "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
ALGORITHMS = ["aws:kms", "aws:kms:dsse", "AES256"]


def _algorithms(rules) -> list:
    return [get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm") for rule in items(rules)]


def _sse_algorithm(args, k, violation):
    algorithms = _algorithms(get(args.props, "rules"))
    if not algorithms or None in algorithms:
        violation("no rule sets applyServerSideEncryptionByDefault.sseAlgorithm")
    for algorithm in algorithms:
        if algorithm is not None and algorithm not in k["allowedAlgorithms"]:
            violation(f"sseAlgorithm {algorithm!r} is not one of {k['allowedAlgorithms']}")


bucket_sse_algorithm = resource_policy(
    "aws-s3-bucket-sse-algorithm",
    "S3 default encryption uses SSE-KMS (or SSE-S3 where allowed).",
    SSE_TYPES, _sse_algorithm, severity=HIGH,
    remediation="Set rules=[{apply_server_side_encryption_by_default: {sse_algorithm: 'aws:kms'}, "
                "bucket_key_enabled: True}].",
    config_schema=schema(allowedAlgorithms=string_list(ALGORITHMS, "Allowed default encryption algorithms.")))


def _configures(config, bucket) -> bool:
    return depends_on(config, bucket, "bucket") or \
        known_equal(lambda: get(config.props, "bucket"), bucket, "bucket", "id")


def _encryption_configured(args, k, report):
    unknown = UnknownCollector()
    configs = of_type(args, *SSE_TYPES)
    for bucket in of_type(args, *BUCKET_TYPES):
        with unknown.guard():
            inline = get(bucket.props, "serverSideEncryptionConfiguration") or \
                items(get(bucket.props, "serverSideEncryptionConfigurations"))
            if not inline and not any(_configures(c, bucket) for c in configs):
                report(f"{label(bucket)} has no server-side encryption configuration", bucket.urn)
    unknown.raise_first()


bucket_encryption_configured = stack_policy(
    "aws-s3-bucket-encryption-configured",
    "Every S3 bucket has a default encryption configuration.",
    _encryption_configured, severity=HIGH,
    remediation="Declare aws.s3.BucketServerSideEncryptionConfiguration(bucket=bucket.id, rules=[...]) per bucket.")


def denies_insecure_transport(document) -> bool:
    """Whether a bucket policy document denies requests made without TLS (aws:SecureTransport false)."""
    if isinstance(document, str):
        document = json.loads(document)
    for statement in (document or {}).get("Statement", []):
        if statement.get("Effect") != "Deny":
            continue
        condition = statement.get("Condition") or {}
        secure = (condition.get("Bool") or {}).get("aws:SecureTransport")
        if str(secure).lower() in ("false", "['false']"):
            return True
        if isinstance(secure, list) and [str(s).lower() for s in secure] == ["false"]:
            return True
    return False


def _secure_transport(args, k, report):
    unknown = UnknownCollector()
    policies = of_type(args, BUCKET_POLICY)
    for bucket in of_type(args, *BUCKET_TYPES):
        with unknown.guard():
            attached = [p for p in policies if depends_on(p, bucket, "bucket")
                        or known_equal(lambda p=p: get(p.props, "bucket"), bucket, "bucket", "id")]
            if not attached:
                report(f"{label(bucket)} has no bucket policy denying requests without TLS", bucket.urn)
            elif not any(denies_insecure_transport(get(p.props, "policy")) for p in attached):
                report(f"{label(bucket)}: its bucket policy does not deny aws:SecureTransport=false", bucket.urn)
    unknown.raise_first()


bucket_secure_transport = stack_policy(
    "aws-s3-bucket-secure-transport",
    "Every S3 bucket denies requests made without TLS (encryption in transit).",
    _secure_transport, severity=CRITICAL,
    remediation="Add a bucket policy statement: Effect Deny, Principal *, Action s3:*, Resource bucket and "
                "bucket/*, Condition Bool aws:SecureTransport 'false'.")

POLICIES = [bucket_sse_algorithm, bucket_encryption_configured, bucket_secure_transport]

"""S3: default encryption at rest, TLS-only access, and versioning whose old versions expire, for every bucket."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence

from .common import (
    CRITICAL,
    HIGH,
    MEDIUM,
    UnknownCollector,
    as_number,
    depends_on,
    get,
    items,
    known_equal,
    label,
    of_type,
    resource_policy,
    schema,
    stack_policy,
    string_list,
)

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
    statements = (document or {}).get("Statement", [])
    # IAM takes one statement as a bare object too. A document given as an object (not a JSON string) arrives as
    # the analyzer's map and list proxies, which are a Mapping and a Sequence but not a dict and a list.
    for statement in [statements] if isinstance(statements, Mapping) else statements:
        if statement.get("Effect") != "Deny":
            continue
        condition = statement.get("Condition") or {}
        secure = (condition.get("Bool") or {}).get("aws:SecureTransport")
        values = secure if isinstance(secure, Sequence) and not isinstance(secure, str) else [secure]
        if [str(value).lower() for value in values] == ["false"]:
            return True
    return False


def _secure_transport(args, k, report):
    unknown = UnknownCollector()
    policies = of_type(args, BUCKET_POLICY)
    for bucket in of_type(args, *BUCKET_TYPES):
        with unknown.guard():
            attached = [p for p in policies if depends_on(p, bucket, "bucket")
                        or known_equal(functools.partial(get, p.props, "bucket"), bucket, "bucket", "id")]
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

VERSIONING_TYPES = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
LIFECYCLE_TYPES = ("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                   "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2")


def _versioned(bucket, configs) -> bool:
    inline = get(bucket.props, "versioning", "enabled")
    if inline is True or str(inline).lower() == "true":
        return True
    return any(_configures(c, bucket) and get(c.props, "versioningConfiguration", "status") == "Enabled"
               for c in configs)


def _expires_noncurrent(rule) -> bool:
    if str(get(rule, "status", default="Enabled")) != "Enabled" or get(rule, "enabled") is False:
        return False
    expiration = get(rule, "noncurrentVersionExpiration")
    return as_number(get(expiration, "noncurrentDays")) is not None or as_number(get(expiration, "days")) is not None


def _versioning_lifecycle(args, k, report):
    unknown = UnknownCollector()
    versionings, lifecycles = of_type(args, *VERSIONING_TYPES), of_type(args, *LIFECYCLE_TYPES)
    for bucket in of_type(args, *BUCKET_TYPES):
        with unknown.guard():
            if not _versioned(bucket, versionings):
                report(f"{label(bucket)} is not versioned: an overwrite or delete loses the object for good",
                       bucket.urn)
                continue
            rules = [*items(get(bucket.props, "lifecycleRules"))]
            for config in lifecycles:
                if _configures(config, bucket):
                    rules.extend(items(get(config.props, "rules")))
            if not any(_expires_noncurrent(rule) for rule in rules):
                report(f"{label(bucket)} is versioned but no enabled lifecycle rule expires noncurrent versions: "
                       "every overwritten or deleted object is kept and billed forever", bucket.urn)
    unknown.raise_first()


bucket_versioning_lifecycle = stack_policy(
    "aws-s3-bucket-versioning-lifecycle",
    "Every S3 bucket is versioned and a lifecycle rule expires its noncurrent versions.",
    _versioning_lifecycle, severity=MEDIUM,
    remediation="Declare aws.s3.BucketVersioning(status='Enabled') and a BucketLifecycleConfiguration rule with "
                "noncurrent_version_expiration(noncurrent_days=...) for the bucket (components.load_balancer does "
                "for the access-log bucket).")

POLICIES = [bucket_sse_algorithm, bucket_encryption_configured, bucket_secure_transport, bucket_versioning_lifecycle]
